"""Names of the catalog's SQL views, in a module that imports nothing heavy (``kdata sql`` resolves them)."""

from __future__ import annotations

import re

__all__ = ["view_name"]

_NOT_NAME = re.compile(r"[^a-z0-9]+")


def view_name(dataset_id: str, split: str) -> str:
    """``data.<dataset>__<split>``: a SQL view over the latest published chunks of a split."""

    def clean(part: str) -> str:
        return _NOT_NAME.sub("_", part.lower()).strip("_")

    return f'data."{clean(dataset_id)}__{clean(split)}"'
