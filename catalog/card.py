"""The dataset card (``README.md``) of a published version: Hugging Face YAML front matter, then the AI Hub
page in Korean with English beside it.

The card is published beside the version's ``manifest.json`` and chunks (listed in the manifest's ``files``
with size and sha256), so ``kdata download ID --out DIR`` brings it along and
``datasets.load_dataset("DIR/<dataset>/<version>")`` finds the splits through its ``configs``. It is built
from the dataset manifest, the record schema, the version manifest and the quality summary only: no clock,
no paths of this machine, so the same input gives a byte-identical file.
"""

from __future__ import annotations

import html
import re
from typing import Any

import yaml

from schemas.contracts import SplitStats, VersionManifest
from schemas.domains import DOMAINS, resolve_domain
from schemas.kinds import find_kind
from schemas.manifest import DatasetManifest
from schemas.records import RecordSchema

__all__ = ["CARD_NAME", "HF_LICENSES", "dataset_card", "hf_license", "size_category", "split_pattern"]

CARD_NAME = "README.md"

HF_LICENSES: frozenset[str] = frozenset(
    {
        "apache-2.0",
        "mit",
        "bsd-3-clause",
        "cc0-1.0",
        "cc-by-2.0",
        "cc-by-3.0",
        "cc-by-4.0",
        "cc-by-sa-3.0",
        "cc-by-sa-4.0",
        "cc-by-nc-2.0",
        "cc-by-nc-3.0",
        "cc-by-nc-4.0",
        "cc-by-nd-4.0",
        "cc-by-nc-sa-3.0",
        "cc-by-nc-sa-4.0",
        "cc-by-nc-nd-4.0",
        "odc-by",
        "odbl",
        "pddl",
        "cdla-permissive-2.0",
        "gpl-3.0",
    }
)
"""Licence ids the Hugging Face Hub knows (compared lower-case); any other licence is ``other`` + a name."""

_TASKS_BY_TYPE: dict[str, list[str]] = {
    "text": ["text-classification"],
    "image": ["image-classification"],
    "audio": ["automatic-speech-recognition"],
    "video": ["video-classification"],
    "sensor": ["time-series-forecasting"],
}
_SIZE_BUCKETS: tuple[tuple[int, str], ...] = (
    (1_000, "n<1K"),
    (10_000, "1K<n<10K"),
    (100_000, "10K<n<100K"),
    (1_000_000, "100K<n<1M"),
    (10_000_000, "1M<n<10M"),
    (100_000_000, "10M<n<100M"),
    (1_000_000_000, "100M<n<1B"),
    (10_000_000_000, "1B<n<10B"),
    (100_000_000_000, "10B<n<100B"),
    (1_000_000_000_000, "100B<n<1T"),
)
_TYPE_LABELS = {"text": "텍스트", "image": "이미지", "audio": "음성", "video": "영상", "sensor": "센서"}
_STATUS_LABELS = {
    "pending_review": "검토 대기",
    "open": "공개",
    "approval_required": "승인 필요",
    "restricted": "제한",
    "withdrawn": "철회",
}
_VERDICTS = {
    "passed": "합격 passed",
    "passed_with_warnings": "조건부 합격 passed with warnings",
    "failed": "불합격 failed",
}
_ENGLISH_WORDS = ("영어", "번역", "한영", "영한", "english", "translation")
_TRANSLATION_WORDS = ("병렬", "번역", "parallel", "translation")
_ENGLISH_COLUMN = re.compile(r"(^|_)(en|eng|english)($|_)")


def size_category(rows: int) -> str:
    """The Hugging Face ``size_categories`` bucket of a row count (``n<1K``, ``1K<n<10K``, …, ``n>1T``)."""
    for limit, name in _SIZE_BUCKETS:
        if rows < limit:
            return name
    return "n>1T"


def hf_license(license_id: str) -> tuple[str, str | None]:
    """``(license, license_name)`` for the front matter: a Hub licence id as is, else ``other`` and a slug."""
    slug = re.sub(r"[^a-z0-9.]+", "-", license_id.strip().lower()).strip("-")
    if slug in HF_LICENSES:
        return slug, None
    return "other", slug or "unknown"


def split_pattern(split: str) -> str:
    """Where a split's chunks land in a ``kdata download --out DIR`` folder, relative to the card."""
    return f"{split}/*.parquet"


def _words(manifest: DatasetManifest) -> str:
    return " ".join([manifest.title.ko, manifest.title.en, *manifest.keywords]).lower()


def _tasks(manifest: DatasetManifest, schema: RecordSchema) -> list[str]:
    """Hub task categories: a parallel corpus is translation; else the record schema's kind's (``Kind.tasks``),
    then by data type."""
    if manifest.data_type == "text" and any(word in _words(manifest) for word in _TRANSLATION_WORDS):
        return ["translation"]
    kind = find_kind(schema.name)
    if kind is not None and kind.has_reader and kind.tasks:
        return list(kind.tasks)
    return _TASKS_BY_TYPE[manifest.data_type]


def _languages(manifest: DatasetManifest, schema: RecordSchema) -> list[str]:
    text = _words(manifest)
    english = any(word in text for word in _ENGLISH_WORDS) or any(
        _ENGLISH_COLUMN.search(c.name.lower()) for c in schema.columns
    )
    return ["ko", "en"] if english else ["ko"]


def _front_matter(manifest: DatasetManifest, schema: RecordSchema, splits: dict[str, SplitStats]) -> dict[str, Any]:
    license, license_name = hf_license(manifest.license.id)
    domain = resolve_domain(manifest.domain).id
    meta: dict[str, Any] = {"pretty_name": f"{manifest.title.ko} ({manifest.title.en})", "license": license}
    if license_name is not None:
        meta["license_name"] = license_name
        if manifest.license.url:
            meta["license_link"] = manifest.license.url
    meta["language"] = _languages(manifest, schema)
    meta["task_categories"] = _tasks(manifest, schema)
    meta["size_categories"] = [size_category(sum(s.rows for s in splits.values()))]
    meta["tags"] = ["aihub", domain.replace("_", "-"), manifest.data_type]
    meta["configs"] = [
        {
            "config_name": "default",
            "data_files": [{"split": name, "path": split_pattern(name)} for name in sorted(splits)],
        }
    ]
    return meta


def _html(text: str) -> str:
    """An uploader's text for the card: ``<``, ``>`` and ``&`` as entities, so that a ``<script>`` or an
    ``<img onerror>`` in a title is text wherever the Markdown is rendered (a hub, a browser)."""
    return html.escape(text, quote=False)


def _cell(value: object) -> str:
    """Text for one Markdown table cell (pipes escaped, no line breaks, HTML as text)."""
    return _html(" ".join(str(value).split())).replace("|", "\\|")


def _table(header: list[str], rows: list[list[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return [*lines, ""]


def _yes(flag: bool, yes: str, no: str) -> str:
    return yes if flag else no


def _overview(manifest: DatasetManifest, schema: RecordSchema) -> list[str]:
    domain = DOMAINS[resolve_domain(manifest.domain).id]
    source = manifest.source
    rows: list[list[object]] = [
        ["데이터셋 ID Dataset id", f"`{manifest.id}`"],
        ["분야 Domain", f"{domain.name_ko} {domain.name_en} (`{domain.id}`)"],
        ["유형 Data type", f"{_TYPE_LABELS[manifest.data_type]} {manifest.data_type}"],
        ["레코드 Record", f"{schema.doc_ko} · {schema.doc_en} (`{schema.name}`)"],
        ["구축년도 Build year", manifest.build_year],
        ["버전 Version", manifest.version + (f" — {manifest.version_note}" if manifest.version_note else "")],
        ["제공기관 Provider", source.name + (f" ({source.url})" if source.url else "")],
    ]
    if source.builders:
        rows.append(["구축기관 Builders", ", ".join(source.builders)])
    if manifest.labeling is not None:
        labeling = manifest.labeling
        rows.append(["라벨링 Labelling", f"{labeling.type.ko} · {labeling.type.en} ({labeling.format})"])
    if manifest.formats:
        rows.append(["데이터 형식 Formats", ", ".join(manifest.formats)])
    if manifest.keywords:
        rows.append(["키워드 Keywords", ", ".join(manifest.keywords)])
    return ["## 개요 Overview", "", *_table(["항목 Field", "값 Value"], rows)]


def _license(manifest: DatasetManifest) -> list[str]:
    from catalog.license import initial_status

    license = manifest.license
    status = initial_status(license)
    rows: list[list[object]] = [
        ["라이선스 Licence", license.id + (f" ({license.name})" if license.name else "")],
        ["이용 상태 Licence status (게시 시점 at publication)", f"{_STATUS_LABELS[status]} {status}"],
        ["상업적 이용 Commercial use", _yes(license.commercial_use, "가능 allowed", "불가 not allowed")],
        ["변경 Modification", _yes(license.modification, "가능 allowed", "불가 not allowed")],
        ["재배포 Redistribution", _yes(license.redistribution, "가능 allowed", "불가 not allowed")],
        ["신청 자격 Who may apply", _yes(license.domestic_only, "내국인만 domestic users only", "제한 없음 anyone")],
        ["출처 표시 Attribution", license.attribution],
    ]
    if license.url:
        rows.append(["이용 약관 Terms", license.url])
    note = (
        "이용 상태는 감사자가 바꿀 수 있습니다: 최신 상태는 `kdata show` 로 확인하세요. "
        "*An auditor may change the licence status later: `kdata show` gives the current one.*"
    )
    return ["## 이용 조건 Licence and terms", "", *_table(["항목 Field", "값 Value"], rows), note, ""]


def _splits(splits: dict[str, SplitStats]) -> list[str]:
    rows: list[list[object]] = [
        [name, f"{info.rows:,}", info.chunks, f"{info.bytes:,}", f"`{split_pattern(name)}`"]
        for name, info in sorted(splits.items())
    ]
    header = ["분할 Split", "행 Rows", "청크 Chunks", "바이트 Bytes", "파일 Files"]
    return ["## 분할 Splits", "", *_table(header, rows)]


def _columns(schema: RecordSchema) -> list[str]:
    rows: list[list[object]] = [[f"`{c.name}`", f"`{c.type}`", c.doc_ko, c.doc_en] for c in schema.columns]
    header = ["열 Column", "형식 Type", "설명", "Description"]
    return ["## 열 Columns", "", *_table(header, rows)]


def _quality(quality: dict[str, Any]) -> list[str]:
    verdict = str(quality.get("verdict", ""))
    lines = ["## 품질검증 Quality", "", f"판정 Verdict: **{_VERDICTS.get(verdict, verdict)}**", ""]
    warnings = quality.get("warnings_failed") or []
    if warnings:
        lines += [f"경고 Warnings: {', '.join(f'`{w}`' for w in warnings)}", ""]
    items = quality.get("items") or []
    if items:
        rows: list[list[object]] = [
            [
                f"{i.get('item_ko', '')} · {i.get('item_en', '')}",
                "치명 critical" if i.get("severity") == "critical" else "경고 warning",
                i.get("target", ""),
                i.get("result", ""),
                "합격 pass" if i.get("success") else "불합격 fail",
            ]
            for i in items
        ]
        header = ["항목 Item", "중요도 Severity", "정량목표 Target", "결과값 Result", "판정 Pass"]
        lines += _table(header, rows)
    lines += ["보고서 Report: `quality/summary.html` (이 버전의 저장소 경로 in the version's store prefix)", ""]
    return lines


def _usage(manifest: DatasetManifest) -> list[str]:
    return [
        "## 사용법 Usage",
        "",
        "```bash",
        f"kdata download {manifest.id} --version {manifest.version} --out DIR",
        "```",
        "",
        "```python",
        "from datasets import load_dataset",
        "",
        f'ds = load_dataset("DIR/{manifest.id}/{manifest.version}")',
        "```",
        "",
    ]


def dataset_card(
    manifest: DatasetManifest,
    schema: RecordSchema,
    version_manifest: VersionManifest,
    quality: dict[str, Any],
) -> bytes:
    """The card's bytes (UTF-8, ``\\n`` line ends): deterministic for the same input. Of the version
    manifest only its split totals are read."""
    splits = dict(version_manifest.splits)
    front = yaml.safe_dump(_front_matter(manifest, schema, splits), allow_unicode=True, sort_keys=False, width=1000)
    lines = [
        "---",
        front.rstrip("\n"),
        "---",
        "",
        f"# {_html(manifest.title.ko)}",
        "",
        f"*{_html(manifest.title.en)}*",
        "",
        "## 소개 Description",
        "",
        _html(manifest.description.ko.strip()),
        "",
        f"*{_html(manifest.description.en.strip())}*",
        "",
        *_overview(manifest, schema),
        *_license(manifest),
        *_splits(splits),
        *_columns(schema),
        *_quality(quality),
        *_usage(manifest),
    ]
    return ("\n".join(lines).rstrip("\n") + "\n").encode("utf-8")
