"""Expectation suites per record schema (품질검증 항목).

Each kind names its suite builder (:mod:`schemas.kinds`, field ``suite``): ``specs(*, syntactic_target)``
returning the kind's own expectations; :func:`suite_for` adds the common ones. A mapped dataset's suite is
derived from its mapping's roles (:mod:`quality.suites.mapped`).
"""

from __future__ import annotations

from collections.abc import Callable

from quality.gx_runner import ExpectationSpec
from quality.suites.common import common_specs
from schemas.kinds import find_kind, load
from schemas.manifest import QualityTargets

__all__ = ["SUITE_VERSION", "SuiteBuilder", "suite_builder", "suite_for"]

SUITE_VERSION = "2"  # 2: common specs (personal data, duplicate content, orphans, distributions)

SuiteBuilder = Callable[..., list[ExpectationSpec]]
"""``specs(*, syntactic_target: float) -> list[ExpectationSpec]``."""


def suite_builder(record_schema: str) -> SuiteBuilder:
    """The suite builder the kind ``record_schema`` names; ``KeyError`` when it has none."""
    kind = find_kind(record_schema)
    if kind is None or kind.suite is None:
        raise KeyError(f"no quality suite for record schema {record_schema!r}")
    builder: SuiteBuilder = load(kind.suite)
    return builder


def suite_for(
    record_schema: str, *, syntactic_target: float, targets: QualityTargets | None = None
) -> list[ExpectationSpec]:
    """The expectations for a record schema, with the manifest's targets filled in, then the common ones."""
    return suite_builder(record_schema)(syntactic_target=syntactic_target) + common_specs(targets)
