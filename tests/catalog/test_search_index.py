"""The in-process search index (catalog.search_index) gives exactly the SQL search's results.

Every query of the relevance corpus and a grid of facet filters run twice on the same snapshot:
once through the SQL (index off) and once through the index; results (ids, order, scores, every
column) and disjunctive facet counts must be equal. Also: a write (new catalog token) is seen by
the next search, and writer connections never use an index.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from benchmarks import synthetic
from catalog import search_index
from catalog.db import connect
from catalog.search import SearchQuery, facet_counts, find, search_page
from kcore.config import load_settings

pytestmark = pytest.mark.integration

_DOMAINS = ("korean", "transport", "agriculture", "healthcare", "vision")
_TYPES = ("text", "audio", "image", "video", "sensor")
_LICENSES = (
    {"id": "CC-BY-4.0", "status": "open", "commercial_use": True},
    {"id": "aihub-standard", "status": "approval_required", "commercial_use": False},
    {"id": "aihub-standard", "status": "restricted", "commercial_use": True},
    {"id": "custom-terms", "status": "open", "commercial_use": False},  # not cleared: pending_review
)
_RELEASES = ("open", "open", "beta", "open", "withdrawn", "open", "open")

FILTERS: tuple[dict[str, Any], ...] = (
    {},
    {"domain": "korean"},
    {"domain": "농·축·수산", "commercial": True},
    {"license_status": "open"},
    {"license_status": "pending_review"},
    {"license_status": "withdrawn"},
    {"release_status": "withdrawn", "limit": 100},
    {"release_status": "beta", "year_from": 2020},
    {"data_type": "audio", "year_from": 2021, "year_to": 2022},
    {"year_to": 2020, "commercial": False},
    {"year_from": 2030},
    {"limit": 3},
    {"limit": 100},
)


def _manifests(corpus: ModuleType) -> list[Any]:
    out = []
    for i, (dataset_id, title_ko, title_en, description, keywords) in enumerate(corpus.DATASETS):
        out.append(
            synthetic.manifest(
                dataset_id,
                title={"ko": title_ko, "en": title_en},
                description={"ko": description, "en": title_en},
                keywords=[k.strip() for k in keywords.split(",")],
                domain=_DOMAINS[i % len(_DOMAINS)],
                data_type=_TYPES[i % len(_TYPES)],
                build_year=2018 + i % 7,
                license=_LICENSES[i % len(_LICENSES)],
                release_status=_RELEASES[i % len(_RELEASES)],
            )
        )
    return out


@pytest.fixture(scope="module")
def home(module_home: Path, korean_corpus: ModuleType, home_env: Callable[..., Any]) -> Iterator[Path]:
    with home_env(module_home):
        settings = load_settings()
        parquet = synthetic.tiny_parquet(module_home / "store" / "synthetic")
        synthetic.register_many(settings, _manifests(korean_corpus), parquet)
    yield module_home
    search_index.reset()


def _queries(corpus: ModuleType) -> list[SearchQuery]:
    texts: list[str | None] = [None, "", "   ", "!!!", "데이터", "ko-sns-2024", "KO-SNS-2024 음성", "chest-xray 2020"]
    texts += [query for query, _ in corpus.QUERIES]
    # the new query kinds: 초성, 초성 mixed with syllables, synonyms and loanwords, typos (jamo and syllable)
    texts += ["ㅈㅇㅈㅎ", "ㅅㅇ ㅇㅅ", "자율ㅈㅎ 영상", "ㅎㄱㅇ 음성", "수화 영상", "코퍼스 번역", "speech 방언"]
    texts += ["바운딩박스", "license plate", "자율주헹", "수오 영상을", "흉부 엑스래이", "보일로 센서", "ㅋ", "ㅋㅋ"]
    out = [SearchQuery(text, **filters).validated() for text in texts[:12] for filters in FILTERS]
    out += [SearchQuery(text).validated() for text in texts[12:]]
    out += [SearchQuery(text, domain="korean", limit=50).validated() for text in texts[12:]]
    return out


def _both(con: Any, fn: Callable[[Any, SearchQuery], Any], queries: list[SearchQuery]) -> tuple[list[Any], list[Any]]:
    old = search_index.set_enabled(False)
    try:
        plain = [fn(con, q) for q in queries]
    finally:
        search_index.set_enabled(old)
    search_index.reset()
    assert search_index.index_for(con) is None  # the first search of a state runs the SQL
    assert search_index.index_for(con) is not None  # the second builds the index
    return plain, [fn(con, q) for q in queries]


def _same_ranking(want: list[dict[str, Any]], got: list[dict[str, Any]], query: SearchQuery) -> None:
    """Equal rows in equal order, but for the order of mathematically tied scores.

    The SQL sums a dataset's term weights in no fixed order, so two datasets with the same terms and
    length can differ in the last bit and swap; the index sums in query order, so ties go by id. Within
    a group of equal (rounded) scores the rows must be the same set, except a group cut by the limit.
    """
    assert [r["score"] for r in got] == [r["score"] for r in want], query
    cut = want[-1]["score"] if want and len(want) == query.limit else None
    for score in {r["score"] for r in want} - {cut}:
        group = sorted((r for r in want if r["score"] == score), key=lambda r: r["id"])
        assert sorted((r for r in got if r["score"] == score), key=lambda r: r["id"]) == group, query


def test_index_gives_the_sql_results(home: Path, korean_corpus: ModuleType, home_env: Callable[..., Any]) -> None:
    queries = _queries(korean_corpus)
    with home_env(home), connect(load_settings(), read_only=True) as con:
        for fn in (search_page, find, facet_counts):
            plain, indexed = _both(con, fn, queries)
            for query, want, got in zip(queries, plain, indexed, strict=True):
                if fn is facet_counts:
                    assert got == want, query
                    continue
                if fn is search_page:
                    assert got["facets"] == want["facets"], query
                    want, got = want["results"], got["results"]
                _same_ranking(want, got, query)
    hidden = [p for p in plain if p["total"] == 0]
    assert len(hidden) < len(plain) / 2  # the grid is not trivially empty


def test_a_write_is_seen_and_writers_never_use_the_index(
    home: Path, korean_corpus: ModuleType, home_env: Callable[..., Any]
) -> None:
    query = SearchQuery("새로운 고래 소리").validated()
    with home_env(home):
        settings = load_settings()
        with connect(settings, read_only=True) as con:
            search_index.reset()
            find(con, query)
            assert find(con, query) == [] and search_index.index_for(con) is not None
        parquet = synthetic.tiny_parquet(home / "store" / "synthetic")
        new = synthetic.manifest("whale-sound", title={"ko": "새로운 고래 소리", "en": "Whale sound"})
        synthetic.register(settings, new, parquet)
        with connect(settings, read_only=True) as con:
            assert [r["id"] for r in find(con, query)][:1] == ["whale-sound"]  # SQL: a new state
            assert [r["id"] for r in find(con, query)][:1] == ["whale-sound"]  # its index
            assert search_index.index_for(con) is not None
        with connect(settings) as con:
            assert search_index.catalog_token(con) is None
            assert [r["id"] for r in find(con, query)][:1] == ["whale-sound"]


def test_an_audit_only_write_keeps_the_index(home: Path, home_env: Callable[..., Any]) -> None:
    """A download's audit row changes nothing search reads: readers keep their index (no rebuild), yet
    the new snapshot holds the row. A write that can change search gets a new token."""
    from catalog.audit import audit

    with home_env(home):
        settings = load_settings()
        with connect(settings, read_only=True) as con:
            search_index.reset()
            search_index.index_for(con)
            before = search_index.index_for(con)
            token = search_index.catalog_token(con)
            rows = con.execute("SELECT count(*) FROM audit_log").fetchone()
        assert before is not None and token is not None and rows is not None
        with connect(settings, changes_search=False) as con:
            audit(con, "tester", "download", "whale-sound", None, {"mode": "chunks", "status": "ok"})
        with connect(settings, read_only=True) as con:
            assert search_index.catalog_token(con) == token
            assert search_index.index_for(con) is before  # the same object: not rebuilt
            assert con.execute("SELECT count(*) FROM audit_log").fetchone() == (rows[0] + 1,)
        with connect(settings) as con:
            audit(con, "tester", "license_status", None, None, {"status": "changed"})
        with connect(settings, read_only=True) as con:
            assert search_index.catalog_token(con) != token
            assert search_index.index_for(con) is None  # a new state: the SQL first, then a new index
