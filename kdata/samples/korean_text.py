"""Deterministic Korean messenger-chat text for sample datasets.

Utterances are built from per-topic exchange templates (a question, its possible answers and
follow-ups) and word lists, with correct particles (을/를, 이/가, 은/는, 으로/로 ...), chat
tokens (ㅋㅋ, ㅠㅠ, ㅇㅋ) and AI Hub de-identification tokens (``#@이름#``, ``#@주소#``,
``#@계정#``, ``#@소속#``, ``#@시스템#사진#``, ``#@이모티콘#``). Nothing here looks like real
personal data: numbers stay short (``3시``, ``5만 원``) so no phone or resident registration
number pattern can appear.

All randomness comes from the :class:`random.Random` the caller passes in.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

__all__ = [
    "TOPICS",
    "Exchange",
    "TopicText",
    "attach_josa",
    "has_final_consonant",
    "make_dialogue_lines",
    "render",
    "slot_names",
]

_HANGUL_FIRST = 0xAC00
_HANGUL_LAST = 0xD7A3
_RIEUL = 8  # index of ㄹ among the final consonants

# Digits read as Sino-Korean numbers: 영 일 이 삼 사 오 육 칠 팔 구.
_DIGIT_HAS_FINAL = {
    "0": True,
    "1": True,
    "2": False,
    "3": True,
    "4": False,
    "5": False,
    "6": True,
    "7": True,
    "8": True,
    "9": False,
}

# particle -> (after a final consonant, after a vowel)
_JOSA: dict[str, tuple[str, str]] = {
    "을": ("을", "를"),
    "를": ("을", "를"),
    "이": ("이", "가"),
    "가": ("이", "가"),
    "은": ("은", "는"),
    "는": ("은", "는"),
    "과": ("과", "와"),
    "와": ("과", "와"),
    "이랑": ("이랑", "랑"),
    "랑": ("이랑", "랑"),
    "아": ("아", "야"),
    "이나": ("이나", "나"),
    "이라도": ("이라도", "라도"),
    "이에요": ("이에요", "예요"),
    "이지": ("이지", "지"),
    "으로": ("으로", "로"),
    "로": ("으로", "로"),
}


def _final_index(word: str) -> int | None:
    """Index of the final consonant of the last syllable (0 = none); None if not Hangul."""
    if not word:
        return None
    code = ord(word[-1])
    if _HANGUL_FIRST <= code <= _HANGUL_LAST:
        return (code - _HANGUL_FIRST) % 28
    return None


def has_final_consonant(word: str) -> bool:
    """True when ``word`` ends in a consonant sound (받침), e.g. ``떡볶이`` → False, ``국밥`` → True."""
    index = _final_index(word)
    if index is not None:
        return index != 0
    return bool(word) and _DIGIT_HAS_FINAL.get(word[-1], False)


def attach_josa(word: str, josa: str) -> str:
    """``word`` followed by the right form of ``josa``: ``attach_josa("국밥", "를")`` → ``국밥을``."""
    try:
        with_final, without_final = _JOSA[josa]
    except KeyError:
        raise ValueError(f"unknown particle {josa!r}; known: {', '.join(_JOSA)}") from None
    if josa in ("으로", "로"):
        # ㄹ-final words take 로: 서울로, 기차로, 지하철로.
        index = _final_index(word)
        if index == _RIEUL or not has_final_consonant(word):
            return word + without_final
        return word + with_final
    return word + (with_final if has_final_consonant(word) else without_final)


_SLOT = re.compile(r"\{([a-z_]+[0-9]?)(?:/([가-힣]+))?\}")


def render(template: str, slots: dict[str, str]) -> str:
    """Fill ``{slot}`` and ``{slot/josa}`` placeholders from ``slots``."""

    def fill(match: re.Match[str]) -> str:
        value = slots[match.group(1)]
        josa = match.group(2)
        return attach_josa(value, josa) if josa else value

    return _SLOT.sub(fill, template)


def slot_names(template: str) -> list[str]:
    """Placeholder names used by ``template``, in order."""
    return [m.group(1) for m in _SLOT.finditer(template)]


@dataclass(frozen=True)
class Exchange:
    """One question (in equivalent wordings), its possible answers and, per answer, what may follow."""

    questions: tuple[str, ...]
    answers: dict[str, tuple[str, ...]]
    """answer template -> follow-up templates (said by the asker or someone else)."""


@dataclass(frozen=True)
class TopicText:
    """Templates and word lists of one topic."""

    name: str
    exchanges: tuple[Exchange, ...]
    words: dict[str, tuple[str, ...]]
    bundles: tuple[dict[str, str], ...] = field(default_factory=tuple)
    """Slot values that must go together (e.g. a place and its local food)."""


_COMMON_WORDS: dict[str, tuple[str, ...]] = {
    "day": ("내일", "이번 주말", "토요일", "일요일", "다음 주", "모레"),
    "weekday": ("월요일", "화요일", "수요일", "목요일", "금요일"),
    "hour": ("2시", "3시", "5시", "6시", "7시", "저녁 8시"),
    "price": ("2만 원", "3만 원", "4만 원", "5만 원", "7만 원", "10만 원"),
}

_TOPIC_TEXTS: tuple[TopicText, ...] = (
    TopicText(
        name="일상대화",
        words={
            "food": (
                "떡볶이",
                "김치찌개",
                "짜장면",
                "치킨",
                "삼겹살",
                "마라탕",
                "국밥",
                "초밥",
                "라면",
                "파스타",
                "냉면",
                "돈까스",
                "부대찌개",
                "쌀국수",
            ),
            "show": ("드라마", "예능", "웹툰", "애니"),
            "place": ("카페", "헬스장", "도서관", "본가", "영화관", "전시회"),
            "activity": ("요가", "필라테스", "러닝", "수영", "등산", "헬스"),
            "chore": ("청소", "빨래", "설거지", "분리수거"),
        },
        exchanges=(
            Exchange(
                ("점심 뭐 먹었어?", "밥은 먹었어?", "저녁 먹었어?"),
                {
                    "{food} 먹었어ㅋㅋ": ("오 맛있었겠다", "부럽다ㅋㅋ", "나도 {food2} 땡긴다"),
                    "나 {food/를} 먹었는데 좀 짰어ㅠㅠ": ("ㅋㅋㅋ 물 많이 마셔", "거기 원래 짜더라"),
                    "아직 안 먹었어 배고파ㅠㅠ": ("헐 빨리 먹어ㅋㅋ", "{food/이라도} 시켜 먹어"),
                    "{food/이나} 시켜 먹을까 고민 중": ("ㅋㅋ 무조건 시켜", "나도 먹고 싶다ㅠㅠ"),
                },
            ),
            Exchange(
                ("{day} 뭐 해?", "{day} 약속 있어?"),
                {
                    "그냥 집에서 쉬려고ㅋㅋ": ("그게 최고지", "부럽다ㅠㅠ 나는 출근해"),
                    "{place}에 갈 것 같아": ("오 누구랑?", "좋겠다~"),
                    "#@이름#{place_with} 만나기로 했어": ("재밌게 놀아~", "나도 끼워줘ㅋㅋ"),
                    "밀린 {chore/를} 해야 돼ㅠㅠ": ("ㅋㅋㅋ 힘내", "나도 해야 되는데ㅠㅠ"),
                },
            ),
            Exchange(
                ("요즘 {show} 뭐 봐?", "요즘 재밌는 {show} 있어?"),
                {
                    "#@이름#이 추천해 준 거 보고 있어": ("오 제목 뭐야?", "나도 추천 좀 해줘"),
                    "볼 게 없어서 옛날 거 다시 보는 중ㅋㅋ": ("ㅋㅋㅋ 나도 그래", "그거 또 봐도 재밌지"),
                    "요즘 바빠서 하나도 못 봤어ㅠㅠ": ("헐 바쁘구나ㅠㅠ", "주말에 몰아서 봐"),
                    "요즘 {show/는} 잘 안 봐": ("ㅇㅋㅇㅋ", "그럼 뭐 하고 놀아?ㅋㅋ"),
                },
            ),
            Exchange(
                ("오늘 비 온대 우산 챙겼어?", "오늘 비 온다던데 우산 있어?"),
                {
                    "헐 몰랐어ㅠㅠ": ("편의점에서 하나 사ㅋㅋ", "조심히 다녀~"),
                    "웅 챙겼지": ("역시ㅋㅋ", "다행이다"),
                    "나 오늘 밖에 안 나가ㅋㅋ": ("부럽다ㅠㅠ", "ㅋㅋㅋ 현명하네"),
                },
            ),
            Exchange(
                ("요즘도 {activity} 다녀?", "너 요즘 {activity} 한다며?"),
                {
                    "웅 일주일에 세 번은 해": ("대단하다 진짜", "나도 같이 하고 싶다"),
                    "아니ㅋㅋ 작심삼일이었어": ("ㅋㅋㅋㅋ 나도 그래", "원래 다 그래ㅋㅋ"),
                    "요즘 바빠서 좀 쉬는 중": ("그럴 때도 있지", "다시 시작하면 같이 가자"),
                    "{activity/는} 생각보다 힘들더라ㅠㅠ": ("그치ㅠㅠ 처음엔 다 힘들어", "화이팅!"),
                },
            ),
            Exchange(
                ("#@이름# 소식 들었어?", "너 #@이름# 얘기 들었어?"),
                {
                    "아니 무슨 일 있어?": ("나중에 자세히 얘기해줄게", "이따 전화로 말해줄게"),
                    "웅 들었어 대박이더라": ("ㄹㅇ 놀랐어", "그니까 나도 깜짝 놀랐어"),
                    "요즘 연락 안 한 지 좀 됐어": ("아 그렇구나", "한번 연락해 봐"),
                },
            ),
            Exchange(
                ("#@계정# 인스타 봤어?", "이거 봐봐ㅋㅋ #@시스템#사진#"),
                {
                    "봤지ㅋㅋ 사진 잘 나왔더라": ("ㅋㅋㅋ 그치", "완전 잘 나왔어"),
                    "ㅋㅋㅋㅋㅋ 이게 뭐야": ("완전 웃기지ㅋㅋ", "ㅋㅋㅋ 나도 빵 터졌어"),
                    "아직 못 봤어 보내줘": ("#@시스템#사진#", "잠깐만 캡처해서 보낼게"),
                },
            ),
        ),
    ),
    TopicText(
        name="쇼핑",
        words={
            "item": (
                "패딩",
                "운동화",
                "가방",
                "니트",
                "청바지",
                "코트",
                "무선 이어폰",
                "텀블러",
                "원피스",
                "후드티",
                "목도리",
                "슬리퍼",
            ),
            "store": ("온라인 쇼핑몰", "백화점", "아울렛", "지하상가", "라이브 커머스"),
            "color": ("검은색", "흰색", "베이지", "남색", "회색"),
        },
        exchanges=(
            Exchange(
                ("나 {item} 하나 사려는데 어디가 좋아?", "{item} 싸게 파는 데 알아?"),
                {
                    "{store}에서 세일하던데?": ("오 고마워ㅋㅋ", "거기 몇 프로 해?"),
                    "#@주소# 근처 아울렛 가봐": ("거기 주차 돼?", "오 이번 주말에 가봐야겠다"),
                    "나는 보통 {store}에서 사": ("거기 배송 빨라?", "ㅇㅋ 한번 볼게"),
                },
            ),
            Exchange(
                ("이 {item} 어때? #@시스템#사진#", "{item} 샀는데 어때? #@시스템#사진#"),
                {
                    "오 예쁘다 얼마야?": ("{price}이야", "세일해서 {price} 줬어"),
                    "음.. 색깔이 좀 애매한데": ("그치ㅠㅠ 다른 거 볼까", "실물은 더 예뻐ㅋㅋ"),
                    "완전 잘 어울린다": ("ㅋㅋㅋ 고마워", "그치? 잘 산 것 같아"),
                },
            ),
            Exchange(
                ("{color} {item/이랑} {color2} {item} 중에 뭐가 나아?",),
                {
                    "무조건 {color/이지}ㅋㅋ": ("ㅇㅋ 그걸로 살게", "역시 그치?"),
                    "나는 {color2}": ("오 의외다", "고민된다ㅠㅠ"),
                    "둘 다 괜찮은데?": ("그게 제일 어려워ㅋㅋ", "그냥 둘 다 살까ㅋㅋ"),
                },
            ),
            Exchange(
                ("주문한 거 배송 왔어?", "택배 아직이야?"),
                {
                    "아직ㅠㅠ {day} 온대": ("기다리기 힘들다ㅋㅋ", "조금만 참아"),
                    "웅 어제 왔어": ("요즘 배송 진짜 빠르다", "오면 사진 보내줘"),
                    "배송 조회해 보니까 지금 출발했대": ("오 곧 오겠네", "ㅋㅋ 설렌다"),
                },
            ),
            Exchange(
                ("{item} 사이즈 뭐로 했어?", "그 {item} 사이즈 어때?"),
                {
                    "한 치수 크게 샀어": ("나도 그렇게 해야겠다", "오버핏으로 입는구나"),
                    "정사이즈로 했는데 딱 맞아": ("다행이다", "후기 보니까 다들 그렇대"),
                    "좀 작게 나온 것 같아ㅠㅠ": ("교환해ㅠㅠ", "헐 아깝다"),
                },
            ),
            Exchange(
                ("교환 신청해 봤어?", "환불 어떻게 하는지 알아?"),
                {
                    "웅 고객센터에 문의했는데 답이 없어ㅠㅠ": ("헐 답답하겠다", "게시판에도 남겨 봐"),
                    "앱에서 바로 되던데?": ("아 그렇구나", "고마워!"),
                    "#@계정#으로 로그인해서 신청하면 돼": ("오 해볼게", "귀찮다ㅠㅠ"),
                },
            ),
            Exchange(
                ("{day} {store} 같이 갈래?", "{day} 쇼핑 같이 갈 사람?"),
                {
                    "좋아 몇 시?": ("{hour}쯤 어때?", "점심 먹고 만나자"),
                    "나 {day}엔 약속 있어ㅠㅠ": ("그럼 다음에 가자", "아쉽다ㅠㅠ"),
                    "콜ㅋㅋ 나 {item} 사야 돼": ("ㅋㅋㅋ 나도", "그럼 {hour}에 보자"),
                },
            ),
        ),
    ),
    TopicText(
        name="여행",
        words={
            "transport": ("기차", "비행기", "고속버스", "렌터카", "KTX"),
            "lodging": ("게스트하우스", "호텔", "펜션", "리조트", "한옥 스테이"),
            "cost": ("20만 원", "30만 원", "40만 원", "50만 원"),
        },
        bundles=(
            {"trip": "제주도", "localfood": "흑돼지", "sight": "오름"},
            {"trip": "부산", "localfood": "돼지국밥", "sight": "해운대"},
            {"trip": "강릉", "localfood": "순두부", "sight": "경포대"},
            {"trip": "경주", "localfood": "황리단길 빵", "sight": "불국사"},
            {"trip": "여수", "localfood": "게장", "sight": "밤바다"},
            {"trip": "전주", "localfood": "비빔밥", "sight": "한옥마을"},
            {"trip": "속초", "localfood": "닭강정", "sight": "설악산"},
            {"trip": "통영", "localfood": "충무김밥", "sight": "케이블카"},
        ),
        exchanges=(
            Exchange(
                ("이번 휴가 때 어디 가?", "여행 어디로 갈지 정했어?"),
                {
                    "{trip}에 가려고!": ("{trip} 좋지~ {sight} 꼭 가봐", "오 부럽다ㅋㅋ"),
                    "아직 못 정했어ㅠㅠ 추천 좀": ("{trip} 어때? {sight} 완전 좋아", "{trip} 가봐 {localfood} 맛있어"),
                    "#@이름#{place_with} {trip} 가기로 했어": ("나도 작년에 갔는데 완전 좋았어", "재밌게 놀다 와~"),
                },
            ),
            Exchange(
                ("{trip}까지 뭐 타고 가?", "{trip/은} 어떻게 가는 게 좋아?"),
                {
                    "{transport/를} 타고 가려고": ("표는 미리 예매해", "시간 얼마나 걸려?"),
                    "{transport/로} 가는 게 제일 편하더라": ("오 그게 낫겠다", "나도 그렇게 해야겠다"),
                    "차 가져가려고ㅋㅋ": ("운전 조심해~", "오 드라이브 좋겠다"),
                },
            ),
            Exchange(
                ("숙소는 예약했어?", "숙소는 어디로 잡았어?"),
                {
                    "웅 {lodging/으로} 잡았어": ("오 거기 뷰 좋대", "후기 괜찮아?"),
                    "아직ㅠㅠ 방이 다 찼더라": ("빨리 예약해ㅠㅠ", "{lodging}도 찾아봐"),
                    "#@주소# 근처 {lodging}": ("거기 위치 좋다", "역이랑 가까워?"),
                },
            ),
            Exchange(
                ("{trip} 가면 꼭 먹어야 되는 거 있어?", "{trip} 맛집 알아?"),
                {
                    "{localfood/는} 꼭 먹어봐": ("메모해 둘게ㅋㅋ", "벌써 배고프다"),
                    "{sight} 근처에 {localfood} 맛집 있어": ("오 고마워!", "거기 웨이팅 길어?"),
                    "나도 잘 몰라ㅋㅋ 검색해 봐": ("ㅋㅋㅋ ㅇㅋ", "알겠어ㅋㅋ"),
                },
            ),
            Exchange(
                ("{sight} 사진 좀 보내줘ㅋㅋ", "{sight} 어땠어?"),
                {
                    "#@시스템#사진#": ("와 풍경 미쳤다", "ㅋㅋㅋ 잘 나왔네"),
                    "사람 너무 많았어ㅠㅠ": ("주말이라 그런가 보다", "헐 힘들었겠다"),
                    "완전 예뻤어 또 가고 싶다": ("나도 가고 싶다ㅠㅠ", "다음엔 같이 가자ㅋㅋ"),
                },
            ),
            Exchange(
                ("여행 경비는 얼마 정도 들었어?", "{trip} 여행 돈 많이 들었어?"),
                {
                    "생각보다 많이 들었어ㅠㅠ": ("헐 그렇구나", "원래 여행 가면 다 그래ㅋㅋ"),
                    "1인당 {cost} 정도?": ("그 정도면 괜찮네", "오 생각보다 적게 들었네"),
                    "숙소가 제일 비쌌어": ("성수기라 그런가 봐", "다음엔 미리 예약하자"),
                },
            ),
        ),
    ),
    TopicText(
        name="학업",
        words={
            "subject": ("통계학", "경제학 원론", "영어 회화", "미적분", "심리학", "자료구조", "글쓰기"),
            "task": ("과제", "레포트", "발표", "팀플", "중간고사", "기말고사", "퀴즈"),
            "studyplace": ("도서관", "스터디 카페", "과방", "열람실"),
        },
        exchanges=(
            Exchange(
                ("{subject} {task} 준비 다 했어?", "{subject} {task} 준비 잘 돼 가?"),
                {
                    "아직 반도 못 했어ㅠㅠ": ("화이팅ㅠㅠ", "나도 아직이야ㅋㅋ"),
                    "어제 밤새서 겨우 끝냈어": ("대박 고생했다", "부럽다ㅠㅠ"),
                    "이제 시작하려고ㅋㅋ": ("ㅋㅋㅋ 괜찮아?", "마감 언제까지였지?"),
                },
            ),
            Exchange(
                ("{subject} {task/는} 언제까지야?", "{subject} {task} 날짜 알아?"),
                {
                    "다음 주 {weekday}까지래": ("헐 얼마 안 남았네", "알려줘서 고마워"),
                    "공지 보니까 {weekday}까지던데": ("망했다ㅋㅋ", "고마워!"),
                    "교수님이 아직 안 알려주셨어": ("아 그렇구나", "공지 뜨면 알려줘"),
                },
            ),
            Exchange(
                ("오늘 {studyplace}에서 같이 공부할래?", "이따 {studyplace}에서 같이 공부하자"),
                {
                    "좋아 몇 시에 볼까?": ("{hour}에 보자", "밥 먹고 바로 가자"),
                    "나 오늘 알바 있어ㅠㅠ": ("ㅇㅋ 그럼 다음에", "아쉽다ㅠㅠ"),
                    "나 지금 {studyplace}인데 자리 많아": ("자리 하나 맡아줘ㅋㅋ", "오 바로 갈게"),
                },
            ),
            Exchange(
                ("오늘 {subject} 수업 들었어?", "{subject} 교수님이 오늘 뭐라고 하셨어?"),
                {
                    "출석 안 부르신대ㅋㅋ": ("개이득ㅋㅋ", "진짜?ㅋㅋ"),
                    "시험 범위 줄여주신대!": ("다행이다", "와 살았다"),
                    "나 지각해서 못 들었어ㅠㅠ": ("필기 보여줄게", "ㅋㅋㅋ 또?"),
                },
            ),
            Exchange(
                ("팀플 조원 누구야?", "팀플 조 어떻게 됐어?"),
                {
                    "#@이름#이랑 #@이름#": ("헐 잘됐다", "아 그 사람ㅋㅋ"),
                    "아직 몰라 오늘 발표한대": ("좋은 사람이랑 됐으면 좋겠다", "나오면 알려줘"),
                    "랜덤으로 정해졌는데 다 모르는 사람이야ㅠㅠ": ("힘내ㅠㅠ", "그래도 괜찮을 거야"),
                },
            ),
            Exchange(
                ("#@소속# 공지 봤어?", "#@소속# 장학금 신청했어?"),
                {
                    "웅 장학금 신청 기간이래": ("고마워 지금 볼게", "마감 {weekday}까지래"),
                    "아니 뭐 떴어?": ("장학금 신청 기간이래", "단톡방에 올렸어 봐봐"),
                    "어제 했어 너도 빨리 해": ("ㅇㅋㅇㅋ", "오늘 할게"),
                },
            ),
        ),
    ),
)

_COMMON_EXTRA_WORDS: dict[str, tuple[str, ...]] = {
    "place_with": ("이랑", "하고"),  # follows #@이름#: "#@이름#이랑" as AI Hub transcribers write it
}

TOPICS: tuple[str, ...] = tuple(t.name for t in _TOPIC_TEXTS)
"""Topic names, in archive-numbering order: 일상대화, 쇼핑, 여행, 학업."""

_BY_NAME = {t.name: t for t in _TOPIC_TEXTS}

_OPENERS_ONE = (
    "야 #@이름#",
    "뭐해?",
    "자니?ㅋㅋ",
    "혹시 지금 시간 돼?",
    "안녕ㅋㅋ",
    "나 물어볼 거 있어",
    "#@이름# 바빠?",
)
_OPENERS_GROUP = ("다들 뭐해?ㅋㅋ", "얘들아", "단톡방 왜 이렇게 조용해ㅋㅋ", "다들 살아 있냐ㅋㅋ")
_OPENER_REPLIES = (
    "웅 왜?",
    "그냥 누워 있지ㅋㅋ",
    "나 방금 일어났어",
    "어 무슨 일이야?",
    "ㅎㅇㅎㅇ",
    "안 자ㅋㅋ 왜?",
    "나 지금 밖이야",
)
_LEADS = ("근데 ", "아 맞다 ", "그리고 ", "", "", "", "")
_TAILS = ("ㅋㅋㅋ", "ㅠㅠ", "#@이모티콘#", "진짜로", "암튼 그래", "ㅎㅎ")
_REACTIONS = (
    "ㅋㅋㅋㅋ",
    "ㅋㅋㅋ 인정",
    "헐 대박",
    "아 진짜?",
    "ㅠㅠ",
    "오 좋다",
    "그니까",
    "웅웅",
    "ㄹㅇ",
    "#@이모티콘#",
    "헐..",
    "와 부럽다",
)
_CLOSERS = (
    "아 나 이제 가봐야겠다",
    "그럼 이따 연락할게!",
    "ㅇㅋ 나중에 보자~",
    "나 이제 자러 간다",
    "아 배고프다 밥 먹으러 갈게",
    "나중에 또 얘기하자",
)
_CLOSER_REPLIES = ("웅 들어가~", "ㅇㅋㅇㅋ 안녕!", "내일 봐~", "ㅂㅂ", "잘 자~", "웅 연락해!")


class _Slots:
    """Slot values of one exchange, chosen lazily and kept for the whole exchange."""

    def __init__(self, rng: random.Random, topic: TopicText, bundle: dict[str, str]) -> None:
        self._rng = rng
        self._topic = topic
        self.values: dict[str, str] = dict(bundle)

    def _choices(self, name: str) -> tuple[str, ...]:
        base = name.rstrip("0123456789")
        for table in (self._topic.words, _COMMON_WORDS, _COMMON_EXTRA_WORDS):
            if base in table:
                return table[base]
        raise KeyError(f"no word list for slot {name!r} in topic {self._topic.name}")

    def fill(self, template: str) -> str:
        for name in slot_names(template):
            if name in self.values:
                continue
            choices = self._choices(name)
            base = name.rstrip("0123456789")
            if base != name and base in self.values and len(choices) > 1:
                choices = tuple(c for c in choices if c != self.values[base])
            self.values[name] = self._rng.choice(choices)
        return render(template, self.values)


def make_dialogue_lines(rng: random.Random, topic: str, speakers: list[str]) -> list[tuple[str, str]]:
    """A chat of 2–4 ``speakers`` about ``topic``, as ``(speaker, utterance)`` lines in order.

    Every speaker says at least one line; a speaker may send several lines in a row.
    """
    if topic not in _BY_NAME:
        raise ValueError(f"unknown topic {topic!r}; known: {', '.join(TOPICS)}")
    if len(speakers) < 2:
        raise ValueError("a dialogue needs at least 2 speakers")
    text = _BY_NAME[topic]
    lines: list[tuple[str, str]] = []

    def other(than: str) -> str:
        return rng.choice([s for s in speakers if s != than])

    opener = speakers[0]
    lines.append((opener, rng.choice(_OPENERS_GROUP if len(speakers) > 2 else _OPENERS_ONE)))
    if rng.random() < 0.3:
        lines.append((opener, rng.choice(("잠깐 톡 돼?", "심심해ㅠㅠ", "ㅋㅋㅋ"))))
    lines.append((other(opener), rng.choice(_OPENER_REPLIES)))

    bundle = dict(rng.choice(text.bundles)) if text.bundles else {}  # one trip per chat
    count = rng.randint(2, 4)
    exchanges = rng.sample(text.exchanges, min(count, len(text.exchanges)))
    for n, exchange in enumerate(exchanges):
        slots = _Slots(rng, text, bundle)
        asker = rng.choice(speakers)
        answerer = other(asker)
        lead = rng.choice(_LEADS) if n else ""
        lines.append((asker, lead + slots.fill(rng.choice(exchange.questions))))
        answer = rng.choice(list(exchange.answers))
        lines.append((answerer, slots.fill(answer)))
        if rng.random() < 0.35 and not answer.endswith("?"):
            lines.append((answerer, rng.choice(_TAILS)))
        follow_ups = exchange.answers[answer]
        if follow_ups and rng.random() < 0.8:
            lines.append((asker, slots.fill(rng.choice(follow_ups))))
        if len(speakers) > 2 and rng.random() < 0.5:
            lines.append((rng.choice(speakers), rng.choice(_REACTIONS)))

    spoken = {speaker for speaker, _ in lines}
    for speaker in speakers:
        if speaker not in spoken:
            lines.append((speaker, rng.choice(_REACTIONS)))

    closer = rng.choice(speakers)
    lines.append((closer, rng.choice(_CLOSERS)))
    lines.append((other(closer), rng.choice(_CLOSER_REPLIES)))
    return lines
