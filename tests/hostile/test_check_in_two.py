"""The safety check of a warm worker's job runs half its archives in a forked child (ingest.safety,
``fork=True``): the same summaries and member names as one process, and for hostile archives in both
halves the same refusal, the first in archive order, as the check in one process gives."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest

from ingest import archives as archives_module
from ingest import safety
from ingest.discover import discover_layout
from ingest.limits import UnsafeArchive
from ingest.safety import check_archives
from schemas.manifest import load_manifest
from tests.hostile.corpus import dotdot, duplicate


def _archives(dataset: Path) -> list[str]:
    refs, _ = discover_layout(dataset, load_manifest(dataset).layout)
    return [ref.path for ref in refs]


def _weights(dataset: Path, rels: list[str]) -> dict[str, int]:
    return {rel: (dataset / rel).stat().st_size for rel in rels}


def _refusal(dataset: Path, rels: list[str], *, fork: bool) -> tuple[str, str, str | None]:
    with pytest.raises(UnsafeArchive) as caught:
        check_archives(dataset, rels, run_id="run-1", fork=fork, weights=_weights(dataset, rels))
    error = caught.value
    assert error.run_id == "run-1"
    return error.code, error.archive, error.member


def test_two_processes_check_as_one_does(sample_factory: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dataset = sample_factory(items=150, copy_to=tmp_path / "ds")
    rels = _archives(dataset)
    assert len(rels) >= 4
    one = check_archives(dataset, rels)
    names_one = {rel: archives_module.remembered_member_names(dataset / rel) for rel in rels}
    monkeypatch.setattr(archives_module, "_NAMES", {})  # forget them: the forked check must bring them back
    checked_here: list[str] = []
    real_check = safety.check_archive
    monkeypatch.setattr(
        safety, "check_archive", lambda path, rel, limits: checked_here.append(rel) or real_check(path, rel, limits)
    )
    two = check_archives(dataset, rels, fork=True, weights=_weights(dataset, rels))
    assert two == one and [s.archive for s in two] == rels
    assert 0 < len(checked_here) < len(rels)  # the rest were checked in the forked child
    assert {rel: archives_module.remembered_member_names(dataset / rel) for rel in rels} == names_one
    assert all(names for names in names_one.values())


def test_hostile_archives_in_both_halves_give_the_refusal_one_process_gives(
    sample_factory: Any, tmp_path: Path
) -> None:
    dataset = sample_factory(items=150, copy_to=tmp_path / "ds")
    rels = _archives(dataset)
    early, late = rels[1], rels[-1]  # whatever halves they fall in, the earlier one is reported
    for rel, build in ((early, duplicate), (late, dotdot)):
        with zipfile.ZipFile(dataset / rel) as zf:
            members = {info.filename: zf.read(info) for info in zf.infolist()}
        (dataset / rel).write_bytes(build(members))
    sequential = _refusal(dataset, rels, fork=False)
    assert sequential[:2] == ("duplicate_name", early)
    assert _refusal(dataset, rels, fork=True) == sequential
    shutil.copyfile(dataset / rels[0], dataset / early)  # only the late one is left: found in whichever half
    late_only = _refusal(dataset, rels, fork=False)
    assert late_only == ("path_traversal", late, "일상대화/../../../evil.json")
    assert _refusal(dataset, rels, fork=True) == late_only
