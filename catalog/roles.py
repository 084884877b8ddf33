"""Roles (역할) and the one rule every write checks, whatever path it comes from (CLI, web, Airflow).

===========  ==========================================================================================
role         may
===========  ==========================================================================================
reader       (any named user) search, read open datasets and those they hold a current approval for
uploader     ingest: publish new versions (``kdata ingest``, the ``ingest_<domain>`` DAGs)
steward      record approved applications (``kdata approve``), never their own
auditor      set licence statuses (``kdata license``, the web form), read the audit log and approvals;
             never open the licence of a version they uploaded
admin        grant and revoke roles (``kdata role``); holds every other role too (so that a new
             deployment can start), under the same separation-of-duties rules
===========  ==========================================================================================

Admins are the users listed in the deployment's ``KDATA_ADMINS`` (comma-separated) and those granted
``admin`` in the catalog. Roles are read from the catalog itself (never the readers' snapshot:
:func:`catalog.db.connect` with ``live=True``), so a copy someone edited grants nothing.
"""

from __future__ import annotations

from typing import Any

import duckdb

from catalog.audit import audit, now
from catalog.bound import admins_of
from catalog.db import transaction
from catalog.literal import sql_literal
from kcore.errors import BadInput, NotAllowed
from kcore.users import check_user_name

__all__ = [
    "ADMINS_ENV",
    "ROLES",
    "ROLE_DOCS",
    "grant",
    "list_roles",
    "require",
    "require_role",
    "revoke",
    "roles_of",
]

ROLES: tuple[str, ...] = ("reader", "uploader", "steward", "auditor", "admin")
ROLE_DOCS: dict[str, str] = {
    "reader": "열람자 reader: search, read open or approved datasets",
    "uploader": "업로더 uploader: ingest new versions",
    "steward": "관리자(이용 승인) steward: record approved applications, never one's own",
    "auditor": "감사자 auditor: licence statuses, audit log, approvals; not for versions one uploaded",
    "admin": "운영자 admin: grant and revoke roles; holds the other roles",
}
ADMINS_ENV = "KDATA_ADMINS"


def _granted(con: duckdb.DuckDBPyConnection, user: str) -> set[str]:
    # the user inlined, not bound: DuckDB's first bound parameter imports pandas (catalog.literal)
    rows = con.execute(f"SELECT role FROM roles WHERE user_name = {sql_literal(user)}").fetchall()
    return {str(r[0]) for r in rows}


def _holders(con: duckdb.DuckDBPyConnection, role: str) -> set[str]:
    rows = con.execute(f"SELECT user_name FROM roles WHERE role = {sql_literal(role)}").fetchall()
    return {str(r[0]) for r in rows}


def roles_of(con: duckdb.DuckDBPyConnection, user: str | None) -> frozenset[str]:
    """The roles ``user`` holds now (none for an anonymous user)."""
    if not user:
        return frozenset()
    held = {"reader", *_granted(con, user)}
    if user in admins_of(con) or "admin" in held:  # KDATA_ADMINS, from the connection's settings
        held.update(ROLES)
    return frozenset(held)


def require(con: duckdb.DuckDBPyConnection, user: str | None, role: str, doing: str) -> frozenset[str]:
    """Raise :class:`NotAllowed` (exit 4) unless ``user`` holds ``role``; returns the user's roles."""
    held = roles_of(con, user)
    if role not in held:
        who = repr(user) if user else "an anonymous user"
        raise NotAllowed(
            f"{doing}: '{role}' 역할이 필요합니다 (the {role} role is required; {who} holds "
            f"{', '.join(sorted(held)) or 'no role'}). An admin grants it: kdata role grant {user or 'USER'} {role}"
        )
    return held


def require_role(settings: Any, role: str, doing: str) -> None:
    """:func:`require` on the catalog itself for ``settings.user``, before a command starts work. With no
    catalog yet (a new deployment) only the admins ``KDATA_ADMINS`` names may act."""
    from catalog.db import CatalogMissing, connect

    try:
        with connect(settings, read_only=True, live=True) as con:
            require(con, settings.user, role, doing)
    except CatalogMissing:
        if settings.user not in settings.admins:
            raise NotAllowed(
                f"{doing}: '{role}' 역할이 필요합니다 (the {role} role is required; the catalog is new, so only "
                f"the admins named in KDATA_ADMINS may start it, not {settings.user!r})"
            ) from None


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise BadInput(f"unknown role {role!r}; expected one of {', '.join(ROLES)}")
    return role


def grant(con: duckdb.DuckDBPyConnection, actor: str, user: str, role: str) -> dict[str, Any]:
    """An admin grants ``role`` to ``user`` (audited; granting a held role changes nothing)."""
    user, role = check_user_name(user), _check_role(role)

    def work() -> dict[str, Any]:
        require(con, actor, "admin", "kdata role grant")
        if role in _granted(con, user):
            return {"user": user, "role": role, "changed": False}
        con.execute("INSERT INTO roles VALUES (?, ?, ?, ?)", [user, role, actor, now()])
        audit(con, actor, "role_grant", None, None, {"user": user, "role": role})
        return {"user": user, "role": role, "changed": True}

    result = transaction(con, work)
    return result


def revoke(con: duckdb.DuckDBPyConnection, actor: str, user: str, role: str) -> dict[str, Any]:
    """An admin revokes a granted role (admins of ``KDATA_ADMINS`` stay admins: the deployment names them)."""
    user, role = check_user_name(user), _check_role(role)

    def work() -> dict[str, Any]:
        require(con, actor, "admin", "kdata role revoke")
        if role not in _granted(con, user):
            note = " (KDATA_ADMINS names this user: change the deployment)" if user in admins_of(con) else ""
            raise BadInput(f"{user!r} was not granted {role!r}{note}")
        if role == "admin" and not admins_of(con) and not (_holders(con, "admin") - {user}):
            raise NotAllowed(
                f"{user!r}: 마지막 운영자의 권한은 회수할 수 없습니다 (the last admin: nobody could grant or revoke "
                f"roles after it); grant admin to another user first, or name admins in {ADMINS_ENV}"
            )
        con.execute("DELETE FROM roles WHERE user_name = ? AND role = ?", [user, role])
        audit(con, actor, "role_revoke", None, None, {"user": user, "role": role})
        return {"user": user, "role": role, "changed": True}

    result = transaction(con, work)
    return result


def list_roles(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Every granted role, and the admins ``KDATA_ADMINS`` names (``granted_by`` = ``KDATA_ADMINS``)."""
    rows = con.execute("SELECT user_name, role, granted_by, granted_at FROM roles ORDER BY user_name, role").fetchall()
    found = [
        {"user": u, "role": r, "granted_by": by, "granted_at": at.isoformat(timespec="seconds")}
        for u, r, by, at in rows
    ]
    for name in sorted(admins_of(con)):
        found.append({"user": name, "role": "admin", "granted_by": ADMINS_ENV, "granted_at": None})
    return sorted(found, key=lambda item: (item["user"], item["role"], item["granted_by"]))
