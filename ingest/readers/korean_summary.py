"""Document summarisation labels (문서요약 텍스트).

A label member holds ``{"documents": [doc, ...]}`` (also ``data``), or one document. A document is
``{id, category, media_type, title, publish_date, text: [[{index, sentence, highlight_indices}]],
document_quality_scores: {readable, accurate, informative, trustworthy}, extractive: [int],
abstractive: [str]}``. Members are streamed document by document. The source file (the article,
``<id>.txt``) is joined by id.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ingest.problems import Problem, ReadStats
from ingest.readers._common import INT64_MAX, INT64_MIN, LabelError, build, finish_record, get, iter_list_items, text

__all__ = ["read"]


def _sentences(paragraphs: list[Any]) -> list[dict[str, Any]]:
    sentences = []
    for p, paragraph in enumerate(paragraphs):
        if not isinstance(paragraph, list):
            raise LabelError(f"text[{p}]", "expected a list of sentences")
        for n, item in enumerate(paragraph):
            if not isinstance(item, dict):
                raise LabelError(f"text[{p}][{n}]", "expected an object")
            highlight = item.get("highlight_indices")
            sentences.append(
                {
                    "paragraph": p,
                    "index": get(item, "index", int),
                    "sentence": text(item.get("sentence")),
                    "highlight_indices": None if highlight is None else str(highlight),
                }
            )
    return sentences


def _score(scores: Any, key: str) -> int | None:
    if not isinstance(scores, dict):
        return None
    return get(scores, key, int, required=False)


def _record(doc: Any, sources: Mapping[str, str]) -> dict[str, Any]:
    doc_id = str(get(doc, "id", (str, int))).strip()
    if not doc_id:
        raise LabelError("id", "empty")
    sentences = _sentences(get(doc, "text", list))
    indices = {s["index"] for s in sentences}
    extractive_raw = get(doc, "extractive", list, required=False) or []
    extractive = [
        e for e in extractive_raw if isinstance(e, int) and not isinstance(e, bool) and INT64_MIN <= e <= INT64_MAX
    ]
    abstractive = [str(a) for a in (get(doc, "abstractive", list, required=False) or []) if a is not None]
    scores = doc.get("document_quality_scores")
    paragraphs: dict[int, list[str]] = {}
    for s in sentences:
        paragraphs.setdefault(s["paragraph"], []).append(s["sentence"] or "")
    return {
        "doc_id": doc_id,
        "category": text(doc.get("category")),
        "media_type": text(doc.get("media_type")),
        "title": text(doc.get("title")),
        "publish_date": text(doc.get("publish_date")),
        "text": "\n\n".join(" ".join(p) for p in paragraphs.values()),
        "sentences": sentences,
        "paragraph_count": len(paragraphs),
        "sentence_count": len(sentences),
        "empty_sentence_count": sum(1 for s in sentences if not (s["sentence"] or "").strip()),
        "extractive": extractive,
        "extractive_count": len(extractive_raw),
        "extractive_invalid": sum(1 for e in extractive_raw if e not in indices or isinstance(e, bool)),
        "abstractive": abstractive,
        "abstractive_count": len(abstractive),
        "empty_abstractive_count": sum(1 for a in abstractive if not a.strip()),
        "readable": _score(scores, "readable"),
        "accurate": _score(scores, "accurate"),
        "informative": _score(scores, "informative"),
        "trustworthy": _score(scores, "trustworthy"),
        "source_file": sources.get(doc_id),
    }


def read(archive: Path, archive_rel: str, sources: Mapping[str, str], stats: ReadStats) -> Iterator[dict[str, Any]]:
    """Records of every document in the ``.json`` members of a summarisation label archive."""
    items = iter_list_items(archive, archive_rel, stats, ("documents", "data"), "documents", ("id", "text"))
    for member, index, doc in items:
        try:
            if not isinstance(doc, dict):
                raise LabelError("", "expected an object")
            record = build(_record, doc, sources)
        except LabelError as error:
            field = f"documents[{index}]" + (f".{error.field}" if error.field else "")
            stats.add(Problem("schema", archive_rel, member, field, str(error)), invalid_label=True)
            continue
        yield finish_record(record, record["doc_id"], archive_rel, member, stats, label=doc)
