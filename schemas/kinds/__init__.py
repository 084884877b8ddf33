"""Dataset kinds (데이터 종류): one declaration per kind, one registry that everything reads.

A kind is a shape of AI Hub data that kdata knows by name: its record schema, the roadmap domain that owns it,
its reader (and columnar reader), its quality suite, its sample generators, whether ``make demo`` ingests it,
the line ``kdata samples --help`` shows for it and the task categories of its dataset cards. All of it is
declared once, in one module that holds ``KIND = Kind(...)``:

- built-in kinds: one module per kind in this package, ``schemas/kinds/<name>.py`` (found by a package scan:
  a new file is a new kind, nothing else to edit);
- other kinds: a module named by an entry point of the group ``kdata.kinds`` in any installed distribution
  (``[project.entry-points."kdata.kinds"] my_kind = "my_package.my_kind:KIND"``).

The pieces live in the layers that run them (a reader in ``ingest``, a suite in ``quality``, a generator in
``kdata``; a plugin may keep them all in its one module). A declaration names them by ``"module:attribute"``
references, and each layer resolves the ones it runs, on first use, with :func:`load`. So this package imports
nothing of ours but ``schemas.domains``, and reading every declaration stays cheap (DAG parsing, manifest
validation and ``kdata`` start-up never pay for a reader's imports).

Readers of the registry: :func:`schemas.records.get_record_schema` (record schemas), the manifest check of
``record_schema:`` against its owning domain, :func:`ingest.readers.get_reader`, :func:`quality.suites.suite_for`,
:mod:`kdata.samples`, :mod:`kdata.demo`, the ``kdata samples`` help, the DAG pages and the dataset card
(:mod:`catalog.card`). ``tests/schemas/test_kinds.py`` adds a kind from a temporary distribution and sees
them pick it up.
"""

from __future__ import annotations

import importlib
import pkgutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

__all__ = [
    "ENTRY_POINT_GROUP",
    "Demo",
    "Kind",
    "KindError",
    "Sample",
    "find_kind",
    "get_kind",
    "kinds",
    "load",
    "refresh",
    "samples",
    "schema_kinds",
]

ENTRY_POINT_GROUP = "kdata.kinds"
"""Entry point group of kinds declared outside this package (each entry point names a ``Kind`` or its module)."""


class KindError(ValueError):
    """A declaration that cannot be registered (bad field, unknown domain, a name declared twice)."""


@dataclass(frozen=True)
class Demo:
    """How ``make demo`` generates a sample before ingesting it through its domain's DAG."""

    items: int
    """Items to generate (kept small: the whole demo should take about a minute)."""
    layout: str = "classic"
    """Folder layout of the sample (``classic``, ``modern``, ``open``, ``bracket``, ``noprefix``)."""


@dataclass(frozen=True)
class Sample:
    """A sample dataset generator of a kind (``kdata samples NAME``)."""

    name: str
    """The name ``kdata samples`` takes (``vision_kfashion``); the kind's own name for its first sample."""
    generator: str
    """``"module:attribute"`` of a :class:`kdata.samples.base.SampleKind` subclass, or of a function
    ``write(out, *, items, seed, layout, inject, options, dataset_id) -> Path``."""
    help: str = ""
    """One line for ``kdata samples --help`` (default: the kind's)."""
    domain_default: bool = False
    """``kdata samples <domain>`` generates this one (at most one per domain)."""
    demo: Demo | None = None
    """``make demo`` generates and ingests it (``None``: not in the demo)."""
    preset: str | None = None
    """The ``labels: {preset: ...}`` mapping that reads the same shape (``schemas/presets/``), if any."""


@dataclass(frozen=True)
class Kind:
    """One dataset kind. The references are ``"module:attribute"`` strings, resolved where they run."""

    name: str
    """The kind's name: the ``record_schema:`` of a ``dataset.yaml`` that uses its reader."""
    domain: str
    """The roadmap domain (``schemas.domains``) that owns the kind: a ``record_schema:`` of it is refused in
    a dataset of another domain."""
    help: str
    """One line for help texts: Korean, then English in parentheses."""
    record_schema: str | None = None
    """Its :class:`schemas.records.RecordSchema`; ``None``: read by a ``labels:`` mapping alone (no reader,
    the suite derived from the mapping's roles)."""
    reader: str | None = None
    """The record reader ``read(archive_path, archive_rel, sources, stats) -> Iterator[dict]`` (``ingest``)."""
    columnar_reader: str | None = None
    """Optional: the same arguments, yielding a ``pyarrow.Table`` per label file, or dicts for files only the
    record path reads."""
    suite: str | None = None
    """The expectation builder ``specs(*, syntactic_target) -> list[ExpectationSpec]`` (``quality``)."""
    samples: tuple[Sample, ...] = ()
    """Its sample generators."""
    tasks: tuple[str, ...] = ()
    """Hugging Face task categories of its datasets' cards (default: by the dataset's data type)."""

    def __post_init__(self) -> None:
        if not self.name.isidentifier() or self.name != self.name.lower():
            raise KindError(f"kind {self.name!r}: the name must be a lower-case identifier")
        built_in = (self.record_schema, self.reader, self.suite)
        if any(ref is None for ref in built_in) and any(ref is not None for ref in built_in):
            raise KindError(f"kind {self.name!r}: give record_schema, reader and suite together (or none of them)")
        if self.record_schema is None and self.columnar_reader is not None:
            raise KindError(f"kind {self.name!r}: a columnar reader needs a record schema")
        for ref in (*built_in, self.columnar_reader, *(s.generator for s in self.samples)):
            if ref is not None and not _is_reference(ref):
                raise KindError(f"kind {self.name!r}: {ref!r} is not a 'module:attribute' reference")

    @property
    def has_reader(self) -> bool:
        """Read by its built-in reader (``record_schema: NAME``), not by a ``labels:`` mapping alone."""
        return self.record_schema is not None


def _is_reference(ref: str) -> bool:
    module, _, attribute = ref.partition(":")
    return bool(module) and bool(attribute) and all(part.isidentifier() for part in (*module.split("."), attribute))


_lock = threading.Lock()
_registry: dict[str, Kind] | None = None
_loaded: dict[str, Any] = {}


def kinds() -> dict[str, Kind]:
    """Every kind by name: this package's modules, then the ``kdata.kinds`` entry points (read once per
    process; :func:`refresh` reads them again)."""
    global _registry
    with _lock:
        if _registry is None:
            _registry = _collect()
        return dict(_registry)


def refresh() -> None:
    """Forget the registry (and resolved references): the next call scans the package and entry points again."""
    global _registry
    with _lock:
        _registry = None
        _loaded.clear()


def find_kind(name: str) -> Kind | None:
    """The kind called ``name``, or ``None``. A miss of a possible kind name scans once more (a plugin installed
    since the first scan, e.g. in a long-lived worker)."""
    found = kinds().get(name)
    if found is None and name.isidentifier():
        refresh()
        found = kinds().get(name)
    return found


def get_kind(name: str) -> Kind:
    """The kind called ``name``; ``KeyError`` names the known ones."""
    found = find_kind(name)
    if found is None:
        raise KeyError(f"unknown kind {name!r}; known: {', '.join(kinds())}")
    return found


def schema_kinds() -> dict[str, Kind]:
    """Kinds with a record schema and reader (what ``record_schema:`` in a ``dataset.yaml`` may name)."""
    return {name: kind for name, kind in kinds().items() if kind.has_reader}


def samples() -> dict[str, tuple[Kind, Sample]]:
    """Every sample generator by its name, with its kind."""
    return {sample.name: (kind, sample) for kind in kinds().values() for sample in kind.samples}


def load(ref: str) -> Any:
    """The object a ``"module:attribute"`` reference names (imported on first use, then kept)."""
    try:
        return _loaded[ref]
    except KeyError:
        pass
    module, _, attribute = ref.partition(":")
    obj: Any = importlib.import_module(module)
    for part in attribute.split("."):
        obj = getattr(obj, part)
    _loaded[ref] = obj
    return obj


# -- discovery ---------------------------------------------------------------------------------------------


def _collect() -> dict[str, Kind]:
    found: dict[str, tuple[Kind, str]] = {}
    for origin, kind in (*_built_in(), *_plugged_in()):
        if kind.name in found:
            raise KindError(f"kind {kind.name!r} is declared twice: {found[kind.name][1]} and {origin}")
        found[kind.name] = (kind, origin)
    _check_all([k for k, _ in found.values()])
    from schemas.domains import DOMAINS

    order = {domain: n for n, domain in enumerate(DOMAINS)}
    return {k.name: k for k, _ in sorted(found.values(), key=lambda item: (order[item[0].domain], item[0].name))}


def _built_in() -> Iterator[tuple[str, Kind]]:
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        kind = _declared(module, f"{__name__}.{info.name}")
        if kind.name != info.name:
            raise KindError(f"{module.__name__} declares kind {kind.name!r}: name the module after its kind")
        yield module.__name__, kind


def _plugged_in() -> Iterator[tuple[str, Kind]]:
    from importlib.metadata import entry_points

    for point in entry_points(group=ENTRY_POINT_GROUP):
        origin = f"entry point {point.name} = {point.value}"
        kind = _declared(point.load(), origin)
        if kind.name != point.name:
            raise KindError(f"{origin} declares kind {kind.name!r}: name the entry point after its kind")
        yield origin, kind


def _declared(obj: Any, origin: str) -> Kind:
    kind = obj if isinstance(obj, Kind) else getattr(obj, "KIND", None)
    if not isinstance(kind, Kind):
        raise KindError(f"{origin}: no KIND = Kind(...) declaration")
    return kind


def _check_all(declared: list[Kind]) -> None:
    from schemas.domains import DOMAINS

    sample_names: dict[str, str] = {}
    defaults: dict[str, str] = {}
    names = {kind.name for kind in declared}
    for kind in declared:
        if kind.domain not in DOMAINS:
            raise KindError(f"kind {kind.name!r}: unknown domain {kind.domain!r}; valid: {', '.join(DOMAINS)}")
        for sample in kind.samples:
            if sample.name != kind.name and sample.name in names:
                raise KindError(f"kind {kind.name!r}: its sample {sample.name!r} has the name of another kind")
            if sample.name in sample_names:
                raise KindError(f"sample {sample.name!r} is declared by {sample_names[sample.name]} and {kind.name}")
            sample_names[sample.name] = kind.name
            if sample.domain_default:
                if kind.domain in defaults:
                    raise KindError(
                        f"domain {kind.domain!r} has two default samples: {defaults[kind.domain]} and {sample.name}"
                    )
                defaults[kind.domain] = sample.name
