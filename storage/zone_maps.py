"""Chunk skipping for selective downloads: a ``--where`` filter against each chunk's zone map.

The version manifest keeps, per chunk, ``ranges``: column → ``[min, max]`` of its non-null values
(:func:`ingest.chunks.chunk_ranges`). Before DuckDB opens anything, :func:`may_match` decides from the
filter's syntax tree (DuckDB's ``json_serialize_sql``) whether a chunk can hold a matching row; a chunk
that cannot is never opened, so its footer never travels. That matters most where it costs most: a
1 % filter on a split of many chunks would otherwise read every chunk's footer.

The answer is conservative. ``False`` only when the filter is certainly not true for any row of the
chunk; everything the walk does not understand counts as "may match":

- ``AND`` is false when any part is false; ``OR`` when every part is; ``NOT`` and other operators are
  not looked into.
- Comparisons ``= < <= > >=``, ``BETWEEN`` and ``IN`` between one column and constants of the column's
  kind: a string constant against a string range, an integer constant against an integer range.
  Anything DuckDB would cast first (``pii_hits > '5'``, ``x = 5.5``, ``DATE '…'``) is left alone.
- A comparison with NULL is never true, and neither is any comparison on a NULL value: ranges cover the
  non-null values only, which is what makes them sound.

Column names match as DuckDB matches them, without regard to case. Strings compare by code point,
which for UTF-8 is DuckDB's (and Parquet statistics') byte order.
"""

from __future__ import annotations

from typing import Any

__all__ = ["may_match"]

_FLIP = {
    "COMPARE_EQUAL": "COMPARE_EQUAL",
    "COMPARE_LESSTHAN": "COMPARE_GREATERTHAN",
    "COMPARE_LESSTHANOREQUALTO": "COMPARE_GREATERTHANOREQUALTO",
    "COMPARE_GREATERTHAN": "COMPARE_LESSTHAN",
    "COMPARE_GREATERTHANOREQUALTO": "COMPARE_LESSTHANOREQUALTO",
}
_STRING_TYPES = frozenset({"VARCHAR"})
_INTEGER_TYPES = frozenset(
    {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT"}
)
_NULL = object()  # a NULL constant: no comparison with it is true


def may_match(node: dict[str, Any], ranges: dict[str, list[Any]]) -> bool:
    """Whether the filter ``node`` (a ``where_clause`` of DuckDB's serialized syntax tree) can be true for
    some row of a chunk whose columns lie within ``ranges``. ``True`` whenever that is not certain."""
    folded: dict[str, list[Any] | None] = {}
    for name, bounds in ranges.items():
        key = name.lower()
        folded[key] = None if key in folded else bounds  # two columns differing only in case: no range
    return _may(node, folded)


def _may(node: Any, ranges: dict[str, list[Any] | None]) -> bool:
    if not isinstance(node, dict):
        return True
    kind = node.get("type")
    if kind == "CONJUNCTION_AND":
        return all(_may(child, ranges) for child in node.get("children", []))
    if kind == "CONJUNCTION_OR":
        return any(_may(child, ranges) for child in node.get("children", []))
    if kind in _FLIP:
        return _comparison(kind, node.get("left"), node.get("right"), ranges)
    if kind == "COMPARE_BETWEEN":
        bounds = _range_of(node.get("input"), ranges)
        if bounds is None:
            return True
        low, high = _constant(node.get("lower"), bounds), _constant(node.get("upper"), bounds)
        if low is _NULL or high is _NULL:
            return False
        if low is None or high is None:
            return True
        return bool(bounds[1] >= low and bounds[0] <= high)
    if kind == "COMPARE_IN":
        children = node.get("children", [])
        bounds = _range_of(children[0] if children else None, ranges)
        if bounds is None:
            return True
        values = [_constant(child, bounds) for child in children[1:]]
        if any(v is None for v in values):
            return True
        return any(v is not _NULL and bounds[0] <= v <= bounds[1] for v in values)
    return True


def _comparison(kind: str, left: Any, right: Any, ranges: dict[str, list[Any] | None]) -> bool:
    bounds = _range_of(left, ranges)
    other = right
    if bounds is None:
        bounds, other, kind = _range_of(right, ranges), left, _FLIP[kind]
        if bounds is None:
            return True
    value = _constant(other, bounds)
    if value is None:
        return True
    if value is _NULL:
        return False
    low, high = bounds
    if kind == "COMPARE_EQUAL":
        return bool(low <= value <= high)
    if kind == "COMPARE_LESSTHAN":
        return bool(low < value)
    if kind == "COMPARE_LESSTHANOREQUALTO":
        return bool(low <= value)
    if kind == "COMPARE_GREATERTHAN":
        return bool(high > value)
    return bool(high >= value)  # COMPARE_GREATERTHANOREQUALTO


def _range_of(node: Any, ranges: dict[str, list[Any] | None]) -> list[Any] | None:
    """The range of a plain column reference, or ``None``."""
    if not isinstance(node, dict) or node.get("type") != "COLUMN_REF":
        return None
    names = node.get("column_names") or []
    if len(names) != 1 or not isinstance(names[0], str):
        return None
    return ranges.get(names[0].lower())


def _constant(node: Any, bounds: list[Any]) -> Any:
    """The constant's value when it is of the range's kind, :data:`_NULL` for NULL, else ``None``."""
    if not isinstance(node, dict) or node.get("type") != "VALUE_CONSTANT":
        return None
    value = node.get("value") or {}
    if value.get("is_null"):
        return _NULL
    type_id = (value.get("type") or {}).get("id")
    raw = value.get("value")
    if isinstance(bounds[0], str):
        return raw if type_id in _STRING_TYPES and isinstance(raw, str) else None
    if type(bounds[0]) is int:
        return raw if type_id in _INTEGER_TYPES and type(raw) is int else None
    return None
