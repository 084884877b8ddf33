"""Units of 초성 terms, the synonym glossary and typo variants (catalog.korean_text, catalog.query_expansion)."""

from __future__ import annotations

from importlib import resources

import pytest
import yaml

from catalog.korean_text import chosung, chosung_query_terms, index_terms, normalize, query_terms, title_query_terms
from catalog.query_expansion import (
    SYNONYM_WEIGHT,
    TYPO_WEIGHT,
    build_glossary,
    expand,
    glossary,
    typo_variants,
)


def _terms(text: str, kind: str) -> dict[str, str | None]:
    return {t.term: t.origin for t in expand(text) if t.kind == kind}


def test_chosung_of_syllables_double_consonants_and_typed_jamo() -> None:
    assert chosung("자율주행") == "ㅈㅇㅈㅎ"
    assert chosung("까치 떡볶이") == "ㄲㅊ ㄸㅂㅇ"
    assert chosung(normalize("ㄲㄸㅃㅆㅉ")) == "ㄲㄸㅃㅆㅉ"  # typed compatibility jamo, after NFKC
    assert chosung(normalize("자율ㅈㅎ")) == "ㅈㅇㅈㅎ"


def test_index_stores_the_chosung_of_word_prefixes_and_title_words() -> None:
    terms = set(index_terms("음성인식용으로", titles=("수어영상 데이터",)).split(" "))
    assert {"ㅇㅅ", "ㅇㅅㅇ", "ㅇㅅㅇㅅ"} <= terms  # prefixes of 2+ syllables (stems are prefixes)
    assert "ㅅㅇ" not in terms  # not every pair: 성인 is a bigram, not a prefix
    assert {"^수어영상", "^데이터", "^ㅅㅇㅇㅅ"} <= set(index_terms(titles=("수어영상 데이터",)).split(" "))
    assert not any(t.startswith("^") for t in index_terms("수어영상 데이터").split(" "))


def test_chosung_queries_alone_mixed_and_split() -> None:
    assert chosung_query_terms("ㅎㄱㅇ 음성") == [("ㅎㄱㅇ", True)]
    assert chosung_query_terms("자율ㅈㅎ") == [("ㅈㅇㅈㅎ", True), ("ㅈㅇ", False), ("ㅈㅎ", False)]
    assert query_terms("자율ㅈㅎ") == ["자율"]  # the syllables are searched as a word too
    assert chosung_query_terms("ㅋ 음성") == []  # a lone consonant looks nothing up
    assert query_terms("ㅋㅋ !!!") == []
    assert title_query_terms("ㅎㄱㅇ 음성을") == ["^ㅎㄱㅇ", "^음성"]


def test_glossary_is_loaded_once_with_a_source_for_every_group() -> None:
    assert glossary() is glossary()
    data = yaml.safe_load((resources.files("catalog") / "glossary" / "ko_synonyms.yaml").read_text(encoding="utf-8"))
    for group in data["groups"]:
        assert len(group["terms"]) >= 2
        assert group.get("source", {}).get("url") or group.get("note"), group
    issue_words = [
        "수어",
        "수화",
        "객체",
        "물체",
        "병해충",
        "해충",
        "번호판",
        "license plate",
        "음성",
        "speech",
        "voice",
    ]
    issue_words += ["말뭉치", "코퍼스", "corpus", "이미지", "영상", "image", "드론", "drone", "무인기", "데이터셋"]
    issue_words += ["세그멘테이션", "바운딩박스", "클라우드", "로봇"]
    listed = {term for group in data["groups"] for term in group["terms"]}
    assert set(issue_words) <= listed


@pytest.mark.parametrize(
    ("query", "finds", "origin"),
    [
        ("수화로", "수어", "수화"),  # particle stripped before the lookup
        ("수화영상", "수어", "수화"),  # a glossary word at the start of a compound
        ("sign language", "수어", "language"),  # English -> Korean, two words
        ("수어", "sign", "수어"),  # Korean -> English
        ("license plates", "번호판", "license"),  # English plural folded
        ("코퍼스", "corpus", "코퍼스"),  # loanword -> English
        ("바운딩박스", "bounding", "바운딩박스"),
        ("drone", "드론", "drone"),
    ],
)
def test_synonyms_both_ways(query: str, finds: str, origin: str) -> None:
    synonyms = _terms(query, "synonym")
    assert synonyms.get(finds) == origin, synonyms
    assert all(t.weight == SYNONYM_WEIGHT for t in expand(query) if t.kind == "synonym")


def test_synonyms_bring_whole_words_not_bigrams() -> None:
    assert "국수" not in _terms("수화", "synonym")  # 한국수어's bigram


def test_a_custom_glossary_builds_like_the_file() -> None:
    table = build_glossary({"groups": [{"terms": ["자전거", "bicycle", "bike"]}]})
    assert table.index[("bicycle",)] == (0,) and table.prefixes == ("자전거",)


def test_typo_variants_cover_jamo_slips() -> None:
    assert "자율주행" in typo_variants("자율주헹")  # ㅐ/ㅔ
    assert "수어" in typo_variants("수오")  # ㅓ/ㅗ
    assert "계란" in typo_variants("게란")  # ㅖ/ㅔ
    assert "영상" in typo_variants("영사")  # a missing 받침
    assert "참외" in typo_variants("창외")  # a confused 받침 (ㅁ/ㅇ)
    assert "감귤" in typo_variants("깜귤")  # a tense initial
    assert typo_variants("영상") == typo_variants("영상") and "영상" not in typo_variants("영상")
    assert typo_variants("abc") == []


def test_typo_variants_are_weighted_and_capped_by_the_typed_word() -> None:
    typos = [t for t in expand("자율주헹 데이터를") if t.kind == "typo"]
    assert typos and all(t.weight == TYPO_WEIGHT for t in typos)
    assert {t.origin for t in typos} == {"자율주헹", "데이터"}  # the stem, not the particle form
    assert not [t for t in expand("ai hub") if t.kind == "typo"]  # Latin words get none
