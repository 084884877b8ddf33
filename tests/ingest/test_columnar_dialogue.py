"""The columnar path of the Korean dialogue reader gives what the record path gives.

Every label archive here is read twice: by ``read`` + ``RecordChecker.check`` (one dict per
dialogue) and by ``read_columnar`` + ``RecordChecker.check_table`` (an Arrow table per label file,
dicts for files it hands to the record path). Rows, problems, label counts and the personal-data
tally must be equal, for the sample generator's datasets (each planted fault, both PII policies)
and for label files mutated in ways the record path reports or converts (types, nulls, blanks,
Unicode spaces, repeated keys, personal data in odd places).
"""

from __future__ import annotations

import random
import zipfile
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import ingest.readers
from ingest.problems import ReadStats
from ingest.readers import korean_dialogue
from kdata.samples.korean_dialogue import FAULTS, write_korean_dialogue
from quality.record_checks import RecordChecker
from schemas.records import KOREAN_DIALOGUE

SCHEMA = KOREAN_DIALOGUE.arrow_schema()


def _record_path(archive: Path, rel: str, sources: dict[str, str], policy: str) -> tuple[list[dict], ReadStats, dict]:
    stats = ReadStats()
    checker = RecordChecker(KOREAN_DIALOGUE, policy)  # type: ignore[arg-type]
    rows = [checker.check(r) for r in korean_dialogue.read(archive, rel, sources, stats)]
    normalised = pa.Table.from_pylist(rows, schema=SCHEMA).to_pylist() if rows else []
    return normalised, stats, checker.tally.to_dict()


def _columnar_path(
    archive: Path, rel: str, sources: dict[str, str], policy: str
) -> tuple[list[dict], ReadStats, dict, int, int]:
    stats = ReadStats()
    checker = RecordChecker(KOREAN_DIALOGUE, policy)  # type: ignore[arg-type]
    rows: list[dict[str, Any]] = []
    tables = dicts = 0
    for piece in korean_dialogue.read_columnar(archive, rel, sources, stats):
        if isinstance(piece, dict):
            dicts += 1
            rows.extend(pa.Table.from_pylist([checker.check(piece)], schema=SCHEMA).to_pylist())
        else:
            tables += 1
            table = checker.check_table(piece)
            assert table.schema.equals(SCHEMA), table.schema
            rows.extend(table.to_pylist())
    return rows, stats, checker.tally.to_dict(), tables, dicts


def _sources(dataset: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    for archive in sorted(dataset.rglob("*S_*.zip")):
        rel = archive.relative_to(dataset).as_posix()
        with zipfile.ZipFile(archive) as zf:
            for name in sorted(zf.namelist()):
                found.setdefault(name.rsplit("/", 1)[-1].rsplit(".", 1)[0], f"{rel}!{name}")
    return found


def _compare(archive: Path, rel: str, sources: dict[str, str], policy: str) -> tuple[int, int, list[dict]]:
    expected, expected_stats, expected_tally = _record_path(archive, rel, sources, policy)
    rows, stats, tally, tables, dicts = _columnar_path(archive, rel, sources, policy)
    assert rows == expected
    assert stats == expected_stats
    assert tally == expected_tally
    return tables, dicts, rows


@pytest.mark.parametrize("fault", [None, *FAULTS])
@pytest.mark.parametrize("policy", ["block", "mask"])
def test_sample_datasets_read_alike(fault: str | None, policy: str, tmp_path: Path):
    dataset = write_korean_dialogue(tmp_path / "ds", items=90, seed=7, inject=fault, dialogues_per_file=20)
    sources = _sources(dataset)
    tables = 0
    rows: list[dict] = []
    for archive in sorted(dataset.rglob("*L_*.zip")):
        found, _dicts, read = _compare(archive, archive.relative_to(dataset).as_posix(), sources, policy)
        tables += found
        rows += read
    assert tables > 0  # the columnar path really read files
    assert len(rows) >= 80
    if fault == "pii":
        assert any(r["pii_hits"] for r in rows) == (policy == "block")
        masked = [r for r in rows if "900101" in orjson.dumps(r["utterances"]).decode()]
        assert bool(masked) == (policy == "block")


def _dialogue(rng: random.Random, n: int) -> dict[str, Any]:
    utterances = [
        {
            "utterance": rng.choice(["안녕하세요", "네 그래요", "ㅋㅋㅋ", "오늘 #@이름# 만나요", "좋아요!"]),
            "utteranceID": f"U{k}",
            "participantID": rng.choice(["P01", "P02"]),
            "date": "2021-03-0" + str(1 + k % 9),
            "turnID": f"T{k // 2}",
            "time": "12:00:0" + str(k % 10),
        }
        for k in range(rng.randint(1, 6))
    ]
    return {
        "header": {
            "dialogueInfo": {
                "numberOfParticipants": 2,
                "numberOfUtterances": len(utterances),
                "numberOfTurns": len({u["turnID"] for u in utterances}),
                "type": "2인 대화",
                "topic": rng.choice(["일상대화", "학업", "쇼핑"]),
                "dialogueID": f"KSNS_{n:08d}",
            },
            "participantsInfo": [
                {"participantID": "P01", "gender": rng.choice(["여성", "남성"]), "age": "20대"},
                {
                    "participantID": "P02",
                    "gender": rng.choice(["여성", "남성"]),
                    "age": "30대",
                    "residentialProvince": "서울",
                },
            ],
        },
        "body": utterances,
    }


def _mutate(rng: random.Random, item: dict[str, Any], kind: str) -> Any:
    info = item["header"]["dialogueInfo"]
    body = item["body"]
    people = item["header"]["participantsInfo"]
    if kind == "int id":
        info["dialogueID"] = 12345
    elif kind == "blank id":
        info["dialogueID"] = rng.choice(["", "   ", "\u3000", "\x1c"])
    elif kind == "padded id":
        info["dialogueID"] = f"  {info['dialogueID']}\u3000"
    elif kind == "no id":
        del info["dialogueID"]
    elif kind == "count as text":
        info["numberOfUtterances"] = str(info["numberOfUtterances"])
    elif kind == "count missing":
        del info["numberOfUtterances"]
    elif kind == "count null":
        info["numberOfTurns"] = None
    elif kind == "count float":
        info["numberOfParticipants"] = 2.0
    elif kind == "count huge":
        info["numberOfParticipants"] = 2**40
    elif kind == "topic number":
        info["topic"] = 7
    elif kind == "topic null":
        info["topic"] = None
    elif kind == "turn number":
        body[0]["turnID"] = 3
    elif kind == "utterance bool":
        body[0]["utterance"] = True
    elif kind == "utterance object":
        body[0]["utterance"] = {"text": "안녕"}
    elif kind == "blank utterances":
        for u in body:
            u["utterance"] = rng.choice(["", " ", "\t\n", "\u3000", "\x1c\x1d", None, "내용"])
    elif kind == "missing utterance keys":
        for u in body:
            u.pop(rng.choice(["utterance", "turnID", "date", "participantID"]), None)
    elif kind == "same turns":
        for u in body:
            u["turnID"] = "T1"
    elif kind == "null turns":
        for u in body:
            u["turnID"] = None
    elif kind == "body missing":
        del item["body"]
    elif kind == "body empty":
        item["body"] = []
    elif kind == "body item null":
        body.append(None)
    elif kind == "body item string":
        body.append("발화")
    elif kind == "no participants":
        del item["header"]["participantsInfo"]
    elif kind == "participants null":
        item["header"]["participantsInfo"] = None
    elif kind == "participant null":
        people.append(None)
    elif kind == "genders odd":
        for p in people:
            p["gender"] = rng.choice(["", " 여성 ", "여성", None, "\u3000남성", "남성"])
    elif kind == "age number":
        people[0]["age"] = 25
    elif kind == "header missing":
        del item["header"]
    elif kind == "item not object":
        return "대화"
    elif kind == "item null":
        return None
    elif kind == "pii phone":
        body[0]["utterance"] = "제 번호는 010-1234-5678 이에요"
    elif kind == "pii quoted":  # escapes in label_json (\t is two characters there): its pre-check misses these
        body[0]["utterance"] = '주민번호 "900101\t\t\t1234568" 입니다'
        body[-1]["utterance"] = "메일 hong\t@\tgmail.com"
    elif kind == "pii fullwidth rrn":
        body[-1]["utterance"] = "주민번호 ９００１０１-１２３４５６８"
    elif kind == "pii email":
        body[0]["utterance"] = "메일은 hong.gildong@example.co.kr 로"
    elif kind == "pii in id":
        info["dialogueID"] = "010-9876-5432"
    elif kind == "pii in gender":
        people[0]["gender"] = "a@b.kr"
    elif kind == "digits not pii":
        body[0]["utterance"] = "2021년 3월 1일 12시 30분 45초 1234"
    elif kind == "extra keys":
        item["extra"] = {"x": [1, 2]}
        body[0]["emotion"] = "기쁨"
    return item


MUTATIONS = [
    "int id", "blank id", "padded id", "no id", "count as text", "count missing", "count null", "count float",
    "count huge", "topic number", "topic null", "turn number", "utterance bool", "utterance object",
    "blank utterances", "missing utterance keys", "same turns", "null turns", "body missing", "body empty",
    "body item null", "body item string", "no participants", "participants null", "participant null",
    "genders odd", "age number", "header missing", "item not object", "item null", "pii phone",
    "pii quoted", "pii fullwidth rrn", "pii email", "pii in id", "pii in gender", "digits not pii", "extra keys",
]  # fmt: skip


def _member(rng: random.Random, start: int, kind: str | None, *, raw_edit: str | None = None) -> bytes:
    items = [_dialogue(rng, start + k) for k in range(6)]
    if kind is not None:
        target = rng.randrange(len(items))
        items[target] = _mutate(rng, items[target], kind)
    document = {"numberOfItems": len(items) + (1 if rng.random() < 0.2 else 0), "data": items}
    data = orjson.dumps(document, option=orjson.OPT_INDENT_2)
    if raw_edit == "duplicate key":
        data = data.replace(b'"topic":', '"topic": "중복", "topic":'.encode(), 1)
    elif raw_edit == "cp949":
        data = data.decode().encode("cp949", "replace")
    elif raw_edit == "cut":
        data = data[: len(data) * 2 // 3]
    elif raw_edit == "items as text":
        data = data.replace(b'"numberOfItems":', b'"numberOfItems": "6", "x":', 1)
    return data


@pytest.mark.parametrize("policy", ["block", "mask"])
def test_mutated_label_files_read_alike(policy: str, tmp_path: Path):
    rng = random.Random(20261201)
    archive = tmp_path / "TL_1.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, kind in enumerate([None, *MUTATIONS, None]):
            zf.writestr(f"labels/{n:03d}.json", _member(rng, n * 10, kind))
        for n, edit in enumerate(["duplicate key", "cp949", "cut", "items as text"]):
            zf.writestr(f"labels/raw{n}.json", _member(rng, 1000 + n * 10, None, raw_edit=edit))
    sources = {f"KSNS_{n:08d}": f"TS_1.zip!src/KSNS_{n:08d}.txt" for n in range(0, 2000, 3)}
    tables, dicts, rows = _compare(archive, "TL_1.zip", sources, policy)
    assert tables >= 10 and dicts >= 20  # both paths really ran
    assert rows and any(r["source_file"] is None for r in rows) and any(r["source_file"] for r in rows)


def test_ingest_with_and_without_columnar_publishes_the_same_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from kcore.config import load_settings
    from kdata import pipeline

    dataset = write_korean_dialogue(tmp_path / "ds", items=120, seed=3, dialogues_per_file=25)
    results = {}
    for columnar in ("1", "0"):
        monkeypatch.setenv("KDATA_HOME", str(tmp_path / f"home{columnar}"))
        if columnar == "0":  # the record reader for every file
            monkeypatch.setattr(ingest.readers, "get_columnar_reader", lambda record_schema: None)
        result = pipeline.ingest(load_settings(), str(dataset))
        store = tmp_path / f"home{columnar}" / "store"
        chunks = sorted(store.rglob("*.parquet"))
        results[columnar] = (
            result["rows"],
            result["verdict"],
            [pq.read_table(c).to_pylist() for c in chunks],
            [c.relative_to(store).as_posix() for c in chunks],
        )
    assert results["1"] == results["0"]
    assert sum(results["1"][0].values()) == 120


def test_blank_utterances_are_those_python_strips_to_nothing() -> None:
    """The columnar reader counts blank utterances by an anchored RE2 pre-test and Python for the rest: the
    same answer as ``not (u or "").strip()`` for spaces RE2 and Python disagree on (``\\x1c``-``\\x1f`` and
    U+0085 are whitespace to Python only; U+200B to neither) and for text starting with any character."""
    values = [None, "", " ", "\t\n", "\u3000", "\u00a0", "\x1c", "\x1f\u0085", "\u200b", " \u3000 ", "가", " 가",
              "ㅋㅋ", "a", "!?", "\u3000안녕", "😀", "\x1cx", "１２", "\u2028"]  # fmt: skip
    expected = [not (v or "").strip() for v in values]
    assert korean_dialogue._blank(pa.array(values, pa.string())).tolist() == expected
    assert sum(expected) == 10  # the blank ones above


@pytest.mark.parametrize("policy", ["block", "mask"])
def test_label_files_are_read_in_batches_and_a_bad_file_sends_only_itself_to_the_record_path(
    policy: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files are parsed many at a time (one table per batch); a file the columnar path cannot read makes its
    batch read file by file, and only that file goes by the record path; rows, problems and tallies as the
    record path gives them, label members named per row."""
    monkeypatch.setattr(korean_dialogue, "_BATCH_FILES", 4)
    rng = random.Random(20261206)
    archive = tmp_path / "TL_1.zip"
    kinds = [None, None, None, None, None, "no id", None, None, None, None, None]
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, kind in enumerate(kinds):
            zf.writestr(f"labels/{n:03d}.json", _member(rng, n * 10, kind))
    sources = {f"KSNS_{n:08d}": f"TS_1.zip!src/KSNS_{n:08d}.txt" for n in range(0, 2000, 2)}
    tables, dicts, rows = _compare(archive, "TL_1.zip", sources, policy)
    # files 0-3 one batch; 4-7 file by file (5 by the record path: its dialogue without an id left out); 8-10
    assert (tables, dicts) == (1 + 3 + 1, 5)
    members = [f"labels/{n:03d}.json" for n in range(11) for _ in range(5 if n == 5 else 6)]
    assert [r["label_member"] for r in rows] == members


def test_a_key_written_twice_keeps_both_values_in_label_json_on_both_paths(tmp_path: Path) -> None:
    """Attack trial 8: an ignored key written twice (``"residentialProvince": "주민번호 …", "residentialProvince":
    "충남"``) kept both values in the columnar path's label_json (the RRN found) and the last one in the record
    path's (published): which path a file takes depends on its other content."""
    rng = random.Random(11)
    twice = '"residentialProvince": "주민 900101-1234568", "residentialProvince": "x", "dialogueID":'.encode()
    columnar = _member(rng, 0, None).replace(b'"dialogueID":', twice, 1)
    by_records = _member(rng, 100, "int id").replace(b'"dialogueID":', twice, 1)  # an int id: the record path
    archive = tmp_path / "TL_1.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("labels/a.json", columnar)
        zf.writestr("labels/b.json", by_records)
    rows, _stats, _tally, tables, dicts = _columnar_path(archive, "TL_1.zip", {}, "block")
    assert tables >= 1 and dicts >= 1  # both paths ran
    found = {r["label_member"]: r["pii_hits"] for r in rows if "900101" in r["label_json"]}
    assert set(found) == {"labels/a.json", "labels/b.json"} and all(found.values()), found
