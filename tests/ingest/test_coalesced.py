"""Small tables (one label file of 50 records each) are joined up to the writer's batch before they are checked
and written; order is kept, a record-path dict passes alone, a table of another schema starts a new batch."""

from __future__ import annotations

import pyarrow as pa

from kdata.pipeline import _coalesced


def _table(start: int, n: int, name: str = "x") -> pa.Table:
    return pa.table({name: list(range(start, start + n))})


def test_small_tables_join_in_order_up_to_the_batch() -> None:
    pieces = [_table(0, 3), _table(3, 3), {"record": 1}, _table(6, 4), _table(10, 2), _table(12, 1, "y"), _table(13, 9)]
    out = list(_coalesced(iter(pieces), 5))
    shapes = [p if isinstance(p, dict) else (p.column_names[0], p.column(0).to_pylist()) for p in out]
    assert shapes == [
        ("x", [0, 1, 2, 3, 4, 5]),  # 3 + 3 rows reach the batch of 5
        {"record": 1},  # a dict passes alone, after the tables before it
        ("x", [6, 7, 8, 9, 10, 11]),
        ("y", [12]),  # another schema: its own batch
        ("x", list(range(13, 22))),  # a big table passes whole
    ]
    assert list(_coalesced(iter([]), 5)) == []
