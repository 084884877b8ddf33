"""Catalog administration commands of ``kdata``, registered on :data:`kdata.cli.app`.

- ``kdata backup OUT``: a checkpointed, verified copy of the catalog in a new file.
- ``kdata restore IN``: put a backup in place; refused while another process uses the catalog; the
  replaced catalog and its WAL are kept under ``$KDATA_HOME/catalog-aside/<time>/``.

See :mod:`catalog.recovery` for the damaged-WAL alarm these commands answer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from kdata.cli import JsonOpt, _print_json, _run, app, out
from kdata.config import Settings

__all__ = ["backup", "restore"]


@app.command()
def backup(
    out_file: Annotated[Path, typer.Argument(help="백업 파일 backup file to create (never overwritten)")],
    as_json: JsonOpt = False,
) -> None:
    """카탈로그 백업 (a checkpointed, verified copy of the catalog; waits for running writers)."""

    def body(settings: Settings) -> dict[str, Any]:
        from catalog.recovery import backup_catalog

        return backup_catalog(settings, out_file)

    result = _run(body)
    if as_json:
        _print_json(result)
        return
    out.print(f"[bold green]백업 완료 backup written[/]: {result['backup']}", highlight=False, soft_wrap=True)
    out.print(
        f"  datasets: {result['datasets']}  versions: {result['versions']}  schema: {result['schema_version']}  "
        f"bytes: {result['bytes']:,}  sha256: {result['sha256']}",
        highlight=False,
    )


@app.command()
def restore(
    in_file: Annotated[Path, typer.Argument(help="백업 파일 backup file made by kdata backup")],
    as_json: JsonOpt = False,
) -> None:
    """카탈로그 복원 (replace the catalog by a backup; the old file and its WAL are kept aside)."""

    def body(settings: Settings) -> dict[str, Any]:
        from catalog.recovery import restore_catalog

        return restore_catalog(settings, in_file)

    result = _run(body)
    if as_json:
        _print_json(result)
        return
    out.print(f"[bold green]복원 완료 restored[/]: {result['catalog']}", highlight=False, soft_wrap=True)
    out.print(f"  from: {result['restored_from']}", highlight=False, soft_wrap=True)
    out.print(f"  datasets: {result['datasets']}  versions: {result['versions']}", highlight=False)
    for kept in result["kept_aside"]:
        out.print(f"  보관 kept aside: {kept}", highlight=False, soft_wrap=True)
    out.print(
        "  백업 이후 게시된 버전은 kdata ingest로 다시 등록하세요 "
        "(rerun kdata ingest for versions published after the backup: they are registered again)",
        highlight=False,
    )
