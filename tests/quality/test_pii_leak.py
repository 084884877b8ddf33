"""Personal data never leaks: plant RRNs and phone numbers in many forms and fields, ingest, and
search every file under KDATA_HOME (Parquet and DuckDB read back as text) and the CLI output.

In ``block`` mode the run's own chunks (quarantined input, under ``runs/``) hold the data and are the
only exception; in ``mask`` mode even they, and the published version, hold tokens only."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest
from stdnum.kr import rrn as stdnum_rrn

from tests.conftest import grant_read
from tests.quality._support import edit_first_label, edit_manifest, ingest, kdata, run_summary

pytestmark = pytest.mark.integration


def _post_2020(first12: str) -> str:
    good = int(stdnum_rrn.calc_check_digit(first12))
    number = first12 + str((good + 4) % 10)  # random trailing digits: the old checksum fails
    return f"{number[:6]}-{number[6:]}"


RRNS = ["900101-1234568", "8705152345671", "950303 1456783", _post_2020("210315473829")]
FOREIGNER = "850505-5123456"
PHONES = ["010-9876-5432", "01055556666", "02-345-6789", "070-4321-8765", "031 765 4321"]
ID_PHONE = "010-2222-3333"
UNREAD_PHONE = "010-4545-6767"
"""In a key the built-in reader reads into no column: published in ``label_json`` alone, found there."""
PLANTED = [*RRNS, FOREIGNER, *PHONES, ID_PHONE, UNREAD_PHONE]


def needles() -> list[str]:
    """Each planted value as written and as bare digits."""
    found: set[str] = set()
    for value in PLANTED:
        found.add(value)
        found.add("".join(ch for ch in value if ch.isdigit()))
    return sorted(found, key=len, reverse=True)


def plant(dataset: Path, *, in_id: bool) -> None:
    def edit(doc: dict[str, Any]) -> None:
        first = doc["data"][0]
        texts = [f"제 주민번호는 {r} 이에요" for r in RRNS] + [f"외국인등록번호 {FOREIGNER}"]
        texts += [f"연락처 {p} 로 줘" for p in PHONES]
        for n, text in enumerate(texts):
            first["body"][n % len(first["body"])]["utterance"] += f" {text}"
        first["header"]["participantsInfo"][0]["age"] = "02-777-8888 아님 " + PHONES[0]
        first["header"]["dialogueInfo"]["memo"] = f"담당자 {UNREAD_PHONE}"
        if in_id:
            doc["data"][1]["header"]["dialogueInfo"]["dialogueID"] = f"KSNS_{ID_PHONE}"

    edit_first_label(dataset, edit)


def _parquet_text(path: Path) -> str:
    return json.dumps(pq.read_table(path).to_pylist(), ensure_ascii=False, default=str)


def _duckdb_text(path: Path) -> str:
    con = duckdb.connect(str(path), read_only=True)
    try:
        con.execute("SET enable_external_access = false")  # tables only, not the data.* views' files
        tables = con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE'"
        ).fetchall()
        return "\n".join(
            json.dumps(con.execute(f'SELECT * FROM "{schema}"."{name}"').fetchall(), ensure_ascii=False, default=str)
            for schema, name in tables
        )
    finally:
        con.close()


def _text_of(path: Path) -> str:
    if path.suffix == ".parquet":
        return _parquet_text(path)
    if path.suffix == ".duckdb":
        return _duckdb_text(path)
    return path.read_bytes().decode("utf-8", errors="replace")


def leaks(home: Path, *, skip_run_chunks: bool) -> dict[str, list[str]]:
    """``{file: [needles found]}`` over every file under ``home``."""
    found: dict[str, list[str]] = {}
    checked = 0
    for path in sorted(p for p in home.rglob("*") if p.is_file()):
        relative = path.relative_to(home)
        if skip_run_chunks and relative.parts[0] == "runs" and "chunks" in relative.parts:
            continue
        text = _text_of(path)
        checked += 1
        hits = [n for n in needles() if n in text]
        if hits:
            found[str(relative)] = hits
    assert checked > 20, "expected reports, data docs, run files and the catalog under KDATA_HOME"
    return found


def test_block_mode_leaves_no_personal_data_anywhere_once_refused(
    kdata_home: Path,
    sample_factory,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    dataset = sample_factory(items=40, copy_to=tmp_path / "ds")
    plant(dataset, in_id=True)
    code, result, raw = ingest(dataset)
    assert code == 3 and result["status"] == "quality_failed"
    summary = run_summary(result["report"])
    assert "pii_free" in summary["critical_failed"]
    rules = {r["rule"]: r["found"] for r in summary["pii"]["rules"]}
    assert rules["rrn"] == len(RRNS) and rules["foreigner_rn"] == 1
    # two planted mobiles, the id and the unread key's; the age field repeats the first one in its record
    assert rules["mobile_phone"] == 2 + 1 + 1
    assert rules["landline_phone"] == 3 + 1  # 02, 070, 031 and 02-777-8888
    assert "KSNS_#@전화번호#" in json.dumps(summary, ensure_ascii=False)  # the id is shown masked

    # the refused run's chunks held the data as found: deleted with the refusal, nothing left on this host
    assert leaks(kdata_home, skip_run_chunks=False) == {}
    assert list((kdata_home / "runs").rglob("*.parquet")) == []
    catalog = _duckdb_text(kdata_home / "catalog.duckdb")  # the catalog is read back, not grepped as bytes
    assert "pii_free" in catalog and "900101-1******" in catalog and "KSNS_#@전화번호#" in catalog
    output = raw.stdout + raw.stderr
    assert not [n for n in needles() if n in output]


def test_mask_mode_publishes_tokens_only(kdata_home: Path, sample_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    dataset = sample_factory(items=40, copy_to=tmp_path / "ds")
    plant(dataset, in_id=False)
    edit_manifest(dataset, {"pii_policy: block": "pii_policy: mask"})
    code, result, raw = ingest(dataset)
    assert code == 0, result
    assert result["status"] == "published"
    summary = run_summary(result["report"])
    assert summary["pii"]["policy"] == "mask"
    # + 02-777-8888 in the age field (the other number there repeats a planted one: the same value), the
    # unread key's; no id. Each value counts once although label_json holds it again
    planted = len(RRNS) + 1 + len(PHONES) + 1 + 1
    assert summary["pii"]["found"] == summary["pii"]["masked"] == planted
    assert next(i for i in summary["items"] if i["key"] == "pii_free")["success"] is True

    assert leaks(kdata_home, skip_run_chunks=False) == {}
    output = raw.stdout + raw.stderr
    assert not [n for n in needles() if n in output]
    published = "".join(_parquet_text(p) for p in (kdata_home / "store").rglob("*.parquet"))
    # every copy masked: the columns' and label_json's (which alone holds the unread key's number)
    assert published.count("#@주민번호#") == 2 * len(RRNS) and "#@외국인번호#" in published
    assert published.count("#@전화번호#") == 2 * (len(PHONES) + 2) + 1
    rows = kdata("sql", "SELECT rule, found, masked FROM pii_findings WHERE found > 0 ORDER BY rule", "--format", "csv")
    grant_read("korean-sns-dialogue")
    assert rows.stdout.splitlines()[1:] == [
        "foreigner_rn,1,1",
        f"landline_phone,{3 + 1},{3 + 1}",
        "mobile_phone,3,3",  # every token is still written (the published count above): the value counts once
        f"rrn,{len(RRNS)},{len(RRNS)}",
    ]
    view = kdata("sql", "SELECT utterances FROM data.korean_sns_dialogue__train", "--format", "json")
    assert "#@주민번호#" in view.stdout and not [n for n in needles() if n in view.stdout]
