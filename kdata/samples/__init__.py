"""Sample AI Hub-style datasets, deterministic by seed, for demos, tests and benchmarks.

``write_samples(NAME, ...)`` takes a sample name (``korean_summary``, ``vision_kfashion`` ...) or a roadmap
domain (``korean``, ``영상·이미지`` ...), which gives the domain's default sample. The samples, their kinds,
domains and generators are the kind registry's (:mod:`schemas.kinds`: each kind lists its samples);
nothing here keeps a table of them. ``kdata samples --help`` lists them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kcore.errors import BadInput
from kdata.samples.base import SampleKind
from kdata.samples.layout import ArchiveOptions, SampleError
from schemas.domains import resolve_domain
from schemas.kinds import load, samples

__all__ = [
    "default_samples",
    "kind_domain",
    "mapped_samples",
    "sample_generator",
    "sample_kind",
    "sample_kinds",
    "write_samples",
]


def sample_kinds() -> dict[str, str]:
    """Sample name → roadmap domain, for every sample of every kind."""
    return {name: kind.domain for name, (kind, _) in samples().items()}


def mapped_samples() -> frozenset[str]:
    """Samples of kinds read by their ``labels:`` mapping alone (real shapes no built-in reader knows):
    label files only, and a row per record (sentence, turn), not per item."""
    return frozenset(name for name, (kind, _) in samples().items() if not kind.has_reader)


def default_samples() -> dict[str, str]:
    """Domain → the sample ``kdata samples <domain>`` writes."""
    return {kind.domain: name for name, (kind, sample) in samples().items() if sample.domain_default}


def sample_kind(name: str) -> str:
    """The sample named by a sample name or a domain (id or Korean name); :class:`BadInput` otherwise."""
    key = name.strip().lower().replace("-", "_")
    if key in samples():
        return key
    try:
        domain = resolve_domain(name).id
    except KeyError as error:
        raise BadInput(f"{error.args[0]}; or a sample kind: {', '.join(samples())}") from None
    defaults = default_samples()
    if domain not in defaults:
        raise BadInput(f"samples for domain {domain!r} are not available yet (available: {', '.join(defaults)})")
    return defaults[domain]


def kind_domain(name: str) -> str:
    """The roadmap domain of a sample or domain name (picks the ``ingest_<domain>`` DAG)."""
    return samples()[sample_kind(name)][0].domain


def sample_generator(name: str) -> Any:
    """The generator a sample names: a :class:`SampleKind` subclass or a ``write(out, ...)`` function."""
    return load(samples()[sample_kind(name)][1].generator)


def write_samples(
    domain: str,
    out: Path,
    *,
    items: int,
    layout: str,
    seed: int,
    inject: str | None,
    dataset_id: str | None = None,
    options: ArchiveOptions | None = None,
) -> Path:
    """Write a sample dataset of ``domain`` (or sample name); :class:`BadInput` for what cannot be generated."""
    generator = sample_generator(domain)
    named = {"dataset_id": dataset_id} if dataset_id else {}
    try:
        if isinstance(generator, type) and issubclass(generator, SampleKind):
            from kdata.samples.base import write_kind

            return write_kind(
                generator(),
                out,
                items=items,
                seed=seed,
                layout=layout,
                inject=inject,
                options=options,
                **named,
            )
        written: Path = generator(out, items=items, seed=seed, layout=layout, inject=inject, options=options, **named)
        return written
    except SampleError as error:
        raise BadInput(str(error)) from None
