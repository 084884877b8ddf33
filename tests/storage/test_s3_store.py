"""The S3 backend over HTTP against a local S3 server (moto): real boto3 calls, no mocks."""

from __future__ import annotations

import hashlib
import os
import urllib.request
from pathlib import Path

import duckdb
import pytest

from catalog.db import extension_directory
from ingest.chunks import sha256_file
from kcore.errors import BadInput
from storage.publish import footer_rows
from storage.s3 import S3Store, enable_duckdb_s3, expected_etag
from tests.storage.conftest import ACCESS_KEY, SECRET, S3Env

MiB = 1024 * 1024


def test_basic_operations_and_exclusive_create(s3_env: S3Env, tmp_path: Path) -> None:
    store = S3Store.from_url(s3_env.url)
    local = tmp_path / "a.bin"
    local.write_bytes(b"hello s3")
    store.put_file(local, "ds/1.0/a.bin")
    assert store.uri("ds/1.0/a.bin") == f"s3://{s3_env.bucket}/datasets/ds/1.0/a.bin"
    assert store.get_bytes("ds/1.0/a.bin") == b"hello s3"
    assert store.size("ds/1.0/a.bin") == 8
    assert store.get_bytes("ds/1.0/missing") is None and store.size("missing") is None and store.sha256("x") is None
    assert store.read_range("ds/1.0/a.bin", 6, 100) == b"s3"
    assert b"".join(store.iter_bytes("ds/1.0/a.bin", 3)) == b"lo s3"
    assert store.put_bytes_exclusive("ds/1.0/m.json", b"1")
    assert not store.put_bytes_exclusive("ds/1.0/m.json", b"2")  # 412 from the server: nothing written
    assert store.get_bytes("ds/1.0/m.json") == b"1"
    store.copy("ds/1.0/a.bin", "ds/1.1/a.bin")
    assert store.list("ds") == ["ds/1.0/a.bin", "ds/1.0/m.json", "ds/1.1/a.bin"]
    assert store.list("ds/1.0") == ["ds/1.0/a.bin", "ds/1.0/m.json"]
    store.delete("ds/1.1/a.bin")
    store.delete("ds/1.1/a.bin")  # absent is fine
    assert store.list("ds/1.1") == []
    for bad in ("../x", "/abs", "a//b", ""):
        with pytest.raises(ValueError, match="escapes"):
            store.uri(bad)


def test_multipart_upload_keeps_the_files_own_sha256(s3_env: S3Env, tmp_path: Path) -> None:
    store = S3Store(s3_env.bucket, "datasets", multipart_bytes=5 * MiB)
    local = tmp_path / "big.bin"
    local.write_bytes(os.urandom(11 * MiB))
    sha = sha256_file(local)
    store.put_file(local, "big/part.bin")
    head = s3_env.client().head_object(Bucket=s3_env.bucket, Key="datasets/big/part.bin")
    assert head["ETag"].strip('"').endswith("-3")  # three parts: the ETag is not the file's MD5
    assert head["ETag"].strip('"') == expected_etag(local, 5 * MiB)
    assert head["Metadata"]["sha256"] == sha
    s3_env.server.reset()
    assert store.sha256("big/part.bin") == sha
    assert store.downloads_for_hash == 0 and s3_env.server.served(s3_env.path("big/")) == 0  # from metadata
    store.copy("big/part.bin", "big/copy.bin")  # multipart copy: metadata travels along
    assert store.sha256("big/copy.bin") == sha and store.downloads_for_hash == 0


def test_sha256_falls_back_to_download_when_metadata_is_missing_or_unproven(s3_env: S3Env) -> None:
    store = S3Store.from_url(s3_env.url)
    body = b"uploaded by someone else" * 100
    client = s3_env.client()
    client.put_object(Bucket=s3_env.bucket, Key="datasets/x/plain.bin", Body=body)
    client.put_object(
        Bucket=s3_env.bucket,
        Key="datasets/x/lying.bin",
        Body=body,
        Metadata={"sha256": "0" * 64, "content-etag": "f" * 32},  # the ETag proves these are other bytes
    )
    s3_env.server.reset()
    assert store.sha256("x/plain.bin") == hashlib.sha256(body).hexdigest()
    assert store.sha256("x/lying.bin") == hashlib.sha256(body).hexdigest()
    assert store.downloads_for_hash == 2
    assert s3_env.server.served(s3_env.path("x/")) == 2 * len(body)


def test_footer_check_reads_only_the_tail(s3_env: S3Env, tmp_path: Path, make_chunks) -> None:  # type: ignore[no-untyped-def]
    store = S3Store.from_url(s3_env.url)
    chunk = make_chunks(tmp_path, 1, rows=50_000)[0]
    assert chunk["bytes"] > 128 * 1024
    store.put_file(tmp_path / chunk["key"], chunk["key"])
    (tmp_path / "junk.parquet").write_bytes(b"not parquet at all")
    store.put_file(tmp_path / "junk.parquet", "junk.parquet")
    s3_env.server.reset()
    assert footer_rows(store, chunk["key"], chunk["bytes"]) == 50_000
    assert footer_rows(store, "junk.parquet", 18) is None
    assert s3_env.server.served(s3_env.path(chunk["key"])) <= 64 * 1024  # the tail, not the object


def test_presigned_url_serves_the_object(s3_env: S3Env, tmp_path: Path) -> None:
    store = S3Store.from_url(s3_env.url)
    (tmp_path / "f.bin").write_bytes(b"presigned bytes")
    store.put_file(tmp_path / "f.bin", "p/f.bin")
    url = store.presign("p/f.bin", 60)
    assert url.startswith(s3_env.server.endpoint) and "X-Amz-Signature=" in url and SECRET not in url
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.read() == b"presigned bytes"


def test_missing_bucket_is_a_clear_error_without_credentials(s3_env: S3Env) -> None:
    store = S3Store("kdata-no-such-bucket", "x")
    with pytest.raises(BadInput, match="bucket does not exist") as caught:
        store.put_bytes_exclusive("a", b"1")
    assert SECRET not in str(caught.value) and ACCESS_KEY not in str(caught.value)


def test_duckdb_reads_s3_without_exposing_the_secret(s3_env: S3Env, tmp_path: Path, make_chunks) -> None:  # type: ignore[no-untyped-def]
    store = S3Store.from_url(s3_env.url)
    chunk = make_chunks(tmp_path, 1, rows=7)[0]
    store.put_file(tmp_path / chunk["key"], chunk["key"])
    con = duckdb.connect(config={"extension_directory": extension_directory(), "autoinstall_known_extensions": False})
    enable_duckdb_s3(con, store.root_uri())
    assert con.execute(f"SELECT count(*) FROM read_parquet('{store.uri(chunk['key'])}')").fetchone() == (7,)
    shown = repr(con.execute("SELECT * FROM duckdb_secrets()").fetchall())
    settings = repr(con.execute("SELECT current_setting('s3_secret_access_key')").fetchall())
    assert SECRET not in shown and SECRET not in settings
    con.close()
