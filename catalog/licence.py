"""Licence workflow (이용 상태 관리): statuses, allowed transitions, the clearance policy, approvals.

Statuses (검토 대기 pending_review · 공개 open · 승인 필요 approval_required · 제한 restricted · 철회 withdrawn)
and who may download in each are in :mod:`catalog.access`. Every change is one transaction that
updates ``licenses``/``approvals`` and appends to ``audit_log`` who (``KDATA_USER``), when and why.

Transitions (:data:`TRANSITIONS`)::

    pending_review    → open | approval_required | restricted | withdrawn
    open              → approval_required | restricted | withdrawn
    approval_required → open | restricted | withdrawn
    restricted        → approval_required | withdrawn      (loosening goes one step at a time)
    withdrawn         → pending_review                      (a withdrawn dataset is reviewed again)

Clearance policy at registration (:func:`initial_status`): a new dataset starts at
``pending_review`` unless its manifest's ``license.id`` is one of :data:`CLEARED_LICENCES` and the
manifest's ``license.status`` is one that licence may pre-clear to: the standard AI Hub terms need
an application, so ``aihub-standard`` pre-clears to ``approval_required`` or ``restricted`` only;
open licences (CC BY family, CC0, 공공누리 KOGL types 1-4) also to ``open``. A manifest can never
pre-clear to ``withdrawn``. A later version never resets a status an auditor set; when its licence
terms differ from the registered ones, the status is decided by the policy again (except that a
withdrawn dataset stays withdrawn) and the change is audited.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb

from catalog.audit import audit, now
from kdata.errors import BadInput
from schemas.manifest import Licence

__all__ = [
    "CLEARED_LICENCES",
    "STATUSES",
    "TRANSITIONS",
    "approve",
    "change_status",
    "check_transition",
    "initial_status",
    "licence_terms",
    "register_licence",
]

STATUSES: tuple[str, ...] = ("pending_review", "open", "approval_required", "restricted", "withdrawn")

TRANSITIONS: dict[str, tuple[str, ...]] = {
    "pending_review": ("open", "approval_required", "restricted", "withdrawn"),
    "open": ("approval_required", "restricted", "withdrawn"),
    "approval_required": ("open", "restricted", "withdrawn"),
    "restricted": ("approval_required", "withdrawn"),
    "withdrawn": ("pending_review",),
}
"""Allowed licence status changes: current status → statuses an auditor may set next."""

_WITH_APPROVAL = ("approval_required", "restricted")
_OPEN_TERMS = ("open", *_WITH_APPROVAL)

CLEARED_LICENCES: dict[str, tuple[str, ...]] = {
    "aihub-standard": _WITH_APPROVAL,
    "cc-by-4.0": _OPEN_TERMS,
    "cc-by-sa-4.0": _OPEN_TERMS,
    "cc-by-nc-4.0": _OPEN_TERMS,
    "cc-by-nd-4.0": _OPEN_TERMS,
    "cc-by-nc-sa-4.0": _OPEN_TERMS,
    "cc-by-nc-nd-4.0": _OPEN_TERMS,
    "cc0-1.0": _OPEN_TERMS,
    "kogl-1": _OPEN_TERMS,
    "kogl-2": _OPEN_TERMS,
    "kogl-3": _OPEN_TERMS,
    "kogl-4": _OPEN_TERMS,
}
"""Licences whose terms were reviewed once (ids compared case-insensitively) → statuses a manifest
may pre-clear to. Any other licence id starts at ``pending_review``."""

_TERMS = ("license_id", "commercial_use", "modification", "domestic_only", "redistribution")


def initial_status(licence: Licence) -> str:
    """The status a newly registered dataset starts at, by the clearance policy (module docstring)."""
    allowed = CLEARED_LICENCES.get(licence.id.strip().lower(), ())
    return licence.status if licence.status in allowed else "pending_review"


def licence_terms(licence: Licence) -> dict[str, Any]:
    """The terms that, when changed by a new version, send the licence through the policy again."""
    return {
        "license_id": licence.id,
        "commercial_use": licence.commercial_use,
        "modification": licence.modification,
        "domestic_only": licence.domestic_only,
        "redistribution": licence.redistribution,
    }


def check_transition(current: str, new: str) -> None:
    """Raise :class:`BadInput` (exit 2) unless ``current → new`` is allowed; the message lists the allowed ones."""
    if new not in STATUSES:
        raise BadInput(f"unknown licence status {new!r}; expected one of {', '.join(STATUSES)}")
    allowed = TRANSITIONS[current]
    if new not in allowed:
        raise BadInput(
            f"이용 상태 변경 불가 (transition not allowed): {current} → {new}; "
            f"allowed from {current}: {', '.join(allowed)}"
        )


def _current(con: duckdb.DuckDBPyConnection, dataset_id: str) -> str:
    row = con.execute("SELECT status FROM licenses WHERE dataset_id = ?", [dataset_id]).fetchone()
    if row is None:
        raise BadInput(f"unknown dataset {dataset_id!r} (kdata search lists them)")
    return str(row[0])


def _transaction(con: duckdb.DuckDBPyConnection, work: Any) -> Any:
    con.execute("BEGIN")
    try:
        result = work()
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return result


def change_status(
    con: duckdb.DuckDBPyConnection, dataset_id: str, status: str, reason: str, actor: str
) -> dict[str, Any]:
    """An auditor sets a dataset's licence status; one transaction with its audit row."""
    if not reason.strip():
        raise BadInput("--reason: say why the status changes (it is kept in the audit log)")

    def work() -> dict[str, Any]:
        current = _current(con, dataset_id)
        check_transition(current, status)
        at = now()
        con.execute(
            "UPDATE licenses SET status = ?, status_reason = ?, status_changed_by = ?, status_changed_at = ? "
            "WHERE dataset_id = ?",
            [status, reason, actor, at, dataset_id],
        )
        detail = {"from": current, "to": status, "reason": reason}
        audit(con, actor, "license_status", dataset_id, None, detail)
        return {"dataset_id": dataset_id, "from": current, "to": status, "reason": reason, "by": actor, "at": at}

    result: dict[str, Any] = _transaction(con, work)
    return result


def approve(
    con: duckdb.DuckDBPyConnection,
    dataset_id: str,
    user: str,
    actor: str,
    until: dt.date | None = None,
    reason: str | None = None,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """Record an approved application (이용 신청 승인) of ``user``; replaces that user's earlier one."""
    today = today or dt.date.today()
    if not user.strip():
        raise BadInput("--user: name the user whose application was approved")
    if until is not None and until < today:
        raise BadInput(f"--until {until.isoformat()}: the approval would already have expired (today {today})")

    def work() -> dict[str, Any]:
        status = _current(con, dataset_id)
        if status not in _WITH_APPROVAL:
            raise BadInput(
                f"{dataset_id}: licence status {status!r} takes no approvals; approvals apply to "
                f"{' and '.join(_WITH_APPROVAL)} (open needs none; pending_review and withdrawn allow no downloads)"
            )
        at = now()
        # one row per (dataset, user): the newest approval replaces an earlier one
        con.execute("DELETE FROM approvals WHERE dataset_id = ? AND user_name = ?", [dataset_id, user])
        con.execute("INSERT INTO approvals VALUES (?, ?, ?, ?, ?, ?)", [dataset_id, user, actor, at, until, reason])
        detail = {"user": user, "until": until.isoformat() if until else None, "reason": reason, "status": status}
        audit(con, actor, "approve", dataset_id, None, detail)
        return {"dataset_id": dataset_id, "user": user, "until": until, "by": actor, "at": at, "status": status}

    result: dict[str, Any] = _transaction(con, work)
    return result


def register_licence(con: duckdb.DuckDBPyConnection, dataset_id: str, licence: Licence, actor: str) -> None:
    """Called inside :func:`catalog.register.register_version`'s transaction: insert or re-check the licence."""
    terms = licence_terms(licence)
    row = con.execute(f"SELECT status, {', '.join(_TERMS)} FROM licenses WHERE dataset_id = ?", [dataset_id]).fetchone()
    values = [licence.id, licence.name, licence.commercial_use, licence.modification, licence.domestic_only]
    values += [licence.redistribution, licence.attribution, licence.url]
    if row is None:
        status = initial_status(licence)
        con.execute(
            "INSERT INTO licenses (dataset_id, status, license_id, name, commercial_use, modification, "
            "domestic_only, redistribution, attribution, url, status_reason, status_changed_by, status_changed_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [dataset_id, status, *values, _policy_reason(licence, status), actor, now()],
        )
        detail: dict[str, Any] = {"requested": licence.status, "status": status, "license_id": licence.id}
        audit(con, actor, "license_registered", dataset_id, None, detail)
        return
    old = dict(zip(_TERMS, row[1:], strict=True))
    if old == terms:
        return
    status = "withdrawn" if row[0] == "withdrawn" else initial_status(licence)
    con.execute(
        "UPDATE licenses SET status = ?, license_id = ?, name = ?, commercial_use = ?, modification = ?, "
        "domestic_only = ?, redistribution = ?, attribution = ?, url = ?, status_reason = ?, "
        "status_changed_by = ?, status_changed_at = ? WHERE dataset_id = ?",
        [status, *values, "licence terms changed in a new version", actor, now(), dataset_id],
    )
    detail = {"from": row[0], "to": status, "old_terms": old, "new_terms": terms}
    audit(con, actor, "license_terms_changed", dataset_id, None, detail)


def _policy_reason(licence: Licence, status: str) -> str:
    if status != "pending_review":
        return f"cleared by policy: {licence.id} may start at {status}"
    if licence.status == "pending_review":
        return "pending review: the manifest asks for a review"
    if licence.id.strip().lower() not in CLEARED_LICENCES:
        return f"pending review: {licence.id} is not a cleared licence (clearance policy)"
    return f"pending review: {licence.id} may not pre-clear to {licence.status} (clearance policy)"
