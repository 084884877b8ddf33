"""quality.record_checks (scanning records, masking, content hash) and the manifest's quality block."""

from __future__ import annotations

import copy
import json
import random
import re
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pytest
import yaml

from quality import pii, record_checks
from quality.record_checks import (
    MAX_EXAMPLES,
    RecordChecker,
    content_hashes,
    content_sha256,
    merge_tallies,
    redact_problem,
)
from schemas.manifest import ManifestError, load_manifest
from schemas.records import KOREAN_DIALOGUE, QUALITY_COLUMNS
from tests.conftest import DIALOGUE_MAPPING

RRN = "900101-1234568"
PHONE = "010-1234-5678"


def record(dialogue_id: str = "KSNS_00000001", text: str = "안녕", **extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "dialogue_id": dialogue_id,
        "topic": "일상대화",
        "dialogue_type": "2인 대화",
        "number_of_participants": 2,
        "participants": [{"participant_id": "P01", "gender": "여성", "age": "20대"}],
        "utterances": [
            {"utterance_id": "U1", "turn_id": "T1", "participant_id": "P01", "date": "2020-12-01", "time": "10:00:00"},
            {"utterance_id": "U2", "turn_id": "T2", "participant_id": "P02", "date": "2020-12-01", "utterance": text},
        ],
        "source_file": f"TS_1.zip!일상대화/{dialogue_id}.txt",
        "label_archive": "TL_1.zip",
        "label_member": "일상대화/SNS_0001.json",
    }
    base.update(extra)
    return base


def test_every_schema_gets_the_quality_check_columns() -> None:
    names = KOREAN_DIALOGUE.arrow_schema().names
    for column in QUALITY_COLUMNS:
        assert column.name in names and column.name in KOREAN_DIALOGUE.check_columns()
    content = KOREAN_DIALOGUE.content_column_names()
    assert "utterances" in content
    assert not {"dialogue_id", "source_file", "label_archive", "label_member", "pii_hits"} & set(content)


def test_block_counts_nested_findings_and_keeps_values() -> None:
    checker = RecordChecker(KOREAN_DIALOGUE, "block")
    rec = record(text=f"주민번호 {RRN}, 폰 {PHONE}")
    rec["participants"][0]["age"] = "02-345-6789"  # any text field, nested structs too
    out = checker.check(rec)
    assert out["pii_hits"] == 3
    assert RRN in out["utterances"][1]["utterance"]  # block: the data is refused, not changed
    tally = checker.tally.to_dict()
    assert tally["records_with_pii"] == 1
    assert tally["rules"]["rrn"]["examples"] == ["900101-1******"]
    assert tally["rules"]["landline_phone"]["locations"] == [
        {
            "record_id": "KSNS_00000001",
            "archive": "TL_1.zip",
            "member": "일상대화/SNS_0001.json",
            "field": "participants[0].age",
        }
    ]
    assert tally["rules"]["mobile_phone"]["locations"][0]["field"] == "utterances[1].utterance"
    assert RRN not in repr(tally) and PHONE not in repr(tally)


def test_mask_replaces_and_leaves_no_hits() -> None:
    checker = RecordChecker(KOREAN_DIALOGUE, "mask")
    out = checker.check(record(text=f"주민번호 {RRN}, 폰 {PHONE}"))
    assert out["utterances"][1]["utterance"] == "주민번호 #@주민번호#, 폰 #@전화번호#"
    assert out["pii_hits"] == 0
    rules = checker.tally.to_dict()["rules"]
    assert (rules["rrn"]["found"], rules["rrn"]["masked"]) == (1, 1)
    assert (rules["mobile_phone"]["found"], rules["mobile_phone"]["masked"]) == (1, 1)


def test_file_names_are_scanned_and_binary_values_are_not() -> None:
    """Attack trial: a label file named with a phone number was published under ``block`` (the provenance
    columns were never scanned). They are, on both paths, and masked under ``mask``; bytes are passed over."""
    rec = record(source_file=f"TS_1.zip!{PHONE}.txt", label_member=f"{PHONE}.json")
    rec["utterances"][0]["utterance"] = PHONE.encode()  # bytes: skipped
    checker = RecordChecker(KOREAN_DIALOGUE, "mask")
    out = checker.check(dict(rec))
    assert out["source_file"] == "TS_1.zip!#@전화번호#.txt" and out["label_member"] == "#@전화번호#.json"
    assert out["pii_hits"] == 0 and checker.tally.records_with_pii == 1
    assert checker.tally.rules["mobile_phone"].found == 1  # one value, in two names
    blocked = RecordChecker(KOREAN_DIALOGUE, "block")
    assert blocked.check(dict(rec))["pii_hits"] == 2
    (location,) = blocked.tally.to_dict()["rules"]["mobile_phone"]["locations"]
    assert location["member"] == "#@전화번호#.json" and location["field"] == "source_file"
    clean = record()
    clean["utterances"][0]["utterance"] = PHONE.encode()
    assert RecordChecker(KOREAN_DIALOGUE, "block").check(clean)["pii_hits"] == 0


def test_an_id_holding_personal_data_is_masked_in_locations() -> None:
    checker = RecordChecker(KOREAN_DIALOGUE, "block")
    checker.check(record(dialogue_id=f"ID_{PHONE}"))
    (location,) = checker.tally.to_dict()["rules"]["mobile_phone"]["locations"]
    assert location["record_id"] == "ID_#@전화번호#" and location["field"] == "dialogue_id"
    problem = redact_problem({"code": "missing_source", "record_id": f"ID_{PHONE}", "member": None})
    assert problem == {"code": "missing_source", "record_id": "ID_#@전화번호#", "member": None}


def test_content_hash_ignores_id_and_provenance_but_not_content() -> None:
    checker = RecordChecker(KOREAN_DIALOGUE, "block")
    first = checker.check(record("KSNS_00000001"))
    same = checker.check(record("KSNS_00000002", label_member="other.json", source_file=None))
    other = checker.check(record("KSNS_00000003", text="다른 말"))
    assert first["content_sha256"] == same["content_sha256"] != other["content_sha256"]
    assert len(first["content_sha256"]) == 64


def test_merge_tallies_adds_up_and_caps_examples() -> None:
    parts = []
    for n in range(4):
        checker = RecordChecker(KOREAN_DIALOGUE, "block")
        for k in range(3):
            checker.check(record(f"D{n}{k}", text=f"010-{n}{k}00-56{n}{k}"))
        parts.append(checker.tally.to_dict())
    merged = merge_tallies("block", [*parts, None])
    mobile = merged["rules"]["mobile_phone"]
    assert (mobile["found"], mobile["records"], merged["records_scanned"]) == (12, 12, 12)
    assert len(mobile["examples"]) <= MAX_EXAMPLES


# -- the manifest's quality block ------------------------------------------------------------------


def _manifest(sample: Path, tmp_path: Path, **quality: Any) -> Path:
    data = yaml.safe_load((sample / "dataset.yaml").read_text(encoding="utf-8"))
    data = copy.deepcopy(data)
    data["quality"].update(quality)
    for key, value in list(quality.items()):
        if value is None:
            data["quality"].pop(key)
    path = tmp_path / "dataset.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_healthcare_manifest_may_not_mask(sample_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = _manifest(sample_factory(items=10), tmp_path, pii_policy="mask")
    assert load_manifest(path).quality.pii_policy == "mask"
    text = path.read_text(encoding="utf-8").replace("domain: korean", "domain: healthcare")
    text = text.replace("record_schema: korean_dialogue", DIALOGUE_MAPPING)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ManifestError, match=r"field 'quality.pii_policy'.*healthcare"):
        load_manifest(path)
    path.write_text(text.replace("pii_policy: mask", "pii_policy: block"), encoding="utf-8")
    assert load_manifest(path).quality.pii_policy == "block"


def test_distribution_targets_are_validated(sample_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sample = sample_factory(items=10)
    good = load_manifest(_manifest(sample, tmp_path, distributions={"topic": {"일상대화": 0.6, "쇼핑": 0.4}}))
    assert good.quality.distributions == {"topic": {"일상대화": 0.6, "쇼핑": 0.4}}
    assert good.quality.distribution_tolerance == 0.05
    with pytest.raises(ManifestError, match="add up to 1"):
        load_manifest(_manifest(sample, tmp_path, distributions={"topic": {"일상대화": 0.6}}))
    with pytest.raises(ManifestError, match="distribution_tolerance"):
        load_manifest(_manifest(sample, tmp_path, distribution_tolerance=0))


def test_record_text_pre_check_is_never_stricter_than_the_strings_joined() -> None:
    """The JSON form of a record may say "maybe" more often, never less often, than its strings."""
    import random

    from quality import pii
    from quality.record_checks import _FIELD_SEPARATOR, _collect_strings, _record_text

    rnd = random.Random(11)
    alphabet = "0123456789" * 2 + '-- .:@#_%+\n"\\가나 abcZ０１'

    def text() -> str:
        return "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 14)))

    def value(depth: int = 0) -> object:
        kind = rnd.randint(0, 6 if depth < 2 else 3)
        if kind <= 1:
            return text()
        if kind == 2:
            return rnd.choice([None, 7, 12345, 3.5, True, b"\x00\x01"])
        if kind == 3:
            return text()
        if kind == 4:
            return [value(depth + 1) for _ in range(rnd.randint(0, 4))]
        return {f"k{n}": value(depth + 1) for n in range(rnd.randint(0, 4))}

    candidates = 0
    for _ in range(20_000):
        record = {f"f{n}": value() for n in range(rnd.randint(1, 5))}
        strings: list[str] = []
        for item in record.values():
            _collect_strings(item, strings)
        reference = pii.might_contain_pii(_FIELD_SEPARATOR.join(strings))
        candidates += reference
        assert pii.might_contain_pii(_record_text(record)) or not reference, record
    assert candidates > 2_000


# -- the columnar checks: RE2 pre-check and Arrow-built canonical JSON ------------------------------

_NESTED = pa.schema(
    [
        ("id", pa.string()),
        ("n", pa.int32()),
        ("flag", pa.bool_()),
        ("tags", pa.list_(pa.string())),
        ("items", pa.list_(pa.struct([("zeta", pa.string()), ("alpha", pa.int64()), ("mid", pa.list_(pa.string()))]))),
        ("meta", pa.struct([("b", pa.string()), ("a", pa.struct([("y", pa.int32()), ("x", pa.string())]))])),
        ("nothing", pa.null()),
    ]
)
_TEXTS = [
    "", "안녕하세요", 'quote " inside', "back\\slash", "both \\\" mixed", "new\nline", "tab\t", "\x01ctl", "\x7fdel",
    "\u2028sep", "/slash", "🙂", "é", "전화 010-1234-5678", "#@이름#", "a@b.kr", "１２３４５６７８９",
]  # fmt: skip


def _random_row(rng: random.Random, nulls: float = 1.0) -> dict:
    """A nested row; ``nulls`` scales how often a value is null (0: never, whole columns without nulls)."""

    def text() -> str | None:
        return None if rng.random() < 0.15 * nulls else rng.choice(_TEXTS) + rng.choice(["", "x", " 가"])

    def maybe(value):
        return None if rng.random() < 0.1 * nulls else value

    return {
        "id": text(),
        "n": maybe(rng.choice([0, -1, 7, 2**31 - 1, -(2**31)])),
        "flag": maybe(rng.random() < 0.5),
        "tags": maybe([text() for _ in range(rng.randint(0, 3))]),
        "items": maybe(
            [
                maybe({"zeta": text(), "alpha": maybe(rng.randint(-(2**40), 2**40)), "mid": maybe([text(), text()])})
                for _ in range(rng.randint(0, 3))
            ]
        ),
        "meta": maybe({"b": text(), "a": maybe({"y": maybe(rng.randint(-5, 5)), "x": text()})}),
        "nothing": None,
    }


@pytest.mark.parametrize("nulls", [1.0, 0.0], ids=["with-nulls", "no-nulls"])
def test_arrow_content_hashes_equal_the_python_ones(nulls: float) -> None:
    """content_hashes (canonical JSON built by Arrow compute) gives content_sha256 of every row,
    including rows with control characters (hashed in Python) and sliced, chunked tables; columns
    without nulls (whose quotes and brackets are written by the join around them) too."""
    rng = random.Random(20261201)
    rows = [_random_row(rng, nulls) for _ in range(400)]
    table = pa.Table.from_pylist(rows, schema=_NESTED)
    columns = ["tags", "n", "items", "meta", "flag", "nothing", "id"]
    expected = [content_sha256(row, columns) for row in rows]
    encoded, python_rows = record_checks._canonical_json(table, columns)
    escaped = [row for row in encoded.to_pylist() if re.search(r"[\\\x00-\x1f]", row)]
    assert encoded is not None and 0 < len(python_rows) < len(escaped) < 400  # control characters: Python
    control = set(python_rows.tolist())  # rows with quotes and backslashes only are Arrow's, byte for byte
    for position, (data, row) in enumerate(zip(encoded.to_pylist(), rows, strict=True)):
        if position not in control:
            assert data.encode() == orjson.dumps({c: row[c] for c in columns}, option=orjson.OPT_SORT_KEYS)
    assert content_hashes(table, columns) == expected
    chunked = pa.concat_tables([table.slice(0, 150), table.slice(150, 100), table.slice(250)])
    assert content_hashes(chunked.slice(7, 300), columns) == expected[7:307]
    floats = pa.table({"x": pa.array([1.0, 0.1, None])})  # not encoded by Arrow: hashed in Python
    assert content_hashes(floats, ["x"]) == [content_sha256(r, ["x"]) for r in floats.to_pylist()]


def test_re2_precheck_is_never_stricter_than_the_python_one():
    """Every string the Python pre-check (or a detector) flags, MAYBE_PII flags too."""
    rng = random.Random(7)
    alphabet = [*list("0123456789０１２٣४-. @a가#_＠"), "\n", "\u3000", "🙂", "x", "\u200b", "\ufeff", "\u00ad"]
    alphabet += ["여권", "여", "\u0301", "passPORT", "[at]", "( at )", "골뱅이", " dot ", "\u3000DOT\x1c", "\t", "\x85"]
    alphabet += [*"공영일이삼사오육륙칠팔구에①⓪⑴¹²³⁴₅❶", "공일공", "공일공 "]
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30))) for _ in range(4000)]
    texts += ["010-1234-5678", "９００１０１-１２３４５６８", "hong@example.kr", "가@나", "a@", "@b", "02 123 4567"]
    texts += ["900101\ufeff\ufeff\ufeff\ufeff\ufeff1234568", "홍＠example.com", "hong\u200b@example.com"]
    texts += ["여권 M12345678", "hong @ gmail.com", "hong[at]gmail.com", "hong at gmail dot com", "9 0 0 1 0 1"]
    flagged = pc.match_substring_regex(pa.array(texts), record_checks.MAYBE_PII).to_pylist()
    for text, maybe in zip(texts, flagged, strict=True):
        if pii.might_contain_pii(text) or pii._might_contain_pii_regex(text) or pii.scan(text):
            assert maybe, text
    assert 0 < sum(flagged) < len(texts)


def test_a_record_whose_digits_are_numbers_is_not_walked_and_strings_still_are(monkeypatch: pytest.MonkeyPatch) -> None:
    """Coordinates make nine digits close together in the compact JSON; the strings decide whether the
    record is walked, and a number never hides a string that holds personal data."""
    from schemas.records import VISION_IMAGE

    checker = RecordChecker(VISION_IMAGE, "block")
    walked: list[bool] = []
    real_scan = checker._scan
    monkeypatch.setattr(checker, "_scan", lambda r, p: walked.append(True) or real_scan(r, p))
    boxes = [{"category": "파손", "bbox": [1234.5, 678.25, 90.0, 12.0], "polygons": [[1.5, 2.5, 33.0, 44.0]]}]
    plain = {"image_id": "damage_000001", "width": 1920, "height": 1080, "annotations": boxes}
    assert checker.check(copy.deepcopy(plain))["pii_hits"] == 0 and walked == []
    holding = copy.deepcopy(plain)
    holding["annotations"][0]["category"] = f"연락처 {PHONE}"
    assert checker.check(holding)["pii_hits"] == 1 and walked == [True]


def test_a_table_in_many_chunks_is_flagged_row_for_row_as_the_records_are() -> None:
    """The columnar path gets a table of many chunks (one per label file): a finding in the id or the
    content of any chunk, in a string or a large string, flags that row and only that row, as the record
    path flags it (the pattern runs once over all those strings, not once per chunk)."""
    rows = [record(f"KSNS_{n:08d}") for n in range(12)]
    rows[1]["dialogue_id"] = f"KSNS {PHONE}"  # an id holding a phone number (first chunk)
    rows[7]["dialogue_id"] = "hong@example.kr"  # an id holding an e-mail address (a later chunk)
    rows[10]["utterances"][1]["utterance"] = f"주민번호 {RRN}"  # content (the canonical JSON's pre-check)
    schema = KOREAN_DIALOGUE.arrow_schema()
    fields = [f for f in schema if f.name not in {c.name for c in QUALITY_COLUMNS}]
    table = pa.Table.from_pylist(rows, schema=pa.schema(fields))
    large = table.set_column(0, "dialogue_id", table.column("dialogue_id").cast(pa.large_string()))
    expected = [RecordChecker(KOREAN_DIALOGUE, "block").check(copy.deepcopy(r))["pii_hits"] for r in rows]
    assert [n > 0 for n in expected] == [n in (1, 7, 10) for n in range(12)]
    for whole in (table, large):
        chunked = pa.concat_tables([whole.slice(start, 3) for start in range(0, 12, 3)])
        assert chunked.column("dialogue_id").num_chunks == 4
        checked = RecordChecker(KOREAN_DIALOGUE, "block").check_table(chunked)
        assert checked.column("pii_hits").to_pylist() == expected


def test_rows_with_quotes_backslashes_and_control_characters_are_checked_as_the_records_are() -> None:
    """In the canonical JSON a quote or backslash is escaped (which widens gaps between digits: such a row is
    read again from its strings verbatim) and a control character is left as it is (such a row is hashed in
    Python): one pass finds both kinds of row; findings and hashes are those of the record path."""
    rows = [record(f"KSNS_{n:08d}") for n in range(4)]
    rows[2]["utterances"][1]["utterance"] = f'번호는 "{PHONE}" 입니다'
    rows[3]["utterances"][1]["utterance"] = "줄\n바꿈 \\ 백슬래시"
    fields = [f for f in KOREAN_DIALOGUE.arrow_schema() if f.name not in {c.name for c in QUALITY_COLUMNS}]
    table = pa.Table.from_pylist(rows, schema=pa.schema(fields))
    records = [RecordChecker(KOREAN_DIALOGUE, "block").check(r) for r in table.to_pylist()]  # as the table has them
    checked = RecordChecker(KOREAN_DIALOGUE, "block").check_table(table)
    assert checked.column("pii_hits").to_pylist() == [r["pii_hits"] for r in records]
    assert [r["pii_hits"] > 0 for r in records] == [False, False, True, False]
    assert checked.column("content_sha256").to_pylist() == [r["content_sha256"] for r in records]


def test_a_value_in_a_column_and_in_label_json_is_found_once() -> None:
    """A mapped column and ``label_json`` hold the same phone number: the report counted it twice (auditors
    read "2 found" for one number). Each personal value counts once per record, whatever its spelling;
    another number in the same record is another finding; every copy is still masked."""
    checker = RecordChecker(KOREAN_DIALOGUE, "mask")
    rec = record(
        text=f"연락처 {PHONE}", label_json=json.dumps({"t": f"연락처 {PHONE.replace('-', '')}", "u": "02-345-6789"})
    )
    out = checker.check(rec)
    rules = checker.tally.to_dict()["rules"]
    assert (rules["mobile_phone"]["found"], rules["mobile_phone"]["masked"]) == (1, 1)
    assert rules["landline_phone"]["found"] == 1
    assert PHONE not in json.dumps(out, ensure_ascii=False) and PHONE.replace("-", "") not in out["label_json"]
