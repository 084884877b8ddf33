"""Evaluate mapping paths (:func:`schemas.labels.parse_path`) over parsed label documents.

A records path yields each record with its *bindings* (the list index or object key taken at each
wildcard); a ``$`` field path replays those bindings at its own wildcards, so a field reads the
record's own ancestors. A wildcard left over collects every value it reaches (:class:`Many`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from schemas.labels import Token, format_path

__all__ = [
    "FILE_PATHS",
    "MISSING",
    "Getter",
    "Many",
    "RecordAt",
    "compile_path",
    "file_path_value",
    "iter_records",
    "resolve",
]


FILE_PATHS = frozenset({"@member", "@stem", "@dir"})
"""Paths that name the label file itself rather than a value in it."""


def file_path_value(path: str, member: str) -> str | None:
    """A :data:`FILE_PATHS` path's value for the label file ``member``: ``@member`` its path in the archive,
    ``@stem`` its name without extension, ``@dir`` the name of its folder (``None`` at the archive's root)."""
    from pathlib import PurePosixPath

    if path == "@member":
        return member
    if path == "@stem":
        return PurePosixPath(member).stem
    return PurePosixPath(member).parent.name or None


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()
"""A path that leads nowhere in this record (the column is null)."""


class Many(list[Any]):
    """Values collected by a wildcard the record did not bind (a nested wildcard extends, not appends)."""


@dataclass(frozen=True)
class RecordAt:
    """One record: its value, the bindings of the records path, its key and index, or where it broke."""

    value: Any
    bindings: tuple[Any, ...]
    key: str | None
    index: int | None
    missing: str | None = None
    """The path (with concrete positions) that did not exist, for a problem naming it."""
    place: tuple[Any, ...] | None = None
    """Where the record sits in its file when that differs from :attr:`bindings` (an item of a streamed
    list, read as its document's only item): the row key and ``@index`` say this place."""

    @property
    def position(self) -> tuple[Any, ...]:
        """The record's place in its file (its row key)."""
        return self.bindings if self.place is None else self.place


def _children(node: Any, kind: str) -> list[tuple[Any, Any]] | None:
    """``(binding, child)`` pairs a wildcard visits: list items; an object's values (``.*``), or an object
    itself as a list of one (``[*]`` over a single XML element or a lone object)."""
    if isinstance(node, list):
        return list(enumerate(node))
    if isinstance(node, dict):
        return list(node.items()) if kind == "values" else [(0, node)]
    return None


def iter_records(doc: Any, tokens: list[Token]) -> Iterator[RecordAt]:
    """Every record the path reaches, in document order; a missing step is one :class:`RecordAt` with
    ``missing`` set (the caller reports it; the other records go on)."""
    yield from _walk(doc, tokens, 0, (), None, None, [])


def _walk(
    node: Any,
    tokens: list[Token],
    i: int,
    bound: tuple[Any, ...],
    key: str | None,
    index: int | None,
    seen: list[Token],
) -> Iterator[RecordAt]:
    while i < len(tokens):
        kind, value = tokens[i]
        if kind == "key":
            if not isinstance(node, dict) or value not in node:
                yield RecordAt(None, bound, key, index, format_path([*seen, tokens[i]]))
                return
            node = node[value]
        elif kind == "index":
            if not isinstance(node, list) or not -len(node) <= value < len(node):
                yield RecordAt(None, bound, key, index, format_path([*seen, tokens[i]]))
                return
            node = node[value]
        else:
            pairs = _children(node, kind)
            if pairs is None:
                yield RecordAt(None, bound, key, index, format_path([*seen, tokens[i]]))
                return
            for position, (binding, child) in enumerate(pairs):
                step: Token = ("key", binding) if isinstance(binding, str) else ("index", binding)
                child_key = binding if isinstance(binding, str) else key
                yield from _walk(child, tokens, i + 1, (*bound, binding), child_key, position, [*seen, step])
            return
        seen = [*seen, tokens[i]]
        i += 1
    yield RecordAt(node, bound, key, index)


def resolve(node: Any, tokens: list[Token], bound: tuple[Any, ...] = ()) -> Any:
    """The value at ``tokens`` from ``node``; wildcards take ``bound`` in order, then collect
    (:class:`Many`); :data:`MISSING` where the path leads nowhere."""
    return _resolve(node, tokens, 0, bound, 0)


def _resolve(node: Any, tokens: list[Token], i: int, bound: tuple[Any, ...], b: int) -> Any:
    while i < len(tokens):
        kind, value = tokens[i]
        if kind == "key":
            if not isinstance(node, dict) or value not in node:
                return MISSING
            node = node[value]
        elif kind == "index":
            if not isinstance(node, list) or not -len(node) <= value < len(node):
                return MISSING
            node = node[value]
        elif b < len(bound):
            node = _bound_child(node, kind, bound[b])
            b += 1
            if node is MISSING:
                return MISSING
        else:
            pairs = _children(node, kind)
            if pairs is None:
                return MISSING
            out = Many()
            for _, child in pairs:
                found = _resolve(child, tokens, i + 1, bound, b)
                if isinstance(found, Many):
                    out.extend(found)
                elif found is not MISSING:
                    out.append(found)
            return out
        i += 1
    return node


def _bound_child(node: Any, kind: str, binding: Any) -> Any:
    if isinstance(node, list) and isinstance(binding, int) and 0 <= binding < len(node):
        return node[binding]
    if isinstance(node, dict):
        if isinstance(binding, str) and binding in node:
            return node[binding]
        if kind == "each" and binding == 0:
            return node  # [*] over a lone object
    return MISSING


Getter = Callable[[Any, tuple[Any, ...]], Any]
"""``getter(node, bindings)``: the value at a compiled path (:data:`MISSING` where there is none)."""


def _walk_keys(node: Any, keys: tuple[Any, ...]) -> Any:
    for key in keys:
        if type(node) is dict:
            node = node.get(key, MISSING)
            if node is MISSING:
                return MISSING
        elif type(node) is list and type(key) is int and -len(node) <= key < len(node):
            node = node[key]
        else:
            return MISSING
    return node


def compile_path(tokens: list[Token], *, bound: bool) -> Getter:
    """A getter for ``tokens``, the same as :func:`resolve` (with the record's bindings when ``bound``),
    fast for the usual shapes: keys and indexes only, or one collecting ``[*]`` between them."""
    steps = [value for _, value in tokens]
    kinds = [kind for kind, _ in tokens]
    wild = [i for i, kind in enumerate(kinds) if kind in ("each", "values")]
    if not wild:
        keys = tuple(steps)
        return lambda node, _bindings: _walk_keys(node, keys)
    if len(wild) == 1 and not bound and kinds[wild[0]] == "each":
        head, tail = tuple(steps[: wild[0]]), tuple(steps[wild[0] + 1 :])

        def collect(node: Any, _bindings: tuple[Any, ...]) -> Any:
            node = _walk_keys(node, head)
            if type(node) is dict:
                node = [node]
            elif type(node) is not list:
                return MISSING
            out = Many()
            for item in node:
                value = _walk_keys(item, tail)
                # an item without the key is a null in its place, so parallel [*] columns stay aligned
                out.append(None if value is MISSING else value)
            return out

        return collect
    if bound:
        return lambda node, bindings: _resolve(node, tokens, 0, bindings, 0)
    return lambda node, _bindings: _resolve(node, tokens, 0, (), 0)
