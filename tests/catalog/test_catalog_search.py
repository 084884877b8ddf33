"""`kdata search` over a registered catalog of 41 datasets: relevance (recall@5), facets, filters.

The datasets are those of the tokenizer's relevance test (test_korean_text.py), registered through
catalog.register with synthetic version manifests, each with a domain, data type, build year and
licence, so the whole path (manifest → registration → postings → BM25 in SQL → CLI) is exercised.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from benchmarks import synthetic
from kcore.config import load_settings

pytestmark = pytest.mark.integration

# id → (domain, data type, build year)
FACETS: dict[str, tuple[str, str, int]] = {
    "ko-sns-2024": ("korean", "text", 2024),
    "sns-sentiment-2019": ("korean", "text", 2019),
    "autonomous-driving-video": ("transport", "video", 2021),
    "bus-driver-drowsiness": ("transport", "video", 2022),
    "dialect-speech-2023": ("korean", "audio", 2023),
    "dialect-text": ("korean", "text", 2020),
    "crop-disease-image": ("agriculture", "image", 2021),
    "rice-quality": ("agriculture", "image", 2022),
    "drone-farmland": ("agriculture", "image", 2020),
    "boiler-sensor": ("manufacturing", "sensor", 2021),
    "elevator-iot-sensor": ("manufacturing", "sensor", 2022),
    "smart-factory-defect": ("manufacturing", "image", 2023),
    "chest-xray": ("healthcare", "image", 2020),
    "medical-qa": ("healthcare", "text", 2022),
    "legal-precedent-summary": ("law", "text", 2021),
    "news-summary-2022": ("korean", "text", 2022),
    "patent-classification": ("ip", "text", 2021),
    "finance-counsel-dialog": ("finance", "text", 2023),
    "call-center-speech": ("korean", "audio", 2021),
    "meeting-speech": ("korean", "audio", 2020),
    "kid-speech": ("korean", "audio", 2022),
    "elderly-speech": ("korean", "audio", 2021),
    "emotion-tts": ("korean", "audio", 2023),
    "hate-speech-comments": ("korean", "text", 2021),
    "sports-motion-video": ("sports", "video", 2022),
    "tourism-review": ("culture_tourism", "text", 2023),
    "pedestrian-cctv": ("disaster_safety", "video", 2020),
    "fire-detection-cctv": ("disaster_safety", "video", 2021),
    "traffic-sign": ("transport", "image", 2019),
    "ko-en-translation": ("korean", "text", 2020),
    "sign-language-video": ("vision", "video", 2021),
    "receipt-ocr": ("vision", "image", 2022),
    "handwriting-ocr": ("vision", "image", 2019),
    "signboard-ocr": ("vision", "image", 2020),
    "food-image": ("vision", "image", 2021),
    "weather-sensor-2021": ("disaster_safety", "sensor", 2021),
    "livestock-behavior": ("agriculture", "video", 2022),
    "fish-species": ("agriculture", "image", 2023),
    "wildlife-camera": ("disaster_safety", "image", 2022),
    "indoor-3d-scan": ("robotics", "sensor", 2023),
    "storybook-text": ("education", "text", 2024),
}

UNCLEARED = "storybook-text"  # its licence is not on the cleared list: it starts at pending_review
BETA = "indoor-3d-scan"
TOP_K = 5
MIN_RECALL = 0.9


def _license(index: int, dataset_id: str) -> dict[str, Any]:
    if dataset_id == UNCLEARED:
        return {"id": "custom-terms", "status": "open", "commercial_use": False}
    if index % 3 == 0:
        return {"id": "CC-BY-4.0", "status": "open", "commercial_use": True, "domestic_only": False}
    return {"id": "aihub-standard", "status": "approval_required", "commercial_use": index % 3 == 1}


def expected_licenses() -> dict[str, dict[str, Any]]:
    return {d: _license(i, d) for i, d in enumerate(FACETS)}


def _manifests(corpus: ModuleType) -> list[Any]:
    out = []
    for index, (dataset_id, title_ko, title_en, description, keywords) in enumerate(corpus.DATASETS):
        domain, data_type, year = FACETS[dataset_id]
        out.append(
            synthetic.manifest(
                dataset_id,
                title={"ko": title_ko, "en": title_en},
                description={"ko": description, "en": title_en},
                keywords=[k.strip() for k in keywords.split(",")],
                domain=domain,
                data_type=data_type,
                build_year=year,
                license=_license(index, dataset_id),
                release_status="beta" if dataset_id == BETA else "open",
            )
        )
    return out


@pytest.fixture(scope="module")
def catalog_home(module_home: Path, korean_corpus: ModuleType, home_env: Callable[..., Any]) -> Iterator[Path]:
    with home_env(module_home):
        settings = load_settings()
        parquet = synthetic.tiny_parquet(module_home / "store" / "synthetic")
        assert synthetic.register_many(settings, _manifests(korean_corpus), parquet) == len(FACETS)
    yield module_home


@pytest.fixture
def search(catalog_home: Path, home_env: Callable[..., Any], cli_json: Callable[..., Any]) -> Iterator[Any]:
    with home_env(catalog_home):

        def run(*args: str) -> Any:
            return cli_json("search", *args, "--json")

        yield run


def ids(rows: list[dict[str, Any]]) -> list[str]:
    return [r["id"] for r in rows]


def test_corpus_covers_every_dataset(korean_corpus: ModuleType) -> None:
    assert {d[0] for d in korean_corpus.DATASETS} == set(FACETS)
    assert len(FACETS) >= 30


def test_recall_at_5_through_kdata_search(search: Any, korean_corpus: ModuleType) -> None:
    misses = []
    for query, expected in korean_corpus.QUERIES:
        found = ids(search(query, "--limit", str(TOP_K)))
        if expected not in found:
            misses.append((query, expected, found))
    recall = 1 - len(misses) / len(korean_corpus.QUERIES)
    queries = len(korean_corpus.QUERIES)
    print(f"\nkdata search recall@{TOP_K}: {recall:.3f} over {queries} queries / {len(FACETS)} datasets")
    for miss in misses:
        print("  miss:", miss)
    assert recall >= MIN_RECALL, misses


def test_exact_id_ranks_first_and_english_and_korean_titles_match(search: Any) -> None:
    assert ids(search("weather-sensor-2021"))[0] == "weather-sensor-2021"
    assert ids(search("Legal Precedent"))[0] == "legal-precedent-summary"
    assert ids(search("판례를"))[0] == "legal-precedent-summary"
    assert search("존재하지않는단어") == []
    assert search("!!!") == []


def test_json_keeps_the_interface_contract(search: Any) -> None:
    rows = search("음성")
    assert rows and all({"id", "title", "domain", "license_status", "version"} <= set(r) for r in rows)
    assert all(r["version"] == "1.0" for r in rows)


def test_domain_by_id_or_korean_name(search: Any) -> None:
    want = sorted(d for d, f in FACETS.items() if f[0] == "agriculture")
    assert sorted(ids(search("--domain", "agriculture", "--limit", "100"))) == want
    assert sorted(ids(search("--domain", "농·축·수산", "--limit", "100"))) == want
    assert (
        ids(search("영상", "--domain", "농축수산"))
        == [r for r in ids(search("영상", "--limit", "100")) if FACETS[r][0] == "agriculture"][:20]
    )


def test_type_year_range_commercial_and_license_filters(search: Any) -> None:
    licenses = expected_licenses()
    got = ids(search("--type", "audio", "--year-from", "2021", "--year-to", "2022", "--limit", "100"))
    assert sorted(got) == sorted(d for d, (_, t, y) in FACETS.items() if t == "audio" and 2021 <= y <= 2022)
    got = ids(search("--commercial", "--limit", "100"))
    want = [d for d, lic in licenses.items() if (lic["commercial_use"] and d != BETA) or d == BETA]
    assert sorted(got) == sorted(d for d in want if licenses[d]["commercial_use"])
    got = ids(search("--license-status", "open", "--limit", "100"))
    assert sorted(got) == sorted(d for d, lic in licenses.items() if lic["id"] == "CC-BY-4.0")
    assert ids(search("--license-status", "pending_review")) == [UNCLEARED]
    assert ids(search("--release-status", "beta")) == [BETA]


def test_facet_counts_are_disjunctive(search: Any) -> None:
    page = search("--facets", "--limit", "3")
    assert set(page) == {"results", "facets"} and len(page["results"]) == 3
    facets = page["facets"]
    assert facets["total"] == len(FACETS)
    domains = {f["value"]: f["count"] for f in facets["domain"]}
    assert domains == dict(Counter(f[0] for f in FACETS.values()))
    assert {f["value"]: f["label"] for f in facets["domain"]}["korean"] == "한국어"
    years = [f["value"] for f in facets["build_year"]]
    assert years == sorted(set(y for _, _, y in FACETS.values()), reverse=True)
    # filtering by a domain narrows the other facets, not the domain facet itself
    korean = search("--domain", "한국어", "--facets")["facets"]
    assert {f["value"]: f["count"] for f in korean["domain"]} == domains
    want_types = Counter(t for d, t, _ in FACETS.values() if d == "korean")
    assert {f["value"]: f["count"] for f in korean["data_type"]} == dict(want_types)
    assert korean["total"] == sum(want_types.values())
    commercial = {f["value"]: f["count"] for f in korean["commercial_use"]}
    licenses = expected_licenses()
    assert commercial[True] == sum(1 for d, f in FACETS.items() if f[0] == "korean" and licenses[d]["commercial_use"])


def test_text_search_facets_count_only_matches(search: Any) -> None:
    page = search("음성", "--facets")
    matched = {r["id"] for r in search("음성", "--limit", "100")}
    assert page["facets"]["total"] == len(matched)
    assert sum(f["count"] for f in page["facets"]["data_type"]) == len(matched)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--domain", "우주"], "unknown domain"),
        (["--license-status", "free"], "--license-status"),
        (["--type", "pdf"], "--type"),
        (["--year-from", "2024", "--year-to", "2020"], "--year-from"),
        (["--release-status", "gone"], "--release-status"),
    ],
)
def test_bad_filters_exit_2(
    catalog_home: Path, home_env: Callable[..., Any], cli: Callable[..., Any], args: list[str], message: str
) -> None:
    with home_env(catalog_home):
        result = cli("search", "x", *args)
    assert result.exit_code == 2
    assert message in result.output


def test_table_output_shows_facets(catalog_home: Path, home_env: Callable[..., Any], cli: Callable[..., Any]) -> None:
    with home_env(catalog_home):
        result = cli("search", "음성", "--facets")
    assert result.exit_code == 0, result.output
    assert "domain:" in result.output and "전체" in result.output and "음성 (audio)" in result.output
