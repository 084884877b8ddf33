"""Downloads from the local store (the default backend): the same guarantees as on S3."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from ingest.chunks import sha256_file
from kcore.config import load_settings
from kdata.cli import app
from kdata.download import _sandbox
from storage.stores import open_store
from tests.storage.conftest import publish_synthetic

pytestmark = pytest.mark.integration
runner = CliRunner()
DATASET = "korean-sns-dialogue"


@pytest.fixture
def local_version(kdata_home: Path, sample_factory, tmp_path: Path) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return publish_synthetic(
        sample_factory(items=20),
        tmp_path / "work",
        {"train": 300, "validation": 40},
        chunk_bytes=60_000,
        row_group_bytes=20_000,
    )


def test_whole_download_with_progress_resume_and_paths(
    local_version: dict[str, Any], kdata_home: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = runner.invoke(app, ["download", DATASET, "--out", str(out), "--split", "train"])
    assert result.exit_code == 0, result.output
    assert "내려받기" in result.stderr and "kB" in result.stderr  # the rich progress bar (bytes, ETA) on stderr
    root = out / DATASET / "1.0"
    train = [c for c in local_version["chunks"] if c["split"] == "train"]
    assert len(train) >= 3
    for chunk in train:
        assert sha256_file(root / chunk["key"]) == chunk["sha256"]
    assert not (root / "validation").exists()
    target = root / train[0]["key"]
    data = target.read_bytes()
    target.unlink()
    target.with_name(target.name + ".part").write_bytes(data[:1000])
    again = runner.invoke(app, ["download", DATASET, "--out", str(out), "--split", "train", "--json"])
    summary = json.loads(again.stdout)
    assert summary["resumed"] == 1 and summary["transferred"] == len(data) - 1000
    assert sha256_file(target) == train[0]["sha256"]

    urls = runner.invoke(app, ["download", DATASET, "--out", str(out), "--urls", "--split", "validation"])
    assert urls.exit_code == 0
    store = open_store(load_settings().store)
    listed = urls.stdout.split()
    validation = [c for c in local_version["chunks"] if c["split"] == "validation"]
    assert [Path(p) for p in listed] == [store.local_path(f"{DATASET}/1.0/{c['key']}") for c in validation]
    assert all(sha256_file(Path(p)) == c["sha256"] for p, c in zip(listed, validation, strict=True))

    Path(listed[0]).unlink()  # a chunk deleted from the store: named, exit 4 (was a traceback, exit 1)
    gone = runner.invoke(app, ["download", DATASET, "--out", str(tmp_path / "gone"), "--split", "validation"])
    assert gone.exit_code == 4 and "missing from the store" in gone.output and "kdata fsck" in gone.output


def test_a_part_file_planted_as_a_link_is_not_followed(
    local_version: dict[str, Any], kdata_home: Path, tmp_path: Path
) -> None:
    """Attack trial: a ``.part`` symlink in ``--out`` made the resumed download append licensed chunk bytes to
    the file it named (keeping that file's permissions). The link is removed and the chunk fetched whole."""
    out = tmp_path / "out"
    train = [c for c in local_version["chunks"] if c["split"] == "train"]
    dest = out / DATASET / "1.0" / train[0]["key"]
    dest.parent.mkdir(parents=True)
    victim = tmp_path / "victim.txt"
    victim.write_text("내 파일 (mine)", encoding="utf-8")
    dest.with_name(dest.name + ".part").symlink_to(victim)
    result = runner.invoke(app, ["download", DATASET, "--out", str(out), "--split", "train", "--json"])
    assert result.exit_code == 0, result.output
    assert victim.read_text(encoding="utf-8") == "내 파일 (mine)"
    assert json.loads(result.stdout)["resumed"] == 0
    assert not dest.is_symlink() and sha256_file(dest) == train[0]["sha256"]


def test_a_part_file_with_a_second_name_is_refused(local_version: dict[str, Any], tmp_path: Path) -> None:
    """Attack trial: another user pre-created an empty ``.part`` (mode 0666) and kept a hard link to it; the
    download appended the licensed chunk to that inode and renamed it into place, so the attacker's link read
    the whole chunk. A partial file that is not the user's alone is refused; nothing reaches the link."""
    out = tmp_path / "out"
    train = [c for c in local_version["chunks"] if c["split"] == "train"]
    dest = out / DATASET / "1.0" / train[0]["key"]
    dest.parent.mkdir(parents=True)
    part = dest.with_name(dest.name + ".part")
    part.write_bytes(b"")
    kept = tmp_path / "kept-by-another.parquet"
    os.link(part, kept)
    result = runner.invoke(app, ["download", DATASET, "--out", str(out), "--split", "train"])
    assert result.exit_code != 0 and "not yours alone" in result.output
    assert kept.read_bytes() == b""


def test_a_download_folder_planted_as_a_link_is_refused(local_version: dict[str, Any], tmp_path: Path) -> None:
    """Attack trial: another local user planted ``out/<dataset>/1.0 -> victim_project``; the download wrote its
    manifest, card and chunks there (overwriting the victim's README.md). A linked folder is refused."""
    victim = tmp_path / "victim_project"
    victim.mkdir()
    (victim / "README.md").write_text("내 프로젝트 (mine)", encoding="utf-8")
    out = tmp_path / "shared-out"
    (out / DATASET).mkdir(parents=True)
    (out / DATASET / "1.0").symlink_to(victim)
    for extra in ([], ["--columns", "dialogue_id"]):
        result = runner.invoke(app, ["download", DATASET, "--out", str(out), "--split", "train", *extra])
        assert result.exit_code != 0 and "symbolic link" in result.output
    assert [p.name for p in victim.iterdir()] == ["README.md"]
    assert (victim / "README.md").read_text(encoding="utf-8") == "내 프로젝트 (mine)"


def test_selective_download_from_the_local_store(local_version: dict[str, Any], tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "download",
            DATASET,
            "--out",
            str(tmp_path),
            "--where",
            "dialogue_id <= 'KSNS_00000010'",
            "--columns",
            "dialogue_id",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["rows"] == {"train": 10, "validation": 0}
    table = pq.read_table(Path(summary["root"]) / "train.parquet")
    assert table.column_names == ["dialogue_id"] and table.num_rows == 10
    assert pq.read_table(Path(summary["root"]) / "validation.parquet").num_rows == 0  # empty but valid Parquet


def test_the_sandbox_opens_only_the_chosen_chunks(local_version: dict[str, Any]) -> None:
    store = open_store(load_settings().store)
    chosen, other = (str(store.local_path(f"{DATASET}/1.0/{c['key']}")) for c in local_version["chunks"][:2])
    con = _sandbox(store, [chosen], "64MB")
    try:
        limit = con.execute("SELECT current_setting('memory_limit')").fetchone()
        assert limit is not None and limit[0].startswith("6")  # DuckDB writes 64MB as 61.0 MiB
        assert con.execute(f"SELECT count(*) FROM read_parquet('{chosen}')").fetchone() == (
            local_version["chunks"][0]["rows"],
        )
        for query in (f"SELECT * FROM read_parquet('{other}')", "SELECT * FROM read_text('/etc/passwd')"):
            with pytest.raises(duckdb.PermissionException):
                con.execute(query)
        with pytest.raises(duckdb.Error):
            con.execute("SET enable_external_access = true")
    finally:
        con.close()


@pytest.mark.parametrize(
    "where",
    [
        "topic = '일상대화' AND utterance_count BETWEEN 3 AND 9",
        "regexp_matches(topic, '^일') OR topic IN ('학업', '여행')",
        "len(utterances) > 3 AND utterances[1].utterance LIKE '%안녕%'",
        "list_contains(list_transform(participants, p -> p.age), '20대')",
    ],
)
def test_ordinary_filter_expressions_are_accepted(where: str) -> None:
    from kdata.download import validate_where

    assert validate_where(f"  {where} ") == where


@pytest.mark.parametrize(
    "where",
    [
        "read_text('/etc/passwd') IS NOT NULL",
        "postgres_query('kdata_catalog', 'SELECT 1') IS NOT NULL",
        "getenv('HOME') = 'x'",
    ],
)
def test_filters_reaching_files_settings_or_the_catalog_database_are_refused(where: str) -> None:
    """One deny-list (catalog.sql.DENIED_FUNCTIONS) for kdata sql and --where: a function it names is refused."""
    from kcore.errors import BadInput
    from kdata.download import validate_where

    with pytest.raises(BadInput, match="not allowed"):
        validate_where(where)
