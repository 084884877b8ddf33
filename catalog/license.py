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
pre-clear to ``withdrawn``.

A later version's manifest proposes, it never loosens (:func:`register_licence`): a status an auditor
set stays unless the new terms call for a stricter one; terms that grant more than before (commercial
use, modification, redistribution, use abroad, another licence id) send the dataset back to
``pending_review`` until an auditor looks. The status is the dataset's, so it covers every version.

Roles and separation of duties (:mod:`catalog.roles`): statuses are set by auditors, approvals by
stewards; nobody approves their own application, and the uploader of any version of a dataset cannot
loosen its licence.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import duckdb

from catalog.audit import audit, now
from catalog.db import transaction
from catalog.roles import require
from kcore.errors import BadInput, NotAllowed
from kcore.users import check_user_name, same_user

if TYPE_CHECKING:  # the pydantic model: kdata search and kdata sql read STATUSES without importing it
    from schemas.manifest import License

__all__ = [
    "CLEARED_LICENSES",
    "STATUSES",
    "STRICTNESS",
    "TRANSITIONS",
    "approve",
    "change_status",
    "check_transition",
    "initial_status",
    "license_terms",
    "register_license",
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

STRICTNESS: dict[str, int] = {"open": 0, "approval_required": 1, "restricted": 2, "pending_review": 3, "withdrawn": 4}
"""How much a status holds back: a change to a lower number loosens the licence."""

_WITH_APPROVAL = ("approval_required", "restricted")
_OPEN_TERMS = ("open", *_WITH_APPROVAL)

CLEARED_LICENSES: dict[str, tuple[str, ...]] = {
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


def initial_status(license: License) -> str:
    """The status a newly registered dataset starts at, by the clearance policy (module docstring)."""
    allowed = CLEARED_LICENSES.get(license.id.strip().lower(), ())
    return license.status if license.status in allowed else "pending_review"


def license_terms(license: License) -> dict[str, Any]:
    """The terms that, when changed by a new version, send the licence through the policy again."""
    return {
        "license_id": license.id,
        "commercial_use": license.commercial_use,
        "modification": license.modification,
        "domestic_only": license.domestic_only,
        "redistribution": license.redistribution,
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


def change_status(
    con: duckdb.DuckDBPyConnection, dataset_id: str, status: str, reason: str, actor: str
) -> dict[str, Any]:
    """An auditor sets a dataset's licence status; one transaction with its audit row."""
    if not reason.strip():
        raise BadInput("--reason: say why the status changes (it is kept in the audit log)")
    _check_note(reason, "--reason")

    def work() -> dict[str, Any]:
        require(con, actor, "auditor", "kdata license")
        current = _current(con, dataset_id)
        check_transition(current, status)
        if STRICTNESS[status] < STRICTNESS[current] and status != "pending_review":
            _refuse_own_upload(con, dataset_id, actor, current, status)
        at = now()
        con.execute(
            "UPDATE licenses SET status = ?, status_reason = ?, status_changed_by = ?, status_changed_at = ? "
            "WHERE dataset_id = ?",
            [status, reason, actor, at, dataset_id],
        )
        detail = {"from": current, "to": status, "reason": reason}
        audit(con, actor, "license_status", dataset_id, None, detail)
        return {"dataset_id": dataset_id, "from": current, "to": status, "reason": reason, "by": actor, "at": at}

    result = transaction(con, work)
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
    user = check_user_name(user, "--user")
    if reason is not None:
        _check_note(reason, "--reason")
    if until is not None and until < today:
        raise BadInput(f"--until {until.isoformat()}: the approval would already have expired (today {today})")

    def work() -> dict[str, Any]:
        require(con, actor, "steward", "kdata approve")
        if same_user(user, actor):  # CHOI, ｃｈｏｉ: one person to a login that ignores case and width
            raise NotAllowed(
                f"{dataset_id}: 본인의 이용 신청은 승인할 수 없습니다 (nobody approves their own application: "
                f"{actor!r}); another steward records it"
            )
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

    result = transaction(con, work)
    return result


def register_license(con: duckdb.DuckDBPyConnection, dataset_id: str, license: License, actor: str) -> None:
    """Called inside :func:`catalog.register.register_version`'s transaction: insert or re-check the licence."""
    terms = license_terms(license)
    row = con.execute(f"SELECT status, {', '.join(_TERMS)} FROM licenses WHERE dataset_id = ?", [dataset_id]).fetchone()
    values = [license.id, license.name, license.commercial_use, license.modification, license.domestic_only]
    values += [license.redistribution, license.attribution, license.url]
    if row is None:
        status = initial_status(license)
        con.execute(
            "INSERT INTO licenses (dataset_id, status, license_id, name, commercial_use, modification, "
            "domestic_only, redistribution, attribution, url, status_reason, status_changed_by, status_changed_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [dataset_id, status, *values, _policy_reason(license, status), actor, now()],
        )
        detail: dict[str, Any] = {"requested": license.status, "status": status, "license_id": license.id}
        audit(con, actor, "license_registered", dataset_id, None, detail)
        return
    old = dict(zip(_TERMS, row[1:], strict=True))
    if old == terms:
        return
    status = _proposed_status(str(row[0]), old, terms, license)
    con.execute(
        "UPDATE licenses SET status = ?, license_id = ?, name = ?, commercial_use = ?, modification = ?, "
        "domestic_only = ?, redistribution = ?, attribution = ?, url = ?, status_reason = ?, "
        "status_changed_by = ?, status_changed_at = ? WHERE dataset_id = ?",
        [status, *values, "licence terms changed in a new version", actor, now(), dataset_id],
    )
    detail = {"from": row[0], "to": status, "old_terms": old, "new_terms": terms}
    audit(con, actor, "license_terms_changed", dataset_id, None, detail)


MAX_NOTE = 2000
"""The longest reason or note kept with a status change or an approval (the audit log keeps it forever)."""


def _check_note(text: str, option: str) -> None:
    if len(text) > MAX_NOTE or any(ord(c) < 32 and c not in "\t\n" for c in text):
        raise BadInput(f"{option}: at most {MAX_NOTE} characters of printable text (got {len(text):,})")


def _loosened(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Terms that grant more than before (a new licence id counts: its terms were not reviewed here)."""
    looser = [k for k in ("commercial_use", "modification", "redistribution") if new[k] and not old[k]]
    if old["domestic_only"] and not new["domestic_only"]:
        looser.append("domestic_only")
    if str(new["license_id"]).strip().lower() != str(old["license_id"]).strip().lower():
        looser.append("license_id")
    return looser


def _proposed_status(current: str, old: dict[str, Any], new: dict[str, Any], license: License) -> str:
    """A new version's terms may tighten the status, never loosen it (module docstring)."""
    candidates = [current, initial_status(license)]
    if _loosened(old, new):
        candidates.append("pending_review")
    return max(candidates, key=STRICTNESS.__getitem__)


def _refuse_own_upload(con: duckdb.DuckDBPyConnection, dataset_id: str, actor: str, current: str, new: str) -> None:
    found = con.execute(
        "SELECT version, uploaded_by FROM versions WHERE dataset_id = ? ORDER BY version", [dataset_id]
    ).fetchall()
    rows = [row for row in found if same_user(str(row[1]), actor)]  # CHOI uploaded: choi is CHOI
    if rows:
        raise NotAllowed(
            f"{dataset_id}: 직접 올린 버전의 이용 조건은 풀 수 없습니다 (separation of duties: {actor!r} uploaded "
            f"version {', '.join(str(r[0]) for r in rows)}, so cannot loosen {current} → {new}); "
            "another auditor decides"
        )


def _policy_reason(license: License, status: str) -> str:
    if status != "pending_review":
        return f"cleared by policy: {license.id} may start at {status}"
    if license.status == "pending_review":
        return "pending review: the manifest asks for a review"
    if license.id.strip().lower() not in CLEARED_LICENSES:
        return f"pending review: {license.id} is not a cleared licence (clearance policy)"
    return f"pending review: {license.id} may not pre-clear to {license.status} (clearance policy)"
