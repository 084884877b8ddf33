"""Catalog writes of the web app: the auditor's licence status change (이용 상태 변경).

The rules are the CLI's (``kdata license``), in one place: :func:`catalog.license.change_status`
checks the auditor role, separation of duties and the transition, updates ``licenses`` and appends the
audit row in one transaction.
"""

from __future__ import annotations

from typing import Any

import duckdb

from catalog.license import TRANSITIONS, change_status
from kcore.errors import NotAllowed

__all__ = ["allowed_next", "set_license_status"]


def allowed_next(current: str) -> tuple[str, ...]:
    """Statuses an auditor may set next (the licence module's transitions)."""
    return tuple(TRANSITIONS.get(current, ()))


def set_license_status(
    con: duckdb.DuckDBPyConnection, dataset_id: str, status: str, reason: str, actor: str
) -> dict[str, Any]:
    """Change a dataset's licence status with its audit row (:class:`NotAllowed` without the auditor role)."""
    if not actor.strip():
        raise NotAllowed("이용 상태 변경은 로그인한 감사자만 할 수 있습니다 (sign in as an auditor)")
    result: dict[str, Any] = change_status(con, dataset_id, status, reason, actor)
    return result
