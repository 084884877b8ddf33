"""The web app over an S3 store (moto's server on 127.0.0.1): sample rows by ranged reads, presigned downloads."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import socket
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3
import duckdb
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient
from moto.server import ThreadedMotoServer

from kcore.config import Settings, load_settings
from kdata.web.app import create_app

pytestmark = pytest.mark.integration

SECRET = "web-test-SECRET-never-in-outputs"
DATASET = "s3-open-dialogue"


@dataclass(frozen=True)
class S3Catalog:
    settings: Settings
    endpoint: str

    def rows(self, sql: str) -> list[tuple[object, ...]]:
        con = duckdb.connect(str(self.settings.catalog_path), read_only=True)
        try:
            return con.execute(sql).fetchall()
        finally:
            con.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def s3_catalog(tmp_path_factory: pytest.TempPathFactory, sample_factory: Callable[..., Path]) -> Iterator[S3Catalog]:
    """One open dataset ingested into ``s3://web-bucket/kdata`` on a local S3 server."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=_free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    folder = tmp_path_factory.mktemp("web-s3")
    with pytest.MonkeyPatch.context() as env:
        for name, value in {
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_ACCESS_KEY_ID": "WEBTESTKEY",
            "AWS_SECRET_ACCESS_KEY": SECRET,
            "AWS_DEFAULT_REGION": "ap-northeast-2",
            "KDATA_HOME": str(folder / "home"),
            "KDATA_STORE": "s3://web-bucket/kdata",
            "KDATA_USER": "tester",
            "KDATA_CHUNK_BYTES": "40000",
            "KDATA_ROW_GROUP_BYTES": "10000",
        }.items():
            env.setenv(name, value)
        boto3.client("s3").create_bucket(
            Bucket="web-bucket", CreateBucketConfiguration={"LocationConstraint": "ap-northeast-2"}
        )
        source = folder / "dataset"
        shutil.copytree(sample_factory(items=40), source)
        manifest = source / "dataset.yaml"
        text = manifest.read_text(encoding="utf-8")
        for old, new in {
            "id: korean-sns-dialogue": f"id: {DATASET}",
            "id: aihub-standard": "id: cc-by-4.0",
            "status: approval_required": "status: open",
        }.items():
            text = text.replace(old, new)
        manifest.write_text(text, encoding="utf-8")
        from kdata.pipeline import ingest

        settings = load_settings()
        ingest(settings, str(source))
        yield S3Catalog(settings, endpoint)
    server.stop()


def test_samples_and_presigned_downloads_from_s3(s3_catalog: S3Catalog) -> None:
    client = TestClient(create_app(s3_catalog.settings))
    html = client.get(f"/datasets/{DATASET}").text
    chunks = s3_catalog.rows(
        f"SELECT key, sha256, content_url FROM chunks WHERE dataset_id = '{DATASET}' ORDER BY split, key"
    )
    assert chunks and all(url.startswith("s3://web-bucket/kdata/") for _, _, url in chunks)
    # sample rows come from the first train chunk, read with ranged GETs
    first = boto3.client("s3").get_object(Bucket="web-bucket", Key=f"kdata/{DATASET}/1.0/{chunks[0][0]}")["Body"]
    local = Path(s3_catalog.settings.home) / "first.parquet"
    local.write_bytes(first.read())
    expected = pq.read_table(local, columns=["dialogue_id"]).column("dialogue_id").to_pylist()[:5]
    sample_html = html[html.index('id="samples"') :]
    assert re.findall(r"<td[^>]*>(KSNS_\d{8})</td>", sample_html) == expected

    links = re.findall(r'href="([^"]*/download/[^"]+)"', html)
    assert len(links) == len(chunks)
    redirect = client.get(links[0], follow_redirects=False)
    assert redirect.status_code == 307 and redirect.headers["cache-control"] == "no-store"
    url = redirect.headers["location"]
    assert url.startswith(s3_catalog.endpoint + "/web-bucket/kdata/") and "Signature" in url
    with urllib.request.urlopen(url, timeout=30) as response:
        body = response.read()
    assert hashlib.sha256(body).hexdigest() == chunks[0][1]
    # the signed URL is handed to the browser only: never audited, never in the page
    details = s3_catalog.rows("SELECT CAST(detail AS VARCHAR) FROM audit_log WHERE action = 'download'")
    assert len(details) == 1 and json.loads(details[0][0])["mode"] == "web-presigned"
    assert "Signature" not in details[0][0] and "Signature" not in html and SECRET not in html
