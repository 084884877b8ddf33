"""The run's plan and unit records are typed (schemas.run): a file another version wrote, or a damaged one,
is refused naming the file and the field, never half-read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kcore.config import load_settings
from kcore.errors import BadInput
from kdata import pipeline
from kdata.run_input import load_plan
from schemas.run import PLAN_FORMAT, UNIT_FORMAT


def test_plan_and_unit_files_carry_their_format_and_round_trip(kdata_home: Path, sample_factory) -> None:  # type: ignore[no-untyped-def]
    settings = load_settings()
    planned = pipeline.plan_run(settings, str(sample_factory(items=20, seed=31)))
    run_dir = settings.runs_dir / planned["run_id"]
    written = (run_dir / "plan.json").read_bytes()
    assert json.loads(written)["format"] == PLAN_FORMAT
    plan = load_plan(settings, planned["run_id"])
    assert [u.index for u in plan.units] == list(range(planned["units"]))
    summary = pipeline.extract_unit(settings, planned["run_id"], 0)
    record = json.loads((run_dir / "units" / "0000.json").read_text(encoding="utf-8"))
    assert record["format"] == UNIT_FORMAT and sum(c["rows"] for c in record["chunks"]) == summary["rows"]
    pipeline.plan_run(settings, str(plan.dataset_path))  # a rerun plans the same bytes
    assert (run_dir / "plan.json").read_bytes() == written


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda p: p.update(format="kdata.plan/9"), r"format 'kdata.plan/9', expected 'kdata.plan/1'"),
        (lambda p: p["units"][0].update(index=-1), r"field units\.0\.index"),
        (lambda p: p.pop("archives"), r"field archives: Field required"),
        (lambda p: p.update(surprise=1), r"field surprise: Extra inputs are not permitted"),
    ],
)
def test_a_damaged_or_foreign_plan_is_refused_naming_file_and_field(  # type: ignore[no-untyped-def]
    kdata_home: Path, sample_factory, change, message: str
) -> None:
    settings = load_settings()
    planned = pipeline.plan_run(settings, str(sample_factory(items=20, seed=32)))
    path = settings.runs_dir / planned["run_id"] / "plan.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(BadInput, match=message) as raised:
        pipeline.extract_unit(settings, planned["run_id"], 0)
    assert str(path) in str(raised.value)
    assert not (path.parent / "units" / "0000.json").exists()
