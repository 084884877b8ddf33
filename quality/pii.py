"""Korean personal-data detectors (개인정보 탐지): findings carry where and what kind, never the value.

Rules, in priority order (an earlier rule wins where spans overlap):

========================  ======================================================================
``email``                 a strict address regex (ASCII local part, dotted domain, 2-24 letter TLD)
``rrn``                   주민등록번호 ``YYMMDD[-\\s]?GNNNNNN`` with G 1-4 and a real birth date for
                          the century G gives. The check digit is an *attribute* only: numbers
                          issued or changed since October 2020 have random trailing digits.
``foreigner_rn``          외국인등록번호: the same shape with G 5-8
``card_number``           14-19 digits (plain, or 4-4-4-x / 4-6-5 groups) passing ``stdnum.luhn``,
                          starting as a card issuer's do (a 13-digit application number is none)
``business_rn``           사업자등록번호 ``NNN-NN-NNNNN`` (or 10 plain digits right after the word
                          사업자) that ``stdnum.kr.brn`` accepts; the check digit is an attribute
``mobile_phone``          ``phonenumbers.PhoneNumberMatcher(text, "KR")``: type MOBILE (01X)
``landline_phone``        the same matcher: FIXED_LINE (02, 0XX), VOIP (070), PERSONAL_NUMBER (050X)
``driver_license``        운전면허번호: the region's name before ``YY-NNNNNN-NN`` anywhere; region code
                          11-28 with year, serial and check digits (dashed, spaced or plain) within
                          20 characters of 면허, 운전 or licence
``bank_account``          계좌번호: 10-14 digits (plain or in 2-5 groups) within 20 characters of a word
                          that says account or a bank's name (계좌, 통장, 입금, 은행, NH ...), never an
                          amount or a count (followed by 원, 주, 개 ...)
``passport``              여권번호 ``M12345678`` / ``M123A4567`` (M, S, R, G, D; spaces or a dash allowed)
                          within 20 characters of 여권 or passport
========================  ======================================================================

The detectors read a copy of the text as a reader sees it: invisible characters dropped, full-width and
look-alike characters folded (``ㅡ`` is a dash), digits typed one by one joined (``0 1 0 1 2 3 4``), and an
address written around its ``@`` joined (``hong @ gmail.com``, ``hong[at]gmail[dot]com``, ``hong 골뱅이
gmail.com``, ``hong at gmail dot com``); findings are placed in the text itself.

:func:`scan` returns :class:`Finding` objects (rule, span, checksum, confidence); :func:`mask`
replaces every finding with an AI Hub-style token (``#@주민번호#``) and counts what it replaced;
:func:`masked_example` renders a finding for reports with most digits hidden (``900101-1******``).
Nothing in this module logs, and no object it returns holds a found value.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, replace
from typing import Any, Literal

import phonenumbers
import stdnum
from phonenumbers import PhoneNumberMatcher, PhoneNumberType
from stdnum import luhn
from stdnum.exceptions import ValidationError
from stdnum.kr import brn as stdnum_brn
from stdnum.kr import rrn as stdnum_rrn

__all__ = [
    "DETECTOR_VERSION",
    "RULES",
    "Finding",
    "Rule",
    "mask",
    "masked_example",
    "might_contain_pii",
    "redact",
    "rule",
    "scan",
]

_RULESET = "6"  # 2: digits of a decimal number (floats in label JSON) are not a phone number; 3: a phone
# number has 9+ digits in groups of 3+ after the area code, and an unmatched bracket before it is the text's;
# a card number starts as an issuer's do and is never the digits of a decimal; 4: invisible characters
# (zero-width space, soft hyphen, bidi marks) are read past, an RRN's halves may be split by any space or
# dash (or a dot, then with a valid check digit), an e-mail may have Korean letters, an IDN domain or ＠;
# a phone number's first digit group holds its whole area or mobile code; a card number has 14+ digits (the
# 13-digit Visa is gone; Korean trademark and design application numbers, 40-/30-YYYY-NNNNNNN, are 13)
# 5: driver licence, bank account and passport numbers; digits typed one by one, broken lines, a spelled-out @;
# 6: phone numbers read aloud in Hangul (공일공 일이삼사 오육칠팔, as transcripts write them), digits one by one
# with dashes or dots between (0-1-0-1-2-...), circled, parenthesised, superscript and subscript digits

DETECTOR_VERSION = f"kdata-pii/{_RULESET} (phonenumbers {phonenumbers.__version__}, python-stdnum {stdnum.__version__})"
"""Names the rule set and the libraries behind it; reports and the catalog record it."""

Confidence = Literal["high", "medium"]


@dataclass(frozen=True)
class Rule:
    """One kind of personal data: its id, Korean/English names and the masking token."""

    id: str
    name_ko: str
    name_en: str
    token: str


RULES: tuple[Rule, ...] = (
    Rule("rrn", "주민등록번호", "Resident registration number", "#@주민번호#"),
    Rule("foreigner_rn", "외국인등록번호", "Foreigner registration number", "#@외국인번호#"),
    Rule("mobile_phone", "휴대전화번호", "Mobile phone number", "#@전화번호#"),
    Rule("landline_phone", "유선·인터넷 전화번호", "Landline or VoIP phone number", "#@전화번호#"),
    Rule("email", "이메일 주소", "Email address", "#@이메일#"),
    Rule("card_number", "카드번호", "Payment card number", "#@카드번호#"),
    Rule("business_rn", "사업자등록번호", "Business registration number", "#@사업자번호#"),
    Rule("driver_license", "운전면허번호", "Driver licence number", "#@면허번호#"),
    Rule("bank_account", "계좌번호", "Bank account number", "#@계좌번호#"),
    Rule("passport", "여권번호", "Passport number", "#@여권번호#"),
)
_BY_ID = {r.id: r for r in RULES}


def rule(rule_id: str) -> Rule:
    """The :class:`Rule` with this id (``KeyError`` for an unknown one)."""
    return _BY_ID[rule_id]


@dataclass(frozen=True)
class Finding:
    """One piece of personal data in a text: rule and span only (the value is never kept)."""

    rule: str
    start: int
    end: int
    confidence: Confidence
    checksum_valid: bool | None = None  # None: the rule has no check digit


# -- patterns --------------------------------------------------------------------------------------

_MIN_DIGITS = 9  # the shortest number any digit rule finds: a Seoul landline, 02-123-4567
_DIGIT_RUN = re.compile(rf"\d(?:\D{{0,4}}\d){{{_MIN_DIGITS - 1}}}")  # 9 digits, at most 4 other chars apart
_SPACES = " \t\r\n\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
"""Spaces of any width and a line break."""
_SEPARATORS = "-/_.,~|:+"
"""What may stand between an RRN's halves (besides spaces): a dash (every dash and minus is one once folded,
:data:`_FOLD`), slash, underscore, ``~``, ``|``, ``:``, ``+``; a dot or a comma only with a valid check digit."""
_RRN = re.compile(rf"(?<!\d)(\d{{6}})([{re.escape(_SPACES + _SEPARATORS)}]{{1,4}})?(\d{{7}})(?!\d)")
"""Six and seven digits, apart by up to four spaces with at most one separator among them (the pre-check's
nine digits at most four characters apart read every such number); the 7th digit is 1-8, and halves split
by a dot need a valid check digit (else any decimal ``900101.1234567`` would be one)."""
_EMAIL = re.compile(
    r"(?:(?<![A-Za-z0-9._%+-])[A-Za-z0-9_](?:[A-Za-z0-9._%+-]{0,62}[A-Za-z0-9_%+-])?"
    r"|(?<![\w.%+-])(?:[A-Za-z0-9]{1,64}[._-])?[^\W\d_A-Za-z]{1,64}(?:[._-]\w{1,64})?)"
    r"[@＠](?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)+"
    r"(?:[A-Za-z]{2,24}(?![A-Za-z0-9-])|한국(?![\w-])|xn--[a-z0-9-]{1,59}(?![A-Za-z0-9-]))"
)
"""A local part of ASCII (``이메일은abc@gmail.com이에요``: the address is ``abc@gmail.com``), or of other
letters with one ASCII part beside them (``홍길동@example.com``, ``hong.길동@…``, ``길동_hong@…``); domain
labels of any letters (``user@한글도메인.kr``); the top-level domain an ASCII one, ``.한국`` or punycode, so
Korean text such as ``철수@집.앞`` is no address; ``＠`` too."""

_INVISIBLE = re.compile(
    "[\u00ad\u061c\u180b-\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff"
    "\u0300-\u036f\u20d0-\u20ff\ufe00-\ufe0f\ufff9-\ufffb\U000e0000-\U000e007f]+"
)
"""Characters a reader does not see, or sees on the character before (zero-width spaces and joiners, soft
hyphen, bidi marks, BOM, variation selectors, combining marks, tags): ``900101\u200b-\u200b1234567`` shows an
RRN, so the detectors read the text without them."""


def _digit_forms() -> dict[str, str]:
    """Each single-digit form Unicode has outside the decimal digits (category No: ``①``, ``⑴``, ``⒈``, ``❶``,
    ``➀``, ``➊``, ``⓵``, ``⁰``-``⁹``, ``₀``-``₉``, ``🄁``) to its ASCII digit; ``⑩`` and beyond are two digits."""
    forms = {"\u24ea": "0", "\u24ff": "0", "\U0001f100": "0", "\u00b9": "1", "\u00b2": "2", "\u00b3": "3"}
    for first in (0x2460, 0x2474, 0x2488, 0x24F5, 0x2776, 0x2780, 0x278A):  # ① ⑴ ⒈ ⓵ ❶ ➀ ➊: 1-9
        forms.update({chr(first + n): str(n + 1) for n in range(9)})
    forms.update({chr(0x2070 + n): str(n) for n in (0, 4, 5, 6, 7, 8, 9)})  # ⁰ ⁴-⁹ (¹²³ are Latin-1)
    forms.update({chr(0x2080 + n): str(n) for n in range(10)})  # ₀-₉
    forms.update({chr(0x1F101 + n): str(n) for n in range(10)})  # 🄁-🄊: a digit and a comma
    return forms


_FOLD_TABLE: dict[str, str] = {
    **{chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)},  # full-width ASCII: ０-９, Ａ-ｚ, ＠, －, ．
    # dashes people type (the Hangul vowel ㅡ in its three forms, 一) or paste, and a tilde between numbers
    **dict.fromkeys("ㅡᅳￚ一ー‐‑‒–—―⁃−﹣﹘⸺⁻~〜～", "-"),
    **dict.fromkeys("。﹒ㆍ·‧∙・･•", "."),  # a dot, the middle dots a Korean keyboard types (ㆍ), a bullet
    "﹫": "@",
    # digits in circles, brackets, after a stop, raised or lowered (①②③, ⑴, ⒈, ❶, ➀, ¹²³, ₁): digits
    **_digit_forms(),
    **dict.fromkeys("\u3164\u115f\u1160\u2800\u00a0\u3000", " "),  # Hangul fillers, braille blank
}
_FOLD = str.maketrans(_FOLD_TABLE)
"""One character for another, so positions stay: what a reader takes for a dash, a dot, an ``@`` or a space
is one to the detectors (``010ㅡ1234ㅡ5678``, ``ｈｏｎｇ＠ｅｘａｍｐｌｅ．ｃｏｍ``, ``010ㅤ1234ㅤ5678``)."""
_CARD = re.compile(
    r"(?<![\d-])(?:"
    r"\d{4}[ ./_-]{1,3}\d{4}[ ./_-]{1,3}\d{4}[ ./_-]{1,3}\d{2,7}"  # 4-4-4-x (14-19 digits), any separators
    r"|\d{4}[ ./_-]{1,3}\d{6}[ ./_-]{1,3}\d{4,5}"  # 4-6-5 (Amex), 4-6-4 (Diners)
    r"|\d{8}[ ./_-]{1,3}\d{8}"  # 8-8
    r"|\d{14,19}"
    r")(?![\d-])"
)
_BRN = re.compile(r"(?<![\d-])\d{3}[ ]?-[ ]?\d{2}[ ]?-[ ]?\d{5}(?![\d-])")
_BRN_PLAIN = re.compile(r"(?<!\d)\d{10}(?!\d)")
_BRN_CONTEXT = re.compile(r"사업자|business", re.IGNORECASE)
_BRN_CONTEXT_CHARS = 20
_BRN_WEIGHTS = (1, 3, 7, 1, 3, 7, 1, 3, 5)

_PHONE_RULES: dict[int, str] = {
    PhoneNumberType.MOBILE: "mobile_phone",
    PhoneNumberType.FIXED_LINE: "landline_phone",
    PhoneNumberType.FIXED_LINE_OR_MOBILE: "landline_phone",
    PhoneNumberType.VOIP: "landline_phone",
    PhoneNumberType.PERSONAL_NUMBER: "landline_phone",
}
"""Number types that reach a person; UAN (15XX-XXXX company numbers) and toll-free are not personal."""


def _digits(text: str) -> str:
    """The decimal digits of ``text`` as ASCII (full-width ``０１０`` and other scripts' digits count too)."""
    return "".join(str(unicodedata.decimal(ch)) for ch in text if ch.isdecimal())


_EMAIL_HINT = re.compile(r"[\w.%+-][ \t]{0,6}[@＠﹫][ \t]{0,6}[\w-]")
"""An ``@`` between address characters, up to six spaces apart; AI Hub tokens such as ``#@이름#`` do not
look like this."""
_LATIN_WORDS = r"passport|[\[({]\s{0,2}at\s{0,2}[\])}]|\sdot\s"
_WORD_HINT = re.compile(r"(?i)여권|골뱅이|" + _LATIN_WORDS)
"""What the digit and ``@`` tests cannot see: a passport number has eight digits (its word is near it), an
address may spell its ``@`` and dots out."""
_LATIN_WORD_HINT = re.compile(r"(?i)" + _LATIN_WORDS)
_SPOKEN_DIGITS = {"공": "0", "영": "0", "일": "1", "이": "2", "삼": "3", "사": "4", "오": "5", "육": "6", "륙": "6"}
_SPOKEN_DIGITS |= {"칠": "7", "팔": "8", "구": "9"}
"""Digits as Korean reads them aloud (Sino-Korean numerals; 공 and 영 for zero)."""
_SPOKEN_GAP = r"(?:[ \t]{0,3}(?:[-,./_~]|에|의|다시)?[ \t]{0,3}|[ \t]{0,3}\r?\n[ \t]{0,3})"
"""What stands between digits read aloud: spaces, a dash, comma, dot, slash, ``_`` or ``~``, 에, 의 or 다시
(공일공에 일이삼사에 …, 구공공일공일 다시 …), or a line break."""
_SPOKEN_DIGIT = "[" + "".join(_SPOKEN_DIGITS) + "0-9]"
"""A digit read aloud or written: people mix them (``010 일이삼사 오육칠팔``, ``공일공-1234-오육칠팔``)."""
_SPOKEN_NUMERALS = frozenset(_SPOKEN_DIGITS)
_SPOKEN_START = rf"(?<![{''.join(_SPOKEN_DIGITS)}0-9])"
"""Not in the middle of numerals (성공공일공 …: rare, and a longer run is some other number)."""
SPOKEN_HINT_PATTERN = (
    rf"[공영]{_SPOKEN_GAP}[일1]{_SPOKEN_GAP}[공영0]|0{_SPOKEN_GAP}일{_SPOKEN_GAP}[공영0]|0{_SPOKEN_GAP}1{_SPOKEN_GAP}[공영]"
    rf"|[{''.join(_SPOKEN_DIGITS)}](?:{_SPOKEN_GAP}{_SPOKEN_DIGIT}){{5}}"
)
_SPOKEN_HINT = re.compile(SPOKEN_HINT_PATTERN)


def _re2_class(chars: str) -> str:
    return "".join(f"\\x{{{ord(c):x}}}" for c in chars)


def _spoken_hint_re2() -> str:
    """:data:`SPOKEN_HINT_PATTERN` for RE2 over the text as written: what folds to a space, dash or dot counts as
    one (:data:`_FOLD`), any numeric character as a digit (``⓪``, ``０``); never stricter than the Python."""
    folded = {kind: "".join(k for k, v in _FOLD_TABLE.items() if v == kind) for kind in (" ", "-", ".")}
    space = rf"[\s\p{{Z}}{_re2_class(folded[' '])}]"
    sep = rf"(?:[-,./_~\p{{Pd}}{_re2_class(folded['-'] + folded['.'] + '，／＿～')}]|에|의|다시)"
    gap = rf"(?:{space}{{0,8}}{sep}?{space}{{0,8}})"
    numeral = "".join(_SPOKEN_DIGITS)
    digit = rf"[{numeral}\p{{N}}]"
    return (
        rf"[공영]{gap}[일\p{{N}}]{gap}[공영\p{{N}}]|\p{{N}}{gap}일{gap}[공영\p{{N}}]|\p{{N}}{gap}\p{{N}}{gap}[공영]"
        rf"|[{numeral}](?:{gap}{digit}){{5}}"
    )


SPOKEN_HINT_RE2 = _spoken_hint_re2()
""":data:`SPOKEN_HINT_PATTERN` for RE2 (Arrow compute) over the text as written (:func:`_spoken_hint_re2`)."""


"""What the digit tests cannot see in numbers read aloud: a mobile number's 010 in any mix of numerals and
digits, or six digits nearly in a row, the first read aloud (an RRN's or a card's groups)."""
_SPOKEN_CHARS = tuple(_SPOKEN_DIGITS)
_SPOKEN_MOBILE = rf"[공영0]{_SPOKEN_GAP}[일1]{_SPOKEN_GAP}[공영0](?:{_SPOKEN_GAP}{_SPOKEN_DIGIT}){{8}}"
"""A mobile number read aloud: 010 and eight digits (공일공 일이삼사 오육칠팔)."""
_SPOKEN_RRN = (
    rf"{_SPOKEN_DIGIT}(?:[ \t]?{_SPOKEN_DIGIT}){{5}}{_SPOKEN_GAP}{_SPOKEN_DIGIT}(?:[ \t]?{_SPOKEN_DIGIT}){{6}}"
)
"""An RRN read aloud: six digits, then seven (구공공일공일 다시 일이삼사오육칠); the RRN rule checks the date."""
_SPOKEN_CARD = rf"{_SPOKEN_DIGIT}{{4}}(?:{_SPOKEN_GAP}{_SPOKEN_DIGIT}{{4}}){{3}}"
"""A card number read aloud in four groups of four; the card rule checks the issuer and the Luhn digit."""


def _word_hint(text: str) -> bool:
    """``_WORD_HINT``, its Latin words (each holds a ``t``) looked for only in text with a ``t``: most text
    holds none of its words, and a regex over every string doubled the pre-check's time."""
    if "여권" in text or "골뱅이" in text:
        return True
    if any(ch in text for ch in _SPOKEN_CHARS) and _SPOKEN_HINT.search(text) is not None:
        return True
    return ("t" in text or "T" in text) and _LATIN_WORD_HINT.search(text) is not None


_ORDINARY = re.compile(
    r"[\x00-\x7f\u00a0-\u00ac\u00ae-\u00b1\u00b4-\u00b8\u00ba-\u024f\u2000-\u200a\u2010-\u2029\u202f-\u205f\u3000-\u318f\u4e00-\u9fff\uac00-\ud7a3]*"
)
"""ASCII, Latin letters, punctuation, CJK symbols and jamo, Hanja, Hangul: no digit outside ASCII among them,
and none of the invisible characters (:data:`_INVISIBLE`), which the slow path reads past."""
_DIGIT_MAP = bytes(0x30 if 0x30 <= b <= 0x39 else 0x2E for b in range(256))  # ASCII digit → "0", else "."
_GAP = b"." * 5  # five non-digits end a run (the gap _DIGIT_RUN allows is four)
_RUN = b"0" * _MIN_DIGITS


def _email_hint(text: str) -> bool:
    """``_EMAIL_HINT`` looked for only where an ``@`` is (AI Hub tokens put one in most records)."""
    at = text.find("@")
    while at != -1:
        if _EMAIL_HINT.search(text, max(0, at - 7), at + 8) is not None:
            return True
        at = text.find("@", at + 1)
    return False


def might_contain_pii(text: str) -> bool:
    """Cheap pre-check: an e-mail needs ``x@y``, every other rule 9 or more digits close together.

    For text of ordinary characters (the usual case) the digit test runs on bytes: non-ASCII
    characters are dropped (gaps only shrink, so nothing is missed), digits become ``0``, other bytes
    ``.``, runs of five ``.`` a break; nine ``0`` in a row is a candidate. Text with any other
    character (full-width or Arabic-Indic digits, which the detectors also read) takes the regex.
    """
    if _too_short(text):
        return False
    if _ORDINARY.fullmatch(text) is None:
        return _might_contain_pii_regex(text)
    if "@" in text and _email_hint(text):
        return True
    if _word_hint(text):
        return True
    if len(text) < _MIN_DIGITS:
        return False
    marks = text.encode("ascii", "ignore").translate(_DIGIT_MAP)
    return _RUN in marks.replace(_GAP, b" ").replace(b".", b"")


def _too_short(text: str) -> bool:
    """Too short for any number (nine digits) or address (``a[at]b.kr``), unless it holds an ``@`` or 골뱅이."""
    return len(text) < _MIN_DIGITS and not any(at in text for at in ("@", "＠", "﹫", "골뱅이"))


def _might_contain_pii_regex(text: str) -> bool:
    """The reference the fast pre-check must never be stricter than (tests compare the two): the text
    without its invisible characters, as the detectors read it."""
    if _too_short(text):
        return False
    text = _INVISIBLE.sub("", text).translate(_FOLD)  # ① ¹ ₁ read as digits, as the detectors read them
    if _EMAIL_HINT.search(text) is not None or _WORD_HINT.search(text) is not None:
        return True
    if _SPOKEN_HINT.search(text) is not None:
        return True
    return len(text) >= _MIN_DIGITS and _DIGIT_RUN.search(text) is not None


# -- detectors -------------------------------------------------------------------------------------


def _birth_date_valid(number: str) -> bool:
    try:
        stdnum_rrn.get_birth_date(number)
    except ValidationError:
        return False
    return True


def _registration_numbers(text: str) -> list[Finding]:
    found = []
    for match in _RRN.finditer(text):
        number = _digits(match.group(1) + match.group(3))
        separators = [ch for ch in match.group(2) or "" if ch in _SEPARATORS]
        if number[6] not in "12345678" or len(separators) > 1 or not _birth_date_valid(number):
            continue
        kind = "rrn" if number[6] in "1234" else "foreigner_rn"
        checksum = number[-1] == stdnum_rrn.calc_check_digit(number[:-1])
        if separators in ([","], ["."]) and not checksum:
            continue  # 900101.1234567 may be a decimal, 900101,1234567 two values: an RRN only with its check digit
        found.append(Finding(kind, match.start(), match.end(), "high", checksum))
    return found


def _emails(text: str) -> list[Finding]:
    return [Finding("email", m.start(), m.end(), "high") for m in _EMAIL.finditer(text)]


_CARD_ISSUER = re.compile(r"4|5[0-9]|6|9|3[0-8]|2(?:22[1-9]|2[3-9]|[3-6]|7[01]|720)")
"""Leading digits of a card issuer (Visa 4, Mastercard 51-55 and 2221-2720, Maestro 50-69, Amex 34/37, Diners
30/36/38, JCB 35, Discover and UnionPay 6, Korean domestic 9): ``2020…`` (a timestamp) or ``1…`` is no card."""


def _cards(text: str) -> list[Finding]:
    found = []
    for match in _CARD.finditer(text):
        number = _digits(match.group(0))
        if not 14 <= len(number) <= 19 or not _CARD_ISSUER.match(number):
            continue
        if _decimal_digits(text, match.start(), match.group(0)) or not luhn.is_valid(number):
            continue
        found.append(Finding("card_number", match.start(), match.end(), "high", True))
    return found


def _brn_checksum(number: str) -> bool:
    total = sum(w * int(d) for w, d in zip(_BRN_WEIGHTS, number, strict=False))
    total += int(number[8]) * 5 // 10
    return (10 - total % 10) % 10 == int(number[9])


def _business_numbers(text: str) -> list[Finding]:
    found = []
    for match in _BRN.finditer(text):
        number = _digits(match.group(0))
        if stdnum_brn.is_valid(number):
            checksum = _brn_checksum(number)
            found.append(Finding("business_rn", match.start(), match.end(), "high" if checksum else "medium", checksum))
    for match in _BRN_PLAIN.finditer(text):
        before = text[max(0, match.start() - _BRN_CONTEXT_CHARS) : match.start()]
        number = _digits(match.group(0))
        if _BRN_CONTEXT.search(before) and stdnum_brn.is_valid(number) and _brn_checksum(number):
            found.append(Finding("business_rn", match.start(), match.end(), "medium", True))
    return found


_FRACTION = re.compile(r"[\[(]?-?0\.\d")
"""``0.32141``: a fraction, never a Korean phone number (its area code is 0 and one or two more digits)."""


def _decimal_digits(text: str, start: int, raw: str) -> bool:
    """``raw`` (found at ``start``) is digits of a decimal number (a JSON array of floats:
    ``[1014.538,0.32141,1794.2]`` reads as 032-141-1794, ``224.96499999999997`` as a card): it starts as a
    fraction, or right after a digit, or is the bare digits after a decimal point (``3.0321411794``; a number
    written after a list's "1." has its dashes: still found)."""
    before = text[start - 1] if start else ""
    after_point = before == "." and start >= 2 and text[start - 2].isdigit() and raw.isdigit()
    return bool(_FRACTION.match(raw)) or before.isdigit() or after_point


_DIGIT_GROUP = re.compile(r"\d+")


def _grouped_as_a_phone(raw: str) -> bool:
    """At least 9 digits; where the digits come in groups, the first (after a ``+82``) holds the whole area or
    mobile code (``010``, ``02``, ``031``: ``label/01/0001/0001_01.json``, a device and a subject folder, is
    not 010-001-0001), and no later group is shorter than 3 digits (a code such as ``033-1-2-21``, a fitness
    dataset's exercise and camera numbers in every file name, is not a Gangwon landline)."""
    groups = _DIGIT_GROUP.findall(raw)
    if sum(map(len, groups)) < _MIN_DIGITS:
        return False
    international = raw.lstrip().startswith("+")
    skip = 2 if international else 1
    if len(groups) > skip:
        try:
            ndc = phonenumbers.length_of_national_destination_code(phonenumbers.parse(raw, "KR"))
        except phonenumbers.NumberParseException:
            return False
        if len(groups[skip - 1]) < max(ndc, 1) + (0 if international else 1):
            return False
    return all(len(group) >= 3 for group in groups[skip:])


_PHONE_PUNCTUATION = (
    "-x\u2010-\u2015\u2212\u30fc\uff0d-\uff0f \u00a0\u00ad\u200b\u2060\u3000"
    "()\uff08\uff09\uff3b\uff3d.\\[\\]/~\u2053\u223c\uff5e"
)
"""``phonenumbers``' ``_VALID_PUNCTUATION`` (a test holds them equal): what may stand between a number's digit
groups, at most four in a row."""
_PHONE_LINK = (
    rf"(?:[{_PHONE_PUNCTUATION}]{{0,4}}|[- ]+|;ext=|[ \x{{a0}}\t,]*"
    r"(?:e?xt(?:ens[iıİ][oó]?)?n?|ｅ?ｘｔｎ?|доб|anexo|[xｘ#＃~～]|[iıİ]nt|ｉｎｔ)[:.．]?[ \x{a0}\t,-]*)"
)
"""What may stand between two digits of one match of ``PhoneNumberMatcher``'s candidate pattern: its
punctuation between digit groups, or the words and signs before an extension's digits (a superset of each;
Python's ``(?i)`` also reads ``ı`` and ``İ`` as ``i``, RE2's does not: spelled out, attack trial 10)."""
_PHONE_HINT_PATTERN = rf"(?i)\p{{Nd}}(?:{_PHONE_LINK}\p{{Nd}}){{{_MIN_DIGITS - 1}}}"
"""Nine digits linked as one phone-number candidate links them: :func:`_grouped_as_a_phone` refuses any match
with fewer, so a text without such a run has no phone number to find, and ``PhoneNumberMatcher`` (about 4 ms
for a 1 KB label of COCO boxes, whose numbers a comma parts) is not asked."""


def _phone_hint(text: str) -> bool:
    return _phone_hint_regex().search(text) is not None


@functools.cache
def _phone_hint_regex() -> Any:
    """:data:`_PHONE_HINT_PATTERN` on RE2: linear in the text whatever the links' repetition (no backtracking)."""
    from schemas.labels import linear_regex

    return linear_regex(_PHONE_HINT_PATTERN)


def _phones(text: str) -> list[Finding]:
    return _matched_phones(text) if _phone_hint(text) else []


def _matched_phones(text: str) -> list[Finding]:
    found = []
    for match in PhoneNumberMatcher(text, "KR"):
        if _decimal_digits(text, match.start, match.raw_string) or not _grouped_as_a_phone(match.raw_string):
            continue
        kind = _PHONE_RULES.get(phonenumbers.number_type(match.number))
        if kind is not None:
            start, raw = match.start, match.raw_string
            if raw[0] in "([" and {"(": ")", "[": "]"}[raw[0]] not in raw:
                start += 1  # "[010 2345 6789]": the bracket is the text's, not the number's (masked: kept)
            found.append(Finding(kind, start, match.end, "high"))
    return found


_CONTEXT_CHARS = 20
"""How far from a number the word that says what it is may stand, before or after it (``계좌번호 :
110-123-456789``, ``123456-01-234567 (국민은행)``, ``M12345678 이게 내 여권 번호야``)."""
_LICENSE_REGIONS = "서울|부산|경기|강원|충북|충남|전북|전남|경북|경남|제주|대구|인천|광주|대전|울산|세종"
_LICENSE_NAMED = re.compile(r"(?<![\w-])(?:" + _LICENSE_REGIONS + r")[ ]?\d{2}[ ]?-[ ]?\d{6}[ ]?-[ ]?\d{2}(?![\d-])")
"""운전면허번호 with its region's name (``서울 17-123456-01``): that shape is a licence wherever it stands."""
_LICENSE = re.compile(r"(?<![\d-])(?:1[1-9]|2[0-8])(?:[ -]{1,2}\d{2}[ -]{1,2}\d{6}[ -]{1,2}\d{2}|\d{10})(?![\d-])")
"""Region code (11-28), year, serial and check digits, grouped or plain: a licence beside its word only."""
_LICENSE_CONTEXT = re.compile(r"(?i)면허|licen[cs]e")
"""운전면허 holds 면허; 운전 alone is also the driver's seat (운전석) of a parts list."""
_ACCOUNT = re.compile(
    r"(?<![\d-])(?<!\d[.,])(?:\d{2,8}(?:[ ]?[- ][ ]?\d{1,8}){1,4}|\d{10,14})(?![\d-]|[.,]\d)"  # not a decimal's
)
_AMOUNT = re.compile(r"[ ]?(?:원|주|달러|엔|위안|유로|만|억|천|개|명|건|회|번째|년|월|일|시|분|초|%|won|KRW|USD)")
"""What follows an amount or a count, never an account number (``1000000000원``, ``1234567890주``)."""
_ACCOUNT_CONTEXT = re.compile(
    r"(?i)계좌|통장|입금|송금|이체|예금|은행(?!나무|잎|알)|뱅크|account|acct|bank|농협|수협|신협|새마을금고|SC제일|신한|"
    r"(?<![A-Za-z])(?:NH|KB|IBK|KEB)(?![A-Za-z])"
)
"""A word that says account, or a bank's name that is nothing else (하나, 우리, 국민 are also words: 하나은행 and
국민은행 are found by 은행): an account number has no shape of its own (each bank groups its 10-14 digits its
own way), so only such a word near it makes digits one."""
_PASSPORT = re.compile(r"(?<![A-Za-z0-9])[MSRGDmsrgd][ -]?(?:\d{4}[ -]?\d{4}|\d{3}[A-Za-z]\d{4})(?![A-Za-z0-9])")
_PASSPORT_CONTEXT = re.compile(r"(?i)(?:여권|passport)(?![ ]?(?:지갑|케이스|커버|사진|wallet|cover|case|photo))")
"""여권 or passport, not a passport wallet's or photo's (여권지갑, 여권 사진 규격: goods, not a number's word)."""
_DATE_START = re.compile(r"(?:19|20)\d{2}[ ./-]{0,3}(?:0?[1-9]|1[0-2])[ ./-]{0,3}(?:0?[1-9]|[12]\d|3[01])(?!\d)")
"""A date at the start of digits that would read as an account number (``2024-12-06 14``, ``2024 1206 0012``)."""


def _near_word(text: str, match: re.Match[str], word: re.Pattern[str]) -> bool:
    """A ``word`` within :data:`_CONTEXT_CHARS` before or after ``match``."""
    start, end = match.start(), match.end()
    before = word.search(text, max(0, start - _CONTEXT_CHARS), start) is not None
    return before or word.search(text, end, end + _CONTEXT_CHARS) is not None


def _driver_licenses(text: str) -> list[Finding]:
    found = [Finding("driver_license", m.start(), m.end(), "high") for m in _LICENSE_NAMED.finditer(text)]
    for match in _LICENSE.finditer(text):
        if _near_word(text, match, _LICENSE_CONTEXT):
            found.append(Finding("driver_license", match.start(), match.end(), "medium"))
    return found


def _bank_accounts(text: str) -> list[Finding]:
    found = []
    for match in _ACCOUNT.finditer(text):
        digits = sum(ch.isdigit() for ch in match.group(0))
        if not 10 <= digits <= 14 or _AMOUNT.match(text, match.end()) or _DATE_START.match(match.group(0)):
            continue
        if _near_word(text, match, _ACCOUNT_CONTEXT):
            found.append(Finding("bank_account", match.start(), match.end(), "medium"))
    return found


def _passports(text: str) -> list[Finding]:
    return [
        Finding("passport", m.start(), m.end(), "medium")
        for m in _PASSPORT.finditer(text)
        if _near_word(text, m, _PASSPORT_CONTEXT)
    ]


_DETECTORS = (
    _emails,
    _registration_numbers,
    _cards,
    _business_numbers,
    _driver_licenses,
    _phones,
    _bank_accounts,
    _passports,
)


def scan(text: str) -> list[Finding]:
    """Every finding in ``text``, in text order, without overlaps (earlier detectors win). The detectors read
    the text without its invisible characters (:data:`_INVISIBLE`); findings are placed in ``text`` itself,
    the invisible characters inside them included (a mask covers them)."""
    if not text or not might_contain_pii(text):
        return []
    visible, places = _visible(text)
    view, spans = _joined_view(visible.translate(_FOLD))
    taken: list[Finding] = []
    for detect in _DETECTORS:
        for finding in detect(view):
            if all(finding.end <= t.start or finding.start >= t.end for t in taken):
                taken.append(finding)
    if spans is not None:  # back to the visible text: a joined character stands for all it replaced
        taken = [replace(f, start=spans[f.start][0], end=spans[f.end - 1][1]) for f in taken]
    if places is not None:
        taken = [replace(f, start=places[f.start], end=places[f.end - 1] + 1) for f in taken]
    return sorted(taken, key=lambda f: f.start)


_JOIN = re.compile(
    r"(?P<digits>(?<![0-9A-Za-z_.,])\d(?:[ \t]{1,2}\d){2,}(?![0-9A-Za-z_.,]))"  # 0 1 0 1 2 3 4: one by one
    r"|(?P<break>(?<=\d-)[ \t]*\r?\n[ \t]*(?=\d)|(?<=\d)[ \t]*\r?\n[ \t]*(?=-\d))"  # 010-1234-⏎5678
    r"|(?P<at>(?<=[\w.%+-])(?:[ \t]{1,6}[@＠][ \t]{0,6}|[ \t]{0,6}[@＠][ \t]{1,6}"
    r"|[ \t]{0,2}(?:[\[({][ \t]{0,2}(?i:at)[ \t]{0,2}[\])}]|골뱅이)[ \t]{0,2})(?=[\w-]))"
    r"|(?P<dot>(?<=\w)[ \t]{0,2}[\[({][ \t]{0,2}(?i:dot)[ \t]{0,2}[\])}][ \t]{0,2}(?=\w))"
    r"|(?P<words>(?<![\w.%+-])[\w.%+-]{1,64}[ \t]+(?i:at)[ \t]+[\w-]{1,63}(?:[ \t]+(?i:dot)[ \t]+[\w-]{1,63})+)"
    r"|(?P<stepped>(?<![0-9A-Za-z_.,-])\d(?:(?:[ \t]{0,2}[-/_.][ \t]{0,2}|[ \t]{1,3})\d){8,}(?![0-9A-Za-z_.,-]))"
    rf"|(?P<spoken>{_SPOKEN_START}(?:{_SPOKEN_MOBILE}|{_SPOKEN_CARD}|{_SPOKEN_RRN}))"
)
"""What a reader joins that the detectors read apart: digits typed one by one (three or more, spaces between,
none of them part of a word or a decimal), a dashed number broken across lines, an address's ``@`` with
spaces around it or spelled out (``[at]``, ``(at)``, ``골뱅이``), its dots spelled out (``[dot]``), and
``hong at gmail dot com``, digits one by one with a dash or a dot between (nine or more: ``0-1-0-1-2-3-4-5-6-7-8``),
and digits read aloud from a zero on (``공일공 일이삼사 오육칠팔``: nine to eleven, spaces, dashes or 에
between)."""
_WORDS = re.compile(r"(?i)[ \t]+(at|dot)[ \t]+")


def _joined(match: re.Match[str]) -> str:
    kind, value = match.lastgroup, match.group(0)
    if kind == "digits":
        return value.replace(" ", "").replace("\t", "")
    if kind == "stepped":
        return "".join(ch for ch in value if ch.isdigit())
    if kind == "spoken":
        return "".join(_SPOKEN_DIGITS.get(ch, ch) for ch in value if ch in _SPOKEN_DIGITS or "0" <= ch <= "9")
    if kind == "break":
        return ""
    if kind == "at":
        return "@"
    if kind == "dot":
        return "."
    return _WORDS.sub(lambda m: "@" if m.group(1).lower() == "at" else ".", value)


def _joined_view(text: str) -> tuple[str, list[tuple[int, int]] | None]:
    """``text`` with :data:`_JOIN`'s matches joined, and per character of it the span of ``text`` it stands
    for (``None``: nothing joined, the usual case)."""
    if _JOIN.search(text) is None:
        return text, None
    parts: list[str] = []
    spans: list[tuple[int, int]] = []
    position = 0
    for match in _JOIN.finditer(text):
        if match.lastgroup == "spoken" and not _SPOKEN_NUMERALS.intersection(match.group(0)):
            continue  # digits only: the detectors read those as written
        parts.append(text[position : match.start()])
        spans += [(i, i + 1) for i in range(position, match.start())]
        joined = _joined(match)
        if match.lastgroup in ("digits", "stepped"):  # each digit keeps its place
            spans += [(i, i + 1) for i in range(match.start(), match.end()) if text[i].isdigit()]
        elif match.lastgroup == "spoken":  # each digit read aloud (or written among them) keeps its place
            spans += [
                (i, i + 1)
                for i in range(match.start(), match.end())
                if text[i] in _SPOKEN_DIGITS or "0" <= text[i] <= "9"
            ]
        elif match.lastgroup == "words":
            spans += [(i, i + 1) for i in _word_places(match)]
        else:  # the @ or . stands for all it replaced
            spans += [(match.start(), match.end())] * len(joined)
        parts.append(joined)
        position = match.end()
    parts.append(text[position:])
    spans += [(i, i + 1) for i in range(position, len(text))]
    return "".join(parts), spans


def _word_places(match: re.Match[str]) -> list[int]:
    """Per character of the joined ``hong at gmail dot com``, where it stands (``@``, ``.``: their words)."""
    places: list[int] = []
    base, value, position = match.start(), match.group(0), 0
    for word in _WORDS.finditer(value):
        places += range(base + position, base + word.start())
        places.append(base + word.start(1))
        position = word.end()
    places += range(base + position, base + len(value))
    return places


def _visible(text: str) -> tuple[str, list[int] | None]:
    """``text`` without :data:`_INVISIBLE` characters, and where each of its characters is in ``text``
    (``None``: there were none, the usual case)."""
    if _INVISIBLE.search(text) is None:
        return text, None
    places = [i for i, ch in enumerate(text) if _INVISIBLE.fullmatch(ch) is None]
    return "".join(text[i] for i in places), places


def redact(text: str | None) -> str | None:
    """``text`` with every finding replaced by its token (for ids, names and paths shown in reports)."""
    if text is None or not might_contain_pii(text):  # the usual id or path: nothing a detector could find
        return text
    return mask(text)[0]


def mask(text: str) -> tuple[str, Counter[str]]:
    """``text`` with every finding replaced by its rule's token, and the count per rule."""
    findings = scan(text)
    counts: Counter[str] = Counter(f.rule for f in findings)
    if not findings:
        return text, counts
    parts = []
    position = 0
    for finding in findings:
        parts.append(text[position : finding.start])
        parts.append(_BY_ID[finding.rule].token)
        position = finding.end
    parts.append(text[position:])
    return "".join(parts), counts


# -- report examples -------------------------------------------------------------------------------


def _keep_digits(value: str, keep: int) -> str:
    """Keep the first ``keep`` digits and every separator; every other digit becomes ``*``."""
    out = []
    seen = 0
    for ch in value:
        if ch.isdigit():
            seen += 1
            out.append(ch if seen <= keep else "*")
        else:
            out.append(ch)
    return "".join(out)


def _phone_prefix_digits(value: str) -> int:
    """Digits of the trunk prefix and area/mobile code (``010``, ``02``, ``031``, ``+82 10``)."""
    try:
        number = phonenumbers.parse(value, "KR")
    except phonenumbers.NumberParseException:
        return 2
    ndc = phonenumbers.length_of_national_destination_code(number)
    lead = len(str(number.country_code)) if value.lstrip().startswith("+") else 1
    return lead + max(ndc, 1)


def _mask_email(value: str) -> str:
    local, _, domain = value.replace("＠", "@").partition("@")
    labels = domain.split(".")
    hidden = ".".join("*" * len(label) for label in labels[:-1])
    return f"{local[:1]}{'*' * (len(local) - 1)}@{hidden}.{labels[-1]}"


def masked_example(text: str, finding: Finding) -> str:
    """The finding as a report may show it: ``900101-1******``, ``010-****-****``, ``a***@*****.com``."""
    value = text[finding.start : finding.end]
    if finding.rule in ("rrn", "foreigner_rn"):
        return _keep_digits(value, 7)
    if finding.rule in ("mobile_phone", "landline_phone"):
        return _keep_digits(value, _phone_prefix_digits(value))
    if finding.rule == "email":
        return _mask_email(value)
    if finding.rule == "card_number":
        return _keep_digits(value, 4)
    if finding.rule in ("business_rn", "bank_account"):
        return _keep_digits(value, 3)
    if finding.rule == "driver_license":
        return _keep_digits(value, 2)
    if finding.rule == "passport":
        return value[:1] + "*" * (len(value) - 1)
    return "*" * len(value)
