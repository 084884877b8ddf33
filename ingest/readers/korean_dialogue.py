"""Korean SNS/dialogue labels: ``{numberOfItems, data: [{header: {dialogueInfo, participantsInfo}, body: [...]}]}``.

One record per dialogue. Declared counts (``numberOfUtterances`` ...) are kept beside the counts
found in the body so the quality stage can compare them. Bad members and bad dialogues become
problems naming archive, member and field; they are counted, not silently dropped.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ingest.problems import Problem, ReadStats
from ingest.readers._common import (
    INT64_MAX,
    INT64_MIN,
    UNEXPECTED_CONTENT,
    decode_json,
    finish_record,
    iter_list_items,
)

__all__ = ["decode_json", "read"]


class _FieldError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _get(obj: Any, path: str, kind: type | tuple[type, ...], *, required: bool = True) -> Any:
    current = obj
    for part in path.split("."):
        if not isinstance(current, dict) or part not in current:
            if required:
                raise _FieldError(path, "missing")
            return None
        current = current[part]
    if current is None and not required:
        return None
    if kind is int and isinstance(current, str) and current.strip().isdigit():
        return int(current)
    if not isinstance(current, kind) or (kind is int and isinstance(current, bool)):
        raise _FieldError(path, f"expected {getattr(kind, '__name__', kind)}, got {type(current).__name__}")
    if isinstance(current, int) and not INT64_MIN <= current <= INT64_MAX:
        raise _FieldError(path, "integer out of the 64-bit range")
    return current


_UTTERANCE = (
    ("utterance_id", "utteranceID"),
    ("turn_id", "turnID"),
    ("participant_id", "participantID"),
    ("date", "date"),
    ("time", "time"),
    ("utterance", "utterance"),
)
"""Record field ← label key of each utterance, in column order."""


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _gender_mix(participants: list[Any]) -> str | None:
    """여성 / 남성 when every speaker is one gender, 혼성 when mixed, None when unknown."""
    genders = {str(p.get("gender")).strip() for p in participants if isinstance(p, dict) and p.get("gender")}
    if not genders:
        return None
    return genders.pop() if len(genders) == 1 else "혼성"


def _record(item: Any, index: int, sources: Mapping[str, str]) -> dict[str, Any]:
    prefix = f"data[{index}]"
    try:
        info = _get(item, "header.dialogueInfo", dict)
        dialogue_id = _get(info, "dialogueID", str).strip()
        if not dialogue_id:
            raise _FieldError("dialogueID", "empty")
        body = _get(item, "body", list)
        participants = _get(item, "header.participantsInfo", list, required=False) or []
        utterances = []
        turns = set()
        empty = 0
        for n, utt in enumerate(body):
            if not isinstance(utt, dict):
                raise _FieldError(f"body[{n}]", "expected an object")
            # the hot loop of the largest domain: values are almost always strings already
            row = {name: (v if (v := utt.get(key)) is None or type(v) is str else str(v)) for name, key in _UTTERANCE}
            utterances.append(row)
            if row["turn_id"] is not None:
                turns.add(row["turn_id"])
            if not (row["utterance"] or "").strip():
                empty += 1
        record = {
            "dialogue_id": dialogue_id,
            "topic": _text(info.get("topic")),
            "dialogue_type": _text(info.get("type")),
            "number_of_participants": _get(info, "numberOfParticipants", int, required=False),
            "number_of_utterances": _get(info, "numberOfUtterances", int),
            "number_of_turns": _get(info, "numberOfTurns", int, required=False),
            "participant_count": len(participants),
            "speaker_gender_mix": _gender_mix(participants),
            "utterance_count": len(utterances),
            "turn_count": len(turns),
            "empty_utterance_count": empty,
            "participants": [
                {
                    "participant_id": _text(p.get("participantID")),
                    "gender": _text(p.get("gender")),
                    "age": _text(p.get("age")),
                }
                for p in participants
                if isinstance(p, dict)
            ],
            "utterances": utterances,
            "source_file": sources.get(dialogue_id),
        }
    except _FieldError as error:
        field = error.field if error.field.startswith(("header", "body")) else f"header.dialogueInfo.{error.field}"
        raise _FieldError(f"{prefix}.{field}", str(error)) from None
    except UNEXPECTED_CONTENT as error:  # a label of an unexpected shape: a schema problem, not a crash
        raise _FieldError(prefix, f"unexpected label content ({type(error).__name__}: {str(error)[:200]})") from None
    return record


def read(archive: Path, archive_rel: str, sources: Mapping[str, str], stats: ReadStats) -> Iterator[dict[str, Any]]:
    """Records of every ``.json`` member of a Korean dialogue label archive (streamed: members of
    several GB are read item by item)."""
    for member, index, item in iter_list_items(archive, archive_rel, stats, ("data",), "dialogues"):
        try:
            record = _record(item, index, sources)
        except _FieldError as error:
            stats.add(Problem("schema", archive_rel, member, error.field, str(error)), invalid_label=True)
            continue
        yield finish_record(record, record["dialogue_id"], archive_rel, member, stats)
