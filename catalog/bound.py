"""The settings a catalog connection was opened with, for the code that receives only the connection.

:func:`catalog.db.connect` is handed the :class:`~kcore.config.Settings` (built once by the command or
task) and binds them to each connection it yields; the role checks (``Settings.admins``,
``KDATA_ADMINS``) and the audit chain's key (``Settings.audit_key``, ``KDATA_AUDIT_KEY``) read them from
the connection instead of from the environment. A connection opened elsewhere (a test's own DuckDB file)
has none: no deployment admins, and the audit key file of :func:`catalog.audit.audit_key`.
"""

from __future__ import annotations

import weakref
from typing import Any

from kcore.config import Settings

__all__ = ["admins_of", "audit_key_setting", "bind", "settings_of"]

_BOUND: weakref.WeakKeyDictionary[Any, Settings] = weakref.WeakKeyDictionary()


def bind(con: Any, settings: Settings) -> None:
    """Remember ``settings`` for ``con`` (forgotten when the connection object is)."""
    _BOUND[con] = settings


def settings_of(con: Any) -> Settings | None:
    """The settings ``con`` was opened with, or ``None`` for a connection not opened by ``connect``."""
    try:
        return _BOUND.get(con)
    except TypeError:  # not weak-referenceable: not one of ours
        return None


def admins_of(con: Any) -> frozenset[str]:
    """The admins the deployment names (``KDATA_ADMINS``) for the catalog behind ``con``."""
    settings = settings_of(con)
    return settings.admins if settings is not None else frozenset()


def audit_key_setting(con: Any) -> str:
    """``KDATA_AUDIT_KEY`` as the settings of ``con`` hold it (empty: the key file)."""
    settings = settings_of(con)
    return settings.audit_key if settings is not None else ""
