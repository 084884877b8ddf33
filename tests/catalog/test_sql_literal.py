"""Values inlined as SQL literals (catalog.literal) round-trip exactly and cannot break out of the quote."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from catalog.literal import sql_literal
from kcore.errors import BadInput

NASTY = [
    "",
    "평범한 데이터셋",
    "it's",
    "''",
    "x'); DROP TABLE t; --",
    "back\\slash\\'",
    "줄\n바꿈\t탭",
    "E'\\x41'",
    "$$dollar$$",
    "🙂 emoji",
    "'" * 50,
]


@pytest.mark.parametrize("text", NASTY)
def test_text_round_trips_and_tables_survive(text: str) -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE t (v VARCHAR)")
    con.execute(f"INSERT INTO t VALUES ({sql_literal(text)})")
    assert con.execute("SELECT v FROM t").fetchall() == [(text,)]
    assert con.execute(f"SELECT count(*) FROM t WHERE v = {sql_literal(text)}").fetchone() == (1,)


def test_other_types_round_trip() -> None:
    con = duckdb.connect()
    values = [
        None,
        True,
        False,
        0,
        -(2**63),
        2**63 - 1,
        1.5,
        dt.date(2026, 11, 22),
        dt.datetime(2026, 11, 22, 6, 1, 2, 345678),
    ]
    for value in values:
        assert con.execute(f"SELECT {sql_literal(value)}").fetchone() == (value,)


def test_refused_values() -> None:
    with pytest.raises(BadInput):
        sql_literal("a\x00b")
    with pytest.raises(ValueError):
        sql_literal(float("nan"))
    with pytest.raises(ValueError):
        sql_literal(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
