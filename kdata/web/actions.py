"""Catalog writes of the web app: the auditor's licence status change (이용 상태 변경).

The rules are the CLI's (``kdata license``): :func:`catalog.licence.change_status` checks the
transition, updates ``licenses`` and appends the audit row in one transaction. When that module is
not there (an older tree), :func:`set_licence_status` does the same minimal work itself: one
transaction with an ``UPDATE licenses`` and :func:`catalog.register.audit`.
"""

from __future__ import annotations

from typing import Any

import duckdb

from kdata.errors import BadInput

__all__ = ["STATUSES", "allowed_next", "fallback_set_status", "set_licence_status"]

STATUSES: tuple[str, ...] = ("pending_review", "open", "approval_required", "restricted", "withdrawn")


def allowed_next(current: str) -> tuple[str, ...]:
    """Statuses an auditor may set next (the licence module's transitions, or any other status)."""
    try:
        from catalog.licence import TRANSITIONS
    except ImportError:  # pragma: no cover - older tree without the licence workflow
        return tuple(s for s in STATUSES if s != current)
    return tuple(TRANSITIONS.get(current, ()))


def set_licence_status(
    con: duckdb.DuckDBPyConnection, dataset_id: str, status: str, reason: str, actor: str
) -> dict[str, Any]:
    """Change a dataset's licence status with its audit row; :class:`BadInput` for a refused change."""
    if not actor.strip():
        raise BadInput("이용 상태 변경에는 사용자 이름이 필요합니다 (a named user is required to change a status)")
    try:
        from catalog.licence import change_status
    except ImportError:  # pragma: no cover - older tree without the licence workflow
        return fallback_set_status(con, dataset_id, status, reason, actor)
    result: dict[str, Any] = change_status(con, dataset_id, status, reason, actor)
    return result


def fallback_set_status(
    con: duckdb.DuckDBPyConnection, dataset_id: str, status: str, reason: str, actor: str
) -> dict[str, Any]:
    """The minimal change without :mod:`catalog.licence`: validate, UPDATE, audit, one transaction."""
    from catalog.register import audit

    if status not in STATUSES:
        raise BadInput(f"unknown licence status {status!r}; expected one of {', '.join(STATUSES)}")
    if not reason.strip():
        raise BadInput("reason: say why the status changes (it is kept in the audit log)")
    con.execute("BEGIN")
    try:
        row = con.execute("SELECT status FROM licenses WHERE dataset_id = ?", [dataset_id]).fetchone()
        if row is None:
            raise BadInput(f"unknown dataset {dataset_id!r}")
        current = str(row[0])
        if current == status:
            raise BadInput(f"{dataset_id}: licence status is already {status}")
        con.execute("UPDATE licenses SET status = ? WHERE dataset_id = ?", [status, dataset_id])
        detail = {"from": current, "to": status, "reason": reason}
        audit(con, actor, "license_status", dataset_id, None, detail)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return {"dataset_id": dataset_id, "from": current, "to": status, "reason": reason, "by": actor}
