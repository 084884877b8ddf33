"""Catalog administration commands of ``kdata``, registered on :data:`kdata.cli_base.app`.

- ``kdata backup OUT``: a checkpointed, verified copy of the catalog in a new file.
- ``kdata restore IN``: put a backup in place; refused while another process uses the catalog; the
  replaced catalog and its WAL are kept under ``$KDATA_HOME/catalog-aside/<time>/``.

See :mod:`catalog.wal` for the damaged-WAL alarm these commands answer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from kcore.config import Settings
from kdata.cli_base import JsonOpt, _print_json, _run, app, out

__all__ = [
    "audit_app",
    "audit_verify",
    "backup",
    "restore",
    "role_app",
    "role_grant",
    "role_list",
    "role_revoke",
    "worker_app",
    "worker_status",
    "worker_stop",
]


@app.command()
def backup(
    out_file: Annotated[Path, typer.Argument(help="백업 파일 backup file to create (never overwritten)")],
    as_json: JsonOpt = False,
) -> None:
    """카탈로그 백업 (a checkpointed, verified copy of the catalog; waits for running writers)."""

    def body(settings: Settings) -> dict[str, Any]:
        from catalog.recovery import backup_catalog
        from catalog.roles import require_role

        require_role(settings, "admin", "kdata backup")  # the copy holds approvals, roles and the audit log
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
        from catalog.recovery import ensure_not_in_use, restore_catalog
        from catalog.roles import require_role

        if not settings.catalog_url:  # the embedded file only (restore_catalog refuses the shared one)
            ensure_not_in_use(settings.catalog_path)  # a writer holds it: say so at once (restore checks again)
        require_role(settings, "admin", "kdata restore")
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


role_app = typer.Typer(
    help="역할 관리 (roles: reader, uploader, steward, auditor, admin; only admins grant and revoke).",
    no_args_is_help=True,
    rich_markup_mode=None,  # plain help, as kdata's (kdata.cli)
)
app.add_typer(role_app, name="role")
audit_app = typer.Typer(
    help="감사 기록 (the audit log: verify its keyed hash chain).", no_args_is_help=True, rich_markup_mode=None
)
app.add_typer(audit_app, name="audit")


def _role_change(user: str, role: str, as_json: bool, revoke: bool) -> None:
    def body(settings: Settings) -> dict[str, Any]:
        from catalog import roles
        from catalog.db import connect

        with connect(settings) as con:
            change = roles.revoke if revoke else roles.grant
            return change(con, settings.user, user, role)

    result = _run(body)
    if as_json:
        _print_json(result)
        return
    verb = "회수 revoked" if revoke else "부여 granted"
    note = "" if result["changed"] else " (이미 있음 already held)"
    out.print(f"역할 {verb}: {result['user']} {result['role']}{note}", highlight=False)


@role_app.command("grant")
def role_grant(
    user: Annotated[str, typer.Argument(help="사용자 user name")],
    role: Annotated[str, typer.Argument(help="역할 role: reader, uploader, steward, auditor, admin")],
    as_json: JsonOpt = False,
) -> None:
    """역할 부여 (an admin grants a role)."""
    _role_change(user, role, as_json, revoke=False)


@role_app.command("revoke")
def role_revoke(
    user: Annotated[str, typer.Argument(help="사용자 user name")],
    role: Annotated[str, typer.Argument(help="역할 role")],
    as_json: JsonOpt = False,
) -> None:
    """역할 회수 (an admin revokes a granted role)."""
    _role_change(user, role, as_json, revoke=True)


@role_app.command("list")
def role_list(as_json: JsonOpt = False) -> None:
    """역할 목록 (granted roles, and the admins KDATA_ADMINS names)."""

    def body(settings: Settings) -> list[dict[str, Any]]:
        from catalog import roles
        from catalog.db import CatalogMissing, connect

        try:
            with connect(settings, read_only=True, live=True) as con:
                return roles.list_roles(con)
        except CatalogMissing:
            return [
                {"user": u, "role": "admin", "granted_by": roles.ADMINS_ENV, "granted_at": None}
                for u in sorted(settings.admins)
            ]

    found = _run(body)
    if as_json:
        _print_json(found)
        return
    if not found:
        out.print("역할 없음 (no roles granted; KDATA_ADMINS names no admin)", highlight=False)
    for item in found:
        out.print(f"{item['user']}\t{item['role']}\t{item['granted_by']}\t{item['granted_at'] or ''}", highlight=False)


@audit_app.command("verify")
def audit_verify(as_json: JsonOpt = False) -> None:
    """감사 기록 검증 (check the keyed hash chain and the store's anchor: exit 0 clean, 1 naming the first bad row)."""

    def body(settings: Settings) -> dict[str, Any]:
        from catalog.audit import read_anchor, verify_audit_log
        from catalog.db import connect

        anchor = read_anchor(settings.store)
        with connect(settings, read_only=True, live=True) as con:
            problems = verify_audit_log(con, anchor)
            count = con.execute("SELECT count(*) FROM audit_log").fetchone()
        return {
            "ok": not problems,
            "rows": int(count[0]) if count else 0,
            "anchored": anchor is not None,
            "problems": problems,
        }

    result = _run(body)
    if as_json:
        _print_json(result)
    elif result["ok"]:
        out.print(
            f"감사 기록 정상 audit log intact: {result['rows']} rows, "
            f"anchor {'checked' if result['anchored'] else 'not found'}",
            highlight=False,
        )
    else:
        out.print(f"[bold red]감사 기록 손상 audit log tampered[/]: {result['problems'][0]}", highlight=False)
        for problem in result["problems"][1:]:
            out.print(f"  {problem}", highlight=False)
    if not result["ok"]:
        raise typer.Exit(1)


worker_app = typer.Typer(
    help="품질검증 작업자 (the warm Great Expectations worker of this KDATA_HOME: status, stop).",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(worker_app, name="worker")


@worker_app.command("status")
def worker_status(as_json: JsonOpt = False) -> None:
    """작업자 상태 (whether a warm GX worker serves this KDATA_HOME; its pid and jobs done)."""

    def body(settings: Settings) -> dict[str, Any]:
        from kdata import gx_worker

        return {**gx_worker.status(settings.home), "enabled": gx_worker.enabled(settings)}

    result = _run(body)
    if as_json:
        _print_json(result)
    elif result["running"]:
        out.print(
            f"작업 중 running: pid {result['pid']}, jobs {result['jobs']}, now {result['active']}", highlight=False
        )
    else:
        out.print("작업자 없음 no worker (the next ingest starts one)", highlight=False)


@worker_app.command("stop")
def worker_stop(as_json: JsonOpt = False) -> None:
    """작업자 중지 (ask the warm GX worker to exit after its running jobs)."""

    def body(settings: Settings) -> dict[str, Any]:
        from kdata import gx_worker

        return {"stopped": gx_worker.stop(settings.home)}

    result = _run(body)
    if as_json:
        _print_json(result)
    else:
        out.print("중지 요청 stop sent" if result["stopped"] else "작업자 없음 no worker", highlight=False)
