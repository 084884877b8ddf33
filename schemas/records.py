"""Record schemas: declared once, everything else derived.

A :class:`RecordSchema` lists its columns with Korean and English docs. From it come the Arrow
schema of the Parquet chunks, the catalog's column docs and (later) the Croissant record set.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

__all__ = ["KOREAN_DIALOGUE", "RECORD_SCHEMAS", "Column", "RecordSchema", "get_record_schema"]


@dataclass(frozen=True)
class Column:
    """One column of a record: its Arrow type and what it means."""

    name: str
    type: pa.DataType
    doc_ko: str
    doc_en: str
    nullable: bool = True
    check: bool = False
    """Scalar column the quality stage reads (kept small, so checks never load the heavy columns)."""


@dataclass(frozen=True)
class RecordSchema:
    """A record type of one domain (e.g. Korean dialogue)."""

    name: str
    domain: str
    id_column: str
    columns: tuple[Column, ...]
    doc_ko: str
    doc_en: str

    def arrow_schema(self) -> pa.Schema:
        """The Arrow schema of this record's Parquet chunks (metadata names the record schema)."""
        fields = [pa.field(c.name, c.type, nullable=c.nullable) for c in self.columns]
        return pa.schema(fields, metadata={b"kdata.record_schema": self.name.encode()})

    def check_columns(self) -> list[str]:
        """Columns the quality stage reads."""
        return [c.name for c in self.columns if c.check]

    def column_docs(self) -> list[dict[str, str]]:
        """Rows for the catalog's column documentation."""
        return [{"column": c.name, "type": str(c.type), "doc_ko": c.doc_ko, "doc_en": c.doc_en} for c in self.columns]


_S = pa.string()

KOREAN_DIALOGUE = RecordSchema(
    name="korean_dialogue",
    domain="korean",
    id_column="dialogue_id",
    doc_ko="한국어 SNS·메신저 대화 한 건",
    doc_en="One Korean SNS/messenger dialogue",
    columns=(
        Column(
            "dialogue_id", _S, "대화 ID", "Dialogue id (header.dialogueInfo.dialogueID)", nullable=False, check=True
        ),
        Column("topic", _S, "주제", "Topic", check=True),
        Column("dialogue_type", _S, "대화 유형", "Dialogue type, e.g. 2인 대화"),
        Column("number_of_participants", pa.int32(), "참여자 수 (헤더)", "Participants, as declared", check=True),
        Column("number_of_utterances", pa.int32(), "발화 수 (헤더)", "Utterances, as declared", check=True),
        Column("number_of_turns", pa.int32(), "턴 수 (헤더)", "Turns, as declared", check=True),
        Column("participant_count", pa.int32(), "참여자 수 (실제)", "Participants listed", check=True),
        Column("utterance_count", pa.int32(), "발화 수 (실제)", "Utterances in the body", check=True),
        Column("turn_count", pa.int32(), "턴 수 (실제)", "Distinct turn ids in the body", check=True),
        Column("empty_utterance_count", pa.int32(), "빈 발화 수", "Utterances with no text", check=True),
        Column(
            "participants",
            pa.list_(pa.struct([("participant_id", _S), ("gender", _S), ("age", _S)])),
            "참여자 정보",
            "Participants (participantsInfo)",
        ),
        Column(
            "utterances",
            pa.list_(
                pa.struct(
                    [
                        ("utterance_id", _S),
                        ("turn_id", _S),
                        ("participant_id", _S),
                        ("date", _S),
                        ("time", _S),
                        ("utterance", _S),
                    ]
                )
            ),
            "발화 목록",
            "Utterances (body)",
        ),
        Column("source_file", _S, "원천 파일", "Source file (archive!member), null when missing", check=True),
        Column("label_archive", _S, "라벨 압축파일", "Label archive the record came from", check=True),
        Column("label_member", _S, "라벨 파일", "Label JSON member inside the archive", check=True),
    ),
)

RECORD_SCHEMAS: dict[str, RecordSchema] = {s.name: s for s in (KOREAN_DIALOGUE,)}


def get_record_schema(name: str) -> RecordSchema:
    """Look a record schema up by name; ``KeyError`` names the known ones."""
    try:
        return RECORD_SCHEMAS[name]
    except KeyError:
        raise KeyError(f"unknown record schema {name!r}; known: {', '.join(RECORD_SCHEMAS)}") from None
