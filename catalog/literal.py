"""SQL literals for the few values short-lived commands put in catalog queries.

In DuckDB 1.4's Python client the first bound parameter of a process (any value but ``None``)
imports pandas: 0.5-1.2 s on these machines, more than a whole ``kdata download`` of 100 MB from a
local S3 endpoint. The paths every short-lived command takes (search, the licence check, the
download's version lookup, the audit row) therefore inline their values with :func:`sql_literal`.
"""

from __future__ import annotations

import datetime as dt

from kcore.errors import BadInput

__all__ = ["sql_literal"]


def sql_literal(value: str | int | float | bool | dt.datetime | dt.date | None) -> str:
    """A SQL literal for a value (strings quoted with ``'`` doubled; DuckDB strings have no backslash escapes).

    Datetimes must be naive (the catalog stores UTC without a zone); they keep their microseconds.
    """
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"{value!r}: not a finite number")
        return repr(float(value))
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            raise ValueError(f"{value!r}: the catalog stores naive UTC timestamps")
        return f"TIMESTAMP '{value.isoformat(sep=' ')}'"
    if isinstance(value, dt.date):
        return f"DATE '{value.isoformat()}'"
    text = str(value)
    if "\x00" in text:
        raise BadInput("text must not contain NUL characters")
    return "'" + text.replace("'", "''") + "'"
