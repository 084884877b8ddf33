"""The dataset manifest: ``dataset.yaml`` beside a dataset's archives.

It carries what an AI Hub dataset page shows (titles, domain, data type, build year, version,
source, licence block, quality targets). :func:`load_manifest` turns the file into a typed
:class:`DatasetManifest` or raises :class:`ManifestError` naming the file and the field.

Dataset-page metadata (all optional, for every domain's generator; the catalog shows and exports them)::

    release_status: open            # 공개 상태 beta | open | withdrawn (not the licence status)
    release_date: 2024-10-30        # 이 버전의 공개일 (version history: version, date, note, status)
    labeling:                       # 라벨링 유형·형식
      type: {ko: 대화 주제·화자 분류, en: Dialogue topic and speaker labels}
      format: JSON
    counts:                         # 구축량: raw (원시) / source (원천) / label (라벨링) items
      raw: 1200
      source: 1000
      label: 1000
      unit: {ko: 대화, en: dialogues}
    collection: {ko: 수집 방법 ..., en: How the data was collected ...}   # Croissant rai:dataCollection
    source: {name: 한국지능정보사회진흥원 (NIA), url: ..., builders: [구축기관 A, 구축기관 B]}

Column names in the catalog borrow Croissant/schema.org vocabulary: ``name_ko``/``name_en`` (name),
``publisher`` (source.name), ``creators`` (source.builders), ``encoding_formats`` (formats),
``date_modified`` (updated), ``date_published`` (release_date).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from kcore.text import printable, unsafe_chars
from schemas.choices import DataType, LicenseStatus, ReleaseStatus
from schemas.domains import DOMAINS, resolve_domain
from schemas.kinds import find_kind
from schemas.labels import LabelMapping, LayoutSpec, load_preset

__all__ = [
    "DATASET_YAML",
    "PII_BLOCK_ONLY_DOMAINS",
    "DataType",
    "DatasetManifest",
    "ItemCounts",
    "Labeling",
    "License",
    "LicenseStatus",
    "LocalizedText",
    "ManifestError",
    "PiiPolicy",
    "QualityTargets",
    "ReleaseStatus",
    "Source",
    "load_manifest",
    "manifest_data",
    "parse_manifest",
]

DATASET_YAML = "dataset.yaml"
"""The dataset folder's manifest, written by the data team (not a version's ``manifest.json``)."""


PiiPolicy = Literal["block", "mask"]

PII_BLOCK_ONLY_DOMAINS: frozenset[str] = frozenset({"healthcare"})
"""Domains whose manifests may not choose ``pii_policy: mask`` (health data is never published masked)."""

_ID = re.compile(r"(?=.{3,64}\Z)[a-z0-9]+(?:-[a-z0-9]+)*")
_VERSION = re.compile(r"[0-9]+(?:\.[0-9]+){0,2}")
"""Both matched whole (``fullmatch``): ``$`` also matched before a trailing newline (``version: "1.0\\n"``
published a second version printed as 1.0), and ``\\d`` took other scripts' digits (``１.０``)."""
_WEB_URL = re.compile(r"^https?://[^\s/?#@]+(?:[/?#]\S*)?$", re.IGNORECASE)


def _web_url(value: str | None) -> str | None:
    """Manifest URLs are shown and exported (Croissant, DCAT), never fetched: plain http(s) links
    with a host only (no ``file:``, ``javascript:`` or credentials ``user@host``)."""
    if value is not None and not _WEB_URL.match(value):
        raise ValueError("must be an http:// or https:// URL with a host (shown to users, never fetched)")
    return value


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


MAX_TEXT = 20_000
"""The longest text a manifest field may hold (a description); titles and names are shorter."""
MAX_NAME = 300
MAX_MANIFEST_BYTES = 1 << 20
"""``dataset.yaml`` is read only up to 1 MiB."""
MAX_ALIASES = 32
"""YAML aliases (``*name``) a manifest may use; each may repeat a large node, so they are few."""
MAX_EXPANDED = 2_000_000
"""Characters of text in a manifest once every alias is expanded (refuses "billion laughs")."""

_Text = Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]
_Name = Annotated[str, Field(min_length=1, max_length=MAX_NAME)]


class LocalizedText(_Model):
    """Text in Korean first, English beside it."""

    ko: Annotated[str, Field(min_length=1, max_length=MAX_TEXT, description="한국어 text")]
    en: Annotated[str, Field(min_length=1, max_length=MAX_TEXT, description="English text")]


class LocalizedName(_Model):
    """A short text (a title) in Korean first, English beside it."""

    ko: Annotated[str, Field(min_length=1, max_length=MAX_NAME, description="한국어 text")]
    en: Annotated[str, Field(min_length=1, max_length=MAX_NAME, description="English text")]


class Source(_Model):
    """출처: who built or published the data."""

    name: Annotated[str, Field(min_length=1, max_length=MAX_NAME, description="Builder or publisher")]
    url: str | None = Field(default=None, description="Where the data comes from (shown, never fetched)")

    _check_url = field_validator("url")(_web_url)
    builders: list[str] = Field(default_factory=list, description="구축기관: who built the data (Croissant creator)")


class Labeling(_Model):
    """라벨링 유형·형식: what the labels describe and the file format they come in."""

    type: LocalizedText = Field(description="라벨링 유형, e.g. 바운딩박스 bounding boxes, 텍스트 전사 transcription")
    format: Annotated[str, Field(min_length=1, description="라벨링 형식, e.g. JSON, XML, TXT")]


MAX_COUNT = 10**15
"""The largest item count a manifest may state (the catalog keeps counts as 64-bit integers: ``1e30`` was a
DuckDB conversion error after the version's manifest was written, a traceback and a burned version)."""


class ItemCounts(_Model):
    """구축량: item counts as the dataset page states them (rows per split come from the ingest)."""

    raw: int | None = Field(default=None, ge=0, le=MAX_COUNT, description="원시데이터 수: raw items collected")
    source: int | None = Field(
        default=None, ge=0, le=MAX_COUNT, description="원천데이터 수: source items (images, audio, text)"
    )
    label: int | None = Field(default=None, ge=0, le=MAX_COUNT, description="라벨링데이터 수: label items")
    unit: LocalizedText | None = Field(default=None, description="단위 unit, e.g. 문장 sentences, 대화 dialogues")


class License(_Model):
    """The licence block (이용 조건). Defaults follow the standard AI Hub terms."""

    id: Annotated[str, Field(min_length=1, description="Licence id, e.g. aihub-standard, CC-BY-4.0, KOGL-1")]
    name: str | None = Field(default=None, description="Human name of the licence")
    status: LicenseStatus = Field(default="pending_review", description="Initial licence status")
    commercial_use: bool = Field(default=True, description="Results (models, services) may be used commercially")
    modification: bool = Field(default=True, description="Data may be modified")
    domestic_only: bool = Field(default=True, description="내국인만 신청 가능: domestic users only")
    redistribution: bool = Field(default=False, description="The data itself may be redistributed")
    attribution: str = Field(
        default="Open AI Dataset Project (AI-Hub, S. Korea)", description="Required attribution text"
    )
    url: str | None = Field(default=None, description="Full licence terms (shown, never fetched)")

    _check_url = field_validator("url")(_web_url)


class QualityTargets(_Model):
    """품질 목표: quantitative targets the quality report compares results with."""

    syntactic_validity: float = Field(
        default=0.995, ge=0, le=1, description="구문 정확성: share of labels that parse and match the schema"
    )
    pii_policy: PiiPolicy = Field(default="block", description="개인정보: block publication, or mask and count")
    distributions: dict[str, dict[str, float]] = Field(
        default_factory=dict,
        description="통계적 다양성: target share of every class of a check column, e.g. {topic: {일상대화: 0.5}}",
    )
    distribution_tolerance: float = Field(
        default=0.05, gt=0, le=1, description="Allowed absolute deviation of each share (0.05 = ±5 percentage points)"
    )

    @field_validator("distributions")
    @classmethod
    def _check_distributions(cls, value: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
        for column, shares in value.items():
            if not shares:
                raise ValueError(f"{column}: list every class with its target share")
            if any(not 0 <= share <= 1 for share in shares.values()):
                raise ValueError(f"{column}: each share must be between 0 and 1")
            total = sum(shares.values())
            if abs(total - 1) > 0.01:
                raise ValueError(f"{column}: shares must add up to 1 (every class listed), got {total:g}")
        return value


class DatasetManifest(_Model):
    """One dataset as described by its ``dataset.yaml``."""

    id: Annotated[str, Field(description="Stable dataset id: lower-case letters, digits and '-'")]
    title: LocalizedName = Field(description="데이터셋명 title")
    description: LocalizedText = Field(description="소개 description")
    domain: Annotated[str, Field(description="Roadmap domain id (korean, vision, ...) or its Korean name")]
    data_type: DataType = Field(description="유형: text, image, audio, video, sensor")
    record_schema: str | None = Field(
        default=None,
        min_length=1,
        description="Built-in record schema with its own reader (e.g. korean_dialogue); or give labels:",
    )
    labels: LabelMapping | None = Field(
        default=None, description="라벨 매핑: how rows are read from the label files (schemas/labels.py)"
    )
    layout: LayoutSpec | None = Field(default=None, description="Which archives are data and their split/kind")
    build_year: Annotated[int, Field(ge=2015, le=2100, description="구축년도")]
    version: Annotated[str, Field(description="Dataset version, e.g. 1.0")]
    version_note: str = Field(default="", max_length=MAX_TEXT, description="What changed in this version")
    updated: str | None = Field(default=None, description="갱신년월, YYYY-MM")
    source: Source = Field(description="출처")
    formats: list[Annotated[str, Field(max_length=40)]] = Field(
        default_factory=list, max_length=40, description="데이터 형식, e.g. json, txt"
    )
    keywords: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(
        default_factory=list, max_length=100, description="Search keywords"
    )
    license: License = Field(description="Licence block")
    quality: QualityTargets = Field(default_factory=QualityTargets, description="Quality targets")
    release_status: ReleaseStatus = Field(default="open", description="공개 상태: beta, open or withdrawn")
    release_date: str | None = Field(default=None, description="공개일 of this version, YYYY-MM-DD")
    labeling: Labeling | None = Field(default=None, description="라벨링 유형·형식")
    counts: ItemCounts = Field(default_factory=ItemCounts, description="구축량: raw/source/label item counts")
    collection: LocalizedText | None = Field(default=None, description="수집 방법: how the data was collected")

    @model_validator(mode="after")
    def _check_reading(self) -> DatasetManifest:
        if (self.record_schema is None) == (self.labels is None):
            raise ValueError("give labels: (a label mapping or a preset) or record_schema:, exactly one of them")
        if self.record_schema is not None:
            kind = find_kind(self.record_schema)
            owner = kind.domain if kind is not None and kind.has_reader else None
            if owner is not None and owner != self.domain:
                raise ValueError(
                    f"record_schema {self.record_schema!r} is a {owner} schema; this dataset's domain is {self.domain}"
                )
        if self.labels is not None and self.labels.preset is not None:
            domains, _ = load_preset(self.labels.preset)
            if self.domain not in domains:
                raise ValueError(
                    f"preset {self.labels.preset!r} is for domain(s) {', '.join(domains)}; "
                    f"this dataset's is {self.domain}"
                )
        return self

    @property
    def schema_name(self) -> str:
        """The record schema's name: the built-in one, or ``mapped:<id>`` for a label mapping."""
        if self.record_schema is not None:
            return self.record_schema
        return f"mapped:{self.id}"

    @field_validator("id")
    @classmethod
    def _check_id(cls, value: str) -> str:
        if not _ID.fullmatch(value):
            raise ValueError(
                "must be 3-64 characters of a-z, 0-9 and single '-' between them (no '--', no capitals): "
                "ids name SQL views, where 'a--b' and 'a-b' would meet"
            )
        return value

    @field_validator("version")
    @classmethod
    def _check_version(cls, value: str) -> str:
        if not _VERSION.fullmatch(value):
            raise ValueError("must look like 1, 1.0 or 1.0.2")
        return value

    @field_validator("domain")
    @classmethod
    def _check_domain(cls, value: str) -> str:
        try:
            return resolve_domain(value).id
        except KeyError:
            raise ValueError(f"unknown roadmap domain; expected one of {', '.join(DOMAINS)}") from None

    @field_validator("updated")
    @classmethod
    def _check_updated(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^\d{4}-(0[1-9]|1[0-2])$", value):
            raise ValueError("must be YYYY-MM")
        return value

    @field_validator("release_date", mode="before")
    @classmethod
    def _check_release_date(cls, value: object) -> object:
        if isinstance(value, dt.date):  # YAML reads 2024-10-30 as a date
            value = value.isoformat()
        if value is not None:
            try:
                dt.date.fromisoformat(str(value))
            except ValueError:
                raise ValueError("must be a date YYYY-MM-DD") from None
            if not re.match(r"^\d{4}-\d{2}-\d{2}$", str(value)):
                raise ValueError("must be a date YYYY-MM-DD")
        return value


class ManifestError(ValueError):
    """A manifest that cannot be used; the message names the file and each bad field."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        super().__init__(f"{path}: invalid dataset manifest:\n" + "\n".join(f"  - {p}" for p in problems))


def _format_error(error: ValidationError) -> list[str]:
    problems = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "(top level)"
        problems.append(f"field '{where}': {item['msg']}")
    return problems


def parse_manifest(data: object, path: Path) -> DatasetManifest:
    """Validate already-parsed YAML/JSON data as a manifest."""
    if not isinstance(data, dict):
        raise ManifestError(path, ["the file must hold a mapping of fields (id, title, domain, ...)"])
    unsafe = list(_unsafe_text(data, ""))
    if unsafe:  # a title with ESC sequences reached every user's terminal (kdata show, search)
        raise ManifestError(path, unsafe[:10])
    # YAML reads 1.0 as a float: a version is text.
    if isinstance(data.get("version"), int | float):
        data = {**data, "version": str(data["version"])}
    try:
        manifest = DatasetManifest.model_validate(data)
    except ValidationError as error:
        raise ManifestError(path, _format_error(error)) from None
    if manifest.domain in PII_BLOCK_ONLY_DOMAINS and manifest.quality.pii_policy != "block":
        raise ManifestError(
            path,
            [
                f"field 'quality.pii_policy': {manifest.domain} datasets must block personal data "
                "(pii_policy: block); masking is not allowed for this domain"
            ],
        )
    return manifest


def _unsafe_text(value: object, where: str) -> Iterator[str]:
    """A problem per key or text of ``value`` holding control characters or direction overrides."""
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{where}.{key}" if where else str(key)
            found = unsafe_chars(key) if isinstance(key, str) else []
            if found:
                yield f"key {printable(here)!r}: control characters or direction overrides {found}"
            yield from _unsafe_text(item, here)
    elif isinstance(value, list):
        for n, item in enumerate(value):
            yield from _unsafe_text(item, f"{where}[{n}]")
    elif isinstance(value, str) and (found := unsafe_chars(value)):
        listed = ", ".join(found)
        yield f"field {where!r}: control characters or direction overrides ({listed}) are not allowed in text"


JSON_SCHEMA_FILE = Path(__file__).with_name("dataset.schema.json")
"""The JSON Schema of ``dataset.yaml`` for editors (``# yaml-language-server: $schema=...``); written by
``python -m schemas.manifest`` from :class:`DatasetManifest`, checked against it by a test."""


def json_schema_text() -> str:
    """The JSON Schema of :class:`DatasetManifest`, as the file holds it."""
    import json

    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", **DatasetManifest.model_json_schema()}
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader that refuses more than :data:`MAX_ALIASES` aliases."""

    aliases_seen = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            self.aliases_seen += 1
            if self.aliases_seen > MAX_ALIASES:
                mark = self.peek_event().start_mark
                raise yaml.YAMLError(f"more than {MAX_ALIASES} YAML aliases (*name), {mark}: write the values out")
        return super().compose_node(parent, index)


def _check_expanded(data: object, path: Path) -> None:
    """Refuse a manifest whose text, with aliases expanded, exceeds :data:`MAX_EXPANDED` characters."""
    budget = MAX_EXPANDED
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            budget -= len(item)
        elif isinstance(item, dict):
            budget -= len(item)
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            budget -= len(item)
            stack.extend(item)
        else:
            budget -= 1
        if budget < 0:
            raise ManifestError(
                path, [f"the manifest expands to more than {MAX_EXPANDED:,} characters (YAML aliases repeat text)"]
            )


def load_manifest(folder_or_file: Path) -> DatasetManifest:
    """Read ``dataset.yaml`` from a dataset folder (or the file itself)."""
    path = folder_or_file / DATASET_YAML if folder_or_file.is_dir() else folder_or_file
    if not path.is_file():
        raise ManifestError(path, [f"no {DATASET_YAML} found: every dataset folder needs one"])
    size = path.stat().st_size
    if size > MAX_MANIFEST_BYTES:
        raise ManifestError(path, [f"the file is {size:,} bytes; a manifest may hold at most {MAX_MANIFEST_BYTES:,}"])
    return parse_manifest(manifest_data(path.read_bytes(), path), path)


def manifest_data(raw: bytes, path: Path) -> object:
    """The YAML of a manifest's bytes, bounded as every reader of ``dataset.yaml`` must be (inspect, ingest,
    the S3 landing zone): at most :data:`MAX_MANIFEST_BYTES`, :data:`MAX_ALIASES` aliases and
    :data:`MAX_EXPANDED` characters once expanded (an alias bomb of 623 bytes took inspect to 4 GB)."""
    if len(raw) > MAX_MANIFEST_BYTES:
        raise ManifestError(
            path, [f"the file is {len(raw):,} bytes; a manifest may hold at most {MAX_MANIFEST_BYTES:,}"]
        )
    try:
        data = yaml.load(raw.decode("utf-8-sig"), Loader=_BoundedLoader)
        _check_expanded(data, path)
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise ManifestError(path, [f"not valid YAML: {error}"]) from None
    except ValueError as error:  # YAML reads 2024-13-01 as a date and fails: month must be in 1..12
        raise ManifestError(path, [f"not valid YAML (an impossible date?): {error}"]) from None
    return data


if __name__ == "__main__":  # python -m schemas.manifest: rewrite dataset.schema.json
    JSON_SCHEMA_FILE.write_text(json_schema_text(), encoding="utf-8")
    print(f"wrote {JSON_SCHEMA_FILE}")
