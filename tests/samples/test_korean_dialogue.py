"""Tests of the Korean SNS dialogue sample generator (kdata.samples.korean_dialogue)."""

from __future__ import annotations

import json
import re
import time
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from kdata.samples.korean_dialogue import (
    FAULTS,
    PII_PHONE,
    PII_RRN,
    SampleError,
    write_korean_dialogue,
)
from kdata.samples.korean_text import attach_josa, has_final_consonant
from schemas.manifest import load_manifest

DATA = "01.데이터"
RRN_RE = re.compile(r"\d{6}-?\d{7}")
PHONE_RE = re.compile(r"01[016789]-?\d{3,4}-?\d{4}")


@dataclass
class Tree:
    """Everything read back from a generated dataset folder."""

    labels: dict[tuple[str, str], str] = field(default_factory=dict)  # (archive, member) -> text
    sources: dict[tuple[str, str], str] = field(default_factory=dict)
    dialogues: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (split, dialogue)
    bad_members: list[tuple[str, str]] = field(default_factory=list)
    member_names: list[str] = field(default_factory=list)

    def source_ids(self) -> set[str]:
        return {Path(member).stem for _, member in self.sources}

    def ids(self) -> list[str]:
        return [d["header"]["dialogueInfo"]["dialogueID"] for _, d in self.dialogues]


def read_tree(root: Path) -> Tree:
    tree = Tree()
    for path in sorted((root / DATA).rglob("*.zip")):
        split = path.parts[-3]
        kind = path.parts[-2]
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                tree.member_names.append(info.filename)
                text = zf.read(info).decode("utf-8")
                key = (path.name, info.filename)
                if kind == "라벨링데이터":
                    assert info.filename.endswith(".json")
                    tree.labels[key] = text
                    try:
                        doc = json.loads(text)
                    except json.JSONDecodeError:
                        tree.bad_members.append(key)
                        continue
                    assert doc["numberOfItems"] == len(doc["data"])
                    tree.dialogues.extend((split, d) for d in doc["data"])
                else:
                    assert kind == "원천데이터"
                    assert info.filename.endswith(".txt")
                    tree.sources[key] = text
    return tree


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_korean_dialogue(tmp_path_factory.mktemp("clean") / "ds", items=200, seed=7)


@pytest.fixture(scope="module")
def clean_tree(clean: Path) -> Tree:
    return read_tree(clean)


def test_classic_tree_and_manifest(clean: Path) -> None:
    manifest = load_manifest(clean)
    assert manifest.id == "korean-sns-dialogue"
    assert manifest.domain == "korean" and manifest.data_type == "text"
    assert manifest.record_schema == "korean_dialogue"
    assert manifest.version == "1.0"
    assert manifest.license.status == "approval_required" and not manifest.license.redistribution
    assert manifest.quality.pii_policy == "block"
    assert "'1.0'" in (clean / "dataset.yaml").read_text(encoding="utf-8")

    zips = sorted(p.relative_to(clean).as_posix() for p in clean.rglob("*.zip"))
    prefixes = {
        "1.Training/라벨링데이터": "TL",
        "1.Training/원천데이터": "TS",
        "2.Validation/라벨링데이터": "VL",
        "2.Validation/원천데이터": "VS",
    }
    for folder, prefix in prefixes.items():
        names = [z.rsplit("/", 1)[1] for z in zips if z.startswith(f"{DATA}/{folder}/")]
        assert 2 <= len(names) <= 3, (folder, names)
        for name in names:
            assert re.fullmatch(rf"{prefix}_[1-4]\.(일상대화|쇼핑|여행|학업)\.zip", name), name
    assert len(zips) == sum(1 for z in zips if any(f"{DATA}/{f}/" in z for f in prefixes))


def test_members_are_named_like_ai_hub(clean: Path) -> None:
    for path in (clean / DATA).rglob("*.zip"):
        topic = path.stem.split(".", 1)[1]
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            assert [i.filename for i in infos] == sorted(i.filename for i in infos)
            for info in infos:
                assert info.flag_bits & 0x800, "UTF-8 name flag"
                assert info.date_time == (2024, 1, 1, 0, 0, 0)
                assert info.compress_type == zipfile.ZIP_DEFLATED
                if path.parent.name == "라벨링데이터":
                    assert re.fullmatch(rf"{topic}/SNS_{topic}_\d{{4}}\.json", info.filename)
                else:
                    assert re.fullmatch(rf"{topic}/KSNS_\d{{8}}\.txt", info.filename)


def test_counts_split_and_ids(clean_tree: Tree) -> None:
    tree = clean_tree
    assert not tree.bad_members
    assert len(tree.dialogues) == 200
    splits = Counter(split for split, _ in tree.dialogues)
    assert splits == {"1.Training": 160, "2.Validation": 40}
    ids = tree.ids()
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"KSNS_\d{8}", i) for i in ids)
    assert set(ids) == tree.source_ids()


def test_label_files_hold_at_most_dialogues_per_file(tmp_path: Path) -> None:
    root = write_korean_dialogue(tmp_path / "ds", items=50, seed=3, dialogues_per_file=4)
    tree = read_tree(root)
    sizes = [len(json.loads(text)["data"]) for text in tree.labels.values()]
    assert sum(sizes) == 50 and max(sizes) == 4


def test_every_dialogue_is_consistent(clean_tree: Tree) -> None:
    sources = {Path(member).stem: text for (_, member), text in clean_tree.sources.items()}
    for _, dialogue in clean_tree.dialogues:
        info = dialogue["header"]["dialogueInfo"]
        participants = dialogue["header"]["participantsInfo"]
        body = dialogue["body"]
        assert info["numberOfUtterances"] == len(body)
        assert info["numberOfParticipants"] == len(participants)
        assert 2 <= len(participants) <= 4
        assert info["type"] == ("2인 대화" if len(participants) == 2 else "다자 대화")
        assert info["numberOfTurns"] == len({u["turnID"] for u in body})
        pids = {p["participantID"] for p in participants}
        assert {u["participantID"] for u in body} == pids
        for p in participants:
            assert p["gender"] in ("여성", "남성")
            assert re.fullmatch(r"\d0대( 이상)?", p["age"])
            assert p["residentialProvince"].endswith(("시", "도"))
        # a turn = consecutive utterances of one speaker
        previous: dict[str, Any] | None = None
        turn = 0
        for n, utt in enumerate(body, 1):
            assert utt["utteranceID"] == f"U{n}"
            if previous is None or utt["participantID"] != previous["participantID"]:
                turn += 1
            assert utt["turnID"] == f"T{turn}"
            assert utt["utterance"].strip()
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", utt["date"])
            assert re.fullmatch(r"\d{2}:\d{2}:\d{2}", utt["time"])
            if previous is not None:
                assert (previous["date"], previous["time"]) <= (utt["date"], utt["time"])
            previous = utt
        expected = "".join(f"{u['participantID']}: {u['utterance']}\n" for u in body)
        assert sources[info["dialogueID"]] == expected
        assert info["topic"] in ("일상대화", "쇼핑", "여행", "학업")


def test_text_is_korean_chat_with_deidentification_tokens(clean_tree: Tree) -> None:
    utterances = [u["utterance"] for _, d in clean_tree.dialogues for u in d["body"]]
    joined = "\n".join(utterances)
    assert "lorem" not in joined.lower()
    hangul = sum(1 for ch in joined if "가" <= ch <= "힣")
    assert hangul > len(joined) * 0.5
    for token in ("#@이름#", "#@계정#", "ㅋㅋ", "ㅠㅠ"):
        assert token in joined, token
    assert "?" in joined
    assert len(set(utterances)) > 100


def test_clean_sample_has_no_pii_patterns(clean_tree: Tree) -> None:
    for text in [*clean_tree.labels.values(), *clean_tree.sources.values()]:
        assert not RRN_RE.search(text)
        assert not PHONE_RE.search(text)


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_no_pii_patterns_over_seeds(tmp_path: Path, seed: int) -> None:
    tree = read_tree(write_korean_dialogue(tmp_path / "ds", items=300, seed=seed))
    for text in [*tree.labels.values(), *tree.sources.values()]:
        assert not RRN_RE.search(text) and not PHONE_RE.search(text)


def _file_bytes(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_deterministic(tmp_path: Path) -> None:
    a = _file_bytes(write_korean_dialogue(tmp_path / "a", items=120, seed=5))
    b = _file_bytes(write_korean_dialogue(tmp_path / "b", items=120, seed=5))
    assert a == b
    c = _file_bytes(write_korean_dialogue(tmp_path / "c", items=120, seed=6))
    labels_a = {k: v for k, v in a.items() if "라벨링데이터" in k}
    labels_c = {k: v for k, v in c.items() if "라벨링데이터" in k}
    assert labels_a != labels_c
    assert not set(labels_a.values()) & set(labels_c.values())


@pytest.mark.parametrize("fault", FAULTS)
def test_faulty_samples_are_deterministic(tmp_path: Path, fault: str) -> None:
    a = _file_bytes(write_korean_dialogue(tmp_path / "a", items=60, seed=2, inject=fault))
    b = _file_bytes(write_korean_dialogue(tmp_path / "b", items=60, seed=2, inject=fault))
    assert a == b


def test_fault_pii(tmp_path: Path) -> None:
    tree = read_tree(write_korean_dialogue(tmp_path / "ds", items=100, seed=1, inject="pii"))
    hits = [key for key, text in tree.labels.items() if PII_RRN in text or PII_PHONE in text]
    assert len(hits) == 1
    archive, member = hits[0]
    assert archive.startswith("TL_1.") and member.endswith("_0001.json")
    text = tree.labels[hits[0]]
    assert RRN_RE.search(text) and PHONE_RE.search(text)
    assert not tree.bad_members and len(tree.dialogues) == 100
    assert len(set(tree.ids())) == 100 and set(tree.ids()) == tree.source_ids()
    pii_dialogues = [d for _, d in tree.dialogues if PII_RRN in json.dumps(d, ensure_ascii=False)]
    assert len(pii_dialogues) == 1
    assert PII_PHONE in json.dumps(pii_dialogues[0], ensure_ascii=False)
    # the other label members stay clean
    for key, other in tree.labels.items():
        if key != hits[0]:
            assert not RRN_RE.search(other) and not PHONE_RE.search(other)


def test_fault_bad_json(tmp_path: Path) -> None:
    tree = read_tree(write_korean_dialogue(tmp_path / "ds", items=200, seed=1, inject="bad-json"))
    assert len(tree.bad_members) == 1
    archive, member = tree.bad_members[0]
    assert archive.startswith("TL_1.") and member.endswith("_0001.json")
    assert len(tree.labels) > 1  # the others still parse
    assert len(tree.dialogues) == 200 - 50
    assert len(set(tree.ids())) == len(tree.ids())


def test_fault_duplicate_id(tmp_path: Path) -> None:
    tree = read_tree(write_korean_dialogue(tmp_path / "ds", items=100, seed=1, inject="duplicate-id"))
    counts = Counter(tree.ids())
    assert len(tree.ids()) == 100
    dupes = {i: n for i, n in counts.items() if n > 1}
    assert len(dupes) == 1 and list(dupes.values()) == [2]
    assert not tree.bad_members
    # no missing source: the shared id still has its .txt, and no orphan .txt is left behind
    assert set(tree.ids()) == tree.source_ids()


def test_fault_missing_source(tmp_path: Path) -> None:
    tree = read_tree(write_korean_dialogue(tmp_path / "ds", items=100, seed=1, inject="missing-source"))
    ids = tree.ids()
    assert len(ids) == 100 and len(set(ids)) == 100 and not tree.bad_members
    missing = set(ids) - tree.source_ids()
    assert len(missing) == 1
    assert not tree.source_ids() - set(ids)
    (missing_id,) = missing
    first_training = [d for split, d in tree.dialogues if split == "1.Training"][:50]
    assert missing_id in {d["header"]["dialogueInfo"]["dialogueID"] for d in first_training}


@pytest.mark.parametrize("fault", FAULTS)
def test_fault_only_changes_one_thing(tmp_path: Path, fault: str) -> None:
    clean = _file_bytes(write_korean_dialogue(tmp_path / "clean", items=80, seed=4))
    faulty = _file_bytes(write_korean_dialogue(tmp_path / "faulty", items=80, seed=4, inject=fault))
    assert clean.keys() == faulty.keys()
    changed = [k for k in clean if clean[k] != faulty[k]]
    assert 1 <= len(changed) <= 2
    assert all("/1.Training/" in k and "_1." in k for k in changed)


def test_one_item(tmp_path: Path) -> None:
    root = write_korean_dialogue(tmp_path / "ds", items=1)
    tree = read_tree(root)
    assert len(tree.dialogues) == 1 and tree.dialogues[0][0] == "1.Training"
    assert set(tree.ids()) == tree.source_ids()
    load_manifest(root)


def test_two_items_gives_one_validation(tmp_path: Path) -> None:
    tree = read_tree(write_korean_dialogue(tmp_path / "ds", items=2))
    assert Counter(split for split, _ in tree.dialogues) == {"1.Training": 1, "2.Validation": 1}


@pytest.mark.parametrize(("items", "val"), [(5, 1), (9, 1), (10, 2), (11, 2), (1000, 200)])
def test_split_sizes(tmp_path: Path, items: int, val: int) -> None:
    tree = read_tree(write_korean_dialogue(tmp_path / "ds", items=items, seed=9))
    assert Counter(split for split, _ in tree.dialogues) == {"1.Training": items - val, "2.Validation": val}
    assert len(set(tree.ids())) == items


def test_thousand_items_is_fast(tmp_path: Path) -> None:
    started = time.perf_counter()
    write_korean_dialogue(tmp_path / "ds", items=1000, seed=11)
    assert time.perf_counter() - started < 5


def test_custom_id_and_version(tmp_path: Path) -> None:
    root = write_korean_dialogue(tmp_path / "ds", items=10, dataset_id="my-sns-set", version="1.1")
    manifest = load_manifest(root)
    assert manifest.id == "my-sns-set" and manifest.version == "1.1"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"layout": "newer"}, "classic"),
        ({"inject": "typo"}, "missing-source"),
        ({"items": 0}, "items"),
        ({"dialogues_per_file": 0}, "dialogues_per_file"),
        ({"dataset_id": "Bad Id"}, "id"),
        ({"version": "v1"}, "version"),
        ({"items": 2, "inject": "duplicate-id"}, "duplicate-id"),
    ],
)
def test_bad_arguments(tmp_path: Path, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(SampleError, match=message):
        write_korean_dialogue(tmp_path / "ds", **kwargs)
    assert not (tmp_path / "ds").exists()


def test_unknown_fault_lists_all_faults(tmp_path: Path) -> None:
    with pytest.raises(SampleError) as info:
        write_korean_dialogue(tmp_path / "ds", inject="nope")
    for fault in FAULTS:
        assert fault in str(info.value)
    assert isinstance(info.value, ValueError)


def test_refuses_non_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "ds").mkdir()
    (tmp_path / "ds" / "keep.txt").write_text("x")
    with pytest.raises(SampleError, match="empty"):
        write_korean_dialogue(tmp_path / "ds", items=5)
    empty = tmp_path / "empty"
    empty.mkdir()
    assert write_korean_dialogue(empty, items=5) == empty


@pytest.mark.parametrize(
    ("word", "josa", "expected"),
    [
        ("국밥", "를", "국밥을"),
        ("떡볶이", "을", "떡볶이를"),
        ("기차", "으로", "기차로"),
        ("지하철", "으로", "지하철로"),
        ("호텔", "로", "호텔로"),
        ("펜션", "로", "펜션으로"),
        ("부산", "은", "부산은"),
        ("KTX", "를", "KTX를"),
    ],
)
def test_josa(word: str, josa: str, expected: str) -> None:
    assert attach_josa(word, josa) == expected


def test_final_consonant() -> None:
    assert has_final_consonant("밥") and not has_final_consonant("차") and has_final_consonant("3")
