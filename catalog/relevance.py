"""Measured search relevance: a set of real AI Hub datasets and query -> dataset pairs, registered in a
catalog and searched the way users search (``tests/fixtures/search_relevance/``).

:func:`load` reads the fixture (``benchmarks.synthetic.relevance_manifests`` turns its datasets into
manifests to register), and :func:`evaluate` runs every query through
:func:`catalog.search.find` and reports recall@5 and nDCG@10 overall and per kind of query
(``tests/catalog/test_search_relevance.py`` asserts them; ``benchmarks/search.py`` prints them).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

__all__ = ["FIXTURE", "KINDS", "Judged", "Report", "evaluate", "load"]

FIXTURE = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "search_relevance"
KINDS: tuple[str, ...] = (
    "exact",
    "particle",
    "spacing",
    "english",
    "chosung",
    "chosung_mixed",
    "synonym",
    "loanword",
    "typo_syllable",
    "typo_jamo",
)


@dataclass(frozen=True)
class Judged:
    """One query's outcome: the rank (1-based) of the expected dataset in the results, None if absent."""

    query: str
    expected: str
    kind: str
    rank: int | None
    found: list[str]


@dataclass
class Report:
    """recall@k and nDCG@10 overall and per kind."""

    judged: list[Judged] = field(default_factory=list)
    k: int = 5

    def recall(self, kind: str | None = None) -> float:
        items = [j for j in self.judged if kind is None or j.kind == kind]
        return sum(1 for j in items if j.rank is not None and j.rank <= self.k) / len(items) if items else 0.0

    def ndcg(self, kind: str | None = None, depth: int = 10) -> float:
        """One relevant dataset per query: DCG = 1 / log2(rank + 1) within ``depth``, ideal DCG = 1."""
        items = [j for j in self.judged if kind is None or j.kind == kind]
        gains = [1 / math.log2(j.rank + 1) if j.rank is not None and j.rank <= depth else 0.0 for j in items]
        return sum(gains) / len(items) if items else 0.0

    def misses(self) -> list[Judged]:
        return [j for j in self.judged if j.rank is None or j.rank > self.k]

    def table(self) -> dict[str, dict[str, float]]:
        kinds = [k for k in KINDS if any(j.kind == k for j in self.judged)]
        rows = {
            kind: {"queries": self.count(kind), "recall": self.recall(kind), "ndcg": self.ndcg(kind)} for kind in kinds
        }
        rows["all"] = {"queries": self.count(None), "recall": self.recall(), "ndcg": self.ndcg()}
        return rows

    def count(self, kind: str | None) -> int:
        return sum(1 for j in self.judged if kind is None or j.kind == kind)


def load(folder: Path = FIXTURE, split: str | None = None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(datasets, queries) of the fixture in ``folder``; only the queries of ``split`` when given."""
    datasets = yaml.safe_load((folder / "datasets.yaml").read_text(encoding="utf-8"))["datasets"]
    queries = yaml.safe_load((folder / "queries.yaml").read_text(encoding="utf-8"))["queries"]
    return datasets, [q for q in queries if split is None or q.get("split") == split]


def evaluate(search: Callable[[str, int], list[str]], queries: list[dict[str, Any]], k: int = 5) -> Report:
    """Run each query through ``search(text, limit) -> ids`` (10 results) and judge the expected id's rank."""
    report = Report(k=k)
    for q in queries:
        found = search(q["query"], 10)
        rank = found.index(q["expected"]) + 1 if q["expected"] in found else None
        report.judged.append(Judged(q["query"], q["expected"], q["kind"], rank, found))
    return report
