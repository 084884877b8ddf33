"""Sample AI Hub-style datasets, deterministic by seed, for demos, tests and benchmarks."""

from __future__ import annotations

from pathlib import Path

from kdata.errors import BadInput
from schemas.domains import resolve_domain

__all__ = ["write_samples"]


def write_samples(domain: str, out: Path, *, items: int, layout: str, seed: int, inject: str | None) -> Path:
    """Write a sample dataset of ``domain``; :class:`BadInput` for what cannot be generated."""
    try:
        resolved = resolve_domain(domain).id
    except KeyError as error:
        raise BadInput(str(error.args[0])) from None
    if resolved != "korean":
        raise BadInput(f"samples for domain {resolved!r} are not available yet (available: korean)")
    from kdata.samples.korean_dialogue import SampleError, write_korean_dialogue

    try:
        return write_korean_dialogue(out, items=items, seed=seed, layout=layout, inject=inject)
    except SampleError as error:
        raise BadInput(str(error)) from None
