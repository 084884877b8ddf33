"""The quality gate end to end through ``kdata``: each injected defect fails the right check with the
right severity, nothing is published, the report names the defect; warnings publish with the warning
on the version; clean samples pass and their reports are published next to the version."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from quality.pii import RULES
from tests.quality._support import (
    add_source,
    catalog_rows,
    edit_first_label,
    edit_manifest,
    ingest,
    kdata,
    run_summary,
    topics,
)

pytestmark = pytest.mark.integration

DATASET = "korean-sns-dialogue"


def item(summary: dict[str, Any], key: str) -> dict[str, Any]:
    return next(i for i in summary["items"] if i["key"] == key)


def test_clean_sample_passes_and_reports_are_published_next_to_the_version(kdata_home: Path, sample_factory) -> None:  # type: ignore[no-untyped-def]
    code, result, _ = ingest(sample_factory(items=60))
    assert code == 0, result
    assert (result["status"], result["verdict"]) == ("published", "passed")
    summary = run_summary(result["report"])
    assert summary["critical_failed"] == [] and summary["warnings_failed"] == []
    keys = [i["key"] for i in summary["items"]]
    assert {"label_schema_valid", "pii_free", "content_unique", "source_has_label", "source_present"} <= set(keys)
    assert item(summary, "pii_free")["severity"] == "critical"
    assert item(summary, "pii_free")["result"] == "100.00% (0 / 60 불합격 failing)"
    assert summary["orphan_sources"] == 0 and summary["pii"]["found"] == 0

    version_root = kdata_home / "store" / DATASET / "1.0"
    published = json.loads((version_root / "manifest.json").read_text(encoding="utf-8"))
    assert published["quality"]["report"] == "quality/summary.html"
    for name in ("summary.html", "quality_summary.json", "gx_result.json", "data_docs/index.html"):
        assert (version_root / "quality" / name).is_file(), name
    local = Path(result["report"]).parent
    assert (version_root / "quality" / "summary.html").read_bytes() == (local / "summary.html").read_bytes()

    rows = catalog_rows(kdata_home, "SELECT rule, found, masked, policy, detector_version FROM pii_findings")
    assert len(rows) == len(RULES) and {r[1] for r in rows} == {0} and {r[3] for r in rows} == {"block"}
    assert rows[0][4] == summary["detector_version"]
    report = kdata("report", DATASET)
    assert report.exit_code == 0 and report.stdout.strip() == result["report"]


def _expect_refused(home: Path, code: int, result: dict[str, Any], key: str) -> dict[str, Any]:
    """Exit 3, quality_failed, nothing visible, the run recorded and quarantined; returns the summary."""
    assert code == 3, result
    assert result["status"] == "quality_failed"
    assert key in result["error"]
    assert result["dataset_id"] == DATASET and result["version"] and result["chunks"] == 0  # INTERFACE.md's keys
    assert sum(result["rows"].values()) > 0  # the rows checked, per split (none published)
    summary = run_summary(result["report"])
    assert summary["verdict"] == "failed"
    assert summary["critical_failed"] == [key]
    failing = item(summary, key)
    assert (failing["success"], failing["severity"]) == (False, "critical")
    assert not (home / "store" / DATASET).exists()
    assert catalog_rows(home, "SELECT count(*) FROM versions")[0][0] == 0
    assert catalog_rows(home, "SELECT severity, success FROM quality_results WHERE key = ?", [key]) == [
        ("critical", False)
    ]
    (quarantine,) = (home / "quarantine").glob("*.json")
    held = json.loads(quarantine.read_text(encoding="utf-8"))
    assert held["reason"] == "quality_failed" and key in held["critical_failed"]
    assert Path(held["report"]).is_file()
    if key == "pii_free":  # personal data as found (block): the refused run's chunks are not kept anywhere
        assert held["records"] is None and "records_removed" in held
        assert list(home.glob("runs/*/chunks/**/*.parquet")) == []
    else:
        assert Path(held["records"]).is_dir()
    html = Path(result["report"]).read_text(encoding="utf-8")
    assert f'id="item-{key}"' in html
    row = html.split(f'id="item-{key}"', 1)[1].split("</tr>", 1)[0]
    assert "불합격 fail" in row and "치명 critical" in row
    for link in failing["failing_rows"]:
        assert link["id"] in row and (link["archive"] is None or link["archive"] in row)
    # the command names the first failing files itself, before the report is opened
    first = failing["failing_rows"][0]
    assert any(first["member"] in line for line in result["examples"]), result["examples"]
    if first["id"] not in (first["member"], f"{first['archive']}!{first['member']}"):  # and which record of it
        assert any(str(first["id"]) in line for line in result["examples"]), result["examples"]
    return summary


def test_pii_inject_is_blocked_and_named(kdata_home: Path, sample_factory) -> None:  # type: ignore[no-untyped-def]
    code, result, _ = ingest(sample_factory(items=60, inject="pii"))
    summary = _expect_refused(kdata_home, code, result, "pii_free")
    failing = item(summary, "pii_free")
    assert failing["unexpected_count"] == 1
    (row,) = failing["failing_rows"]
    assert row["archive"].endswith("TL_1.일상대화.zip") and row["member"].endswith(".json")
    rules = {r["rule"]: r for r in summary["pii"]["rules"]}
    assert (rules["rrn"]["found"], rules["rrn"]["examples"]) == (1, ["900101-1******"])
    assert (rules["mobile_phone"]["found"], rules["mobile_phone"]["examples"]) == (1, ["010-****-****"])
    assert rules["rrn"]["locations"][0]["record_id"] == row["id"]
    # the refusal names the rule, the file, the record and the field (never the value)
    field = rules["rrn"]["locations"][0]["field"]
    assert f"pii_free: rrn in {row['archive']}!{row['member']} record {row['id']} field {field}" in result["examples"]
    assert not any("900101-1" in line for line in result["examples"])
    html = Path(result["report"]).read_text(encoding="utf-8")
    pii_table = html.split('id="pii-table"', 1)[1].split("</table>", 1)[0]
    assert "900101-1******" in pii_table and "게시 차단 blocked" in pii_table and row["id"] in pii_table
    # the auditor's question, answered from the catalog through `kdata sql`
    asked = kdata(
        "sql",
        "SELECT DISTINCT r.dataset_id, q.key FROM quality_runs r JOIN quality_results q USING (run_id) "
        "WHERE NOT q.success AND q.severity = 'critical' AND r.checked_at > now() - INTERVAL 31 DAY",
        "--format",
        "json",
    )
    assert json.loads(asked.stdout) == [{"dataset_id": DATASET, "key": "pii_free"}]
    found = kdata(
        "sql", "SELECT rule, found, examples FROM pii_findings WHERE found > 0 ORDER BY rule", "--format", "csv"
    )
    assert found.stdout.splitlines()[1:] == ["mobile_phone,1,['010-****-****']", "rrn,1,['900101-1******']"]


def test_bad_json_fails_syntactic_accuracy(kdata_home: Path, sample_factory) -> None:  # type: ignore[no-untyped-def]
    code, result, raw = ingest(sample_factory(items=60, inject="bad-json"))
    summary = _expect_refused(kdata_home, code, result, "label_schema_valid")
    failing = item(summary, "label_schema_valid")
    assert failing["unexpected_count"] == 1
    (bad,) = [p for p in summary["problems"] if p["code"] == "bad_json"]
    assert failing["failing_rows"] == [
        {"id": f"{bad['archive']}!{bad['member']}", "archive": bad["archive"], "member": bad["member"]}
    ]
    assert bad["archive"].endswith("TL_1.일상대화.zip")
    # the refusal names the file and what is wrong with it, in the JSON and on the terminal
    assert result["examples"][0] == f"bad_json: {bad['archive']}!{bad['member']}: {bad['message']}"
    assert f"  - bad_json: {bad['archive']}!{bad['member']}" in raw.stderr


def test_duplicate_id_fails_uniqueness(kdata_home: Path, sample_factory) -> None:  # type: ignore[no-untyped-def]
    code, result, _ = ingest(sample_factory(items=60, inject="duplicate-id"))
    summary = _expect_refused(kdata_home, code, result, "dialogue_id_unique")
    failing = item(summary, "dialogue_id_unique")
    assert failing["unexpected_count"] == 2
    ids = {row["id"] for row in failing["failing_rows"]}
    assert len(ids) == 1 and ids.pop().startswith("KSNS_")


def test_missing_source_fails_completeness(kdata_home: Path, sample_factory) -> None:  # type: ignore[no-untyped-def]
    code, result, _ = ingest(sample_factory(items=60, inject="missing-source"))
    summary = _expect_refused(kdata_home, code, result, "source_present")
    (missing,) = [p for p in summary["problems"] if p["code"] == "missing_source"]
    (row,) = item(summary, "source_present")["failing_rows"]
    assert row["id"] == missing["record_id"] and row["member"] == missing["member"]


def test_warnings_publish_with_the_warning_on_the_version(kdata_home: Path, sample_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    dataset = sample_factory(items=60, copy_to=tmp_path / "ds")

    def duplicate_content(doc: dict[str, Any]) -> None:  # same dialogue again under a new id
        copy_of = copy.deepcopy(doc["data"][0])
        copy_of["header"]["dialogueInfo"]["dialogueID"] = "KSNS_09999999"
        doc["data"].append(copy_of)

    edit_first_label(dataset, duplicate_content)
    add_source(dataset, "일상대화/KSNS_09999999.txt", "P01: 안녕\n")
    add_source(dataset, "일상대화/KSNS_08888888.txt", "P01: 라벨 없는 원천\n")  # an orphan
    classes = topics(dataset)
    shares = {t: (0.9 if n == 0 else round(0.1 / (len(classes) - 1), 6)) for n, t in enumerate(classes)}
    shares[classes[-1]] = round(1 - sum(v for t, v in shares.items() if t != classes[-1]), 6)
    target = "  distributions:\n    topic:\n" + "".join(f"      {t}: {v}\n" for t, v in shares.items())
    edit_manifest(dataset, {"  pii_policy: block\n": "  pii_policy: block\n" + target})

    code, result, _ = ingest(dataset)
    assert code == 0, result
    assert (result["status"], result["verdict"]) == ("published", "passed_with_warnings")
    summary = run_summary(result["report"])
    assert summary["critical_failed"] == []
    share_key = f"share_topic={classes[0]}"
    assert {"content_unique", "source_has_label", share_key} <= set(summary["warnings_failed"])
    assert item(summary, "class_set_topic")["success"] is True
    assert {r["id"] for r in item(summary, "content_unique")["failing_rows"]} >= {"KSNS_09999999"}
    (orphan,) = item(summary, "source_has_label")["failing_rows"]
    assert orphan["member"] == "일상대화/KSNS_08888888.txt" and orphan["archive"].endswith("TS_1.일상대화.zip")
    assert [p["member"] for p in summary["problems"] if p["code"] == "orphan_source"] == [orphan["member"]]
    assert item(summary, share_key)["target"] == "90% ± 5%p"
    assert item(summary, share_key)["result"].endswith("%")

    published = json.loads(Path(result["manifest"]).read_text(encoding="utf-8"))
    assert published["quality"]["verdict"] == "passed_with_warnings"
    assert set(summary["warnings_failed"]) == set(published["quality"]["warnings_failed"])
    assert catalog_rows(kdata_home, "SELECT quality_verdict FROM versions") == [("passed_with_warnings",)]
    html = Path(result["report"]).read_text(encoding="utf-8")
    assert "일상대화/KSNS_08888888.txt" in html and "KSNS_09999999" in html


def test_bad_quality_targets_are_bad_input(kdata_home: Path, sample_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    dataset = sample_factory(items=10, copy_to=tmp_path / "ds")
    edit_manifest(dataset, {"  pii_policy: block\n": "  pii_policy: block\n  distributions:\n    utterances: {a: 1}\n"})
    result = kdata("ingest", str(dataset))
    assert result.exit_code == 2
    assert "dataset.yaml" in result.output and "quality.distributions.utterances" in result.output

    edit_manifest(
        dataset, {"    utterances: {a: 1}\n": "", "  distributions:\n": "", "pii_policy: block": "pii_policy: mask"}
    )
    labels = "labels: {fields: {dialogue_id: {path: numberOfItems, role: id}}}"  # a healthcare mapping
    edit_manifest(dataset, {"domain: korean": "domain: healthcare", "record_schema: korean_dialogue": labels})
    result = kdata("ingest", str(dataset))
    assert result.exit_code == 2
    assert "quality.pii_policy" in result.output
    assert not (kdata_home / "store").exists()


def test_speaker_diversity_target_is_checked(kdata_home: Path, sample_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """통계적 다양성 over speakers: the gender mix of each dialogue against the manifest's target shares."""
    dataset = sample_factory(items=60, copy_to=tmp_path / "ds")
    target = "  distributions:\n    speaker_gender_mix:\n      여성: 0.98\n      남성: 0.01\n      혼성: 0.01\n"
    edit_manifest(dataset, {"  pii_policy: block\n": "  pii_policy: block\n" + target})
    code, result, _ = ingest(dataset)
    assert code == 0, result
    assert result["verdict"] == "passed_with_warnings"
    summary = run_summary(result["report"])
    assert "share_speaker_gender_mix=여성" in summary["warnings_failed"]
    assert item(summary, "class_set_speaker_gender_mix")["success"] is True


def test_a_refusal_names_the_failed_check_before_the_reader_s_problems() -> None:
    """Shape trial 10: five ``missing_source`` problems (a warning there) filled the refusal's lines and the
    critical ``box_inside_image`` failure that refused the data was never shown."""
    from kdata.pipeline import _examples
    from schemas.run import QualitySummary

    problems = [
        {"code": "missing_source", "archive": "TL_1.zip", "member": f"dog-{n}.json", "field": None,
         "message": "no source file for this label", "record_id": f"r{n}"}
        for n in range(6)
    ]  # fmt: skip
    failing = [{"id": "TL_1.zip!dog-sit-000001.json/2", "archive": "TL_1.zip", "member": "dog-sit-000001.json"}]
    summary = QualitySummary(
        run_id="r", dataset_id="d", version="1.0", verdict="failed", critical_failed=["box_inside_image"],
        warnings_failed=["source_present"], report="x", summary_json="x", result_json="x", suite="s",
        suite_version="1", detector_version="p", gx_version="g", records_checked=6, records=6, orphan_sources=0,
        items=[{"key": "box_inside_image", "failing_rows": failing}], checks_by_column={}, skipped_files=[],
        skipped_file_count=0, pii={}, problems=problems, problem_count=6,
    )  # fmt: skip
    lines = _examples(summary)
    assert lines[0] == "box_inside_image: TL_1.zip!dog-sit-000001.json/2"
    assert len(lines) == 5 and all(line.startswith("missing_source") for line in lines[1:])
