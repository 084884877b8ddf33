"""quality.gx_runner against real Great Expectations 1.x on small in-code frames."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from quality.gx_runner import MAX_FAILING_IDS, ExpectationSpec, GXRunError, Severity, SuiteResult, run_suite

pytestmark = pytest.mark.integration

PLANTED_RRN = "900101-1234567"


def spec(
    key: str,
    expectation: str,
    severity: Severity = "critical",
    sensitive: bool = False,
    **kwargs: Any,
) -> ExpectationSpec:
    return ExpectationSpec(
        key=key,
        category_ko="구문 정확성",
        category_en="Syntactic accuracy",
        item_ko=f"{key} 항목",
        item_en=f"{key} item",
        severity=severity,
        expectation=expectation,
        kwargs=kwargs,
        target="100%",
        sensitive=sensitive,
    )


BASE_SPECS = [
    spec("id_not_null", "ExpectColumnValuesToNotBeNull", column="dialogue_id"),
    spec("id_unique", "ExpectColumnValuesToBeUnique", column="dialogue_id"),
    spec("turns_range", "ExpectColumnValuesToBeBetween", column="turns", min_value=1, max_value=50),
    spec("turns_mean", "ExpectColumnMeanToBeBetween", "warning", column="turns", min_value=1, max_value=10),
]


def frame(ids: Sequence[str | None], turns: list[int] | None = None, text: list[str] | None = None) -> pd.DataFrame:
    n = len(ids)
    return pd.DataFrame(
        {
            "dialogue_id": list(ids),
            "turns": turns if turns is not None else [3] * n,
            "text": text if text is not None else ["안녕하세요"] * n,
        }
    )


def run(df: pd.DataFrame, specs: list[ExpectationSpec], out: Path, **kw: Any) -> SuiteResult:
    return run_suite(df, specs, suite_name="korean_dialogue.v1", out_dir=out, id_column="dialogue_id", **kw)


def validation_pages(docs_index: Path) -> list[Path]:
    """Validation result pages the Data Docs index links to."""
    links = re.findall(r"validations/[^\"'\s]+?\.html", docs_index.read_text(encoding="utf-8"))
    assert links, "index.html links no validation result"
    return [docs_index.parent / link for link in sorted(set(links))]


def outcome(result: SuiteResult, key: str) -> Any:
    return next(o for o in result.outcomes if o.key == key)


def test_clean_frame_passes_and_writes_json_and_docs(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "qa"
    result = run(frame([f"D{i:03d}" for i in range(50)]), BASE_SPECS, out)

    assert result.success is True
    assert result.critical_failed == [] and result.warnings_failed == []
    assert [o.key for o in result.outcomes] == [s.key for s in BASE_SPECS]  # spec order, not GX's
    assert all(o.success for o in result.outcomes)
    assert all(o.failing_ids == [] for o in result.outcomes)
    assert outcome(result, "id_unique").element_count == 50
    assert outcome(result, "id_unique").unexpected_count == 0
    assert outcome(result, "turns_mean").observed_value == 3.0  # aggregate keeps observed_value
    assert result.gx_version.startswith("1.")

    assert result.result_json == out / "gx_result.json"
    payload = json.loads(result.result_json.read_text(encoding="utf-8"))
    assert payload["success"] is True
    assert {r["expectation_config"]["type"] for r in payload["results"]} == {
        "expect_column_values_to_not_be_null",
        "expect_column_values_to_be_unique",
        "expect_column_values_to_be_between",
        "expect_column_mean_to_be_between",
    }
    metas = {r["expectation_config"]["meta"]["key"]: r["expectation_config"]["meta"] for r in payload["results"]}
    assert metas["turns_mean"]["severity"] == "warning"
    assert metas["id_unique"]["category_ko"] == "구문 정확성"
    assert "구문 정확성" in result.result_json.read_text(encoding="utf-8")  # ensure_ascii=False

    assert result.data_docs_index == out / "data_docs" / "index.html"
    assert result.data_docs_index.is_file()
    (page,) = validation_pages(result.data_docs_index)
    html = page.read_text(encoding="utf-8")
    for s in BASE_SPECS:
        assert s.expectation in html
        assert s.key in html

    captured = capfd.readouterr()
    assert captured.out == ""
    assert "Calculating Metrics" not in captured.err  # tqdm progress bars are off
    assert "Skipping registering" not in captured.err
    assert captured.err == ""


def test_null_and_duplicate_ids_fail_with_exact_counts_and_ids(tmp_path: Path) -> None:
    ids = ["D1", "D2", "D2", None, "D5", "D6", "D6", "D6"]
    result = run(frame(ids), BASE_SPECS, tmp_path / "qa", build_docs=False)

    assert result.success is False
    assert result.critical_failed == ["id_not_null", "id_unique"]
    assert result.warnings_failed == []
    assert result.data_docs_index is None
    assert not (tmp_path / "qa" / "data_docs").exists()

    not_null = outcome(result, "id_not_null")
    assert (not_null.success, not_null.element_count, not_null.unexpected_count) == (False, 8, 1)
    assert not_null.unexpected_percent == pytest.approx(12.5)
    assert not_null.failing_ids == ["(null)"]

    unique = outcome(result, "id_unique")
    assert (unique.success, unique.unexpected_count) == (False, 5)
    assert unique.failing_ids == ["D2", "D2", "D6", "D6", "D6"]

    payload = json.loads(result.result_json.read_text(encoding="utf-8"))
    by_key = {r["expectation_config"]["meta"]["key"]: r for r in payload["results"]}
    assert by_key["id_unique"]["result"]["unexpected_count"] == 5
    assert by_key["id_unique"]["result"]["unexpected_index_list"] == [{"dialogue_id": ["D2", "D2", "D6", "D6", "D6"]}]
    assert by_key["id_not_null"]["result"]["unexpected_index_list"] == [{"dialogue_id": [None]}]


def test_failing_ids_are_capped(tmp_path: Path) -> None:
    ids = [f"D{i:03d}" for i in range(100)]
    turns = [99] * 60 + [3] * 40
    result = run(frame(ids, turns=turns), BASE_SPECS[2:3], tmp_path / "qa", build_docs=False)
    turns_range = outcome(result, "turns_range")
    assert turns_range.unexpected_count == 60
    assert turns_range.failing_ids == ids[:MAX_FAILING_IDS]


def test_ids_are_right_for_a_filtered_frame_with_a_named_index(tmp_path: Path) -> None:
    df = frame(["X0", "D1", "D1", "X3", None, "D5"], turns=[3, 3, 99, 3, 3, 99])
    df["dialogue_id"] = df["dialogue_id"].astype("string")  # pd.NA for the missing id
    filtered = df.iloc[1:].set_index(pd.Index([50, 40, 30, 20, 10], name="row"))
    result = run(filtered, BASE_SPECS, tmp_path / "qa", build_docs=False)

    assert outcome(result, "id_not_null").failing_ids == ["(null)"]
    assert outcome(result, "id_unique").failing_ids == ["D1", "D1"]
    assert outcome(result, "turns_range").failing_ids == ["D1", "D5"]
    assert filtered.index.name == "row"  # caller's frame untouched


def test_warning_only_failure(tmp_path: Path) -> None:
    ids = [f"D{i}" for i in range(10)]
    result = run(frame(ids, turns=[40] * 10), BASE_SPECS, tmp_path / "qa", build_docs=False)

    assert result.success is False
    assert result.critical_failed == []
    assert result.warnings_failed == ["turns_mean"]
    mean = outcome(result, "turns_mean")
    assert mean.observed_value == 40.0
    assert mean.failing_ids == []


def test_sensitive_values_never_reach_json_or_docs(tmp_path: Path) -> None:
    ids = ["D1", "D2", "D3", "D4"]
    text = ["안녕하세요", f"제 주민번호는 {PLANTED_RRN} 입니다", "감사합니다", "네"]
    specs = [
        *BASE_SPECS,
        spec("no_rrn", "ExpectColumnValuesToNotMatchRegex", sensitive=True, column="text", regex=r"\d{6}-[1-4]\d{6}"),
        # Aggregate expectations ignore exclude_unexpected_values in GX (partial_unexpected_list);
        # they must not leak either, sensitive or not.
        spec("text_set", "ExpectColumnDistinctValuesToBeInSet", "warning", True, column="text", value_set=["네"]),
        spec("text_set_plain", "ExpectColumnValuesToBeInSet", "warning", column="text", value_set=["네", "감사합니다"]),
    ]
    out = tmp_path / "qa"
    result = run(frame(ids, text=text), specs, out)

    assert result.critical_failed == ["no_rrn"]
    assert result.warnings_failed == ["text_set", "text_set_plain"]
    no_rrn = outcome(result, "no_rrn")
    assert (no_rrn.unexpected_count, no_rrn.failing_ids, no_rrn.observed_value) == (1, ["D2"], None)
    assert outcome(result, "text_set").observed_value is None
    assert outcome(result, "text_set_plain").failing_ids == ["D1", "D2"]

    files = [result.result_json, *(p for p in (out / "data_docs").rglob("*") if p.is_file())]
    assert len(files) > 3
    for path in files:
        data = path.read_bytes()
        for needle in (PLANTED_RRN, "주민번호", "안녕하세요"):
            assert needle.encode() not in data, f"{needle!r} leaked into {path}"
    assert PLANTED_RRN not in repr(result)

    (page,) = validation_pages(result.data_docs_index or Path("missing"))
    html = page.read_text(encoding="utf-8")
    assert "ExpectColumnValuesToNotMatchRegex" in html
    assert "D2" in html  # the failing row's id is shown


def test_unknown_expectation_raises_naming_key(tmp_path: Path) -> None:
    specs = [*BASE_SPECS, spec("typo_check", "ExpectColumnValuesToBeAwesome", column="turns")]
    with pytest.raises(GXRunError, match="typo_check"):
        run(frame(["D1"]), specs, tmp_path / "qa")
    assert not (tmp_path / "qa" / "gx_result.json").exists()


def test_expectation_error_inside_gx_raises_naming_key(tmp_path: Path) -> None:
    specs = [*BASE_SPECS, spec("ghost_column", "ExpectColumnValuesToNotBeNull", column="no_such_column")]
    with pytest.raises(GXRunError, match="ghost_column"):
        run(frame(["D1", "D2"]), specs, tmp_path / "qa")
    assert not (tmp_path / "qa" / "gx_result.json").exists()


def test_equal_expectations_under_two_keys_are_both_evaluated(tmp_path: Path) -> None:
    # GX suites silently drop an expectation equal to one already added (meta is ignored).
    twins = [BASE_SPECS[0], spec("id_not_null_again", "ExpectColumnValuesToNotBeNull", column="dialogue_id")]
    result = run(frame(["D1", None]), twins, tmp_path / "qa", build_docs=False)
    assert result.critical_failed == ["id_not_null", "id_not_null_again"]


def test_config_errors_are_rejected(tmp_path: Path) -> None:
    df = frame(["D1"])
    bad_kwargs = [spec("bad_kwargs", "ExpectColumnValuesToBeBetween", column="turns", min_value="x", max_value=1)]
    with pytest.raises(GXRunError, match="bad_kwargs"):
        run(df, bad_kwargs, tmp_path / "a")
    overrides_format = [spec("leaky", "ExpectColumnValuesToNotBeNull", column="text", result_format="COMPLETE")]
    with pytest.raises(GXRunError, match="leaky"):
        run(df, overrides_format, tmp_path / "b")
    with pytest.raises(ValueError, match="duplicate"):
        run(df, [BASE_SPECS[0], BASE_SPECS[0]], tmp_path / "c")
    with pytest.raises(ValueError, match="id column"):
        run_suite(df, BASE_SPECS, suite_name="s", out_dir=tmp_path / "d", id_column="missing")
