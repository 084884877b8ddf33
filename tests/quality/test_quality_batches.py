"""The quality stage validates the check frame batch by batch (bounded memory): the outcome must be the
one a single frame gives, whatever the batch size, for clean data and for every planted defect."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from quality.gx_runner import ExpectationSpec, GXRunError, run_suite, run_suite_batches
from tests.quality._support import add_source, edit_first_label, edit_manifest, ingest, run_summary, topics

pytestmark = pytest.mark.integration


def spec(key: str, expectation: str, severity: str = "critical", **kwargs: Any) -> ExpectationSpec:
    return ExpectationSpec(key, "구분", "Category", f"{key} 항목", f"{key} item", severity, expectation, kwargs, "100%")  # type: ignore[arg-type]


SPECS = [
    spec("id_not_null", "ExpectColumnValuesToNotBeNull", column="dialogue_id"),
    spec("id_unique", "ExpectColumnValuesToBeUnique", column="dialogue_id"),
    spec("turns_range", "ExpectColumnValuesToBeBetween", column="turns", min_value=1, max_value=50),
    spec("turns_mostly", "ExpectColumnValuesToBeBetween", column="turns", min_value=1, max_value=10, mostly=0.7),
    spec("turns_mean", "ExpectColumnMeanToBeBetween", "warning", column="turns", min_value=1, max_value=10),
    spec(
        "pair",
        "ExpectColumnPairValuesToBeEqual",
        column_A="turns",
        column_B="declared",
        ignore_row_if="either_value_is_missing",
    ),
    spec("valid", "ExpectColumnValuesToBeInSet", column="ok", value_set=[True], mostly=0.5),
]


def _frame() -> pd.DataFrame:
    ids = ["D1", "D2", None, "D4", "D2", "D6", "D7", None, "D9", "D1", "D11", "D12", "D13"]
    turns = [3, 99, 3, 4, 5, None, 3, 3, 12, 3, 3, 60, 3]
    declared = [3, 99, 2, None, 5, 1, 3, 4, 12, 3, 3, 60, None]
    ok = [True, False, None, True, True, True, False, True, True, True, None, True, True]
    frame = pd.DataFrame({"dialogue_id": ids, "turns": turns, "declared": declared, "ok": ok})
    counts = frame["dialogue_id"].value_counts()
    frame["_dup"] = frame["dialogue_id"].map(lambda v: None if pd.isna(v) else bool(counts[v] > 1)).astype("object")
    return frame


def _outcomes(result: Any) -> list[tuple[Any, ...]]:
    return [
        (o.key, o.success, o.element_count, o.unexpected_count, o.unexpected_percent, o.failing_ids)
        + ((round(o.observed_value, 9),) if isinstance(o.observed_value, float) else (o.observed_value,))
        for o in result.outcomes
    ]


@pytest.mark.parametrize("size", [1, 2, 5, 13])
def test_batches_give_the_outcome_of_one_frame(tmp_path: Path, size: int) -> None:
    whole = _frame()
    single = run_suite(whole, SPECS, suite_name="s", out_dir=tmp_path / "one", id_column="dialogue_id")
    batches = [whole.iloc[i : i + size] for i in range(0, len(whole), size)]
    combined = run_suite_batches(
        batches,
        SPECS,
        suite_name="s",
        out_dir=tmp_path / "many",
        id_column="dialogue_id",
        unique_flags={"dialogue_id": "_dup"},
        detail_columns=("turns",),
    )
    assert _outcomes(combined) == _outcomes(single)
    assert (combined.critical_failed, combined.warnings_failed) == (single.critical_failed, single.warnings_failed)
    unique = next(o for o in combined.outcomes if o.key == "id_unique")
    assert unique.failing_ids == ["D1", "D2", "D2", "D1"]
    assert [d["turns"] for d in unique.failing_details] == [3, 99, 5, 3]
    assert combined.data_docs_index is not None and combined.data_docs_index.is_file()
    assert '"evaluated_expectations": 7' in combined.result_json.read_text(encoding="utf-8")


def test_uniqueness_over_several_frames_needs_flags(tmp_path: Path) -> None:
    whole = _frame()
    with pytest.raises(GXRunError, match="id_unique"):
        run_suite_batches(
            [whole.iloc[:5], whole.iloc[5:]], SPECS[1:2], suite_name="s", out_dir=tmp_path, id_column="dialogue_id"
        )


def _compare(summary: dict[str, Any]) -> dict[str, Any]:
    keep = ("key", "success", "element_count", "unexpected_count", "result", "failing_ids", "failing_rows")
    return {
        "items": [{k: i[k] for k in keep} for i in summary["items"]],
        **{k: summary[k] for k in ("verdict", "records_checked", "orphan_sources", "problem_count", "problems")},
    }


def _both(dataset: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[dict[str, Any], dict[str, Any]]:
    """The quality summaries of one frame and of batches of 7 rows, each in its own KDATA_HOME."""
    summaries = []
    for name, rows in (("one", "1000000"), ("batches", "7")):
        monkeypatch.setenv("KDATA_HOME", str(tmp_path / name))
        monkeypatch.setenv("KDATA_QUALITY_BATCH_ROWS", rows)
        _code, result, _ = ingest(dataset)
        summaries.append(_compare(run_summary(result["report"])))
    return summaries[0], summaries[1]


@pytest.mark.parametrize("inject", [None, "pii", "duplicate-id", "bad-json", "missing-source"])
def test_an_ingest_in_batches_reports_what_one_frame_reports(  # type: ignore[no-untyped-def]
    kdata_home: Path, sample_factory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, inject: str | None
) -> None:
    one, batches = _both(sample_factory(items=60, inject=inject), tmp_path, monkeypatch)
    assert batches == one
    assert one["records_checked"] > 40


def test_orphans_duplicate_content_and_shares_in_batches(  # type: ignore[no-untyped-def]
    kdata_home: Path, sample_factory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dataset = sample_factory(items=60, copy_to=tmp_path / "ds")

    def duplicate_content(doc: dict[str, Any]) -> None:
        copy_of = copy.deepcopy(doc["data"][0])
        copy_of["header"]["dialogueInfo"]["dialogueID"] = "KSNS_09999999"
        doc["data"].append(copy_of)

    edit_first_label(dataset, duplicate_content)
    add_source(dataset, "일상대화/KSNS_09999999.txt", "P01: 안녕\n")
    add_source(dataset, "일상대화/KSNS_08888888.txt", "P01: 라벨 없는 원천\n")
    add_source(dataset, "일상대화/KSNS_08888889.txt", "P01: 라벨 없는 원천\n")
    classes = topics(dataset)
    shares = {t: round(1 / len(classes), 6) for t in classes}
    target = "  distributions:\n    topic:\n" + "".join(f"      {t}: {v}\n" for t, v in shares.items())
    edit_manifest(dataset, {"  pii_policy: block\n": "  pii_policy: block\n" + target})
    one, batches = _both(dataset, tmp_path, monkeypatch)
    assert batches == one
    assert one["orphan_sources"] == 2
    unique = next(i for i in one["items"] if i["key"] == "content_unique")
    assert unique["unexpected_count"] == 2 and not unique["success"]
