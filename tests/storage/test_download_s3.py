"""The whole path on S3 through the CLI: ingest → publish to a local S3 server → catalog → sql → download.

One dataset is ingested once for the module (KDATA_STORE=s3://..., moto over HTTP); the tests then
download it whole, resumed, repaired, selectively and as presigned URLs, and check that licences are
enforced, every download is audited and no credential reaches any file, object or output.
"""

from __future__ import annotations

import hashlib
import json
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from catalog.db import connect
from ingest.chunks import sha256_file
from kcore.config import load_settings
from kdata.cli import app
from tests.storage.conftest import ACCESS_KEY, REGION, SECRET, S3Server

pytestmark = pytest.mark.integration
runner = CliRunner()
DATASET = "korean-sns-dialogue"


@dataclass(frozen=True)
class Published:
    home: Path
    bucket: str
    server: S3Server
    ingest: dict[str, Any]
    manifest: dict[str, Any]

    def catalog(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        con = duckdb.connect(str(self.home / "catalog.duckdb"), read_only=True)
        try:
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()

    def write(self, sql: str, params: list[Any] | None = None) -> None:
        """A direct write, through the catalog's writer so readers' snapshot is republished."""
        with connect(load_settings()) as con:
            con.execute(sql, params or [])

    def path(self, key: str) -> str:
        return f"/{self.bucket}/datasets/{DATASET}/1.0/{key}"


@pytest.fixture(scope="module")
def published(s3_server: S3Server, sample_factory, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Published]:  # type: ignore[no-untyped-def]
    home = tmp_path_factory.mktemp("s3-home") / "home"
    with pytest.MonkeyPatch.context() as mp:
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL_S3", "AWS_REGION"):
            mp.delenv(name, raising=False)
        mp.setenv("AWS_CONFIG_FILE", str(home.parent / "none"))
        mp.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home.parent / "none"))
        mp.setenv("AWS_ENDPOINT_URL", s3_server.endpoint)
        mp.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
        mp.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
        mp.setenv("AWS_DEFAULT_REGION", REGION)
        bucket = "kdata-download-e2e"
        boto3.client("s3").create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
        mp.setenv("KDATA_HOME", str(home))
        mp.setenv("KDATA_STORE", f"s3://{bucket}/datasets")
        mp.setenv("KDATA_USER", "tester")
        mp.setenv("KDATA_CHUNK_BYTES", "40000")
        mp.setenv("KDATA_ROW_GROUP_BYTES", "10000")
        result = runner.invoke(app, ["ingest", str(sample_factory(items=60)), "--json"])
        assert result.exit_code == 0, result.output
        ingest = json.loads(result.stdout)
        body = boto3.client("s3").get_object(Bucket=bucket, Key=f"datasets/{DATASET}/1.0/manifest.json")["Body"]
        done = Published(home, bucket, s3_server, ingest, json.loads(body.read()))
        done.write("INSERT INTO approvals VALUES (?, 'tester', 'steward', now(), NULL, 'test')", [DATASET])
        yield done


def kdata(*args: str) -> Any:
    return runner.invoke(app, list(args))


def download_json(*args: str) -> tuple[int, dict[str, Any]]:
    result = kdata("download", DATASET, *args, "--json")
    return result.exit_code, json.loads(result.stdout) if result.exit_code == 0 else {"output": result.output}


def test_ingest_to_s3_registers_s3_urls_and_leaks_no_credentials(published: Published) -> None:
    assert published.ingest["status"] == "published"
    assert published.ingest["manifest"] == f"s3://{published.bucket}/datasets/{DATASET}/1.0/manifest.json"
    urls = published.catalog("SELECT content_url, sha256 FROM chunks ORDER BY key")
    assert len(urls) == len(published.manifest["chunks"]) > 2
    prefix = f"s3://{published.bucket}/datasets/{DATASET}/1.0/"
    assert all(url.startswith(prefix) for url, _ in urls)
    assert [sha for _, sha in urls] == [c["sha256"] for c in published.manifest["chunks"]]
    client = boto3.client("s3")
    keys = [o["Key"] for o in client.list_objects_v2(Bucket=published.bucket)["Contents"]]
    assert not any("_staging" in k for k in keys)
    for key in keys:  # objects carry the file's own sha256 as metadata
        head = client.head_object(Bucket=published.bucket, Key=key)
        assert len(head["Metadata"]["sha256"]) == 64
        body = client.get_object(Bucket=published.bucket, Key=key)["Body"].read()
        assert SECRET.encode() not in body and ACCESS_KEY.encode() not in body
    for path in published.home.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert SECRET.encode() not in data and ACCESS_KEY.encode() not in data, path
    assert SECRET not in json.dumps(published.ingest)


def test_sql_reads_views_over_s3_and_stays_fenced(published: Published) -> None:
    out = kdata("sql", f'SELECT count(*) AS n FROM data."{DATASET.replace("-", "_")}__train"', "--format", "json")
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout) == [{"n": 48}]
    assert kdata("sql", "SELECT * FROM read_parquet('s3://another-bucket/x.parquet')").exit_code == 4
    assert kdata("sql", "SELECT * FROM read_csv('/etc/passwd')").exit_code == 4
    shown = kdata("sql", "SELECT current_setting('s3_secret_access_key') AS s", "--format", "json")
    assert SECRET not in shown.output


def test_license_is_enforced_and_refusals_are_audited(published: Published, tmp_path: Path) -> None:
    result = runner.invoke(app, ["download", DATASET, "--out", str(tmp_path / "x")], env={"KDATA_USER": "outsider"})
    assert result.exit_code == 4
    assert "kdata approve" in result.output and "outsider" in result.output
    assert not (tmp_path / "x").exists()
    published.write("INSERT INTO approvals VALUES (?, 'expired', 'steward', now(), DATE '2020-01-01', 't')", [DATASET])
    expired = runner.invoke(
        app, ["download", DATASET, "--out", str(tmp_path / "x"), "--urls"], env={"KDATA_USER": "expired"}
    )
    assert expired.exit_code == 4
    refused = published.catalog(
        "SELECT actor, detail->>'status' FROM audit_log WHERE action = 'download' AND actor IN ('outsider', 'expired')"
    )
    assert sorted(refused) == [("expired", "refused"), ("outsider", "refused")]
    published.write("UPDATE licenses SET status = 'open' WHERE dataset_id = ?", [DATASET])
    try:
        opened = runner.invoke(
            app, ["download", DATASET, "--out", str(tmp_path / "x"), "--urls"], env={"KDATA_USER": "outsider"}
        )
        assert opened.exit_code == 0, opened.output
    finally:
        published.write("UPDATE licenses SET status = 'approval_required' WHERE dataset_id = ?", [DATASET])


def test_whole_chunks_are_verified_resumed_and_repaired(published: Published, tmp_path: Path) -> None:
    out = tmp_path / "dl"
    code, first = download_json("--out", str(out))
    assert code == 0, first
    root = out / DATASET / "1.0"
    assert (root / "manifest.json").read_bytes() == json.dumps(
        published.manifest, ensure_ascii=False, sort_keys=True, indent=2
    ).encode() + b"\n"
    chunks = published.manifest["chunks"]
    for chunk in chunks:
        assert sha256_file(root / chunk["key"]) == chunk["sha256"]
    assert first["transferred"] == first["bytes"] == sum(c["bytes"] for c in chunks)
    audited = [
        (actor, version, json.loads(detail))
        for actor, version, detail in published.catalog(
            "SELECT actor, version, detail FROM audit_log WHERE action = 'download' ORDER BY seq"
        )
    ]
    mine = [(a, v, d["bytes"], d["mode"], d["status"]) for a, v, d in audited if d.get("out") == str(root)]
    assert mine == [("tester", "1.0", first["bytes"], "chunks", "ok")]

    # An interrupted download: half the file in *.part. Only the other half travels (HTTP Range).
    resumed, corrupted = chunks[0], chunks[1]
    whole = (root / resumed["key"]).read_bytes()
    (root / resumed["key"]).unlink()
    half = len(whole) // 2
    (root / (resumed["key"] + ".part")).write_bytes(whole[:half])
    # A corrupted local file: same size, one byte changed.
    damaged = bytearray((root / corrupted["key"]).read_bytes())
    damaged[len(damaged) // 2] ^= 0xFF
    (root / corrupted["key"]).write_bytes(bytes(damaged))
    published.server.reset()
    code, again = download_json("--out", str(out))
    assert code == 0, again
    assert again["resumed"] == 1 and again["refetched"] == 1 and again["skipped"] == len(chunks) - 2
    assert again["transferred"] == (len(whole) - half) + corrupted["bytes"]
    ranged = published.server.requests(published.path(resumed["key"]))
    assert [(r.range, r.bytes) for r in ranged] == [(f"bytes={half}-", len(whole) - half)]
    assert published.server.served(published.path(corrupted["key"])) == corrupted["bytes"]
    for chunk in chunks:
        assert sha256_file(root / chunk["key"]) == chunk["sha256"]
    assert not list(root.rglob("*.part"))

    # A resumed file whose first half is wrong is detected after the resume and fetched whole.
    (root / resumed["key"]).unlink()
    (root / (resumed["key"] + ".part")).write_bytes(b"\0" * half)
    code, third = download_json("--out", str(out))
    assert code == 0 and third["resumed"] == 1 and third["refetched"] == 1
    assert sha256_file(root / resumed["key"]) == resumed["sha256"]


def test_split_and_chunk_range_choose_the_files(published: Published, tmp_path: Path) -> None:
    train = sorted((c for c in published.manifest["chunks"] if c["split"] == "train"), key=lambda c: c["key"])
    code, result = download_json("--out", str(tmp_path), "--split", "train", "--chunks", "1", "--no-progress")
    assert code == 0, result
    got = sorted(p.relative_to(tmp_path / DATASET / "1.0").as_posix() for p in tmp_path.rglob("*.parquet"))
    assert len(train) >= 2 and got == [train[1]["key"]] and result["chunks"] == 1
    for bad in (
        ["--split", "train", "--chunks", f"0-{len(train)}"],
        ["--chunks", "0-1"],
        ["--split", "test"],
        ["--version", "9.9"],
        ["--split", "train", "--chunks", "2-1"],
    ):
        result = kdata("download", DATASET, "--out", str(tmp_path / "bad"), *bad)
        assert result.exit_code == 2, (bad, result.output)
    assert not (tmp_path / "bad").exists()


def test_urls_are_presigned_and_never_audited(published: Published, tmp_path: Path) -> None:
    result = kdata("download", DATASET, "--out", str(tmp_path), "--urls", "--split", "validation", "--expires", "120")
    assert result.exit_code == 0, result.output
    urls = result.stdout.split()
    chunks = sorted((c for c in published.manifest["chunks"] if c["split"] == "validation"), key=lambda c: c["key"])
    assert len(urls) == len(chunks)
    for url, chunk in zip(urls, chunks, strict=True):
        assert url.startswith(published.server.endpoint) and "X-Amz-Expires=120" in url
        with urllib.request.urlopen(url, timeout=10) as response:
            data = response.read()
        assert len(data) == chunk["bytes"]
    details = [r[0] for r in published.catalog("SELECT detail FROM audit_log WHERE detail->>'mode' = 'urls'")]
    assert details and not any("X-Amz" in d or "http" in d for d in details)
    assert not list(tmp_path.rglob("*"))  # nothing downloaded
    for path in published.home.rglob("*"):  # no signed URL (it carries the access key id) in any file
        if path.is_file():
            assert b"X-Amz-Signature" not in path.read_bytes() and ACCESS_KEY.encode() not in path.read_bytes(), path


def test_selective_download_pushes_down_and_loads_in_hf_and_duckdb(
    published: Published, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    where = "utterance_count >= 14 AND topic = '일상대화'"
    code, result = download_json(
        "--out", str(tmp_path), "--columns", "dialogue_id,topic,utterance_count", "--where", where
    )
    assert code == 0, result
    selection = json.loads(Path(result["selection"]).read_text(encoding="utf-8"))
    assert selection["version"] == "1.0" and selection["where"] == where
    assert selection["columns"] == ["dialogue_id", "topic", "utterance_count"]
    assert selection["version_content_sha256"] == published.manifest["content_sha256"]
    whole_out = tmp_path / "whole"
    assert download_json("--out", str(whole_out), "--no-progress")[0] == 0
    kept = total = 0
    for split in ("train", "validation"):
        info = selection["splits"][split]
        path = Path(result["root"]) / info["file"]
        assert sha256_file(path) == info["sha256"] and path.stat().st_size == info["bytes"]
        assert [c["key"] for c in info["source_chunks"]] == sorted(
            c["key"] for c in published.manifest["chunks"] if c["split"] == split
        )
        subset = pq.read_table(path)
        assert subset.column_names == ["dialogue_id", "topic", "utterance_count"]
        full = pq.read_table(sorted((whole_out / DATASET / "1.0" / split).glob("*.parquet")))
        expected = full.filter(
            pc.and_(pc.greater_equal(full["utterance_count"], 14), pc.equal(full["topic"], "일상대화"))
        )
        assert subset.num_rows == info["rows"] == expected.num_rows
        assert subset["dialogue_id"].to_pylist() == expected["dialogue_id"].to_pylist()
        kept += subset.num_rows
        total += full.num_rows
    assert 0 < kept < total / 2

    train = str(Path(result["root"]) / "train.parquet")
    whole_train = sorted(str(p) for p in (whole_out / DATASET / "1.0" / "train").glob("*.parquet"))
    assert duckdb.sql(f"SELECT count(*) FROM read_parquet('{train}')").fetchone() == (
        selection["splits"]["train"]["rows"],
    )
    assert duckdb.sql(f"SELECT count(*) FROM read_parquet({whole_train})").fetchone() == (48,)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path / "hf-cache"))
    import datasets

    subset_ds = datasets.load_dataset("parquet", data_files={"train": train}, cache_dir=str(tmp_path / "hf-cache"))
    assert subset_ds["train"].num_rows == selection["splits"]["train"]["rows"]
    assert subset_ds["train"].column_names == ["dialogue_id", "topic", "utterance_count"]
    whole_ds = datasets.load_dataset("parquet", data_files={"train": whole_train}, cache_dir=str(tmp_path / "hf-cache"))
    assert whole_ds["train"].num_rows == 48
    assert whole_ds["train"][0]["utterances"][0]["utterance"]  # nested lists of structs survive


@pytest.mark.parametrize(
    "where",
    [
        "1=1; DROP TABLE chunks",
        "dialogue_id IN (SELECT dialogue_id FROM read_parquet('s3://x/y.parquet'))",
        "EXISTS (SELECT 1)",
        "length(read_text('/etc/passwd')::VARCHAR) > 0",
        "current_setting('s3_secret_access_key') = 'x'",
        "1=1 UNION SELECT 1",
        "true ORDER BY 1",
        "no_such_column = 1",
        "topic = ",
    ],
)
def test_where_must_be_a_safe_expression(published: Published, tmp_path: Path, where: str) -> None:
    result = kdata("download", DATASET, "--out", str(tmp_path), "--where", where)
    assert result.exit_code == 2, result.output
    assert "--where" in result.output
    assert not list(tmp_path.rglob("*.parquet"))


def test_unknown_column_is_named(published: Published, tmp_path: Path) -> None:
    result = kdata("download", DATASET, "--out", str(tmp_path), "--columns", "dialogue_id,nope")
    assert result.exit_code == 2 and "'nope'" in result.output


def test_zone_maps_keep_chunks_that_cannot_match_closed(published: Published, tmp_path: Path) -> None:
    """A filter on the sorted id opens only the chunks whose manifest range overlaps it: the others get
    no request at all, and the subset equals the same filter over the whole split."""
    train = sorted((c for c in published.manifest["chunks"] if c["split"] == "train"), key=lambda c: c["key"])
    assert len(train) >= 2, "the fixture should publish several train chunks"
    assert all(set(c["ranges"]) >= {"dialogue_id", "utterance_count", "topic"} for c in train)
    assert "content_sha256" not in train[0]["ranges"]  # a hash column gets no statistics
    target = train[1]
    low, high = target["ranges"]["dialogue_id"]
    where = f"Dialogue_ID BETWEEN '{low}' AND '{high}'"  # DuckDB matches names without case; so do ranges
    published.server.reset()
    code, result = download_json("--out", str(tmp_path / "one"), "--split", "train", "--where", where)
    assert code == 0, result
    opened = {c["key"] for c in train if published.server.requests(published.path(c["key"]))}
    assert opened == {target["key"]}
    assert result["chunks_skipped"] == len(train) - 1
    selection = json.loads(Path(result["selection"]).read_text(encoding="utf-8"))
    info = selection["splits"]["train"]
    assert info["skipped_chunks"] == sorted(c["key"] for c in train if c is not target)
    assert [c["key"] for c in info["source_chunks"]] == [c["key"] for c in train]
    assert download_json("--out", str(tmp_path / "whole"), "--split", "train", "--no-progress")[0] == 0
    full = pq.read_table(sorted((tmp_path / "whole" / DATASET / "1.0" / "train").glob("*.parquet")))
    expected = full.filter(
        pc.and_(pc.greater_equal(full["dialogue_id"], low), pc.less_equal(full["dialogue_id"], high))
    )
    subset = pq.read_table(Path(result["root"]) / info["file"])
    assert subset.num_rows == info["rows"] == expected.num_rows == target["rows"]
    assert subset["dialogue_id"].to_pylist() == expected["dialogue_id"].to_pylist()

    # an OR with a part the ranges cannot judge opens every chunk, and still selects the same rows
    published.server.reset()
    code, result = download_json(
        "--out", str(tmp_path / "or"), "--split", "train", "--where", f"({where}) OR length(topic) < 0"
    )
    assert code == 0 and result["chunks_skipped"] == 0 and result["rows"]["train"] == target["rows"]
    assert all(published.server.requests(published.path(c["key"])) for c in train)

    # nothing can match: one chunk is opened for the columns, the file is empty but well-formed
    published.server.reset()
    code, result = download_json(
        "--out", str(tmp_path / "none"), "--split", "train", "--columns", "dialogue_id,topic",
        "--where", "dialogue_id > 'ZZZ' AND utterance_count >= 0",
    )  # fmt: skip
    assert code == 0 and result["rows"] == {"train": 0} and result["chunks_skipped"] == len(train)
    assert sum(1 for c in train if published.server.requests(published.path(c["key"]))) == 1
    empty = pq.read_table(result["files"][0])
    assert empty.num_rows == 0 and empty.column_names == ["dialogue_id", "topic"]


def test_a_download_is_audited_without_invalidating_search(published: Published, tmp_path: Path) -> None:
    """The audit row of a download is written by a writer that keeps the catalog token: search indexes
    of long-running readers (the web app) are not rebuilt for every download."""
    token = published.catalog("SELECT token FROM catalog_generation")
    audited = published.catalog("SELECT count(*) FROM audit_log WHERE action = 'download'")[0][0]
    assert download_json("--out", str(tmp_path), "--split", "validation", "--no-progress")[0] == 0
    assert published.catalog("SELECT count(*) FROM audit_log WHERE action = 'download'")[0][0] == audited + 1
    assert published.catalog("SELECT token FROM catalog_generation") == token


def test_a_chunk_replaced_on_s3_is_not_served(published: Published, tmp_path: Path) -> None:
    """Attack trial: an object replaced in the bucket (valid Parquet, other rows, the old metadata kept) was
    served by ``kdata sql`` and ``download --where``. Its ETag no longer proves the sha256 its metadata
    claims, so it is hashed, found to differ from the catalog, and refused; put back, it is served again."""
    client = boto3.client("s3")
    key = f"datasets/{DATASET}/1.0/{published.manifest['chunks'][0]['key']}"
    original = client.get_object(Bucket=published.bucket, Key=key)
    body, metadata = original["Body"].read(), original["Metadata"]
    table = pq.read_table(pa.BufferReader(body))
    column = table.schema.get_field_index("topic")
    table = table.set_column(column, "topic", pa.array(["TAMPERED"] * table.num_rows, pa.string()))
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    view = f'data."{DATASET.replace("-", "_")}__train"'
    client.put_object(Bucket=published.bucket, Key=key, Body=sink.getvalue().to_pybytes(), Metadata=metadata)
    try:
        refused = kdata("sql", f"SELECT topic FROM {view}", "--format", "csv")
        assert refused.exit_code == 4 and "kdata fsck" in refused.output and "TAMPERED" not in refused.output
        code, result = download_json("--out", str(tmp_path / "t"), "--columns", "topic")
        assert code != 0 and "kdata fsck" in result["output"]
    finally:
        client.put_object(Bucket=published.bucket, Key=key, Body=body, Metadata=metadata)
    again = kdata("sql", f"SELECT count(*) AS n FROM {view}", "--format", "json")
    assert again.exit_code == 0 and json.loads(again.stdout) == [{"n": 48}]


def test_a_chunk_replaced_on_s3_with_forged_metadata_is_not_served(published: Published, tmp_path: Path) -> None:
    """A bucket writer who replaces a chunk can also write its metadata: the registered chunk's ``sha256`` and
    a ``content-etag`` equal to the ETag of the new bytes, which made the metadata "proven". Readers compare
    the object's ETag with the one the catalog registered (the ETag of the run's own bytes) and otherwise
    hash the bytes: never the metadata."""
    client = boto3.client("s3")
    chunk = published.manifest["chunks"][0]
    key = f"datasets/{DATASET}/1.0/{chunk['key']}"
    [(etag,)] = published.catalog("SELECT etag FROM chunks WHERE key = ?", [chunk["key"]])
    original = client.get_object(Bucket=published.bucket, Key=key)
    body, metadata = original["Body"].read(), original["Metadata"]
    assert etag == original["ETag"].strip('"')  # registered: the ETag of the bytes the run wrote
    table = pq.read_table(pa.BufferReader(body))
    column = table.schema.get_field_index("topic")
    table = table.set_column(column, "topic", pa.array(["FORGED"] * table.num_rows, pa.string()))
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    forged = sink.getvalue().to_pybytes()
    lie = {**metadata, "sha256": chunk["sha256"], "content-etag": hashlib.md5(forged).hexdigest()}
    view = f'data."{DATASET.replace("-", "_")}__train"'
    client.put_object(Bucket=published.bucket, Key=key, Body=forged, Metadata=lie)
    try:
        refused = kdata("sql", f"SELECT topic FROM {view}", "--format", "csv")
        assert refused.exit_code == 4 and "kdata fsck" in refused.output and "FORGED" not in refused.output
        links = kdata("download", DATASET, "--out", str(tmp_path / "u"), "--urls", "--json")
        assert links.exit_code == 4 and "kdata fsck" in links.output and "X-Amz" not in links.output
        subset = kdata("download", DATASET, "--out", str(tmp_path / "w"), "--columns", "topic", "--json")
        assert subset.exit_code == 4 and "kdata fsck" in subset.output
        whole = kdata("download", DATASET, "--out", str(tmp_path / "x"), "--json")  # hashes what arrives
        assert whole.exit_code == 4 and "kdata fsck" in whole.output
        assert not (tmp_path / "x" / DATASET / "1.0" / chunk["key"]).exists()
        client.delete_object(Bucket=published.bucket, Key=key)  # deleted: named, exit 4 (was "S3 error NoSuchKey", 1)
        gone = kdata("download", DATASET, "--out", str(tmp_path / "y"), "--json")
        assert gone.exit_code == 4 and "missing from the store" in gone.output and "kdata fsck" in gone.output
    finally:
        client.put_object(Bucket=published.bucket, Key=key, Body=body, Metadata=metadata)
    again = kdata("sql", f"SELECT count(*) AS n FROM {view}", "--format", "json")
    assert again.exit_code == 0 and json.loads(again.stdout) == [{"n": 48}]
