"""A private PostgreSQL database per test, for the shared catalog (``KDATA_CATALOG``).

Tests use the PostgreSQL 15 server on 127.0.0.1:5432 (trust auth, user ``postgres``; override with
``KDATA_TEST_POSTGRES``, a libpq URL of a database to connect to for CREATE/DROP DATABASE). Each test
gets a database named ``kdata_test_<random>``, dropped afterwards. No server: the test fails (never skips).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

ADMIN_URL = os.environ.get("KDATA_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")


def _admin():  # type: ignore[no-untyped-def]
    import psycopg2

    con = psycopg2.connect(ADMIN_URL, connect_timeout=5)
    con.autocommit = True
    return con


@contextmanager
def fresh_database() -> Iterator[str]:
    """``with fresh_database() as url:`` a new empty database's URL (for ``KDATA_CATALOG``), dropped after."""
    name = f"kdata_test_{secrets.token_hex(6)}"
    admin = _admin()
    try:
        with admin.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{name}"')
        base = ADMIN_URL.rsplit("/", 1)[0]
        yield f"{base}/{name}"
    finally:
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
