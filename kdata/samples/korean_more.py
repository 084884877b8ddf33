"""Korean samples beside dialogue: document summarisation (문서요약) and speech (KsponSpeech style).

Summarisation: label files ``<group>/summary_NNNN.json`` hold ``{"name", "delivery_date",
"numberOfItems", "documents": [...]}`` with AI Hub's document fields; the article text is the
source ``<group>/<id>.txt``. Speech: one transcript ``KsponSpeech_0N/KsponSpeech_NNNN/<id>.txt``
per utterance in the label archive, the audio (``.pcm``, or ``.wav`` in the second group) with the
same stem in the source archive.
"""

from __future__ import annotations

import random
from typing import Any

from kdata.samples.base import PII_PHONE, PII_RRN, Item, SampleKind, make_manifest
from kdata.samples.korean_sentences import NEWS_CATEGORIES, news_article, spoken_utterance
from kdata.samples.media import pcm_audio, wav_audio

__all__ = ["KoreanSpeech", "KoreanSummary"]

_MEDIA = {"신문기사": "newspaper", "온라인기사": "online"}


class KoreanSummary(SampleKind):
    name = "korean_summary"
    dataset_id = "korean-news-summary"
    groups = ((1, "신문기사"), (2, "온라인기사"))
    faults = ("pii", "bad-json", "duplicate-id", "missing-source", "orphan-source")
    container_key = "documents"
    per_file = 20

    def manifest(self, dataset_id: str, version: str, items: int) -> dict[str, Any]:
        return make_manifest(
            dataset_id,
            version,
            items,
            domain="korean",
            data_type="text",
            record_schema=self.name,
            title=("문서요약 텍스트", "Korean document summarisation"),
            description=(
                "신문·온라인 기사 원문에 추출 요약(핵심 문장 3개)과 생성 요약을 단 한국어 문서요약 데이터입니다.",
                "Korean news articles with extractive (three key sentences) and abstractive summaries.",
            ),
            formats=["json", "txt"],
            keywords=["요약", "뉴스", "기사", "summarization"],
            labeling=("추출 요약·생성 요약", "Extractive and abstractive summaries", "JSON"),
            unit=("문서", "documents"),
            collection=(
                "언론사 기사를 수집해 개인정보를 비식별화하고 작업자가 요약을 작성했습니다.",
                "News articles were collected, de-identified and summarised by annotators.",
            ),
        )

    def container(self, group: int, items: list[Item]) -> dict[str, Any]:
        return {
            "name": "문서요약 텍스트",
            "delivery_date": "2020-12-23",
            "numberOfItems": len(items),
            "documents": [i.label for i in items],
        }

    def container_name(self, group: int, n: int) -> str:
        return f"{self.groups[group][1]}/summary_{n:04d}.json"

    def make_item(self, rng: random.Random, number: int, split: int, group: int) -> Item:
        category = rng.choice(list(NEWS_CATEGORIES))
        title, paragraphs, extractive, abstractive = news_article(rng, category)
        doc_id = f"NEWS{number:08d}"
        sentences, index = [], 0
        for paragraph in paragraphs:
            row = []
            for sentence in paragraph:
                row.append({"index": index, "sentence": sentence, "highlight_indices": ""})
                index += 1
            sentences.append(row)
        group_name = self.groups[group][1]
        doc = {
            "id": doc_id,
            "category": category,
            "media_type": _MEDIA[group_name],
            "media_sub_type": "지역지" if rng.random() < 0.5 else "전국지",
            "media_name": "#@소속#",
            "size": "small",
            "char_count": sum(len(s) for p in paragraphs for s in p),
            "publish_date": f"2020-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} 00:00:00",
            "title": title,
            "text": sentences,
            "annotator_id": rng.randint(100, 999),
            "document_quality_scores": {
                k: rng.randint(2, 4) for k in ("readable", "accurate", "informative", "trustworthy")
            },
            "extractive": extractive,
            "abstractive": [abstractive],
        }
        article = "\n\n".join(" ".join(p) for p in paragraphs) + "\n"
        return Item(doc_id, split, group, "", doc, f"{group_name}/{doc_id}.txt", article.encode("utf-8"))

    def set_id(self, item: Item, new_id: str) -> None:
        item.id = item.label["id"] = new_id

    def put_pii(self, item: Item, rng: random.Random) -> None:
        paragraph = item.label["text"][-1]
        last = max(s["index"] for p in item.label["text"] for s in p)
        paragraph.append(
            {"index": last + 1, "sentence": f"제보자 주민번호 {PII_RRN}, 연락처 {PII_PHONE}.", "highlight_indices": ""}
        )


class KoreanSpeech(SampleKind):
    name = "korean_speech"
    dataset_id = "korean-speech-transcript"
    groups = ((1, "KsponSpeech_01"), (2, "KsponSpeech_02"))
    faults = ("pii", "duplicate-id", "missing-source", "orphan-source")

    def manifest(self, dataset_id: str, version: str, items: int) -> dict[str, Any]:
        return make_manifest(
            dataset_id,
            version,
            items,
            domain="korean",
            data_type="audio",
            record_schema=self.name,
            title=("한국어 음성 (대화체 전사)", "Korean conversational speech"),
            description=(
                "일상 대화 음성과 잡음 태그·이중 전사를 포함한 KsponSpeech 형식 전사 데이터입니다.",
                "Korean conversational speech with KsponSpeech-style transcripts (noise tags, dual spelling).",
            ),
            formats=["pcm", "wav", "txt"],
            keywords=["음성", "전사", "speech", "ASR"],
            labeling=("음성 전사", "Speech transcription", "TXT"),
            unit=("발화", "utterances"),
            collection=(
                "자유 대화를 녹음하고 전사 규칙에 따라 철자·발음 전사를 달았습니다.",
                "Free conversation was recorded and transcribed with spelling and pronunciation forms.",
            ),
        )

    def make_item(self, rng: random.Random, number: int, split: int, group: int) -> Item:
        group_name = self.groups[group][1]
        utterance_id = f"KsponSpeech_{number:06d}"
        folder = f"{group_name}/KsponSpeech_{(number - 1) // 1000 + 1:04d}"
        seconds = round(rng.uniform(0.3, 0.9), 2)
        audio, ext = (pcm_audio(rng, seconds), "pcm") if group == 0 else (wav_audio(rng, seconds), "wav")
        transcript = spoken_utterance(rng) + "\n"
        return Item(
            utterance_id,
            split,
            group,
            f"{folder}/{utterance_id}.txt",
            transcript,
            f"{folder}/{utterance_id}.{ext}",
            audio,
        )

    def set_id(self, item: Item, new_id: str) -> None:
        item.label_name = f"{self.groups[item.group][1]}/재전사/{new_id}.txt"
        item.id = new_id

    def put_pii(self, item: Item, rng: random.Random) -> None:
        item.label = f"제 전화번호는 ({PII_PHONE})/(공일공 일이삼사 오육칠팔) 이고 주민번호는 {PII_RRN} 이에요\n"
