"""Catalog commands of ``kdata`` (licence workflow, approvals, exports), registered on :data:`kdata.cli_base.app`.

- ``kdata license ID --status STATUS --reason TEXT``: an auditor changes the licence status
  (transitions in :mod:`catalog.license`; a disallowed one exits 2 and lists the allowed ones).
- ``kdata approve ID --user NAME [--until YYYY-MM-DD] [--reason TEXT]``: records an approved application.
- ``kdata export croissant ID [--version V] [--out FILE]`` and ``kdata export dcat ID``: JSON-LD.

Who acts is ``KDATA_USER``; every change lands in the append-only ``audit_log``.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from kcore.config import Settings
from kcore.errors import BadInput
from kdata.cli_base import JsonOpt, _print_json, _run, app, out

__all__ = ["approve", "export_app", "export_croissant", "export_dcat", "license_"]

export_app = typer.Typer(
    help="메타데이터 내보내기 (export metadata: Croissant JSON-LD, DCAT JSON-LD).",
    no_args_is_help=True,
    rich_markup_mode=None,  # plain help, as kdata's (kdata.cli)
)
app.add_typer(export_app, name="export")


@app.command("license")
def license_(
    dataset_id: Annotated[str, typer.Argument(help="데이터셋 ID dataset id")],
    status: Annotated[
        str,
        typer.Option(
            help="새 이용 상태 new licence status: pending_review, open, approval_required, restricted, withdrawn"
        ),
    ],
    reason: Annotated[str, typer.Option(help="변경 사유 why (kept in the audit log)")],
    as_json: JsonOpt = False,
) -> None:
    """이용 상태 변경 (an auditor changes a dataset's licence status; kept in the audit log)."""

    def body(settings: Settings) -> dict[str, Any]:
        from catalog.db import connect
        from catalog.license import change_status

        with connect(settings) as con:
            return change_status(con, dataset_id, status, reason, settings.user)

    result = _run(body)
    if as_json:
        _print_json(result)
        return
    out.print(
        f"이용 상태 변경 licence status changed: {result['dataset_id']} {result['from']} → {result['to']} "
        f"(by {result['by']})",
        highlight=False,
    )


def _parse_date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise BadInput(f"--until {value!r}: expected a date YYYY-MM-DD") from None


@app.command()
def approve(
    dataset_id: Annotated[str, typer.Argument(help="데이터셋 ID dataset id")],
    user: Annotated[str, typer.Option(help="승인받은 사용자 the applicant whose application was approved")],
    until: Annotated[str | None, typer.Option(help="유효기간 valid until YYYY-MM-DD (inclusive)")] = None,
    reason: Annotated[str | None, typer.Option(help="메모 note, e.g. application number")] = None,
    as_json: JsonOpt = False,
) -> None:
    """이용 신청 승인 기록 (record an approved application, for datasets that need one)."""

    def body(settings: Settings) -> dict[str, Any]:
        from catalog.db import connect
        from catalog.license import approve as record

        valid_until = _parse_date(until)
        with connect(settings) as con:
            return record(con, dataset_id, user, settings.user, valid_until, reason)

    result = _run(body)
    if as_json:
        _print_json(result)
        return
    until_text = result["until"].isoformat() if result["until"] else "기한 없음 no end"
    out.print(
        f"승인 기록 approval recorded: {result['dataset_id']} user {result['user']} until {until_text} "
        f"(by {result['by']})",
        highlight=False,
    )


def _emit(document: dict[str, Any], out_file: Path | None) -> None:
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    if out_file is None:
        sys.stdout.write(text)
        return
    out_file.parent.mkdir(parents=True, exist_ok=True)
    out_file.write_text(text, encoding="utf-8")
    out.print(f"저장 wrote {out_file}", highlight=False)


VersionOpt = Annotated[str | None, typer.Option(help="버전 version (default: latest)")]
OutOpt = Annotated[Path | None, typer.Option("--out", help="파일로 저장 write to FILE instead of stdout")]


@export_app.command("croissant")
def export_croissant(
    dataset_id: Annotated[str, typer.Argument(help="데이터셋 ID dataset id")],
    version: VersionOpt = None,
    out_file: OutOpt = None,
) -> None:
    """Croissant 1.0 JSON-LD (FileSet globs are relative to the version folder: save it there for mlcroissant)."""

    def body(settings: Settings) -> dict[str, Any]:
        from catalog.croissant import croissant
        from catalog.db import connect

        with connect(settings, read_only=True) as con:
            return croissant(con, dataset_id, version)

    _emit(_run(body), out_file)


@export_app.command("dcat")
def export_dcat(
    dataset_id: Annotated[str, typer.Argument(help="데이터셋 ID dataset id")],
    version: VersionOpt = None,
    out_file: OutOpt = None,
) -> None:
    """DCAT JSON-LD for national portals (공공데이터포털 / 통합데이터지도)."""

    def body(settings: Settings) -> dict[str, Any]:
        from catalog.db import connect
        from catalog.dcat import dcat

        with connect(settings, read_only=True) as con:
            return dcat(con, dataset_id, version)

    _emit(_run(body), out_file)
