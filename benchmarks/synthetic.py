"""Synthetic catalog entries: register many datasets without ingesting them (tests, benchmarks; a benchmark
helper, so it lives here and not in the ``catalog`` package).

A synthetic version manifest has one chunk per split, all pointing at one small real Parquet file
(the ``data.*`` views bind at creation, so the file must exist). Registration goes through
:func:`catalog.register.register_version`, exactly as an ingest's last step does.

``python -m benchmarks.synthetic N [HOME]`` registers N datasets one by one (one writer connection
and snapshot publication each, like N ingests) and prints the time per registration as the
catalog grows.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from catalog.register import register_version
from kcore.config import Settings, load_settings
from schemas.contracts import ChunkEntry, QualityRef, SplitStats, VersionManifest
from schemas.manifest import DatasetManifest, parse_manifest
from schemas.records import get_record_schema

__all__ = ["fake_version_manifest", "manifest", "register", "register_many", "relevance_manifests", "tiny_parquet"]

# fmt: off
_WORDS = (
    "한국어", "대화", "음성", "영상", "이미지", "자율주행", "의료", "흉부", "농작물", "병해", "센서", "보일러",
    "제조", "법률", "판례", "요약", "뉴스", "금융", "상담", "관광", "리뷰", "스포츠", "동작", "수어", "번역",
    "말뭉치", "데이터셋을", "수집했습니다", "라벨링한", "촬영한", "speech", "video", "image", "sensor",
)
# fmt: on


def tiny_parquet(folder: Path, record_schema: str = "korean_dialogue") -> Path:
    """An empty Parquet file with the record schema's columns (what the synthetic chunks point at)."""
    path = folder / f"{record_schema}-empty.parquet"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        schema = get_record_schema(record_schema).arrow_schema()
        pq.write_table(pa.Table.from_pylist([], schema=schema), path)
    return path


def manifest(dataset_id: str, **fields: Any) -> DatasetManifest:
    """A valid manifest with defaults; ``fields`` override any top-level field (e.g. ``title``)."""
    data: dict[str, Any] = {
        "id": dataset_id,
        "title": {"ko": f"합성 데이터 {dataset_id}", "en": f"Synthetic dataset {dataset_id}"},
        "description": {"ko": "시험용 합성 데이터입니다.", "en": "Synthetic data for tests."},
        "domain": "korean",
        "data_type": "text",
        "record_schema": "korean_dialogue",
        "build_year": 2023,
        "version": "1.0",
        "source": {"name": "한국지능정보사회진흥원 (NIA)", "url": "https://aihub.or.kr"},
        "license": {"id": "aihub-standard", "status": "approval_required"},
    }
    data.update(fields)
    if data["domain"] not in ("korean", "한국어"):  # the korean_dialogue schema is for the korean domain only
        data.pop("record_schema", None)
        data["labels"] = {"fields": {"dialogue_id": {"path": "header.dialogueInfo.dialogueID", "role": "id"}}}
    return parse_manifest(data, Path(f"<synthetic {dataset_id}>"))


def fake_version_manifest(m: DatasetManifest, parquet: Path, rows: dict[str, int] | None = None) -> VersionManifest:
    """A version manifest with one chunk per split, every chunk the same real file."""
    rows = rows or {"train": 80, "validation": 20}
    size = parquet.stat().st_size
    digest = hashlib.sha256(parquet.read_bytes()).hexdigest()
    chunks = [
        ChunkEntry(
            key=f"{s}/part-000-00000.parquet", split=s, rows=n, bytes=size, sha256=digest, source_archive=f"{s}.zip"
        )
        for s, n in sorted(rows.items())
    ]
    content = hashlib.sha256(f"{m.id}:{m.version}".encode()).hexdigest()
    run_id = f"{m.id}-{m.version}-synthetic"
    return VersionManifest(
        dataset_id=m.id,
        version=m.version,
        record_schema=m.schema_name,
        content_sha256=content,
        run_id=run_id,
        splits={s: SplitStats(rows=n, chunks=1, bytes=size) for s, n in rows.items()},
        chunks=chunks,
        quality=QualityRef(verdict="passed", run_id=run_id, warnings_failed=[]),
    )


def register(
    settings: Settings, m: DatasetManifest, parquet: Path, rows: dict[str, int] | None = None, actor: str = "tester"
) -> bool:
    """Register one synthetic version through a writer connection (publishes the snapshot, like an ingest)."""
    from catalog.db import connect

    version = fake_version_manifest(m, parquet, rows)
    urls = {c.key: str(parquet) for c in version.chunks}
    with connect(settings) as con:
        return register_version(con, m, version, f"{parquet.parent}/manifest.json", urls, actor)


def register_many(settings: Settings, manifests: list[DatasetManifest], parquet: Path, actor: str = "tester") -> int:
    """Register many synthetic versions in one writer connection (one snapshot); returns how many were new."""
    from catalog.db import connect

    created = 0
    with connect(settings) as con:
        for m in manifests:
            version = fake_version_manifest(m, parquet)
            urls = {c.key: str(parquet) for c in version.chunks}
            created += register_version(con, m, version, f"{parquet.parent}/manifest.json", urls, actor)
    return created


def relevance_manifests(datasets: list[dict[str, Any]]) -> list[Any]:
    """Manifests of the search-relevance fixture's datasets (:func:`catalog.relevance.load`; licence and the
    rest: :func:`manifest` defaults)."""
    out = []
    for d in datasets:
        out.append(
            manifest(
                d["id"],
                title={"ko": d["title_ko"], "en": d["title_en"]},
                description={"ko": d["description_ko"], "en": d.get("description_en", d["title_en"])},
                keywords=list(d.get("keywords", [])),
                domain=d["domain"],
                data_type=d["data_type"],
                build_year=int(d["build_year"]),
                source={"name": "한국지능정보사회진흥원 (NIA)", "url": d["url"]},
            )
        )
    return out


def _bench(count: int, home: Path) -> None:
    os.environ["KDATA_HOME"] = str(home)
    settings = load_settings()
    parquet = tiny_parquet(home / "synthetic")
    started = time.perf_counter()
    last = started
    for i in range(count):
        words = " ".join(_WORDS[(i * 7 + j) % len(_WORDS)] for j in range(12))
        m = manifest(f"synthetic-{i:05d}", description={"ko": words, "en": f"synthetic {i}"})
        register(settings, m, parquet)
        if (i + 1) % max(count // 10, 1) == 0:
            now = time.perf_counter()
            step = max(count // 10, 1)
            print(f"{i + 1:6d} datasets: {(now - last) / step * 1000:7.1f} ms per registration (last {step})")
            last = now
    total = time.perf_counter() - started
    size = settings.catalog_path.stat().st_size / 1e6
    print(f"total {total:.1f} s for {count} registrations ({total / count * 1000:.1f} ms each); catalog {size:.1f} MB")


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    _bench(n, Path(sys.argv[2]) if len(sys.argv) > 2 else Path(tempfile.mkdtemp(prefix="kdata-bench-")))
