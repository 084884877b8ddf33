"""quality.pii: every rule and form, masking, examples, and zero false positives on clean samples."""

from __future__ import annotations

from pathlib import Path

import phonenumbers
import pytest
import stdnum
from stdnum import luhn
from stdnum.kr import rrn as stdnum_rrn

from ingest.problems import ReadStats
from ingest.readers import get_reader
from kdata.samples.korean_dialogue import write_korean_dialogue
from quality.pii import DETECTOR_VERSION, RULES, Finding, mask, masked_example, redact, scan
from quality.record_checks import RecordChecker
from schemas.records import KOREAN_DIALOGUE


def rules(text: str) -> list[str]:
    return [f.rule for f in scan(text)]


def rrn_with_check(first12: str) -> str:
    """A 13-digit number whose check digit is right (old-style RRN)."""
    return first12 + stdnum_rrn.calc_check_digit(first12)


def rrn_without_check(first12: str) -> str:
    """Post-October-2020 style: the last digit is not the old check digit."""
    good = int(stdnum_rrn.calc_check_digit(first12))
    return first12 + str((good + 3) % 10)


def card(prefix: str) -> str:
    return prefix + luhn.calc_check_digit(prefix)


# -- resident and foreigner registration numbers ---------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "제 주민번호는 900101-1234568 이에요",
        "9001011234568",
        "900101 1234568",
        "900101 - 1234568",
        "900101–1234568",  # en dash pasted from a document
        "주민번호900101-1234568입니다",  # no spaces around it
    ],
)
def test_rrn_in_every_form(text: str) -> None:
    (finding,) = scan(text)
    assert finding.rule == "rrn"
    assert finding.checksum_valid is True
    assert text[finding.start : finding.end].replace(" ", "").replace("-", "").replace("–", "") == "9001011234568"


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("900101\u200b-\u200b1234568", "rrn"),  # zero-width spaces: invisible on screen
        ("9\u200b0\u200b0\u200b1\u200b0\u200b1\u200b1\u200b2\u200b3\u200b4\u200b5\u200b6\u200b8", "rrn"),
        ("900101\ufeff\ufeff\ufeff\ufeff\ufeff1234568", "rrn"),  # five BOMs: more than the pre-check's gap
        ("900101\u00ad1234568", "rrn"),  # soft hyphen
        ("900101\u00a01234568", "rrn"),  # no-break space
        ("900101.1234568", "rrn"),  # a dot, with a valid check digit
        ("900101/1234568", "rrn"),
        ("900101_1234568", "rrn"),
        ("900101\u22121234568", "rrn"),  # minus sign
        ("900101\uff0d1234568", "rrn"),  # full-width hyphen
        ("900101\n1234568", "rrn"),
        ("900101    1234568", "rrn"),  # four spaces
        ("010\u200b-\u200b2345\u200b-\u200b6789", "mobile_phone"),
        ("홍길동@example.com", "email"),
        ("연락은 user@한글도메인.kr 으로", "email"),
        ("hong＠example.com", "email"),  # full-width at sign
        ("hong\u200b@example.com", "email"),
        ("mail user@도메인.한국", "email"),
        # the fourth attack trial's forms: the Hangul vowel ㅡ or 一 typed as a dash, Hangul fillers as spaces,
        # an address with ASCII and Korean in its local part or all full-width, cards with dots
        ("010ㅡ1234ㅡ5678", "mobile_phone"),
        ("010一1234一5678", "mobile_phone"),
        ("\u3164010\u31641234\u31645678", "mobile_phone"),
        ("900101~1234568", "rrn"),
        ("900101\u20121234568", "rrn"),  # figure dash
        ("hong.길동@example.com", "email"),
        ("길동_hong@example.com", "email"),
        ("ｈｏｎｇ＠ｅｘａｍｐｌｅ．ｃｏｍ", "email"),
        ("hong﹫example.com", "email"),
        ("카드 4111.1111.1111.1111", "card_number"),
        ("사업자 220－81－62517", "business_rn"),
        # the fifth: the middle dot a Korean keyboard types (ㆍ), ·, tildes, mixed card separators, a leading _
        ("010ㆍ1234ㆍ5678", "mobile_phone"),
        ("010～1234～5678", "mobile_phone"),
        ("900101·1234568", "rrn"),
        ("4111ㆍ1111ㆍ1111ㆍ1111", "card_number"),
        ("4111-1111 1111-1111", "card_number"),
        ("hong@exampleㆍcom", "email"),
        ("_hong@example.com", "email"),
    ],
)
def test_hidden_forms_an_attack_trial_used_are_found_and_masked(text: str, rule: str) -> None:
    """Attack trial (ruleset 4): each of these was published under ``block`` with ``pii_hits`` 0. The mask
    covers the whole value, the invisible characters inside it too."""
    assert [f.rule for f in scan(text)] == [rule]
    masked, counts = mask(text)
    assert counts[rule] == 1 and not any(ch.isdecimal() for ch in masked) and "example" not in masked, masked
    assert "\u200b" not in masked  # the invisible characters inside a value are masked with it


@pytest.mark.parametrize(
    "text",
    [
        "900101.1234567",  # a decimal whose check digit is not an RRN's
        "좌표 900101.1234567",
        "900101 -- 1234568",  # two separators: two numbers
        "철수@집.앞",  # Korean text, no top-level domain
        "#@이름#@#@주소#",
        "2024ㆍ10ㆍ30",  # a date with middle dots
        "오전 10시~11시 30분",
        "1000~2000원",
    ],
)
def test_hidden_forms_keep_their_false_positives_out(text: str) -> None:
    assert scan(text) == []


def test_post_2020_rrn_with_random_digits_is_found_and_checksum_is_only_an_attribute() -> None:
    for first12 in ("210315473829", "201231318273", "851120298765"):
        number = rrn_without_check(first12)
        assert not stdnum_rrn.is_valid(number)
        for text in (f"{number[:6]}-{number[6:]}", number, f"번호 {number[:6]} {number[6:]}"):
            (finding,) = scan(text)
            assert (finding.rule, finding.checksum_valid, finding.confidence) == ("rrn", False, "high")


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("901301-1234567", []),  # month 13
        ("900230-1234567", []),  # 30 February
        ("990229-1234567", []),  # 1999 was not a leap year (G=1: 1900s)
        ("000229-3123456", ["rrn"]),  # 2000 was (G=3: 2000s)
        ("900101-9234567", []),  # G=9: 1800s, not issued
        ("900101-0234567", []),
    ],
)
def test_rrn_needs_a_real_birth_date_for_its_century(number: str, expected: list[str]) -> None:
    assert rules(number) == expected


@pytest.mark.parametrize("g", ["5", "6", "7", "8"])
def test_foreigner_numbers_g5_to_g8(g: str) -> None:
    year = "85" if g in "56" else "03"
    number = rrn_without_check(f"{year}0505{g}12345")
    (finding,) = scan(f"외국인등록번호 {number[:6]}-{number[6:]}")
    assert finding.rule == "foreigner_rn"
    assert rules(number) == ["foreigner_rn"]


# -- phones ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("연락처는 010-1234-5678 이에요", "mobile_phone"),
        ("01012345678", "mobile_phone"),
        ("010 1234 5678", "mobile_phone"),
        ("010.1234.5678", "mobile_phone"),
        ("+82 10-1234-5678", "mobile_phone"),
        ("011-234-5678", "mobile_phone"),
        ("02-123-4567", "landline_phone"),
        ("02-1234-5678", "landline_phone"),
        ("(02) 123-4567", "landline_phone"),
        ("031-123-4567", "landline_phone"),
        ("031-1234-5678", "landline_phone"),
        ("051 123 4567", "landline_phone"),
        ("064-712-3456", "landline_phone"),
        ("070-1234-5678", "landline_phone"),  # VoIP
        ("070 1234 5678", "landline_phone"),
        ("Tel.02-123-4567", "landline_phone"),
        ("1.02-123-4567", "landline_phone"),  # after a list's "1.": its dashes say it is a number to call
    ],
)
def test_phones(text: str, rule: str) -> None:
    assert rules(text) == [rule]


@pytest.mark.parametrize(
    "text",
    [
        "2020-12-01",
        "10:00:00",
        "2020-12-01 10:00:00",
        "20201201100000",
        "KSNS_00000001",
        "U12",
        "T3",
        "P01",
        "1588-1234",  # a company's 대표번호, not a person's
        "3시 30분에 보자",
        "50000원이야",
        "2024년 10월 30일",
        "#@이름#이랑 #@주소# 근처에서 만나",
        "#@시스템#사진#",
        "a@b",
        "user@localhost",
        "4111-1111-1111-1112",  # Luhn fails
        "1234567890123",
        "0000000000000000",
        "1168200276",  # a plain 10-digit number without the word 사업자
        # decimals: OpenPose keypoints (x, y, confidence) and sensor readings, as their JSON writes them
        '{"hand_left_keypoints_2d":[1014.538,0.32141,1794.2,0.0212345678]}',
        "[12.5,0.3213,4567.1]",
        "값 3.0321411794",
        # codes in file names: a fitness dataset's exercise-camera-clip numbers (033 is Gangwon's area code)
        "Day08_200921_F/1/A/033-1-2-21-Z17_A/033-1-2-21-Z17_A-0000001.jpg",
        "041-3-12-5",
        # a device folder and a subject's (피부상태 측정): the first group is no whole mobile code
        "label/01/0001/0001_01_F_01.json",
        # a trademark application number (KIPRIS 출원번호 40-YYYY-NNNNNNN), Luhn-valid by chance: 13 digits
        "4020200012346",
        '{"출원번호": "4020200012346", "이미지파일": "4020200012346.png"}',
        # Luhn-valid by chance: a float's artefact digits (COCO polygons) and a satellite scene's timestamp
        '{"segmentation":[[224.96499999999997,10.5]]}',
        "K3A_20200106337456_0001.json",
    ],
)
def test_no_false_positives(text: str) -> None:
    assert scan(text) == []


# -- emails, cards, business numbers ---------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["메일 hong.gildong@naver.com 으로", "user+tag@sub.example.co.kr", "이메일은abc@gmail.com이에요"],
)
def test_emails(text: str) -> None:
    assert rules(text) == ["email"]


def test_cards_need_luhn() -> None:
    visa = card("411111111111111")
    master = card("550000000000000")
    amex = card("37828224631000")
    domestic = card("941012345678901")
    for text in (
        visa,
        f"{visa[:4]}-{visa[4:8]}-{visa[8:12]}-{visa[12:]}",
        f"{master[:4]} {master[4:8]} {master[8:12]} {master[12:]}",
        f"{amex[:4]}-{amex[4:10]}-{amex[10:]}",
        f"카드번호 {domestic}",
    ):
        (finding,) = scan(text)
        assert (finding.rule, finding.checksum_valid) == ("card_number", True)
    broken = visa[:-1] + str((int(visa[-1]) + 1) % 10)
    assert scan(broken) == [] and scan(f"{broken[:4]}-{broken[4:8]}-{broken[8:12]}-{broken[12:]}") == []


def test_business_registration_numbers() -> None:
    (good,) = scan("사업자번호 116-82-00276")
    assert (good.rule, good.checksum_valid, good.confidence) == ("business_rn", True, "high")
    (bad_check,) = scan("116-82-00275")
    assert (bad_check.rule, bad_check.checksum_valid, bad_check.confidence) == ("business_rn", False, "medium")
    assert rules("사업자등록번호: 1168200276") == ["business_rn"]
    assert rules("000-12-34567") == []  # no tax office 000


def test_several_findings_in_one_text_do_not_overlap() -> None:
    text = "주민 900101-1234568, 폰 010-1234-5678, 메일 a.b@corp.kr, 카드 4111-1111-1111-1111, 사무실 02-345-6789"
    assert rules(text) == ["rrn", "mobile_phone", "email", "card_number", "landline_phone"]


# -- masking and report examples -------------------------------------------------------------------


def test_mask_replaces_with_aihub_tokens_and_counts() -> None:
    text = "주민 900101-1234568, 폰 010-1234-5678 / 01098765432, 메일 a.b@corp.kr"
    masked, counts = mask(text)
    assert masked == "주민 #@주민번호#, 폰 #@전화번호# / #@전화번호#, 메일 #@이메일#"
    assert counts == {"rrn": 1, "mobile_phone": 2, "email": 1}
    assert scan(masked) == []
    assert mask("안녕하세요") == ("안녕하세요", {})
    assert redact(None) is None and redact("KSNS_010-1234-5678") == "KSNS_#@전화번호#"
    assert {r.token for r in RULES} >= {"#@주민번호#", "#@전화번호#"}


@pytest.mark.parametrize(
    ("text", "example"),
    [
        ("900101-1234568", "900101-1******"),
        ("9001011234568", "9001011******"),
        ("010-1234-5678", "010-****-****"),
        ("02-345-6789", "02-***-****"),
        ("+82 10-1234-5678", "+82 10-****-****"),
        ("hong@naver.com", "h***@*****.com"),
        ("4111-1111-1111-1111", "4111-****-****-****"),
        ("116-82-00276", "116-**-*****"),
    ],
)
def test_masked_examples(text: str, example: str) -> None:
    (finding,) = scan(text)
    assert masked_example(text, finding) == example


def test_findings_never_hold_the_value() -> None:
    (finding,) = scan("900101-1234568")
    assert isinstance(finding, Finding)
    assert "1234568" not in repr(finding) and "900101" not in repr(finding)
    assert phonenumbers.__version__ in DETECTOR_VERSION and stdnum.__version__ in DETECTOR_VERSION


# -- clean samples ---------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4, 11])
def test_zero_false_positives_on_clean_samples(tmp_path: Path, seed: int) -> None:
    dataset = write_korean_dialogue(tmp_path / "ds", items=150, seed=seed)
    checker = RecordChecker(KOREAN_DIALOGUE, "block")
    read = get_reader("korean_dialogue")
    records = 0
    for archive in sorted(dataset.rglob("*L_*.zip")):
        for record in checker.wrap(read(archive, archive.name, {}, ReadStats())):
            assert record["pii_hits"] == 0
            records += 1
    tally = checker.tally.to_dict()
    assert records == tally["records_scanned"] == 150
    assert tally["records_with_pii"] == 0
    assert {rule: data["found"] for rule, data in tally["rules"].items()} == {r.id: 0 for r in RULES}


def test_fast_pre_check_never_misses_what_the_regex_pre_check_finds() -> None:
    """The byte-level pre-check may say "maybe" more often, never less often, than the reference regex."""
    import random

    from quality.pii import _might_contain_pii_regex, might_contain_pii

    rnd = random.Random(20261122)
    alphabet = [*("0123456789" * 3 + "-- .:/()|\n가나다라 마바사 abcXYZ@#_.%+０１２٣٤۵\u200b\ufeff\u00ad＠\u0301")]
    alphabet += ["여권", "여", "권", "passport", "PassPort", "[at]", "(AT)", "골뱅이", " dot ", "dot", "at", "\t"]
    alphabet += [*"공영일이삼사오육칠팔구에①⓪⑴¹²³⁴₅❶"]
    candidates = 0
    for _ in range(60_000):
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 30)))
        reference = _might_contain_pii_regex(text)
        candidates += reference
        assert might_contain_pii(text) or not reference, repr(text)
    assert candidates > 10_000  # the corpus exercises both answers
    assert not might_contain_pii("2020-12-14\n|||\n10:44:29\n|||\n혹시 지금 시간 돼?")  # dates and times apart
    assert might_contain_pii("연락처는 010 - 1234 - 5678 입니다")
    assert might_contain_pii("연락처 ０１０-１２３４-５６７８")  # full-width digits take the regex path
    assert might_contain_pii("전화 ٠١٠١٢٣٤٥٦٧٨")


def test_phone_pre_check_never_hides_a_number_the_matcher_finds() -> None:
    """``PhoneNumberMatcher`` runs only where nine digits stand linked as its candidates link them
    (:func:`quality.pii._phone_hint`): on random texts of digits, its punctuation, extensions, commas
    and words, whatever the matcher finds the pre-check let through; a COCO box list is not asked."""
    import random

    import phonenumbers.phonenumberutil

    from quality.pii import _PHONE_PUNCTUATION, _matched_phones, _phone_hint, _phones

    assert _PHONE_PUNCTUATION == phonenumbers.phonenumberutil._VALID_PUNCTUATION  # the library's, as pinned
    rnd = random.Random(20261206)
    pieces = [*"0123456789" * 4, *"0123456789", "010", "02", "031", "070", "0505", "+82", "82", "1588"]
    pieces += [*"-. ,()[]/~xX#:;\t\n", "\u00a0", "－", "\u3000", "ext", "ext.", "EXT", "extn", "int", ";ext="]
    pieces += ["доб", "anexo", "ınt", "İNT", "extensıón", "ſ"]
    pieces += ["전화", "번호", "abc", "가", ".0", "e5", "#", "ｘ", "～"]
    seps = ["-", " ", ".", "", "  ", ")", " - ", "/", "~", "\u00a0", ", ", "－", "--"]
    found = 0
    for n in range(12_000):
        if n % 2:  # a number as people write one, then mangled
            digits = [rnd.choice(["010", "02", "031", "070", "0505", "+82 10", "(02)", "1588"])]
            digits += ["".join(rnd.choice("0123456789") for _ in range(rnd.randint(2, 5))) for _ in range(2)]
            text = rnd.choice(seps).join(digits) + rnd.choice(["", "", " ext 12", ", x 345", ";ext=7", " # 99"])
            for _ in range(rnd.randint(0, 3)):
                at = rnd.randint(0, len(text))
                text = text[:at] + rnd.choice(pieces) + text[at + rnd.randint(0, 1) :]
        else:
            text = "".join(rnd.choice(pieces) for _ in range(rnd.randint(3, 16)))
        matched = _matched_phones(text)
        found += bool(matched)
        assert _phone_hint(text) or not matched, repr(text)
        assert _phones(text) == matched, repr(text)
    assert found > 300  # the corpus holds numbers the matcher finds
    assert _phones("031-1234 ext 567") and _phone_hint("031-1234,, ext. 567")  # an extension's digits count
    assert _phones("대표번호 031-1234 ınt 567")  # a dotless ı: Python's (?i) reads it as i (attack trial 10)
    assert not _phone_hint('{"bbox":[351.0,323.0,620.0,442.0],"area":274040.0}')


def test_full_width_digits_are_found_by_every_number_rule() -> None:
    """A Korean IME types full-width digits (０-９): the same numbers must be found and masked."""
    from quality.pii import mask, scan

    cases = {
        "주민번호 ９００１０１-１２３４５６８": "rrn",
        "연락처 ０１０-１２３４-５６７８": "mobile_phone",
        "카드 ４５３２-０１５１-１２８３-０３６６": "card_number",
    }
    for text, rule_id in cases.items():
        assert rule_id in [f.rule for f in scan(text)], text
        masked, counts = mask(text)
        assert counts[rule_id] == 1 and not any(ch.isdecimal() for ch in masked), masked


def test_email_hint_by_position_agrees_with_the_regex() -> None:
    import random

    from quality.pii import _EMAIL_HINT, _email_hint

    rnd = random.Random(5)
    alphabet = "@@@#가a1_.%+- \n|Zé"
    for _ in range(50_000):
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 12)))
        assert _email_hint(text) == (_EMAIL_HINT.search(text) is not None), repr(text)
    assert not _email_hint("#@이름# 소식 들었어?")
    assert _email_hint("메일은 kim@example.com 으로")


def test_a_bracket_around_a_phone_number_is_the_texts_own() -> None:
    """A script reading a number aloud (숫자 패턴 발화: ``[010 2345 6789]``): the mask keeps both brackets
    (it took the opening one, leaving ``#@전화번호#]``); a bracketed area code is part of the number."""
    assert mask("제 번호는 [010 2345 6789] 입니다.")[0] == "제 번호는 [#@전화번호#] 입니다."
    assert mask("(02) 123-4567로 전화")[0] == "#@전화번호#로 전화"
    assert rules("+82-2-123-4567") == ["landline_phone"] and rules("+82 10 1234 5678") == ["mobile_phone"]


FOUND_AS_TYPED = {
    # digits typed one by one, a number broken across lines
    "주민번호 9 0 0 1 0 1 - 1 2 3 4 5 6 8 입니다": ("rrn", "#@주민번호#"),
    "전화 0 1 0 1 2 3 4 5 6 7 8": ("mobile_phone", "#@전화번호#"),
    "연락처 010-1234-\n5678 으로": ("mobile_phone", "#@전화번호#"),
    # an address written around its @
    "메일 hong @ gmail.com 으로": ("email", "#@이메일#"),
    "hong[at]gmail.com": ("email", "#@이메일#"),
    "hong (AT) gmail (dot) com": ("email", "#@이메일#"),
    "hong골뱅이gmail.com 로 보내": ("email", "#@이메일#"),
    "write to hong at gmail dot com today": ("email", "#@이메일#"),
    # numbers a word names
    "여권번호 M12345678 입니다": ("passport", "#@여권번호#"),
    "passport no. M123A4567": ("passport", "#@여권번호#"),
    "운전면허 11-17-123456-01": ("driver_license", "#@면허번호#"),
    "면허: 서울 17-123456-01": ("driver_license", "#@면허번호#"),
    "계좌번호 123456-01-123456 로 입금": ("bank_account", "#@계좌번호#"),
    "국민은행 110-123-456789": ("bank_account", "#@계좌번호#"),
    "입금 계좌: 3333011234567 (카카오뱅크)": ("bank_account", "#@계좌번호#"),
    # the eighth attack trial's
    "내 계좌 신한 110 123 456789 로 보내줘": ("bank_account", "#@계좌번호#"),
    "메일은 hong    @    gmail.com 이야": ("email", "#@이메일#"),
    "여권번호 M 1234 5678 맞아?": ("passport", "#@여권번호#"),
    "NH 302-1234-5678-91 농협으로": ("bank_account", "#@계좌번호#"),
    "주민번호 9  0  0  1  0  1  1  2  3  4  5  6  8": ("rrn", "#@주민번호#"),
    "M12345678 이게 내 여권 번호야": ("passport", "#@여권번호#"),
    "면허번호 11 12 345678 90": ("driver_license", "#@면허번호#"),
    "123456-01-234567 (국민은행)": ("bank_account", "#@계좌번호#"),
    # ruleset 6: read aloud as transcripts write it, digits one by one with dashes or dots, digit forms
    "제 번호는 공일공 일이삼사 오육칠팔이에요": ("mobile_phone", "#@전화번호#"),
    "공일공에 일이삼사에 오육칠팔로 연락 주세요": ("mobile_phone", "#@전화번호#"),
    # the eleventh attack trial's: digits and numerals mixed, other gaps, a name before, RRNs and cards read aloud
    "내 번호 공일공-1234-오육칠팔이야": ("mobile_phone", "#@전화번호#"),
    "아니 010 일이삼사 오육칠팔": ("mobile_phone", "#@전화번호#"),
    "공일공, 일이삼사, 오육칠팔로 연락해": ("mobile_phone", "#@전화번호#"),
    "김지영 공일공 일이삼사 오육칠팔": ("mobile_phone", "#@전화번호#"),
    "주민번호는 구공공일공일 다시 일이삼사오육팔": ("rrn", "#@주민번호#"),
    "카드는 사일일일 일일일일 일일일일 일일일일": ("card_number", "#@카드번호#"),
    "연락처 0 - 1 - 0 - 1 - 2 - 3 - 4 - 5 - 6 - 7 - 8": ("mobile_phone", "#@전화번호#"),
    "0-1-0 1-2-3-4 5-6-7-8이야": ("mobile_phone", "#@전화번호#"),
    "연락처 010•1234•5678": ("mobile_phone", "#@전화번호#"),
    "연락처 0-1-0-1-2-3-4-5-6-7-8": ("mobile_phone", "#@전화번호#"),
    "연락처 0.1.0.1.2.3.4.5.6.7.8": ("mobile_phone", "#@전화번호#"),
    "번호 ⓪①⓪-①②③④-⑤⑥⑦⑧": ("mobile_phone", "#@전화번호#"),
    "전화 ⁰¹⁰ ¹²³⁴ ⁵⁶⁷⁸": ("mobile_phone", "#@전화번호#"),
    "주민번호 ⑨⓪⓪①⓪①-①②③④⑤⑥⑧": ("rrn", "#@주민번호#"),
}


@pytest.mark.parametrize("text", list(FOUND_AS_TYPED))
def test_personal_data_as_people_type_it_is_found_and_masked_whole(text: str) -> None:
    from quality.pii import mask, might_contain_pii, scan

    rule_id, token = FOUND_AS_TYPED[text]
    assert might_contain_pii(text)
    assert [f.rule for f in scan(text)] == [rule_id], text
    masked, counts = mask(text)
    assert counts == {rule_id: 1} and token in masked
    assert not any(ch.isdigit() for ch in masked), masked
    assert "gmail" not in masked and "M12" not in masked


@pytest.mark.parametrize(
    "text",
    [
        "1 2 3 4 5 6 7 8 9 10 11 12",  # a count
        "M12345678 모델의 부품",  # a model number: no passport word before it
        "주문번호 2024-0101-123456",  # an order number: no account word before it
        "입금 금액 1234567890123.5",  # an amount
        "가격 123,456,789원 입금",
        "항목 1.\n2. 다음",
        "meet me at noon",
        "ISBN 978-89-123-4567-8",
        "단계 1 2 3 은 끝",
        # the eighth attack trial's: amounts and counts near a bank's word, words that are also bank names
        "계좌로 1000000000원 입금했어요",
        "하나 주문했는데 주문번호가 20231215000123이에요",
        "통장 잔고 12345678900원",
        "국민연금 납부액 1234567890원",
        "기업 매출 1234567890원",
        "카카오 주식 1234567890주",
        "토스 2023-0115-1234",
        "하나, 둘, 셋 1 2 3 4 5 6 7 8 9 0",
        "11-22-333333-44",  # a licence's shape with no word for it
        # the ninth attack trial's: dates beside a bank's word, words inside other words
        "은행 영업시간 변경: 2024-12-06 14:30부터",
        "은행 ATM 점검 2024-12-06 02:00 ~ 06:00",
        "통장 정리 기간 2024 - 12 - 06 ~ 12 - 31",
        "은행 창구 대기번호 2024 1206 0012",
        "은행나무 길 2024 12 06 1430 축제",
        "제품번호 S1234 5678 여권지갑 판매",
        "운전석 부품 코드 12-34-567890-12 교체",
        # ruleset 6: numerals in words, list markers, a list of single digits
        "공사 일정은 삼월 이일부터",
        "영일만 일대 여행 공일날 일이 많다",
        "① 첫째 ② 둘째 ③ 셋째 ④ 넷째 ⑤ 다섯째",
        "[0,1,0,1,2,3,4,5,6,7,8]",
        "버전 1.2.3.4 단계 2-3-4",
        # the eleventh attack trial's false refusals: counting, days, words made of numerals
        "자 따라 해 봐 영 일 이 삼 사 오 육 칠 팔 구",
        "공일이 삼사오 육칠팔구",
        "공사 이일 삼일 사일 오일 동안",
        "공사 일이 오일 이사 구일 오후에",
        "공이 사이 오이 구이 이사",
        "영이 일이 사이 이사 오일",
        "삼일절 육이오 영어 공영방송 구구단",
        "역삼동 일이삼사번지 오육호",
        "점수 1-0 2-1 3-2 4-3 5-4",
    ],
)
def test_what_only_looks_like_it_stays(text: str) -> None:
    from quality.pii import scan

    assert scan(text) == [], text
