"""What a search query looks up: its words, and weaker stand-ins for 초성, synonyms and typos.

:func:`catalog.korean_text.query_terms` gives the terms of the words as typed (weight 1). This module
adds, at a lower weight, the terms a Korean user means but did not type:

- **초성** (``ㅎㄱㅇ 음성``, ``자율ㅈㅎ``): a run of typed initial consonants is looked up as the 초성
  string of the index's words and word prefixes (:func:`catalog.korean_text.chosung_query_terms`);
  the whole run at :data:`CHOSUNG_WEIGHT`, its 초성 bigrams at :data:`CHOSUNG_PART_WEIGHT`.
- **Synonyms and loanwords** from the glossary ``catalog/glossary/ko_synonyms.yaml`` (수화 → 수어,
  코퍼스 → 말뭉치/corpus, speech → 음성, 바운딩박스 → bounding box ...), English ↔ Korean both ways,
  at :data:`SYNONYM_WEIGHT`.
- **Title words**: each whole word of the query again as a title term (``^수어``, indexed from the
  titles only), at :data:`TITLE_WEIGHT`, so a dataset whose title has the word ranks above one that
  only mentions it.
- **Unstripped words**: where a trailing particle was stripped (``강의`` -> ``강`` + ``의``), the surface
  word and its last bigram, at :data:`UNSTRIPPED_WEIGHT`, in case the ending was part of the word.
- **Typos** of one jamo in a Hangul word (:func:`typo_variants`): ㅐ/ㅔ and other vowels that sound or
  sit alike, plain/tense/aspirated initials, a 받침 dropped, added or confused. A variant is only a
  term: it scores where the index has it (a word, stem, bigram), at :data:`TYPO_WEIGHT`.

A stand-in never outranks the word it stands for: its IDF is capped by the IDF of its ``origin`` (the
query word it came from; an unknown word has the highest IDF), so a dataset that has the typed word
scores more than one that only has the stand-in. Both search paths apply the same rule
(:mod:`catalog.search` in SQL, :mod:`catalog.search_index` in numpy).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from typing import Any

from catalog.korean_text import (
    chosung_query_terms,
    query_terms,
    query_words,
    strip_particles,
    title_query_terms,
    unstripped_query_terms,
)

__all__ = [
    "CHOSUNG_PART_WEIGHT",
    "CHOSUNG_WEIGHT",
    "MIN_STANDIN_WEIGHT",
    "SYNONYM_WEIGHT",
    "TITLE_WEIGHT",
    "TYPO_WEIGHT",
    "UNSTRIPPED_WEIGHT",
    "Glossary",
    "QueryTerm",
    "expand",
    "glossary",
    "typo_variants",
]

CHOSUNG_WEIGHT = 0.8
CHOSUNG_PART_WEIGHT = 0.4
TITLE_WEIGHT = 0.3  # a word found in a title counts again, at this weight
UNSTRIPPED_WEIGHT = 0.5
#: A stand-in (weight < 1) whose weighted IDF is below this is not looked up at all: a synonym or title
#: word held by nearly every dataset (데이터, ^데이터) adds nothing to the ranking but reading its postings.
MIN_STANDIN_WEIGHT = 0.1
SYNONYM_WEIGHT = 0.7
TYPO_WEIGHT = 0.5
MAX_TYPO_SYLLABLES = 6  # longer words keep most of their bigrams through a typo
_MIN_PREFIX_SYLLABLES = 2  # a glossary word this long also matches the start of a compound (수화영상)


@dataclass(frozen=True)
class QueryTerm:
    """One term to look up: its weight, and for a stand-in the query word whose IDF caps it."""

    term: str
    weight: float = 1.0
    origin: str | None = None
    kind: str = "word"  # word | title | chosung | unstripped | synonym | typo


@dataclass(frozen=True)
class Glossary:
    """The synonym groups, indexed by each word's normalised form (a tuple of words)."""

    groups: tuple[tuple[str, ...], ...]
    index: dict[tuple[str, ...], tuple[int, ...]]  # words -> the groups holding them
    prefixes: tuple[str, ...]  # Korean one-word entries of 2+ syllables, longest first

    @property
    def longest(self) -> int:
        return max((len(key) for key in self.index), default=1)


def _key(text: str) -> tuple[str, ...]:
    return tuple(_fold(w) for w in query_words(text))


def _fold(word: str) -> str:
    """English plural folding as the index does (``plates`` -> ``plate``); other words unchanged."""
    terms = query_terms(word)
    return terms[1] if len(terms) == 2 and terms[0] == word and terms[1] != word and word.isascii() else word


@functools.cache
def glossary() -> Glossary:
    """The glossary of ``catalog/glossary/ko_synonyms.yaml``, loaded once per process."""
    import yaml  # libyaml's loader when built in: 8 ms where the pure-Python one takes 60 (same data)

    text = (resources.files("catalog") / "glossary" / "ko_synonyms.yaml").read_text(encoding="utf-8")
    return build_glossary(yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))


def build_glossary(data: dict[str, Any]) -> Glossary:
    """A :class:`Glossary` from the YAML's data (``{"groups": [{"terms": [...]}, ...]}``)."""
    groups = tuple(tuple(str(t) for t in group["terms"]) for group in data["groups"])
    index: dict[tuple[str, ...], list[int]] = {}
    for number, group in enumerate(groups):
        for term in group:
            key = _key(term)
            if key and number not in index.setdefault(key, []):
                index[key].append(number)
    prefixes = sorted(
        (key[0] for key in index if len(key) == 1 and _is_hangul(key[0]) and len(key[0]) >= _MIN_PREFIX_SYLLABLES),
        key=lambda w: (-len(w), w),
    )
    return Glossary(groups, {k: tuple(v) for k, v in index.items()}, tuple(prefixes))


def _is_hangul(word: str) -> bool:
    return all("\uac00" <= c <= "\ud7a3" for c in word)


def _synonyms(words: list[str], table: Glossary) -> Iterator[tuple[str, int]]:
    """(origin word, group) for every glossary entry found in the query's words."""
    folded = [_fold(w) for w in words]
    i = 0
    while i < len(words):
        for size in range(min(table.longest, len(words) - i), 0, -1):
            key = tuple(folded[i : i + size])
            hit: tuple[int, ...] | None = table.index.get(key)
            origin = max(key, key=len)
            if hit is None and size == 1 and _is_hangul(key[0]):
                for form in strip_particles(key[0]):
                    hit, origin = table.index.get((form,)), form
                    if hit is not None:
                        break
                if hit is None:
                    prefix = next((p for p in table.prefixes if key[0].startswith(p) and key[0] != p), None)
                    hit, origin = (table.index[(prefix,)], prefix) if prefix else (None, origin)
            if hit is not None:
                yield from ((origin, group) for group in hit)
                i += size
                break
        else:
            i += 1


# Jamo indices of a syllable: initial (19), medial (21), final (28, 0 = none).
_INITIAL_SETS = ((0, 1, 15), (3, 4, 16), (7, 8, 17), (9, 10), (12, 13, 14))  # ㄱㄲㅋ ㄷㄸㅌ ㅂㅃㅍ ㅅㅆ ㅈㅉㅊ
# ㅐㅔ ㅒㅖ ㅔㅖ ㅓㅗ ㅏㅓ ㅏㅑ ㅓㅕ ㅕㅛ ㅗㅜ ㅜㅡ ㅙㅚㅞ ㅢㅣ ㅘㅝ
_MEDIAL_SETS = (
    (1, 5),
    (3, 7),
    (5, 7),
    (4, 8),
    (0, 4),
    (0, 2),
    (4, 6),
    (6, 12),
    (8, 13),
    (13, 18),
    (10, 11, 15),
    (19, 20),
    (9, 14),
)
# ㄴㅇㅁ ㄱㄲㅋ ㄷㅅㅆㅈㅊㅌㅎ ㅂㅍ
_FINAL_SETS = ((4, 21, 16), (1, 2, 24), (7, 19, 20, 22, 23, 25, 27), (17, 26))
_ADDED_FINALS = (1, 4, 8, 16, 17, 19, 20, 21)  # ㄱ ㄴ ㄹ ㅁ ㅂ ㅅ ㅆ ㅇ: an extra 받침 typed


def _alike(sets: tuple[tuple[int, ...], ...]) -> dict[int, tuple[int, ...]]:
    out: dict[int, list[int]] = {}
    for members in sets:
        for a in members:
            out.setdefault(a, []).extend(b for b in members if b != a and b not in out.get(a, []))
    return {k: tuple(v) for k, v in out.items()}


_INITIAL_ALIKE = _alike(_INITIAL_SETS)
_MEDIAL_ALIKE = _alike(_MEDIAL_SETS)
_FINAL_ALIKE = _alike(_FINAL_SETS)


def _syllable_slips(char: str) -> Iterator[str]:
    code = ord(char) - 0xAC00
    initial, medial, final = code // 588, code % 588 // 28, code % 28

    def make(i: int, m: int, f: int) -> str:
        return chr(0xAC00 + i * 588 + m * 28 + f)

    yield from (make(i, medial, final) for i in _INITIAL_ALIKE.get(initial, ()))
    yield from (make(initial, m, final) for m in _MEDIAL_ALIKE.get(medial, ()))
    if final:
        yield make(initial, medial, 0)
        yield from (make(initial, medial, f) for f in _FINAL_ALIKE.get(final, ()))
    else:
        yield from (make(initial, medial, f) for f in _ADDED_FINALS)


def typo_variants(word: str) -> list[str]:
    """Words one jamo slip away from a Hangul ``word`` (each syllable in turn), in a fixed order.

    >>> "자율주행" in typo_variants("자율주헹")  # ㅐ/ㅔ
    True
    >>> "영상" in typo_variants("영사")  # a missing 받침
    True
    """
    if not _is_hangul(word):
        return []
    out = (word[:i] + slip + word[i + 1 :] for i, char in enumerate(word) for slip in _syllable_slips(char))
    return list(dict.fromkeys(v for v in out if v != word))


def _word_terms(text: str) -> Iterator[str]:
    """A synonym's whole words (Korean words and their stems, ids and Latin words), not its bigrams:
    ``한국수어`` must not bring in ``국수``."""
    for word in query_words(text):
        if _is_hangul(word):
            yield (strip_particles(word) or [word])[-1]
        else:
            yield from query_terms(word)


def expand(text: str) -> list[QueryTerm]:
    """The weighted terms of a query: its own terms first, then 초성, synonym and typo stand-ins.

    A term appears once, with its first (strongest) role.
    """
    out: dict[str, QueryTerm] = {t: QueryTerm(t) for t in query_terms(text)}

    def add(term: QueryTerm) -> None:
        out.setdefault(term.term, term)

    for term, whole in chosung_query_terms(text):
        add(QueryTerm(term, CHOSUNG_WEIGHT if whole else CHOSUNG_PART_WEIGHT, None, "chosung"))
    for term in title_query_terms(text):
        add(QueryTerm(term, TITLE_WEIGHT, None, "title"))
    for term, stem in unstripped_query_terms(text):
        add(QueryTerm(term, UNSTRIPPED_WEIGHT, stem, "unstripped"))
    words = query_words(text)
    table = glossary()
    for origin, group in _synonyms(words, table):
        for other in table.groups[group]:
            for term in _word_terms(other):
                add(QueryTerm(term, SYNONYM_WEIGHT, origin, "synonym"))
    for word in words:
        if not _is_hangul(word):
            continue
        stem = (strip_particles(word) or [word])[-1]
        if 2 <= len(stem) <= MAX_TYPO_SYLLABLES:
            for variant in typo_variants(stem):
                add(QueryTerm(variant, TYPO_WEIGHT, stem, "typo"))
    return list(out.values())
