"""Samples in real AI Hub label shapes that no built-in reader knows: read by their ``labels:`` mapping alone.

- 금융 분야 다국어 병렬 말뭉치 (finance): one JSON per document, ``{meta, doc_info, sents[...]}``; a row
  per sentence, the document's ``meta`` carried onto it;
- 감성 대화 말뭉치 (korean): a top-level list of ``{profile, talk{id, content{HS01, SS01, ...}}}``; a row
  per turn, the turns being the keys of ``talk.content``.

Shapes as AI Hub ships them (see ``tests/fixtures/aihub_shapes/10_finance_parallel`` and
``02_emotional_dialogue`` for the public sources); the values are generated.
"""

from __future__ import annotations

import random
from typing import Any

from kdata.samples.base import PII_PHONE, Item, SampleKind, make_manifest

__all__ = ["EmotionalDialogue", "FinanceParallel"]

_FINANCE = (
    ("기준금리가 {n}bp 인상되었다.", "The base rate was raised by {n} basis points."),
    ("가계부채 증가율이 {n}% 수준으로 둔화되었다.", "Household debt growth slowed to around {n}%."),
    ("은행권의 예대금리차가 {n}bp 확대되었다.", "Banks' deposit-loan spread widened by {n} basis points."),
    ("외환보유액은 전월 대비 {n}억 달러 증가하였다.", "Foreign reserves rose by {n}00 million dollars on the month."),
    ("보험사의 지급여력비율은 {n}%를 기록하였다.", "Insurers' solvency ratio stood at {n}%."),
    ("중소기업 대출 연체율이 {n}% 상승하였다.", "The delinquency rate of SME loans rose {n}%."),
)
_EMOTIONS = (("E18", "분노"), ("E31", "슬픔"), ("E60", "기쁨"), ("E45", "불안"))
_TURNS = (
    ("일은 왜 해도 해도 끝이 없을까?", "많이 힘드시겠어요. 어떤 일이 가장 버거우세요?"),
    ("요즘 친구들이 연락을 잘 안 해.", "서운한 마음이 드셨겠어요."),
    ("오늘 시험에 합격했어!", "정말 축하드려요. 기분이 어떠세요?"),
    ("내일 발표가 있어서 걱정돼.", "준비하신 만큼 잘 하실 거예요."),
)


class FinanceParallel(SampleKind):
    name = "finance_parallel"
    dataset_id = "finance-parallel-corpus"
    groups = ((1, "학술논문"), (2, "보고서"))
    faults = ("pii", "bad-json", "duplicate-id")

    def manifest(self, dataset_id: str, version: str, items: int) -> dict[str, Any]:
        manifest = make_manifest(
            dataset_id,
            version,
            items,
            domain="finance",
            data_type="text",
            record_schema=None,
            title=("금융 분야 다국어 병렬 말뭉치", "Finance multilingual parallel corpus"),
            description=(
                "금융 학술논문·보고서 문장의 한국어 원문과 기계번역·사후교정 영어 번역을 짝지은 병렬 말뭉치입니다.",
                "Korean sentences of finance papers and reports paired with machine and post-edited English.",
            ),
            formats=["json"],
            keywords=["금융", "번역", "병렬 말뭉치", "translation", "parallel corpus"],
            labeling=("문장 단위 번역·사후교정", "Sentence translation and post-editing", "JSON"),
            unit=("문서", "documents"),
            collection=(
                "공개 금융 문서에서 문장을 뽑아 기계번역 후 전문 번역가가 교정했습니다.",
                "Sentences from public finance documents, machine-translated and post-edited by translators.",
            ),
        )
        manifest["labels"] = {
            "files": ["**/*.json"],
            "records": "sents[*]",
            "fields": {
                "sentence_id": {"path": "sn", "role": "id"},
                "doc_no": {"path": "$.meta.doc_no"},
                "category": {"path": "$.meta.category", "role": "class", "classes": [g[1] for g in self.groups]},
                "source_language": {"path": "$.meta.source_language", "role": "language"},
                "target_language": {"path": "$.meta.target_language", "role": "language"},
                "page": {"path": "page", "type": "int"},
                "source_original": {"path": "source_original", "role": "text"},
                "mt": {"path": "mt", "role": "text"},
                "mtpe": {"path": "mtpe", "role": "text"},
            },
        }
        return manifest

    def make_item(self, rng: random.Random, number: int, split: int, group: int) -> Item:
        category = self.groups[group][1]
        doc_no = f"FIN{number:07d}"
        sents = []
        for n in range(1, rng.randint(3, 6) + 1):
            ko, en = rng.choice(_FINANCE)
            value = rng.randint(2, 90)
            sents.append(
                {
                    "page": 1 + n // 3,
                    "sn": f"{doc_no}-{n:03d}",
                    "source_original": ko.format(n=value),
                    "source_cleaned": ko.format(n=value),
                    "mt": en.format(n=value).replace("was raised", "raised"),
                    "mtpe": en.format(n=value),
                }
            )
        label = {
            "meta": {
                "doc_no": doc_no,
                "domain": "금융",
                "category": category,
                "license": "open",
                "source_language": "ko",
                "target_language": "en",
            },
            "doc_info": {"title": f"{category} {number}", "publisher": "#@소속#", "date": "202103"},
            "sents": sents,
        }
        return Item(doc_no, split, group, f"{category}/{doc_no}.json", label, None, None)

    def set_id(self, item: Item, new_id: str) -> None:
        item.id = new_id
        for n, sent in enumerate(item.label["sents"], 1):
            sent["sn"] = f"{new_id}-{n:03d}"

    def put_pii(self, item: Item, rng: random.Random) -> None:
        item.label["sents"][0]["source_original"] += f" 문의: {PII_PHONE}"


class EmotionalDialogue(SampleKind):
    name = "korean_emotional_dialogue"
    dataset_id = "korean-emotional-dialogue"
    groups = ((1, "감성대화말뭉치"),)
    faults = ("pii", "bad-json")
    container_key = "list"
    per_file = 50

    def manifest(self, dataset_id: str, version: str, items: int) -> dict[str, Any]:
        manifest = make_manifest(
            dataset_id,
            version,
            items,
            domain="korean",
            data_type="text",
            record_schema=None,
            title=("감성 대화 말뭉치", "Korean emotional dialogue corpus"),
            description=(
                "감정 상황에 놓인 사람과 챗봇이 주고받은 한국어 대화입니다. 발화 순서마다 한 행입니다.",
                "Korean dialogues between a person in an emotional situation and a chatbot, a row per turn.",
            ),
            formats=["json"],
            keywords=["감성", "감정", "대화", "emotion", "dialogue"],
            labeling=("감정 분류·대화 턴", "Emotion classes and dialogue turns", "JSON"),
            unit=("대화", "dialogues"),
            collection=(
                "작업자가 페르소나와 감정 상황을 정해 대화를 작성했습니다.",
                "Annotators wrote dialogues for a given persona and emotional situation.",
            ),
        )
        manifest["labels"] = {
            "files": ["**/*.json"],
            "records": "[*].talk.content.*",
            "fields": {
                "talk_id": {"path": "$[*].talk.id.talk-id"},
                "turn": {"path": "@key"},
                "emotion": {"path": "$[*].profile.emotion.type", "role": "class", "classes": [e for e, _ in _EMOTIONS]},
                "situation": {"path": "$[*].profile.emotion.situation", "type": "json"},
                "utterance": {"path": "@", "role": "text"},
            },
        }
        return manifest

    def container(self, group: int, items: list[Item]) -> Any:
        return [i.label for i in items]  # 감성대화 files are a top-level list

    def container_name(self, group: int, n: int) -> str:
        return f"감성대화말뭉치(최종데이터)_{n:03d}.json"

    def make_item(self, rng: random.Random, number: int, split: int, group: int) -> Item:
        emotion, _name = rng.choice(_EMOTIONS)
        persona = f"Pro_{number:05d}"
        content: dict[str, str] = {}
        for turn in range(1, rng.randint(1, 3) + 1):
            human, system = rng.choice(_TURNS)
            content[f"HS{turn:02d}"] = human
            content[f"SS{turn:02d}"] = system
        label = {
            "profile": {
                "persona-id": persona,
                "persona": {"persona-id": persona, "human": ["A02", "G01"], "computer": ["A02", "G01"]},
                "emotion": {"emotion-id": emotion, "type": emotion, "situation": ["S06", "D02"]},
            },
            "talk": {"id": {"profile-id": persona, "talk-id": f"{persona}_{number:05d}"}, "content": content},
        }
        return Item(persona, split, group, "", label, None, None)

    def put_pii(self, item: Item, rng: random.Random) -> None:
        item.label["talk"]["content"]["HS01"] += f" 내 번호는 {PII_PHONE}야."
