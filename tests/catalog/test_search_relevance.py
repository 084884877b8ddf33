"""Search relevance measured on real AI Hub titles: recall@5 and nDCG@10 per kind of query, both search paths.

The datasets and labelled queries are ``tests/fixtures/search_relevance/`` (real AI Hub titles with their
page URLs; queries by kind: exact, particles, spacing, English, 초성, 초성 mixed with syllables,
synonyms, loanwords, one-syllable and one-jamo typos). They are registered through
``catalog.register.register_version`` into a real DuckDB catalog, then every query runs through
``catalog.search.find`` twice: as SQL (what a one-shot ``kdata search`` runs) and on the in-process index
(what the web page and JSON API answer from). The CLI and the JSON API give the same ranking.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from benchmarks import synthetic
from catalog import relevance, search_index
from catalog.db import connect
from catalog.query_expansion import expand
from catalog.search import SearchQuery, find
from kcore.config import load_settings
from kdata.web.app import create_app
from schemas.domains import DOMAINS

pytestmark = pytest.mark.integration

MIN_RECALL = 0.95
MIN_RECALL_PER_KIND = 0.9
NEW_KINDS = ("chosung", "chosung_mixed", "synonym", "loanword", "typo_syllable", "typo_jamo")

DATASETS, QUERIES = relevance.load()


@pytest.fixture(scope="module")
def home(module_home: Path, home_env: Callable[..., Any]) -> Iterator[Path]:
    with home_env(module_home):
        settings = load_settings()
        parquet = synthetic.tiny_parquet(module_home / "store" / "synthetic")
        assert synthetic.register_many(settings, synthetic.relevance_manifests(DATASETS), parquet) == len(DATASETS)
    yield module_home
    search_index.reset()


def _report(home: Path, home_env: Callable[..., Any], *, index: bool) -> relevance.Report:
    with home_env(home), connect(load_settings(), read_only=True) as con:
        old = search_index.set_enabled(index)
        search_index.reset()
        try:

            def run(text: str, limit: int) -> list[str]:
                return [r["id"] for r in find(con, SearchQuery(text, limit=limit).validated())]

            report = relevance.evaluate(run, QUERIES)
            assert (search_index.index_for(con) is not None) is index  # the path that was measured
            return report
        finally:
            search_index.set_enabled(old)


def _print(name: str, report: relevance.Report) -> None:
    print(f"\n{name}: recall@5 / nDCG@10 per kind")
    for kind, row in report.table().items():
        print(f"  {kind:14} {row['queries']:4d}  {row['recall']:.3f}  {row['ndcg']:.3f}")
    for miss in report.misses():
        print("  miss:", miss)


def test_fixture_is_real_balanced_and_consistent() -> None:
    ids = [d["id"] for d in DATASETS]
    assert len(ids) == len(set(ids)) >= 50
    assert all(d["url"].startswith("https://") and d["evidence"] for d in DATASETS)
    assert sum(1 for d in DATASETS if "aihub.or.kr" in d["url"] or "dataSetSn=" in d["url"]) >= 50
    assert {q["expected"] for q in QUERIES} <= set(ids)
    assert {q["kind"] for q in QUERIES} == set(relevance.KINDS)
    team = [q for q in QUERIES if q["split"] == "team"]
    assert len(team) >= 100
    kinds = Counter(q["kind"] for q in team)
    assert all(kinds[kind] >= 10 for kind in NEW_KINDS), kinds
    assert len({(q["query"], q["expected"]) for q in QUERIES}) == len(QUERIES)


@pytest.mark.parametrize("index", [False, True], ids=["sql", "index"])
def test_recall_at_5_per_kind(home: Path, home_env: Callable[..., Any], index: bool) -> None:
    report = _report(home, home_env, index=index)
    _print("index" if index else "sql", report)
    assert report.recall() >= MIN_RECALL, report.misses()
    for kind, row in report.table().items():
        assert row["recall"] >= MIN_RECALL_PER_KIND, (kind, [m for m in report.misses() if m.kind == kind])
    assert report.ndcg() >= 0.9


def test_both_paths_rank_alike(home: Path, home_env: Callable[..., Any]) -> None:
    sql = _report(home, home_env, index=False)
    indexed = _report(home, home_env, index=True)
    assert [j.rank for j in sql.judged] == [j.rank for j in indexed.judged]


def test_stand_ins_rank_below_the_typed_word(home: Path, home_env: Callable[..., Any]) -> None:
    """초성, synonyms and typo variants find a dataset, but one that has the typed word ranks first."""
    with home_env(home), connect(load_settings(), read_only=True) as con:

        def top(text: str) -> list[str]:
            return [r["id"] for r in find(con, SearchQuery(text, limit=5).validated())]

        # 영상 is typed: every dataset that says 영상 comes before those found through 이미지/image/video only
        found = [r["id"] for r in find(con, SearchQuery("영상", limit=100).validated())]
        says = [_says(d, "영상") for d in found]
        assert says == sorted(says, reverse=True) and says.count(True) >= 3 and says.count(False) >= 1
        # 수화 (a synonym) finds the 수어 dataset; 수어 typed finds it first too
        assert top("수화")[0] == top("수어")[0] == "disaster-sign-language"
        # a typo of a word finds its dataset, while the correct word is not pushed down by typo variants
        assert top("수오 영상")[0] == "disaster-sign-language"
        assert top("감귤")[0] == "citrus-fruit-set"
        # 초성 alone and mixed with syllables
        assert top("ㄱㄱ ㅊㄱㄹ")[0] == top("감귤 ㅊㄱㄹ")[0] == "citrus-fruit-set"
        assert top("ㅋ") == [] and top("ㅋㅋ") == []  # one consonant looks nothing up; ㅋㅋ matches no word


def _says(dataset_id: str, word: str) -> bool:
    """Whether a dataset's indexed Korean text has the word (its domain's name is indexed too)."""
    d = next(d for d in DATASETS if d["id"] == dataset_id)
    return word in " ".join([d["title_ko"], d["description_ko"], *d.get("keywords", []), DOMAINS[d["domain"]].name_ko])


def test_cli_and_json_api_rank_like_the_library(
    home: Path, home_env: Callable[..., Any], cli_json: Callable[..., Any]
) -> None:
    sample = [q["query"] for q in QUERIES if q["kind"] in NEW_KINDS][::6]
    with home_env(home):
        settings = load_settings()
        with connect(settings, read_only=True) as con:
            want = {text: [r["id"] for r in find(con, SearchQuery(text, limit=5).validated())] for text in sample}
        client = TestClient(create_app(settings))
        for text in sample:
            assert [r["id"] for r in cli_json("search", text, "--limit", "5", "--json")] == want[text], text
            api = client.get("/api/datasets", params={"q": text}).json()
            assert [r["id"] for r in api["results"]][:5] == want[text], text


def test_expansions_are_weighted_below_the_words() -> None:
    terms = {t.term: t for t in expand("수화로 된 영상 ㅎㄱㅇ 자율주헹")}
    assert terms["영상"].weight == 1.0 and terms["영상"].origin is None
    assert terms["수어"].kind == "synonym" and terms["수어"].weight < 1 and terms["수어"].origin == "수화"
    assert terms["video"].kind == "synonym" and terms["image"].kind == "synonym"
    assert terms["ㅎㄱㅇ"].kind == "chosung" and terms["ㅎㄱㅇ"].weight < 1
    assert terms["자율주행"].kind == "typo" and terms["자율주행"].origin == "자율주헹"
    assert terms["^영상"].kind == "title"
