"""Deterministic Korean sentences for the non-chat samples: news articles and their summaries,
spoken utterances (KsponSpeech-style transcripts), radiology reports and clinical notes.

Sentences come from templates with word slots; particles are attached with the right form
(:func:`~kdata.samples.korean_text.attach_josa`, ``{slot/를}``), and people are de-identified the AI
Hub way (``#@이름#``). Numbers stay short so no phone or resident registration number pattern can
appear. All randomness comes from the :class:`random.Random` the caller passes in.
"""

from __future__ import annotations

import random

from kdata.samples.korean_text import render, slot_names

__all__ = [
    "NEWS_CATEGORIES",
    "clinical_note",
    "news_article",
    "radiology_report",
    "spoken_utterance",
]

NAME = "#@이름#"

_WORDS: dict[str, tuple[str, ...]] = {
    "city": ("서울", "부산", "대구", "인천", "광주", "대전", "울산", "세종", "수원", "전주", "청주", "제주"),
    "org": ("시청", "교육청", "보건소", "상공회의소", "관광공사", "도서관", "소방본부", "경찰청", "구청"),
    "company": ("지역 중소기업", "반도체 업체", "배터리 제조사", "유통 업체", "스타트업", "건설사", "식품 회사"),
    "policy": ("청년 주거 지원", "대중교통 요금 할인", "소상공인 금융 지원", "탄소 중립 계획", "돌봄 서비스 확대"),
    "event": ("문화 축제", "벚꽃 축제", "불꽃 축제", "국제 영화제", "마라톤 대회", "음식 박람회"),
    "product": ("전기차", "스마트폰", "로봇 청소기", "태양광 패널", "이차전지", "의료기기"),
    "month": ("1월", "2월", "3월", "4월", "5월", "6월", "7월", "8월", "9월", "10월", "11월", "12월"),
    "pct": ("3", "5", "7", "12", "15", "20", "25", "30"),
    "count": ("2", "3", "5", "10", "12", "20", "30", "50"),
    "role": ("관계자", "대변인", "담당 과장", "연구원", "대표", "위원장"),
    "place": ("시민공원", "전통시장", "버스터미널", "대학 캠퍼스", "항구", "산업단지"),
}

NEWS_CATEGORIES: dict[str, tuple[str, ...]] = {
    "종합": (
        "{city}시는 {month}부터 {policy} 사업을 시작한다고 밝혔다.",
        "이번 사업에는 모두 {count}억 원의 예산이 투입된다.",
        '{city} {org} {role} {name}씨는 "시민들의 체감도를 높이는 데 힘쓰겠다"고 말했다.',
        "지원 대상은 지난해보다 {pct}% 늘어난 것으로 알려졌다.",
        "신청은 {org} 누리집이나 가까운 주민센터에서 할 수 있다.",
        "{city}시는 사업 결과를 분석해 내년 계획에 반영할 예정이다.",
        "{place} 주변에는 안내 창구가 따로 마련된다.",
    ),
    "경제": (
        "{company}의 {product} 수출이 지난달 {pct}% 증가한 것으로 나타났다.",
        "업계는 {product} 수요가 하반기에도 이어질 것으로 내다봤다.",
        '{company} {role} {name}씨는 "생산 설비를 {count}% 늘릴 계획"이라고 설명했다.',
        "원자재 가격이 안정되면서 수익성도 개선됐다.",
        "{city} {place}에는 새 공장이 들어설 예정이다.",
        "전문가들은 환율 변동을 변수로 꼽았다.",
        "정부는 {month} 중 관련 지원 대책을 내놓을 계획이다.",
    ),
    "문화": (
        "{city}에서 {event/가} {month}에 열린다.",
        "올해 행사에는 {count}만 명 이상이 찾을 것으로 예상된다.",
        "{city} {org/는} {place} 일대에 임시 주차장을 마련했다.",
        '주최 측 {role} {name}씨는 "안전 관리에 만전을 기하겠다"고 밝혔다.',
        "행사 기간에는 지역 예술인 공연과 체험 행사가 이어진다.",
        "관람객은 대중교통을 이용해 달라는 당부도 나왔다.",
        "지난해 행사는 방문객 만족도 조사에서 좋은 평가를 받았다.",
    ),
}

_ABSTRACTIVE = {
    "종합": "{city}시가 {month}부터 {count}억 원을 들여 {policy} 사업을 추진한다.",
    "경제": "{company}의 {product} 수출이 {pct}% 늘었고 업계는 수요가 이어질 것으로 본다.",
    "문화": "{city}에서 {month}에 {event/가} 열리며 {count}만 명 이상이 찾을 전망이다.",
}

_SPOKEN = (
    "아 그래서 {city}에 갔는데 사람이 진짜 많더라고요",
    "오늘 {place}에서 친구 만나기로 했어요",
    "그거 {count}개 정도면 충분할 것 같아요",
    "요즘 {product} 가격이 좀 올랐다고 하던데",
    "저는 {month}에 휴가 가려고요",
    "아니 근데 그게 생각보다 어렵더라고요",
    "버스 타고 {place}까지 한 삼십 분 걸려요",
    "그 {event} 작년에도 갔었는데 괜찮았어요",
    "네 맞아요 저도 그렇게 생각해요",
    "일단 {org}에 전화해 보는 게 좋겠어요",
)

_DUAL = (
    ("{pct}%", "{pct_read} 퍼센트"),
    ("{count}시", "{count_read} 시"),
    ("{count}개", "{count_read} 개"),
)

_READ = {
    "2": "이",
    "3": "삼",
    "5": "오",
    "7": "칠",
    "10": "십",
    "12": "십 이",
    "15": "십 오",
    "20": "이 십",
    "25": "이 십 오",
    "30": "삼 십",
    "50": "오 십",
}

_REPORT_FINDINGS = {
    "폐결절": "{side} {lobe}에 약 {size} cm 크기의 결절 음영이 관찰됨.",
    "폐렴": "{side} {lobe}에 경계가 불분명한 경화 소견이 보임.",
    "흉수": "{side} 늑막각이 둔화되어 소량의 흉수가 의심됨.",
    "심비대": "심흉곽비가 증가되어 심비대 소견임.",
    "기흉": "{side} 폐첨부에 기흉이 관찰됨.",
}

_NORMAL_REPORT = ("양측 폐야에 활동성 병변 없음.", "심장 크기는 정상 범위임.", "특이 소견 없음.")

_NOTE_PARTS = {
    "S": (
        "{days}일 전부터 {symptom} 있다고 함.",
        "{symptom} 호소하며 내원함.",
        "식사는 잘 하고 있으나 밤에 잠을 잘 못 잔다고 함.",
    ),
    "O": (
        "혈압 {bp}/{bp_low} mmHg, 맥박 {pulse}회/분, 체온 {temp}도.",
        "청진상 특이 소견 없음.",
        "복부 압통 없음.",
    ),
    "A": ("{diagnosis} 의심.", "{diagnosis/으로} 경과 관찰 중."),
    "P": (
        "약물 {days}일분 처방하고 {days}일 후 외래 재방문 예정.",
        "검사 결과 확인 후 치료 계획 조정 예정.",
        "생활 습관 교육 시행함.",
    ),
}

_SYMPTOMS = ("두통이", "기침과 가래가", "복통이", "어지러움이", "가슴 답답함이", "발열이", "관절 통증이")


def _fill(rng: random.Random, template: str, fixed: dict[str, str]) -> str:
    slots = dict(fixed)
    for name in slot_names(template):
        if name not in slots:
            slots[name] = rng.choice(_WORDS[name]) if name in _WORDS else NAME
    return render(template, slots)


def _slots(rng: random.Random) -> dict[str, str]:
    slots = {name: rng.choice(words) for name, words in _WORDS.items()}
    slots["name"] = NAME
    return slots


def news_article(rng: random.Random, category: str) -> tuple[str, list[list[str]], list[int], str]:
    """``(title, paragraphs of sentences, extractive indices, abstractive summary)`` of one article."""
    slots = _slots(rng)
    templates = list(NEWS_CATEGORIES[category])
    chosen = [templates[0], *rng.sample(templates[1:], rng.randint(3, len(templates) - 1))]
    sentences = [render(t, slots) for t in chosen]
    cut = rng.randint(2, len(sentences) - 1)
    paragraphs = [sentences[:cut], sentences[cut:]]
    extractive = sorted(rng.sample(range(len(sentences)), 3))
    title = sentences[0].split(" ", 2)[-1].rstrip(".")[:40]
    return title, paragraphs, extractive, render(_ABSTRACTIVE[category], slots)


def spoken_utterance(rng: random.Random) -> str:
    """A spoken sentence with KsponSpeech marks: noise tags, sometimes a dual transcription, + and *."""
    slots = _slots(rng)
    words = _fill(rng, rng.choice(_SPOKEN), slots).split(" ")
    if rng.random() < 0.4:
        number = rng.choice(("3", "5", "7", "12", "20", "30"))
        spelled, spoken = rng.choice(_DUAL)
        dual = f"({render(spelled, {'pct': number, 'count': number})})/"
        dual += f"({render(spoken, {'pct_read': _READ[number], 'count_read': _READ[number]})})"
        words.insert(rng.randrange(len(words) + 1), dual)
    if rng.random() < 0.5:
        words.insert(rng.randrange(len(words) + 1), rng.choice(("b/", "n/", "l/", "o/")))
    if rng.random() < 0.2:
        index = rng.randrange(len(words))
        if "/" not in words[index]:
            words[index] += "*"
    if rng.random() < 0.2:
        words.insert(0, "+" + rng.choice(("아", "어", "음")) + "+")
    return " ".join(words)


def radiology_report(rng: random.Random, findings: list[str]) -> str:
    """A chest X-ray report naming ``findings`` (or normal)."""
    if not findings:
        return " ".join(_NORMAL_REPORT)
    lines = []
    for finding in findings:
        slots = {
            "side": rng.choice(("우측", "좌측")),
            "lobe": rng.choice(("상엽", "중엽", "하엽")),
            "size": f"{rng.randint(5, 30) / 10:.1f}",
        }
        lines.append(render(_REPORT_FINDINGS[finding], slots))
    lines.append("추적 검사 권함.")
    return " ".join(lines)


def clinical_note(rng: random.Random, diagnosis: str) -> str:
    """A SOAP-style outpatient note (S/O/A/P lines) about ``diagnosis``."""
    slots = {
        "days": str(rng.randint(2, 14)),
        "symptom": rng.choice(_SYMPTOMS),
        "bp": str(rng.randint(110, 150)),
        "bp_low": str(rng.randint(70, 95)),
        "pulse": str(rng.randint(60, 100)),
        "temp": f"{rng.randint(362, 384) / 10:.1f}",
        "diagnosis": diagnosis,
    }
    lines = [f"환자: {NAME}"]
    for part, templates in _NOTE_PARTS.items():
        lines.append(f"{part}) " + render(rng.choice(templates), slots))
    return "\n".join(lines) + "\n"
