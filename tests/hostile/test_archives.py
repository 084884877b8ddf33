"""Hostile and broken archives through ``kdata ingest``: each is refused with exit 2, named, and
quarantined; nothing is published and nothing is written outside KDATA_HOME."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from ingest.archives import archive_sha256
from kdata.samples.layout import split_parts
from tests.hostile.corpus import CASES, FIRST, Case, zip_bytes
from tests.hostile.support import ANY_MEMBER, LABEL, SOURCE, Outcome, assert_rejected, sha256

pytestmark = pytest.mark.timeout(60)


@pytest.mark.parametrize("name", [n for n, c in CASES.items() if c.stage == "plan"])
def test_refused_before_anything_is_read(
    name: str,
    hostile_dataset: Callable[..., tuple[Path, dict[str, bytes]]],
    ingest_outcome: Callable[[Path], Outcome],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    case: Case = CASES[name]
    for key, value in case.env.items():
        monkeypatch.setenv(key, value)
    dataset, members = hostile_dataset(case.build)
    member = sorted(members)[0] if case.member == FIRST else case.member
    outcome = ingest_outcome(dataset)
    row = assert_rejected(outcome, dataset, LABEL, case.code, member)
    assert row["stage"] == "plan"
    assert row["archive_sha256"] == sha256(dataset / LABEL)
    assert not any(p.startswith(f"{outcome.home.name}/runs/") for p in outcome.created), "a run folder was written"


def test_source_archives_are_checked_too(
    hostile_dataset: Callable[..., tuple[Path, dict[str, bytes]]], ingest_outcome: Callable[[Path], Outcome]
) -> None:
    dataset, _ = hostile_dataset(CASES["symlink"].build, archive=SOURCE)
    outcome = ingest_outcome(dataset)
    row = assert_rejected(outcome, dataset, SOURCE, "symlink", "일상대화/link.json")
    assert row["archive_sha256"] == sha256(dataset / SOURCE)


def test_bad_crc_is_found_while_reading(
    hostile_dataset: Callable[..., tuple[Path, dict[str, bytes]]], ingest_outcome: Callable[[Path], Outcome]
) -> None:
    """The directory cannot show a CRC mismatch: the streamed read finds it, at the member's end."""
    dataset, members = hostile_dataset(CASES["bad_crc"].build)
    outcome = ingest_outcome(dataset)
    row = assert_rejected(outcome, dataset, LABEL, "bad_crc", sorted(members)[0])
    assert row["stage"] == "extract" and row["run_id"]
    assert row["archive_sha256"] == sha256(dataset / LABEL)


def test_a_missing_piece_is_a_part_gap(
    hostile_dataset: Callable[..., tuple[Path, dict[str, bytes]]], ingest_outcome: Callable[[Path], Outcome]
) -> None:
    dataset, _ = hostile_dataset(lambda members: zip_bytes(members))
    pieces = split_parts(dataset / LABEL, 4)
    pieces[2].unlink()
    outcome = ingest_outcome(dataset)
    assert_rejected(outcome, dataset, LABEL, "part_gap", None)
    assert pieces[2].name in outcome.result["error"]
    assert outcome.rows[0]["archive_sha256"]  # of the pieces that arrived


def test_pieces_in_the_wrong_order_are_corrupt(
    hostile_dataset: Callable[..., tuple[Path, dict[str, bytes]]], ingest_outcome: Callable[[Path], Outcome]
) -> None:
    """part0 and part1 swapped (as a wrong rename would): the join is not the zip it claims to be."""
    dataset, _ = hostile_dataset(lambda members: zip_bytes(members))
    pieces = split_parts(dataset / LABEL, 4)
    first, second = pieces[0].read_bytes(), pieces[1].read_bytes()
    assert len(first) == len(second)
    pieces[0].write_bytes(second)
    pieces[1].write_bytes(first)
    outcome = ingest_outcome(dataset)
    row = assert_rejected(outcome, dataset, LABEL, "corrupt_archive", ANY_MEMBER)
    assert row["archive_sha256"] == archive_sha256(dataset / LABEL)


def test_an_archive_linking_outside_the_dataset_is_never_read(
    hostile_dataset: Callable[..., tuple[Path, dict[str, bytes]]],
    ingest_outcome: Callable[[Path], Outcome],
    tmp_path: Path,
) -> None:
    dataset, members = hostile_dataset(lambda members: zip_bytes(members))
    outside = tmp_path / "elsewhere.zip"
    outside.write_bytes(zip_bytes(members))
    (dataset / LABEL).unlink()
    os.symlink(outside, dataset / LABEL)
    outcome = ingest_outcome(dataset)
    row = assert_rejected(outcome, dataset, LABEL, "symlink", None)
    assert row["archive_sha256"] is None  # the target is not read, not even hashed
