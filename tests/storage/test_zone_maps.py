"""Zone maps: chunk ranges from Parquet statistics, and the conservative ``--where`` judgement on them."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ingest.chunks import RANGE_VALUE_CHARS, ChunkWriter, chunk_ranges
from kdata.download import parse_where
from storage.zone_maps import may_match

RANGES: dict[str, list[Any]] = {"id": ["K_0100", "K_0199"], "n": [3, 9], "topic": ["여행", "일상"]}


def judge(where: str, ranges: dict[str, list[Any]] = RANGES) -> bool:
    return may_match(parse_where(where)[1], ranges)


@pytest.mark.parametrize(
    "where",
    [
        "id = 'K_0150'",
        "id BETWEEN 'K_0000' AND 'K_0100'",
        "id >= 'K_0199'",
        "'K_0199' >= id",
        "n IN (1, 2, 9)",
        "n > 8 AND id < 'K_0101'",
        "n > 100 OR topic = '일상'",
        "ID = 'K_0150'",
        "n > '100'",  # DuckDB casts the string to an integer: not judged
        "n = 5.5",  # a decimal: not judged
        "id = 'K_0000'::VARCHAR",  # a cast: not judged
        "NOT (id = 'K_0000')",
        "id <> 'K_0150'",
        "lower(id) = 'k_0000'",
        "other = 1",
        "n > 100 OR other = 1",
        "t.id = 'K_0000'",
    ],
)
def test_may_match(where: str) -> None:
    assert judge(where) is True


@pytest.mark.parametrize(
    "where",
    [
        "id = 'K_0200'",
        "id BETWEEN 'K_0200' AND 'K_0300'",
        "id > 'K_0199'",
        "id < 'K_0100'",
        "'K_0100' > id",
        "id <= 'K_0099'",
        "n >= 10",
        "n <= 2",
        "n IN (1, 2, 10, NULL)",
        "n = NULL",
        "id BETWEEN NULL AND 'K_0150'",
        "n > 8 AND id < 'K_0100'",
        "n > 100 OR topic = '학업'",
        "(n > 100 OR topic = '학업') AND id = 'K_0150'",
        "Id = 'K_0300'",
        "topic > '일상'",  # Hangul orders by code point, as DuckDB and the Parquet statistics order it
    ],
)
def test_cannot_match(where: str) -> None:
    assert judge(where) is False


def test_columns_differing_only_in_case_are_not_judged() -> None:
    assert judge("id = 'K_0900'", {"id": ["K_0100", "K_0199"], "ID": ["K_0900", "K_0999"]}) is True
    assert judge("id = 'K_0900'", {}) is True


def _write(path: Path, table: pa.Table, rows_per_group: int) -> dict[str, list[Any]]:
    pq.write_table(table, path, row_group_size=rows_per_group, write_statistics=True)
    return chunk_ranges(pq.read_metadata(path))


def test_chunk_ranges_cover_the_values_and_leave_out_what_cannot_be_judged(tmp_path: Path) -> None:
    table = pa.table(
        {
            "id": [f"K_{i:04d}" for i in range(10)],
            "n": pa.array([5, None, -3, 7, None, None, 2, 40, 1, 0], pa.int32()),
            "all_null": pa.array([None] * 10, pa.string()),
            "late": pa.array([None] * 5 + ["b", "a", None, "c", None], pa.string()),
            "long": ["x" * (RANGE_VALUE_CHARS + 1)] + ["y"] * 9,
            "flag": [True, False] * 5,
            "score": [0.5] * 10,
            "blob": [b"\xff"] * 10,
            "nested": [[1]] * 10,
        }
    )
    ranges = _write(tmp_path / "c.parquet", table, 4)  # 3 row groups; the second of "late" is partly null
    assert ranges == {"id": ["K_0000", "K_0009"], "n": [-3, 40], "late": ["a", "c"]}

    pq.write_table(table, tmp_path / "nostats.parquet", row_group_size=4, write_statistics=["id"])
    assert chunk_ranges(pq.read_metadata(tmp_path / "nostats.parquet")) == {"id": ["K_0000", "K_0009"]}


def test_chunk_writer_records_ranges_and_keeps_hashes_out_of_the_footer(tmp_path: Path) -> None:
    schema = pa.schema([("dialogue_id", pa.string()), ("turns", pa.int32()), ("content_sha256", pa.string())])
    writer = ChunkWriter(
        tmp_path, split="train", group=0, source_archive="TL_1.zip", schema=schema, chunk_bytes=2000,
        row_group_bytes=500, batch_rows=16,
    )  # fmt: skip
    writer.write_rows({"dialogue_id": f"D{i:05d}", "turns": i % 7, "content_sha256": f"{i:064x}"} for i in range(300))
    chunks = writer.close()
    assert len(chunks) > 2
    seen = 0
    for chunk in chunks:
        table = pq.read_table(tmp_path / chunk.key)
        ids = table["dialogue_id"].to_pylist()
        assert chunk.ranges == {
            "dialogue_id": [min(ids), max(ids)],
            "turns": [min(table["turns"].to_pylist()), max(table["turns"].to_pylist())],
        }
        meta = pq.read_metadata(tmp_path / chunk.key)
        assert meta.row_group(0).column(2).statistics is None
        assert chunk.to_dict()["ranges"] == chunk.ranges
        seen += len(ids)
    assert seen == 300


def _random_filter(rng: random.Random) -> str:
    def leaf() -> str:
        column = rng.choice(["id", "n", "ID", "topic"])
        if column in ("id", "ID"):
            value = f"'K_{rng.randrange(0, 1100):04d}'"
        elif column == "topic":
            value = repr(rng.choice(["여행", "일상", "학업", "", "zz"]))
        else:
            value = str(rng.randrange(-5, 60))
        kind = rng.randrange(6)
        if kind == 0:
            other = f"'K_{rng.randrange(0, 1100):04d}'" if column in ("id", "ID") else str(rng.randrange(-5, 60))
            return f"{column} BETWEEN {value} AND {other}" if column != "topic" else f"{column} = {value}"
        if kind == 1:
            return f"{column} IN ({value}, {value}, NULL)"
        if kind == 2:
            return f"{value} {rng.choice(['<', '<=', '>', '>=', '='])} {column}"
        if kind == 3:
            return f"{column} = NULL" if rng.random() < 0.2 else f"{column} <> {value}"
        return f"{column} {rng.choice(['<', '<=', '>', '>=', '='])} {value}"

    def expr(depth: int) -> str:
        if depth == 0 or rng.random() < 0.4:
            return leaf()
        joiner = rng.choice([" AND ", " OR "])
        inner = joiner.join(expr(depth - 1) for _ in range(rng.randrange(2, 4)))
        return f"NOT ({inner})" if rng.random() < 0.1 else f"({inner})"

    return expr(3)


def test_never_skips_a_chunk_duckdb_finds_rows_in(tmp_path: Path) -> None:
    """Differential: 400 random filters over 12 chunks; whenever DuckDB finds a row in a chunk, the
    zone map must have said "may match". And the judgement must skip chunks often enough to matter."""
    rng = random.Random(20261202)
    chunks = []
    for c in range(12):
        first = c * 90
        rows = 90
        table = pa.table(
            {
                "id": [f"K_{first + i:04d}" for i in range(rows)],
                "n": pa.array(
                    [None if rng.random() < 0.1 else rng.randrange(c, c + 20) for _ in range(rows)], pa.int64()
                ),
                "topic": [rng.choice(["여행", "일상", "학업"]) if c % 3 else "여행" for _ in range(rows)],
            }
        )
        path = tmp_path / f"c{c:02d}.parquet"
        chunks.append((path, _write(path, table, 30)))
    con = duckdb.connect()
    skipped = judged = 0
    for _ in range(400):
        where = _random_filter(rng)
        tree = parse_where(where)[1]
        for path, ranges in chunks:
            found = con.execute(f"SELECT count(*) FROM read_parquet('{path}') WHERE {where}").fetchone()
            assert found is not None
            verdict = may_match(tree, ranges)
            judged += 1
            if found[0]:
                assert verdict, (where, path.name, ranges)
            else:
                skipped += not verdict
    assert skipped > judged / 10
