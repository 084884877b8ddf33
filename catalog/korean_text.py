"""Korean/English search terms for the K-Data Catalog's full-text index.

DuckDB's FTS extension splits text on whitespace only and, by default,
deletes digits and ASCII punctuation first (in DuckDB 1.4.4 the default
``ignore`` pattern is ``[0-9!@#$%^&*()_+={}\\[\\]:;<>,.?~\\\\/\\|'"`-]+``;
older docs show ``(\\.|[^a-z])+``), so ``korean-sns-2024`` and ``2024``
cannot be found.  Even with a permissive pattern, whitespace splitting is a
poor fit for Korean: particles and endings are glued to the word
(``데이터셋을``), compounds are written with or without spaces (``자율주행`` /
``자율 주행``) and users type a stem (``음성``) expecting to find ``음성을``
and ``음성인식``.

This module does the linguistic work in Python, so that DuckDB only has to
split on whitespace.  :func:`index_terms` turns a dataset's titles,
descriptions, keywords and id into one space-separated string of terms to
store in an indexed column; :func:`query_terms` turns a user's query into the
terms to look up in that column (e.g. ``' '.join(query_terms(q))`` passed to
``match_bm25``, or a plain set overlap).

Design
------
1. **Normalise**: Unicode NFKC (full-width ``２０２４`` becomes ``2024``,
   half-width forms are folded), Unicode dashes become ``-``, thousands
   separators between digits are removed (``1,000`` becomes ``1000``), then
   everything is lower-cased.
2. **Split** into runs of Hangul syllables (U+AC00..U+D7A3) and runs of other
   letters/digits (Latin, digits, Hanja, ...).  Anything else -- whitespace,
   punctuation, isolated jamo such as ``ㅋㅋ`` -- separates runs.  A Hangul run
   and a Latin run that touch (``SNS데이터``, ``2024년``) are separate words.
3. **Ids and numbers**: letter/digit runs joined by ``-``, ``_``, ``.`` or
   ``/`` form a compound (``korean-sns-2024``, ``x-ray``, ``v1.2``).  A
   compound is emitted whole with its joiners replaced by ``_``
   (``korean_sns_2024``), glued without joiners (``koreansns2024``, so that
   ``xray`` finds ``X-ray``) and as its parts (``korean``, ``sns``,
   ``2024``).  Digits are always kept.  Latin words of 4+ letters also get a
   light English plural folding (``dialects`` -> ``dialect``, ``categories``
   -> ``category``, ``boxes`` -> ``box``); there is no other stemming.
4. **Hangul words** (index side): every word is emitted as is, plus the word
   with trailing particles/endings stripped (``데이터셋을`` -> ``데이터셋``,
   ``음성인식용으로`` -> ``음성인식용`` -> ``음성인식``).  Stripping uses a list
   of common particles, copulas and ``하다``/``되다`` endings (the longest
   match wins), is applied at most :data:`MAX_STRIP_ROUNDS` times and only when at
   least two syllables remain, so ``쌀을`` and ``사과`` stay whole.  Finally
   the character bigrams of the word are emitted (``음성인식`` -> ``음성``,
   ``성인``, ``인식``); the bigrams of a stripped form are a subset of these.
   Bigrams are what make stems and spacing variants meet: ``음성`` matches
   ``음성인식``, and ``자율 주행`` / ``자율주행`` share ``자율`` and ``주행``.
5. **Single syllables** (choice): :func:`index_terms` emits every Hangul
   syllable of the text as a unigram term.  This is the cheapest rule that
   lets a one-syllable query (``쌀``, ``벼``, ``콩``) find it anywhere --
   also inside compounds (``쌀가격``) or before a particle (``쌀을``) --
   whereas "unigrams of short words only" would miss compounds.  The cost is
   at most one term per distinct syllable per dataset, and very common
   syllables (``의``, ``을``, ``하``) get a near-zero BM25 IDF.  On the query
   side unigrams are *not* emitted for longer words (they would only add
   noise); a one-syllable query word is emitted as is, and a two-syllable
   query word whose last syllable is a particle also yields its first
   syllable (``쌀을`` -> ``쌀``).
6. **Query side** uses the same normalisation and splitting.  For a Hangul
   word it emits its stripped forms and the bigrams of the most stripped
   form (``데이터셋을`` -> ``데이터셋``, ``데이``, ``이터``, ``터셋``); the word
   itself only when nothing was stripped.  The inflected surface form is a
   rare, high-IDF term that would rank datasets sharing the *particle*
   (``영상을``) above datasets sharing the stem, and ``셋을`` is noise.  Since
   stripping is deterministic, an over-stripped word (``어린이`` -> ``어린``)
   is stripped the same way in the index, so it still matches.  Bigrams
   that cross a space are not used on either side: in-word bigrams already
   make ``자율 주행`` meet ``자율주행`` (in the relevance test cross-space
   bigrams improved one top-1 rank but not recall@5, so they were left out).
7. **초성 and titles** (issue 22): the index also stores the 초성 of every
   Hangul word's prefixes of 2+ syllables (``음성인식`` -> ``ㅇㅅ``, ``ㅇㅅㅇ``,
   ``ㅇㅅㅇㅅ``; stripped forms are prefixes, so ``ㄷㅇㅌㅅ`` finds
   ``데이터셋을``), and the whole words of the titles again as :data:`TITLE_MARK`
   terms (``^수어영상``, ``^ㅅㅇㅇㅅ``).  A query's typed consonants
   (:func:`chosung_query_terms`), title words (:func:`title_query_terms`) and
   other stand-ins are weighted by :mod:`catalog.query_expansion`.
8. **Output** is deterministic: terms in first-seen order, deduplicated.  Terms
   never contain whitespace (ids use ``_``), so the column can be indexed
   with a whitespace-only tokenizer, e.g. in DuckDB 1.4::

       PRAGMA create_fts_index('docs', 'id', 'terms', stemmer='none',
           stopwords='none', ignore='\\s+', strip_accents=0, lower=1,
           overwrite=1)

   (the SQL text contains a single backslash: ``ignore='\\s+'``).  Because
   terms are deduplicated per dataset, BM25 works on term presence and
   document length rather than on repetition counts.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable, Iterator

__all__ = [
    "CHOSUNG",
    "MAX_STRIP_ROUNDS",
    "PARTICLES",
    "TITLE_MARK",
    "chosung",
    "chosung_query_terms",
    "index_terms",
    "normalize",
    "query_terms",
    "query_words",
    "strip_particles",
    "title_query_terms",
    "unstripped_query_terms",
]

#: Trailing particles, copulas and common verb endings stripped from Hangul
#: words.  Longest match wins; compounds (``에서는``) are listed explicitly.
# fmt: off
PARTICLES: tuple[str, ...] = (
    # case particles and their combinations
    "은", "는", "이", "가", "을", "를", "의", "에", "로", "와", "과",
    "도", "만", "들", "용",
    "에서", "에게", "한테", "께서", "으로", "까지", "부터", "보다", "처럼",
    "마다", "조차", "라도", "이나", "에는", "에도", "에의", "와의", "과의",
    "로는", "로도", "로서", "로써", "만의", "들의", "들이", "들을", "들은",
    "에서는", "에서도", "에서의", "에게서", "에게는", "으로는", "으로도",
    "으로서", "으로써", "으로의", "까지는", "부터는", "까지의", "부터의",
    # copula forms
    "이다", "이며", "이고", "이란", "라는", "이라", "이라는", "이라고",
    "입니다", "이었다", "였다",
    # 하다 / 되다 endings (분류하는, 수집된, 구축합니다 ...)
    "한", "된", "하는", "하고", "하기", "하여", "해서", "했다", "한다",
    "하며", "되는", "되어", "된다", "되며", "되고", "하였다", "되었다",
    "합니다", "됩니다", "했습니다", "되었습니다",
)
# fmt: on

#: How many times a trailing particle/ending may be stripped from one word
#: (``영상들을`` -> ``영상들`` -> ``영상``).
MAX_STRIP_ROUNDS = 3

_MIN_STEM_SYLLABLES = 2
_PARTICLES_LONGEST_FIRST: tuple[str, ...] = tuple(sorted(set(PARTICLES), key=lambda p: (-len(p), p)))
_ONE_SYLLABLE_PARTICLES = frozenset(p for p in PARTICLES if len(p) == 1)

_HANGUL = "\uac00-\ud7a3"
_JAMO = "\u1100-\u11ff\u3130-\u318f\ua960-\ua97f\ud7b0-\ud7ff"
# NFKC turns the compatibility consonants users type (ㄱ U+3131 ... ㅎ) into these 19 leading jamo
# (U+1100 ᄀ ... U+1112 ᄒ), in the order of a syllable's initial-consonant index.
_CHOSEONG = "\u1100-\u1112"
# A letter/digit that is neither a Hangul syllable nor a jamo.
_ALNUM = rf"[^\W_{_HANGUL}{_JAMO}]"
_TOKEN_RE = re.compile(
    rf"(?P<hangul>[{_HANGUL}{_CHOSEONG}]+)"
    rf"|(?P<compound>{_ALNUM}+(?:[-_./]{_ALNUM}+)*)"
)
_SYLLABLES_RE = re.compile(rf"[{_HANGUL}]+")
_CHOSEONG_RE = re.compile(rf"[{_CHOSEONG}]")

#: The 19 initial consonants (초성) as users type them, in syllable-index order.
CHOSUNG = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
_CHOSUNG_TABLE = str.maketrans({chr(0x1100 + i): c for i, c in enumerate(CHOSUNG)})
#: A 초성 term is at least this long: one consonant alone would match a fifth of all words.
MIN_CHOSUNG = 2
#: Prefix of the terms that come from a dataset's titles (``^수어영상``): no other term starts with it.
TITLE_MARK = "^"
_JOINER_RE = re.compile(r"[-_./]")
_THOUSANDS_RE = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_DASHES = str.maketrans({c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63"})
_LATIN_WORD_RE = re.compile(r"[a-z]+")
# Latin words ending in "s" that are not plurals (only words of 4+ letters are folded).
_NOT_PLURAL = frozenset(
    {"always", "atlas", "canvas", "chaos", "does", "lens", "news", "perhaps"} | {"series", "species", "this", "whereas"}
)


def normalize(text: str) -> str:
    """Return *text* NFKC-normalised, with unified dashes and lower-cased.

    Thousands separators between digits are dropped (``1,000`` -> ``1000``).
    """
    text = unicodedata.normalize("NFKC", text).translate(_DASHES)
    return _THOUSANDS_RE.sub("", text).lower()


def strip_particles(word: str) -> list[str]:
    """Return the successively stripped forms of a Hangul *word*.

    The word itself is not included.  A particle/ending from
    :data:`PARTICLES` is removed only if at least two syllables remain, and at
    most :data:`MAX_STRIP_ROUNDS` times: ``음성인식용으로`` ->
    ``['음성인식용', '음성인식']``; ``쌀을`` -> ``[]``.
    """
    forms: list[str] = []
    current = word
    for _ in range(MAX_STRIP_ROUNDS):
        for particle in _PARTICLES_LONGEST_FIRST:
            if current.endswith(particle) and len(current) - len(particle) >= _MIN_STEM_SYLLABLES:
                current = current[: -len(particle)]
                forms.append(current)
                break
        else:
            break
    return forms


def _bigrams(word: str) -> Iterator[str]:
    return (word[i : i + 2] for i in range(len(word) - 1))


def _fold_plural(word: str) -> str | None:
    """Light English plural folding for all-letter words of 4+ characters."""
    if len(word) < 4 or word in _NOT_PLURAL or not _LATIN_WORD_RE.fullmatch(word):
        return None
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "zes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is", "ics")):
        return word[:-1]
    return None


def _compound_terms(compound: str) -> Iterator[str]:
    parts = [p for p in _JOINER_RE.split(compound) if p]
    if len(parts) > 1:
        yield "_".join(parts)
        yield "".join(parts)
    for part in parts:
        yield part
        folded = _fold_plural(part)
        if folded is not None:
            yield folded


def chosung(word: str) -> str:
    """The initial consonants (초성) of a run of Hangul syllables and typed consonants.

    >>> chosung("자율주행")
    'ㅈㅇㅈㅎ'
    >>> chosung(normalize("자율ㅈㅎ"))
    'ㅈㅇㅈㅎ'
    """
    out = []
    for char in word:
        code = ord(char) - 0xAC00
        out.append(CHOSUNG[code // 588] if 0 <= code < 11172 else char.translate(_CHOSUNG_TABLE))
    return "".join(out)


def _chosung_index_terms(word: str) -> Iterator[str]:
    """초성 of the word's prefixes of 2+ syllables: 음성인식 -> ㅇㅅ, ㅇㅅㅇ, ㅇㅅㅇㅅ (stripped forms are prefixes)."""
    initials = chosung(word)
    return (initials[:end] for end in range(MIN_CHOSUNG, len(initials) + 1))


def _hangul_index_terms(word: str) -> Iterator[str]:
    yield word
    yield from strip_particles(word)
    yield from _bigrams(word)
    yield from word  # unigrams: lets one-syllable queries match (see design)
    yield from _chosung_index_terms(word)


def _hangul_query_terms(word: str) -> Iterator[str]:
    stripped = strip_particles(word)
    if stripped:
        # The inflected surface form (영상을) is rare, hence a high-IDF term
        # that would favour datasets sharing the particle over the stem.
        yield from stripped
        yield from _bigrams(stripped[-1])
    else:
        yield word
        yield from _bigrams(word)
    if len(word) == 2 and word[1] in _ONE_SYLLABLE_PARTICLES:
        yield word[0]  # 쌀을 -> 쌀


def _words(text: str) -> Iterator[tuple[str, str]]:
    """(kind, word) of normalised text: ``hangul`` syllable runs, ``chosung`` runs holding typed consonants
    (``자율ᄌᄒ``, ``ᄒᄀᄋ``), ``compound`` letter/digit runs."""
    for match in _TOKEN_RE.finditer(normalize(text)):
        hangul = match.group("hangul")
        if hangul is None:
            yield "compound", match.group("compound")
        elif _CHOSEONG_RE.search(hangul) is None:
            yield "hangul", hangul
        else:
            yield "chosung", hangul


def _terms(text: str, *, query: bool) -> Iterator[str]:
    hangul_terms = _hangul_query_terms if query else _hangul_index_terms
    for kind, word in _words(text):
        if kind == "compound":
            yield from _compound_terms(word)
        elif kind == "hangul":
            yield from hangul_terms(word)
        else:  # the syllables around typed consonants are words; the consonants are for chosung_query_terms
            for part in _SYLLABLES_RE.findall(word):
                yield from hangul_terms(part)


def _dedupe(terms: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(t for t in terms if t))


def index_terms(*texts: str, titles: tuple[str, ...] = ()) -> str:
    """Space-separated terms for the catalog's indexed column (titles, descriptions, keywords, id).

    Every text is normalised and tokenised as described in the module
    docstring; the result is deduplicated, in first-seen order, and no term
    contains whitespace.  Pass ``""`` for missing fields.  The words of ``titles``
    (pass the titles among ``texts`` too) are also emitted as title terms
    (:data:`TITLE_MARK` + word, stem, id part or 초성 prefix; no bigrams), which
    :func:`title_query_terms` looks up so that a title match ranks first.

    >>> index_terms("음성인식용", "ko-sns-2024")  # doctest: +NORMALIZE_WHITESPACE
    '음성인식용 음성인식 음성 성인 인식 식용 음 성 인 식 용 ㅇㅅ ㅇㅅㅇ ㅇㅅㅇㅅ ㅇㅅㅇㅅㅇ
     ko_sns_2024 kosns2024 ko sns 2024'
    """
    terms = (term for text in texts for term in _terms(text, query=False))
    marked = (TITLE_MARK + term for title in titles for term in _title_terms(title, query=False))
    return " ".join(_dedupe(itertools.chain(terms, marked)))


def query_terms(text: str) -> list[str]:
    """Terms for a user query, matched against :func:`index_terms` output.

    Used with DuckDB FTS ``match_bm25`` over that column (whitespace-only tokenizer) or by set overlap.

    >>> query_terms("음성 데이터셋을")
    ['음성', '데이터셋', '데이', '이터', '터셋']
    >>> query_terms("KO-SNS-２０２４")
    ['ko_sns_2024', 'kosns2024', 'ko', 'sns', '2024']
    """
    return _dedupe(_terms(text, query=True))


def query_words(text: str) -> list[str]:
    """The words of a query as :func:`query_terms` sees them (normalised; Hangul runs, ids and Latin words).

    Typed consonants are left out: ``query_words("자율ㅈㅎ 영상")`` is ``['자율', '영상']``.
    """
    words: list[str] = []
    for kind, word in _words(text):
        words.extend(_SYLLABLES_RE.findall(word) if kind == "chosung" else [word])
    return words


def chosung_query_terms(text: str) -> list[tuple[str, bool]]:
    """초성 terms of the query's runs that hold typed consonants, as (term, whole run?).

    A run of typed consonants, alone or mixed with syllables (``ㅎㄱㅇ``, ``자율ㅈㅎ``), is looked up
    as the 초성 string of the whole run (matched against the 초성 of words and of their prefixes, see
    :func:`index_terms`) and, for runs of 4+, as two parts of 2+ consonants each, split anywhere
    (``ㅈㅇㅈㅎ`` also finds ``자율 주행``)::

        >>> chosung_query_terms("ㅈㅇㅈㅎ")
        [('ㅈㅇㅈㅎ', True), ('ㅈㅇ', False), ('ㅈㅎ', False)]
    """
    out: dict[str, bool] = {}
    for kind, word in _words(text):
        if kind != "chosung":
            continue
        initials = chosung(word)
        if len(initials) < MIN_CHOSUNG:
            continue
        out.setdefault(initials, True)
        for cut in range(MIN_CHOSUNG, len(initials) - MIN_CHOSUNG + 1):
            out.setdefault(initials[:cut], False)
            out.setdefault(initials[cut:], False)
    return list(out.items())


def _title_terms(text: str, *, query: bool) -> Iterator[str]:
    """Whole-word terms of a title (index side) or of a query (query side), without bigrams and unigrams."""
    for kind, word in _words(text):
        if kind == "compound":
            yield from _compound_terms(word)
        elif kind == "hangul":
            stripped = strip_particles(word)
            if query:
                yield (stripped or [word])[-1]
            else:
                yield word
                yield from stripped
                yield from _chosung_index_terms(word)
        elif query and len(initials := chosung(word)) >= MIN_CHOSUNG:
            yield initials
        else:
            for part in _SYLLABLES_RE.findall(word):
                yield (strip_particles(part) or [part])[-1]


def title_query_terms(text: str) -> list[str]:
    """The query's whole words (stems, ids and their parts, 초성 runs) as title terms (:data:`TITLE_MARK`).

    >>> title_query_terms("수어 영상을 ㅎㄱㅇ")
    ['^수어', '^영상', '^ㅎㄱㅇ']
    """
    return _dedupe(TITLE_MARK + term for term in _title_terms(text, query=True))


def unstripped_query_terms(text: str) -> list[tuple[str, str]]:
    """(term, stem) for words whose stripped ending may have been part of the word (강의 -> 강 + 의).

    :func:`query_terms` looks up a stripped word's stem and the stem's bigrams only; these are the
    surface word and its last bigram (``한국어강의`` -> ``한국어강의``, ``강의``), to be looked up at a
    lower weight capped by the stem's.
    """
    out: list[tuple[str, str]] = []
    for kind, word in _words(text):
        parts = [word] if kind == "hangul" else _SYLLABLES_RE.findall(word) if kind == "chosung" else []
        for part in parts:
            stripped = strip_particles(part)
            if stripped:
                out.extend((term, stripped[-1]) for term in (part, part[-2:]))
    return list({term: (term, stem) for term, stem in out}.values())
