"""A real S3 endpoint for the storage tests: moto's server over HTTP on 127.0.0.1, started once per session.

Every response body moto sends is counted per request (method, path, Range header, bytes), so tests can
show what a download or a selective read actually pulled from the store.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.s3_server import CountingApp, CountingMotoServer, Served

SECRET = "kdata-test-SECRET-never-in-outputs"
ACCESS_KEY = "KDATATESTACCESSKEY"
REGION = "ap-northeast-2"


@dataclass
class S3Server:
    endpoint: str
    counter: CountingApp

    def reset(self) -> None:
        self.counter.reset()

    def served(self, path_prefix: str, method: str = "GET") -> int:
        """Bytes of response bodies for requests whose path starts with ``path_prefix``."""
        return self.counter.served(path_prefix, method)

    def requests(self, path_prefix: str, method: str = "GET") -> list[Served]:
        return self.counter.requests(path_prefix, method)


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = CountingMotoServer()
    server.start()
    host, port = server.get_host_and_port()
    yield S3Server(f"http://{host}:{port}", server.counter)
    server.stop()


@dataclass(frozen=True)
class S3Env:
    bucket: str
    prefix: str
    server: S3Server

    @property
    def url(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    def client(self) -> Any:
        return boto3.client("s3")

    def path(self, key: str = "") -> str:
        """The HTTP path moto sees for a store key (path-style addressing)."""
        return f"/{self.bucket}/{self.prefix}/{key}"


_buckets = itertools.count(1)


@pytest.fixture
def s3_env(s3_server: S3Server, kdata_home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> S3Env:
    """AWS variables pointing at the local server, a fresh bucket, and KDATA_STORE=s3://bucket/datasets.

    Depends on ``kdata_home`` (which clears KDATA_STORE) so that the store variable is set last.
    """
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL_S3", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_server.endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    bucket = f"kdata-test-{next(_buckets)}"
    boto3.client("s3").create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    env = S3Env(bucket, "datasets", s3_server)
    monkeypatch.setenv("KDATA_STORE", env.url)
    s3_server.reset()
    return env


def write_chunks(root: Path, n: int = 3, rows: int = 10, split: str = "train") -> list[dict[str, Any]]:
    """``n`` small real Parquet chunks under ``root/<split>/`` and their manifest entries."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from ingest.chunks import sha256_file

    chunks = []
    for i in range(n):
        path = root / split / f"part-000-{i:05d}.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        table = pa.table({"id": [f"{split}-{i}-{r:04d}" for r in range(rows)], "value": list(range(rows))})
        pq.write_table(table, path, compression="zstd")
        chunks.append(
            {
                "key": f"{split}/{path.name}",
                "rows": rows,
                "bytes": path.stat().st_size,
                "sha256": sha256_file(path),
                "split": split,
                "source_archive": "TL_1.zip",
            }
        )
    return chunks


@pytest.fixture
def make_chunks() -> Callable[..., list[dict[str, Any]]]:
    """:func:`write_chunks` as a fixture."""
    return write_chunks


def _dialogue(number: int, rng: Any, utterances: int) -> dict[str, Any]:
    """One synthetic Korean dialogue record (random text, so pages do not compress to nothing)."""
    body = [
        {
            "utterance_id": f"U{u}",
            "turn_id": f"T{u // 2}",
            "participant_id": f"P0{u % 2 + 1}",
            "date": "2024-01-01",
            "time": f"10:{u:02d}:00",
            "utterance": "안녕 " + rng.randbytes(40).hex(),
        }
        for u in range(utterances)
    ]
    return {
        "dialogue_id": f"KSNS_{number:08d}",
        "topic": ("일상대화", "학업", "여행")[number % 3],
        "dialogue_type": "2인 대화",
        "number_of_participants": 2,
        "number_of_utterances": utterances,
        "number_of_turns": utterances // 2,
        "participant_count": 2,
        "utterance_count": utterances,
        "turn_count": utterances // 2,
        "empty_utterance_count": 0,
        "participants": [
            {"participant_id": "P01", "gender": "여성", "age": "20대"},
            {"participant_id": "P02", "gender": "남성", "age": "30대"},
        ],
        "utterances": body,
        "source_file": f"TS_1.zip!일상대화/KSNS_{number:08d}.txt",
        "label_archive": "TL_1.zip",
        "label_member": f"일상대화/SNS_{number // 100:04d}.json",
    }


def publish_synthetic(
    dataset_folder: Path,
    work: Path,
    splits: dict[str, int],
    *,
    chunk_bytes: int,
    row_group_bytes: int,
    batch_rows: int = 100,
    utterances: int = 8,
) -> dict[str, Any]:
    """Write sorted synthetic dialogues with the real ChunkWriter, publish them to KDATA_STORE and register
    the version in the catalog (the quality stage is skipped: these tests are about storage).

    Returns the version manifest. Ids are numbered over the splits in order, so ``dialogue_id`` is sorted.
    """
    import random

    from catalog.db import connect
    from catalog.register import register_version
    from ingest.chunks import ChunkWriter
    from kcore.config import load_settings
    from schemas.contracts import VersionManifest
    from schemas.manifest import load_manifest
    from schemas.records import KOREAN_DIALOGUE
    from storage.layout import version_prefix
    from storage.publish import proven_etags, publish_version
    from storage.stores import open_store

    settings = load_settings()
    manifest = load_manifest(dataset_folder)
    rng = random.Random(7)
    chunks: list[dict[str, Any]] = []
    number = 1
    for split, rows in splits.items():
        writer = ChunkWriter(
            work,
            split=split,
            group=0,
            source_archive="TL_1.zip",
            schema=KOREAN_DIALOGUE.arrow_schema(),
            chunk_bytes=chunk_bytes,
            row_group_bytes=row_group_bytes,
            batch_rows=batch_rows,
        )
        writer.write_rows(_dialogue(n, rng, utterances) for n in range(number, number + rows))
        number += rows
        chunks += [c.to_dict() for c in writer.close()]
    summary = {
        s: {
            "rows": sum(c["rows"] for c in chunks if c["split"] == s),
            "chunks": sum(1 for c in chunks if c["split"] == s),
            "bytes": sum(c["bytes"] for c in chunks if c["split"] == s),
        }
        for s in splits
    }
    version_manifest = {
        "format": "kdata.version/1",
        "dataset_id": manifest.id,
        "version": manifest.version,
        "record_schema": manifest.record_schema,
        "content_sha256": "synthetic-" + "-".join(f"{s}{n}" for s, n in splits.items()),
        "run_id": "synthetic-run",
        "splits": summary,
        "chunks": sorted(chunks, key=lambda c: c["key"]),
        "quality": {"verdict": "passed", "run_id": "synthetic-run", "warnings_failed": []},
    }
    published = VersionManifest.model_validate(version_manifest)
    store = open_store(settings.store)
    publish_version(store, published, work, "synthetic-run")
    prefix = version_prefix(manifest.id, manifest.version)
    urls = {c["key"]: store.uri(f"{prefix}/{c['key']}") for c in chunks}
    with connect(settings) as con:
        etags = proven_etags(store, prefix, published.chunks, work)  # as an ingest registers them
        register_version(
            con, manifest, published, store.uri(f"{prefix}/manifest.json"), urls, settings.user, etags=etags
        )
        con.execute("UPDATE licenses SET status = 'open' WHERE dataset_id = ?", [manifest.id])
    return version_manifest
