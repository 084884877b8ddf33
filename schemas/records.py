"""Record schemas: declared once, everything else derived.

A :class:`RecordSchema` lists its columns with Korean and English docs. From it come the Arrow
schema of the Parquet chunks, the catalog's column docs and (later) the Croissant record set.
The built-in ones are defined here; which name is a record schema, and of which domain, is the kind
registry's to say (:mod:`schemas.kinds`: each kind names its schema), so :data:`RECORD_SCHEMAS` is a view
of that registry and a kind declared elsewhere (a plugin) is found the same way.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import pyarrow as pa

from schemas.kinds import Kind, KindError, find_kind, load, schema_kinds

__all__ = [
    "HEALTHCARE_IMAGING",
    "HEALTHCARE_NOTE",
    "KOREAN_DIALOGUE",
    "KOREAN_SPEECH",
    "KOREAN_SUMMARY",
    "LABEL_JSON",
    "LABEL_JSON_COLUMN",
    "MANUFACTURING_DEFECT",
    "MANUFACTURING_SENSOR",
    "PROVENANCE_COLUMNS",
    "QUALITY_COLUMNS",
    "RECORD_SCHEMAS",
    "STORED_KEY",
    "VISION_IMAGE",
    "Column",
    "RecordSchema",
    "get_record_schema",
    "schema_from_arrow",
]


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
    stored: bool = False
    """Media bytes in a format that is compressed already (JPEG, PNG ...): written to Parquet as they are,
    without zstd or a dictionary, which cost time and save nothing on them."""

    def field(self) -> pa.Field:
        """The column as an Arrow field (a :attr:`stored` one says so in its metadata, for the chunk writer)."""
        metadata = {STORED_KEY: b"1"} if self.stored else None
        return pa.field(self.name, self.type, nullable=self.nullable, metadata=metadata)


STORED_KEY = b"kdata.stored"
"""Arrow field metadata of a :attr:`Column.stored` column (:func:`ingest.chunks.parquet_options` reads it)."""


PROVENANCE_COLUMNS: tuple[str, ...] = ("source_file", "label_archive", "label_member")
"""Where a record came from; every schema has them (never content; scanned for personal data like the rest)."""

LABEL_JSON = "label_json"
"""The column holding a record's whole original label object as JSON text (masked through its parsed values)."""

LABEL_JSON_COLUMN = Column(LABEL_JSON, pa.string(), "라벨 원본 (JSON)", "The record's whole label object as JSON text")
"""Every record schema has it (added where a schema does not declare it); never content (it holds the id)."""

QUALITY_COLUMNS: tuple[Column, ...] = (
    Column(
        "pii_hits",
        pa.int32(),
        "개인정보 탐지 건수 (마스킹 후 남은 건수)",
        "Personal-data findings left in the record (0 after masking in pii_policy mask)",
        check=True,
    ),
    Column(
        "content_sha256",
        pa.string(),
        "내용 해시 (ID·출처 제외)",
        "sha256 of the record's content columns (id and provenance excluded): finds duplicate content",
        check=True,
    ),
)
"""Check columns the ingest sets on every record (quality.record_checks); appended to every schema."""


@dataclass(frozen=True)
class RecordSchema:
    """A record type of one domain (e.g. Korean dialogue)."""

    name: str
    domain: str
    id_column: str
    columns: tuple[Column, ...]
    doc_ko: str
    doc_en: str
    content_columns: tuple[str, ...] | None = None
    """Columns that make up a record's content (duplicate check); None: all but id, provenance, quality."""
    batch_rows: int = 1024
    """Records per Arrow batch while writing chunks (small for schemas carrying image or audio bytes)."""
    content_in_label_json: bool = False
    """Every content string of a record stands as it is in its ``label_json`` (whose escapes hold none but
    ``\\"``, ``\\\\`` and control characters), and every content number of nine digits or more is written
    there as digits: the personal-data pre-check of ``label_json`` then covers the content columns (their
    own pre-check is skipped for rows whose ``label_json`` holds no backslash). Derived values (counts,
    a mix of genders) are short. Declared by a reader that guarantees it on both its paths."""

    def __post_init__(self) -> None:
        columns = list(self.columns)
        names = {c.name for c in columns}
        if LABEL_JSON not in names:  # every record keeps its label object (INTERFACE.md), before its provenance
            at = next((i for i, c in enumerate(columns) if c.name in PROVENANCE_COLUMNS), len(columns))
            columns.insert(at, LABEL_JSON_COLUMN)
        columns += [c for c in QUALITY_COLUMNS if c.name not in names]  # and the quality check columns
        object.__setattr__(self, "columns", tuple(columns))

    def content_column_names(self) -> list[str]:
        """The columns hashed into ``content_sha256``."""
        if self.content_columns is not None:
            return list(self.content_columns)
        skip = {self.id_column, LABEL_JSON, *PROVENANCE_COLUMNS, *(c.name for c in QUALITY_COLUMNS)}
        return [c.name for c in self.columns if c.name not in skip]

    def arrow_schema(self) -> pa.Schema:
        """The Arrow schema of this record's Parquet chunks (metadata names the record schema)."""
        fields = [c.field() for c in self.columns]
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
        Column(
            "speaker_gender_mix",
            _S,
            "화자 성별 구성 (여성/남성/혼성)",
            "Speakers' gender mix: 여성 all female, 남성 all male, 혼성 mixed; for speaker diversity targets",
            check=True,
        ),
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
    content_in_label_json=True,  # ingest.readers.korean_dialogue: values as written, stripped; counts; 혼성
)

# -- the other domains (한국어 문서요약·음성, 영상·이미지, 헬스케어, 제조) ---------------------------------

_I = pa.int32()
_F = pa.float64()
_B = pa.bool_()
_BOX = pa.list_(_F)
"""A box ``[x, y, width, height]`` in pixels (labels in x1,y1,x2,y2 are converted)."""
_POLYGONS = pa.list_(pa.list_(_F))
"""Polygons, each a flat ``[x1, y1, x2, y2, ...]`` list in pixels."""
_MEDIA = pa.struct([("bytes", pa.binary()), ("path", _S)])
"""Like Hugging Face's Image/Audio feature: the file's bytes and its path inside the source archive."""


def _provenance(source_doc: str = "원천 파일") -> tuple[Column, ...]:
    return (
        Column("source_file", _S, source_doc, "Source file (archive!member), null when missing", check=True),
        Column("label_archive", _S, "라벨 압축파일", "Label archive the record came from", check=True),
        Column("label_member", _S, "라벨 파일", "Label member inside the archive", check=True),
    )


def _image_columns() -> tuple[Column, ...]:
    return (
        Column("image", _MEDIA, "이미지 (bytes, path)", "The image: bytes and path in the source archive", stored=True),
        Column("file_name", _S, "이미지 파일명", "Image file name as the label states it"),
        Column("width", _I, "이미지 너비 (라벨)", "Width in pixels, as the label states", check=True),
        Column("height", _I, "이미지 높이 (라벨)", "Height in pixels, as the label states", check=True),
        Column("image_format", _S, "이미지 형식", "Decoded format (jpeg, png)", check=True),
        Column(
            "image_valid",
            _B,
            "이미지 정상 (디코딩·크기 일치)",
            "Image decodes and has the stated size (null without a source)",
            check=True,
        ),
    )


def _box_counts(what_ko: str, what_en: str) -> tuple[Column, ...]:
    return (
        Column("boxes_outside", _I, "이미지 밖 박스 수", f"{what_en} boxes reaching outside the image", check=True),
        Column("invalid_boxes", _I, "잘못된 박스 수", f"{what_en} boxes with no area or not 4 numbers", check=True),
    )


_AUDIO_DOC = "음성 (bytes, path)"

KOREAN_SUMMARY = RecordSchema(
    name="korean_summary",
    domain="korean",
    id_column="doc_id",
    doc_ko="문서요약 텍스트: 원문 문장, 추출 요약, 생성 요약",
    doc_en="Document summarisation: source sentences, extractive and abstractive summaries",
    columns=(
        Column("doc_id", _S, "문서 ID", "Document id (id)", nullable=False, check=True),
        Column("category", _S, "분류", "Category, e.g. 종합, 경제", check=True),
        Column("media_type", _S, "매체 유형", "Media type, e.g. online, newspaper", check=True),
        Column("title", _S, "제목", "Title"),
        Column("publish_date", _S, "발행일", "Publication date as given", check=True),
        Column("text", _S, "본문", "All sentences joined, paragraphs separated by a blank line"),
        Column(
            "sentences",
            pa.list_(pa.struct([("paragraph", _I), ("index", _I), ("sentence", _S), ("highlight_indices", _S)])),
            "문장 목록",
            "Sentences (text[paragraph][n]: index, sentence, highlight_indices)",
        ),
        Column("paragraph_count", _I, "문단 수", "Paragraphs", check=True),
        Column("sentence_count", _I, "문장 수", "Sentences", check=True),
        Column("empty_sentence_count", _I, "빈 문장 수", "Sentences with no text", check=True),
        Column("extractive", pa.list_(_I), "추출 요약 문장 번호", "Extractive summary: sentence indices"),
        Column("extractive_count", _I, "추출 요약 문장 수", "Sentences in the extractive summary", check=True),
        Column("extractive_invalid", _I, "없는 문장 번호 수", "Extractive indices that name no sentence", check=True),
        Column("abstractive", pa.list_(_S), "생성 요약", "Abstractive summary sentences"),
        Column("abstractive_count", _I, "생성 요약 수", "Abstractive summaries", check=True),
        Column("empty_abstractive_count", _I, "빈 생성 요약 수", "Empty abstractive summaries", check=True),
        Column("readable", _I, "품질: 가독성", "document_quality_scores.readable", check=True),
        Column("accurate", _I, "품질: 정확성", "document_quality_scores.accurate", check=True),
        Column("informative", _I, "품질: 정보성", "document_quality_scores.informative", check=True),
        Column("trustworthy", _I, "품질: 신뢰성", "document_quality_scores.trustworthy", check=True),
        *_provenance("원문 파일"),
    ),
)

KOREAN_SPEECH = RecordSchema(
    name="korean_speech",
    domain="korean",
    id_column="utterance_id",
    doc_ko="한국어 음성 발화 한 건 (KsponSpeech 형식 전사)",
    doc_en="One Korean speech utterance with its KsponSpeech-style transcript",
    batch_rows=64,
    columns=(
        Column(
            "utterance_id",
            _S,
            "발화 ID",
            "Utterance id (file stem, e.g. KsponSpeech_000001)",
            nullable=False,
            check=True,
        ),
        Column("audio", _MEDIA, _AUDIO_DOC, "The audio file: bytes and path in the source archive"),
        Column("audio_format", _S, "음성 형식", "pcm (headerless 16-bit) or wav", check=True),
        Column("sample_rate", _I, "샘플링 레이트 (Hz)", "Sample rate in Hz", check=True),
        Column("channels", _I, "채널 수", "Channels", check=True),
        Column("duration", _F, "길이 (초)", "Duration in seconds", check=True),
        Column("audio_valid", _B, "음성 정상", "Audio is readable (null without a source)", check=True),
        Column("raw_text", _S, "원 전사", "Transcript as labelled, with tags (b/ n/ l/ o/ u/, (철자)/(발음), +, *)"),
        Column("text", _S, "정제 전사 (철자)", "Cleaned transcript, spelling side of dual transcriptions"),
        Column("text_phonetic", _S, "정제 전사 (발음)", "Cleaned transcript, pronunciation side"),
        Column("noise_tag_count", _I, "잡음 태그 수", "Noise tags (b/ n/ l/ o/ u/)", check=True),
        Column("dual_spelling_count", _I, "이중 전사 수", "Dual transcriptions (철자)/(발음)", check=True),
        Column("transcript_errors", _I, "전사 형식 오류 수", "Malformed tags or brackets", check=True),
        Column("text_length", _I, "정제 전사 길이", "Characters of the cleaned transcript", check=True),
        *_provenance("음성 파일"),
    ),
)

VISION_IMAGE = RecordSchema(
    name="vision_image",
    domain="vision",
    id_column="image_id",
    doc_ko="이미지 한 장과 박스·폴리곤 라벨 (COCO형 영문 키, K-Fashion형 한글 키)",
    doc_en="One image with box and polygon labels (English COCO-like keys or Korean K-Fashion keys)",
    batch_rows=64,
    columns=(
        Column("image_id", _S, "이미지 ID", "Image id (file stem)", nullable=False, check=True),
        Column("label_format", _S, "라벨 형식", "coco (images/annotations) or kfashion (한글 키)", check=True),
        *_image_columns(),
        Column(
            "annotations",
            pa.list_(pa.struct([("category", _S), ("bbox", _BOX), ("polygons", _POLYGONS)])),
            "객체 라벨",
            "Objects: category, box [x, y, w, h], polygons",
        ),
        Column("annotation_count", _I, "객체 수", "Objects labelled", check=True),
        Column("box_count", _I, "박스 수", "Objects with a box", check=True),
        Column("polygon_count", _I, "폴리곤 수", "Polygons", check=True),
        *_box_counts("박스", "Object"),
        Column("polygons_outside", _I, "이미지 밖 폴리곤 수", "Polygons with a point outside the image", check=True),
        *_provenance("이미지 파일"),
    ),
)

HEALTHCARE_IMAGING = RecordSchema(
    name="healthcare_imaging",
    domain="healthcare",
    id_column="study_id",
    doc_ko="의료영상 한 건과 소견 (병변 박스, KCD/ICD-10 진단코드, 판독문)",
    doc_en="One medical image with findings (lesion boxes, KCD/ICD-10 codes) and its report",
    batch_rows=64,
    columns=(
        Column("study_id", _S, "검사 ID", "Study id", nullable=False, check=True),
        Column("modality", _S, "영상 종류", "Modality, e.g. CR (X-ray), CT", check=True),
        Column("body_part", _S, "검사 부위", "Body part, e.g. 흉부 chest", check=True),
        Column("patient_sex", _S, "성별", "Patient sex (M/F)", check=True),
        Column("patient_age", _I, "나이", "Patient age in years", check=True),
        *_image_columns(),
        Column(
            "findings",
            pa.list_(pa.struct([("finding", _S), ("code", _S), ("bbox", _BOX)])),
            "소견",
            "Findings: name, diagnosis code, region box [x, y, w, h]",
        ),
        Column("finding_count", _I, "소견 수", "Findings", check=True),
        Column("invalid_codes", _I, "잘못된 진단코드 수", "Codes not shaped like KCD/ICD-10 (e.g. J18.9)", check=True),
        *_box_counts("병변 박스", "Finding"),
        Column("report_text", _S, "판독문", "Radiology report text (must be de-identified)"),
        *_provenance("영상 파일"),
    ),
)

HEALTHCARE_NOTE = RecordSchema(
    name="healthcare_note",
    domain="healthcare",
    id_column="note_id",
    doc_ko="임상 기록 한 건 (진료과, 기록 종류, 진단코드, 본문)",
    doc_en="One clinical note (department, note type, diagnosis codes, text)",
    columns=(
        Column("note_id", _S, "기록 ID", "Note id", nullable=False, check=True),
        Column("department", _S, "진료과", "Department", check=True),
        Column("note_type", _S, "기록 종류", "Note type, e.g. 경과기록, 퇴원요약", check=True),
        Column("visit_date", _S, "진료일", "Visit date (YYYY-MM-DD)", check=True),
        Column("patient_sex", _S, "성별", "Patient sex (M/F)", check=True),
        Column("patient_age", _I, "나이", "Patient age in years", check=True),
        Column("diagnoses", pa.list_(pa.struct([("code", _S), ("name", _S)])), "진단", "Diagnoses: KCD code and name"),
        Column("code_count", _I, "진단코드 수", "Diagnosis codes", check=True),
        Column("invalid_codes", _I, "잘못된 진단코드 수", "Codes not shaped like KCD/ICD-10", check=True),
        Column("text", _S, "기록 본문", "Note text, from the source .txt (must be de-identified)"),
        Column("text_length", _I, "본문 길이", "Characters of the note text (null without a source)", check=True),
        *_provenance("기록 원문 파일"),
    ),
)

MANUFACTURING_SENSOR = RecordSchema(
    name="manufacturing_sensor",
    domain="manufacturing",
    id_column="series_id",
    doc_ko="설비 센서 시계열 한 건 (측정값·단위·이상 라벨)",
    doc_en="One equipment sensor time series (readings with units, anomaly label)",
    batch_rows=256,
    columns=(
        Column("series_id", _S, "시계열 ID", "Series id (file stem)", nullable=False, check=True),
        Column("equipment_id", _S, "설비 ID", "Equipment id", check=True),
        Column("equipment_name", _S, "설비명", "Equipment, e.g. 보일러", check=True),
        Column("sampling_interval", _F, "샘플링 간격 (초)", "Seconds between readings, as declared", check=True),
        Column("start_time", pa.timestamp("s"), "시작 시각", "First timestamp of the series"),
        Column("end_time", pa.timestamp("s"), "종료 시각", "Last timestamp of the series"),
        Column("timestamps", pa.list_(pa.timestamp("s")), "측정 시각", "Timestamps of the readings"),
        Column(
            "channels",
            pa.list_(pa.struct([("name", _S), ("unit", _S), ("values", pa.list_(_F))])),
            "센서 채널",
            "Sensor channels: name, unit, readings (null = missing)",
        ),
        Column("channel_count", _I, "채널 수", "Sensor channels", check=True),
        Column("row_count", _I, "측정 행 수 (실제)", "Readings in the source file", check=True),
        Column("declared_row_count", _I, "측정 행 수 (라벨)", "Readings the label declares", check=True),
        Column("missing_values", _I, "결측값 수", "Empty or non-numeric readings", check=True),
        Column("unit_mismatches", _I, "단위 불일치 수", "Channels whose unit differs from the label", check=True),
        Column("unordered_timestamps", _I, "시각 역전 수", "Timestamps not after the previous one", check=True),
        Column("label", _S, "상태 라벨", "Class: 정상 normal or 이상 anomaly", check=True),
        Column(
            "anomalies",
            pa.list_(
                pa.struct(
                    [
                        ("start", pa.timestamp("s")),
                        ("end", pa.timestamp("s")),
                        ("anomaly_type", _S),
                        ("sensor", _S),
                    ]
                )
            ),
            "이상 구간",
            "Anomaly segments",
        ),
        Column("anomaly_count", _I, "이상 구간 수", "Anomaly segments", check=True),
        Column("anomalies_outside", _I, "범위 밖 이상 구간 수", "Segments outside the series' time range", check=True),
        *_provenance("센서 데이터 파일"),
    ),
)

MANUFACTURING_DEFECT = RecordSchema(
    name="manufacturing_defect",
    domain="manufacturing",
    id_column="image_id",
    doc_ko="제품 결함 이미지 한 장과 결함 박스 (3블록 라벨)",
    doc_en="One product defect image with defect boxes (three-block label)",
    batch_rows=64,
    columns=(
        Column("image_id", _S, "이미지 ID", "Image id (file stem)", nullable=False, check=True),
        Column("equipment_name", _S, "설비명", "Equipment, e.g. 압출기", check=True),
        Column("product", _S, "제품", "Product", check=True),
        *_image_columns(),
        Column(
            "defects",
            pa.list_(pa.struct([("class_name", _S), ("class_id", _I), ("bbox", _BOX)])),
            "결함",
            "Defects: class, class id, box [x, y, w, h]",
        ),
        Column("defect_count", _I, "결함 수", "Defects labelled", check=True),
        Column("label", _S, "판정", "Class of the image: 정상 good or 불량 defective", check=True),
        *_box_counts("결함 박스", "Defect"),
        *_provenance("이미지 파일"),
    ),
)


class _RecordSchemas(Mapping[str, "RecordSchema"]):
    """The record schema of every kind with a reader, by name: a live view of :mod:`schemas.kinds`."""

    def __getitem__(self, name: str) -> RecordSchema:
        kind = find_kind(name)
        if kind is None or not kind.has_reader:
            raise KeyError(name)
        return _schema_of(kind)

    def __iter__(self) -> Iterator[str]:
        return iter(schema_kinds())

    def __len__(self) -> int:
        return len(schema_kinds())


def _schema_of(kind: Kind) -> RecordSchema:
    assert kind.record_schema is not None
    schema = load(kind.record_schema)
    if not isinstance(schema, RecordSchema) or schema.name != kind.name or schema.domain != kind.domain:
        raise KindError(
            f"kind {kind.name!r}: {kind.record_schema} is not a RecordSchema named {kind.name!r} "
            f"of domain {kind.domain!r}"
        )
    return schema


RECORD_SCHEMAS: Mapping[str, RecordSchema] = _RecordSchemas()
"""Record schema name → schema, for every kind with a reader (:func:`schemas.kinds.schema_kinds`)."""


def get_record_schema(name: str) -> RecordSchema:
    """Look a record schema up by name; ``KeyError`` names the known ones."""
    try:
        return RECORD_SCHEMAS[name]
    except KeyError:
        raise KeyError(f"unknown record schema {name!r}; known: {', '.join(RECORD_SCHEMAS)}") from None


def schema_from_arrow(
    name: str, domain: str, id_column: str, arrow: pa.Schema, docs: dict[str, tuple[str, str]]
) -> RecordSchema:
    """A stored (mapped) record schema rebuilt from its Arrow schema and column docs."""
    columns = tuple(Column(f.name, f.type, *docs.get(f.name, ("", "")), nullable=f.nullable) for f in arrow)
    return RecordSchema(
        name, domain, id_column, columns, "라벨 매핑으로 읽은 레코드", "Records read by the dataset's label mapping"
    )
