"""S3 (and S3-compatible) object store with boto3, selected by ``KDATA_STORE=s3://bucket/prefix``.

Credentials, region and endpoint come from boto3's own chain (``AWS_ACCESS_KEY_ID``,
``AWS_SECRET_ACCESS_KEY``, ``AWS_DEFAULT_REGION``, ``AWS_ENDPOINT_URL`` for MinIO, Ceph or a local test
server, profiles, instance roles). They are never stored on this object, written to a file, logged or put
in an exception message: every boto error is translated into a short message naming the operation, the
``s3://`` URI and the error code only.

Checksums. A multipart upload's S3 checksum is a checksum of part checksums, not the file's. So every
upload stores two object metadata fields computed from the local file in one pass: ``sha256`` (the file's
own hash, as in the manifest and catalog) and ``content-etag`` (the ETag S3 computes from the bytes it
received: the MD5, or the MD5 of part MD5s with ``-N`` for multipart). :meth:`S3Store.sha256` trusts the
metadata only when the object's ETag equals ``content-etag``, i.e. the server received exactly the bytes
the hash was computed from. Otherwise (metadata missing, a store whose ETags are not MD5s) the object is
downloaded and hashed.

The client works with S3-compatible stores: path-style addressing, SigV4, checksums only when an
operation requires them, and botocore's ``standard`` retry mode, which retries transient errors only
(throttling, 5xx, connection errors), never 4xx answers.
"""

from __future__ import annotations

import builtins
import datetime as dt
import hashlib
import os
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import boto3
from boto3.exceptions import S3UploadFailedError
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError
from s3transfer.exceptions import RetriesExceededError
from s3transfer.utils import ChunksizeAdjuster

from kcore.errors import BadInput, KDataError, NotAllowed, TransientError
from storage.base import MissingObject, ObjectInfo, ObjectStore

if TYPE_CHECKING:
    import duckdb

__all__ = [
    "DEFAULT_MULTIPART_BYTES",
    "S3Store",
    "client_config",
    "enable_duckdb_s3",
    "expected_etag",
    "parse_s3_url",
    "shared_session_client",
]

MiB = 1024 * 1024
DEFAULT_MULTIPART_BYTES = 64 * MiB
"""Objects from this size up are uploaded (and copied) in parts of this size."""

_NOT_FOUND = frozenset({"404", "NoSuchKey", "NotFound"})
_DENIED = frozenset({"403", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken"})
_BUSY = frozenset({"409", "ConditionalRequestConflict", "OperationAborted", "SlowDown", "Throttling", "RequestTimeout"})
_MD5_ETAG = re.compile(r"^[0-9a-f]{32}(-[0-9]+)?$")


def client_config() -> Config:
    """A botocore configuration that works with AWS and S3-compatible stores alike."""
    return Config(
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        signature_version="s3v4",
        s3={"addressing_style": "path"},
        retries={"mode": "standard", "max_attempts": 5},
        connect_timeout=10,
        read_timeout=60,
    )


_CLIENT_ENV = (
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_S3",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_PROFILE",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
)
_clients: dict[tuple[Any, ...], tuple[boto3.session.Session, Any]] = {}
_clients_lock = threading.Lock()


def shared_session_client() -> tuple[boto3.session.Session, Any]:
    """One boto3 session and S3 client per process and AWS environment.

    Building a client loads botocore's service model (~0.15 s); a download or a catalog write used to pay it
    for every store it opened. Clients are thread-safe; the key holds every variable that shapes the client
    and the process id (a forked child builds its own), so a changed endpoint or key gets a new client.
    """
    key = (os.getpid(), *(os.environ.get(name) for name in _CLIENT_ENV))
    with _clients_lock:
        found = _clients.get(key)
        if found is None:
            session = boto3.session.Session()
            found = (session, session.client("s3", config=client_config()))
            _clients.clear()  # only the current environment's client is kept
            _clients[key] = found
        return found


def parse_s3_url(url: str) -> tuple[str, str]:
    """``s3://bucket/some/prefix`` → ``("bucket", "some/prefix")``; :class:`BadInput` when malformed."""
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc or parts.query or parts.fragment:
        raise BadInput(f"{url}: expected s3://bucket/prefix")
    return parts.netloc, parts.path.strip("/")


def _file_digests(path: Path, threshold: int, chunksize: int, *, sha256: bool = True) -> tuple[str, str]:
    """The file's sha256 (``""`` when not asked for) and the ETag S3 will compute for it (one read of the file)."""
    size = path.stat().st_size
    sha = hashlib.sha256() if sha256 else None
    multipart = size >= threshold
    part_size = ChunksizeAdjuster().adjust_chunksize(chunksize, size) if multipart else MiB
    whole = hashlib.md5(usedforsecurity=False)
    parts: list[bytes] = []
    with path.open("rb") as handle:
        while block := handle.read(part_size):
            if sha is not None:
                sha.update(block)
            if multipart:
                parts.append(hashlib.md5(block, usedforsecurity=False).digest())
            else:
                whole.update(block)
    etag = (
        f"{hashlib.md5(b''.join(parts), usedforsecurity=False).hexdigest()}-{len(parts)}"
        if multipart
        else whole.hexdigest()
    )
    return (sha.hexdigest() if sha is not None else ""), etag


def expected_etag(path: Path, multipart_bytes: int = DEFAULT_MULTIPART_BYTES) -> str:
    """The ETag an upload of ``path`` with this multipart size gets on S3 (without quotes; MD5s only)."""
    return _file_digests(path, multipart_bytes, multipart_bytes, sha256=False)[1]


def _error_code(error: ClientError) -> tuple[str, int]:
    response: dict[str, Any] = dict(error.response)
    code = str(response.get("Error", {}).get("Code", "?"))
    status = int(response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
    return code, status


@contextmanager
def _translated(action: str, uri: str, setting: str = "KDATA_STORE") -> Iterator[None]:
    """Turn boto errors into our errors with a message that carries no credentials or signed URLs.

    ``setting`` names where the location came from (for the missing-bucket hint)."""
    try:
        yield
    except ClientError as error:
        code, status = _error_code(error)
        if code == "NoSuchBucket":
            raise BadInput(f"{uri}: the bucket does not exist (check {setting})") from None
        if code in _DENIED or status == 403:
            raise NotAllowed(
                f"{action} {uri}: the S3 store refused access ({code}); check the AWS credentials"
            ) from None
        if code in _BUSY or status >= 500:
            raise TransientError(f"{action} {uri}: the S3 store is busy or failing ({code}); try again") from None
        raise KDataError(f"{action} {uri}: S3 error {code} (HTTP {status})") from None
    except NoCredentialsError:
        raise BadInput(f"{action} {uri}: no AWS credentials (set AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)") from None
    except BotoCoreError as error:
        raise TransientError(f"{action} {uri}: cannot reach the S3 store ({type(error).__name__})") from None
    except (S3UploadFailedError, RetriesExceededError):
        raise TransientError(f"{action} {uri}: the transfer failed after retries; try again") from None


@dataclass(frozen=True)
class _Head:
    size: int
    etag: str
    sha256: str | None
    content_etag: str | None

    @property
    def trusted_sha256(self) -> str | None:
        """The stored sha256, when the server-computed ETag proves the bytes are the ones hashed."""
        if self.sha256 and self.content_etag and _MD5_ETAG.match(self.etag) and self.etag == self.content_etag:
            return self.sha256
        return None


class S3Store(ObjectStore):
    """Objects under ``s3://bucket/prefix/``; uploads carry the file's sha256 as metadata."""

    supports_presign = True

    def __init__(self, bucket: str, prefix: str = "", *, multipart_bytes: int = DEFAULT_MULTIPART_BYTES) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.multipart_bytes = multipart_bytes
        self.transfer = TransferConfig(
            multipart_threshold=multipart_bytes, multipart_chunksize=multipart_bytes, max_concurrency=4
        )
        self.downloads_for_hash = 0
        """How often :meth:`sha256` had to download an object (metadata missing or not provable)."""

    @property
    def client(self) -> Any:
        """The process's S3 client for the current AWS environment (:func:`shared_session_client`), looked up
        on each use, so a store kept for the whole process follows a changed endpoint or key."""
        return shared_session_client()[1]

    @classmethod
    def from_url(cls, url: str) -> S3Store:
        """The store for ``s3://bucket/prefix``."""
        bucket, prefix = parse_s3_url(url)
        return cls(bucket, prefix)

    # -- keys ------------------------------------------------------------------------------------------

    def _key(self, key: str) -> str:
        parts = key.split("/")
        if not key or key.startswith("/") or any(p in ("", ".", "..") for p in parts):
            raise ValueError(f"key {key!r} escapes the store or is not a clean relative key")
        return f"{self.prefix}/{key}" if self.prefix else key

    def _relative(self, full: str) -> str:
        return full[len(self.prefix) + 1 :] if self.prefix else full

    def uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{self._key(key)}"

    def root_uri(self) -> str:
        """``s3://bucket/prefix/``: what DuckDB may read."""
        return f"s3://{self.bucket}/{self.prefix}/" if self.prefix else f"s3://{self.bucket}/"

    # -- reads -----------------------------------------------------------------------------------------

    def _head(self, key: str) -> _Head | None:
        with _translated("read", self.uri(key)):
            try:
                head = self.client.head_object(Bucket=self.bucket, Key=self._key(key))
            except ClientError as error:
                code, status = _error_code(error)
                if code in _NOT_FOUND or status == 404:
                    return None
                raise
        meta = {k.lower(): v for k, v in head.get("Metadata", {}).items()}
        return _Head(
            int(head["ContentLength"]), str(head["ETag"]).strip('"'), meta.get("sha256"), meta.get("content-etag")
        )

    def size(self, key: str) -> int | None:
        head = self._head(key)
        return None if head is None else head.size

    def identity(self, key: str) -> str | None:
        """Size and ETag: S3 computes the ETag from the bytes it stores, so a re-upload changes it."""
        head = self._head(key)
        return None if head is None else f"{head.size}:{head.etag}"

    def file_etag(self, path: Path) -> str | None:
        return expected_etag(path, self.multipart_bytes)

    def registered_identity(self, size: int, etag: str) -> str | None:
        return f"{size}:{etag}"

    def content_sha256(self, key: str) -> str | None:
        """Downloaded and hashed: the ``sha256`` metadata and its ``content-etag`` are set by the uploader, so a
        bucket writer can give other bytes a registered chunk's hash."""
        if self._head(key) is None:
            return None
        return self._downloaded_sha256(key)

    def sha256(self, key: str) -> str | None:
        head = self._head(key)
        if head is None:
            return None
        if head.trusted_sha256:
            return head.trusted_sha256
        return self._downloaded_sha256(key)

    def _downloaded_sha256(self, key: str) -> str:
        self.downloads_for_hash += 1
        digest = hashlib.sha256()
        for block in self.iter_bytes(key, 0):
            digest.update(block)
        return digest.hexdigest()

    def get_bytes(self, key: str) -> bytes | None:
        with _translated("read", self.uri(key)):
            try:
                response = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
            except ClientError as error:
                code, status = _error_code(error)
                if code in _NOT_FOUND or status == 404:
                    return None
                raise
            return bytes(response["Body"].read())

    def read_range(self, key: str, start: int, length: int) -> bytes:
        if length <= 0:
            return b""
        with _translated("read", self.uri(key)):
            response = self.client.get_object(
                Bucket=self.bucket, Key=self._key(key), Range=f"bytes={start}-{start + length - 1}"
            )
            return bytes(response["Body"].read())

    def iter_bytes(self, key: str, start: int, block: int = MiB) -> Iterator[bytes]:
        """The object's bytes from ``start`` on (an HTTP Range request when resuming); :class:`MissingObject`
        when there is no such object."""
        with _translated("read", self.uri(key)):
            try:
                if start > 0:
                    response = self.client.get_object(Bucket=self.bucket, Key=self._key(key), Range=f"bytes={start}-")
                else:
                    response = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
            except ClientError as error:
                code, status = _error_code(error)
                if code in _NOT_FOUND or status == 404:
                    raise MissingObject(f"{self.uri(key)}: no such object in the store") from None
                raise
            body = response["Body"]
            try:
                yield from body.iter_chunks(block)
            finally:
                body.close()

    def list(self, prefix: str) -> list[str]:
        return [info.key for info in self.list_info(prefix)]

    def list_info(self, prefix: str) -> builtins.list[ObjectInfo]:
        full = (self._key(prefix) + "/") if prefix else (f"{self.prefix}/" if self.prefix else "")
        found: builtins.list[ObjectInfo] = []
        with _translated("list", f"s3://{self.bucket}/{full}"):
            for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=full):
                for item in page.get("Contents", []):
                    modified = item["LastModified"].astimezone(dt.UTC).timestamp()
                    found.append(ObjectInfo(self._relative(item["Key"]), int(item["Size"]), modified))
        return sorted(found, key=lambda info: info.key)

    def download(self, key: str, local: Path) -> None:
        local.parent.mkdir(parents=True, exist_ok=True)
        with _translated("download", self.uri(key)):
            self.client.download_file(self.bucket, self._key(key), str(local), Config=self.transfer)

    def enable_duckdb(self, con: duckdb.DuckDBPyConnection) -> None:
        """httpfs with boto3's credentials, in a secret scoped to this store's root (:func:`enable_duckdb_s3`)."""
        enable_duckdb_s3(con, self.root_uri())

    def presign(self, key: str, expires: int) -> str:
        """A time-limited GET URL. It carries a signature: print it for the user, never log or store it."""
        with _translated("presign", self.uri(key)):
            return str(
                self.client.generate_presigned_url(
                    "get_object", Params={"Bucket": self.bucket, "Key": self._key(key)}, ExpiresIn=expires
                )
            )

    # -- writes ----------------------------------------------------------------------------------------

    def put_file(self, local: Path, key: str) -> None:
        sha256, etag = _file_digests(local, self.multipart_bytes, self.multipart_bytes)
        extra = {"Metadata": {"sha256": sha256, "content-etag": etag}}
        with _translated("upload", self.uri(key)):
            self.client.upload_file(str(local), self.bucket, self._key(key), ExtraArgs=extra, Config=self.transfer)

    def put_bytes_exclusive(self, key: str, data: bytes) -> bool:
        sha256 = hashlib.sha256(data).hexdigest()
        etag = hashlib.md5(data, usedforsecurity=False).hexdigest()
        for attempt in range(4):
            with _translated("create", self.uri(key)):
                try:
                    self.client.put_object(
                        Bucket=self.bucket,
                        Key=self._key(key),
                        Body=data,
                        IfNoneMatch="*",
                        ContentType="application/json",
                        Metadata={"sha256": sha256, "content-etag": etag},
                    )
                    return True
                except ClientError as error:
                    code, status = _error_code(error)
                    if code == "PreconditionFailed" or status == 412:
                        return False
                    if not (code == "ConditionalRequestConflict" or status == 409) or attempt == 3:
                        raise
            time.sleep(0.2 * 2**attempt)  # a concurrent conditional write is in flight: ask again
        return False  # pragma: no cover - the loop returns or raises

    def copy(self, src: str, dst: str) -> bool:
        """Server-side copy; the metadata (sha256, content-etag) travels with it, multipart copies included."""
        with _translated("copy", self.uri(dst)):
            self.client.copy(
                {"Bucket": self.bucket, "Key": self._key(src)}, self.bucket, self._key(dst), Config=self.transfer
            )
        return False

    def delete(self, key: str) -> None:
        with _translated("delete", self.uri(key)):
            self.client.delete_object(Bucket=self.bucket, Key=self._key(key))


def _sql_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def enable_duckdb_s3(con: duckdb.DuckDBPyConnection, scope: str | None = None) -> None:
    """Let a DuckDB connection read ``s3://`` through httpfs with boto3's credentials and endpoint.

    Loads the offline httpfs extension, clears the ``s3_*`` settings httpfs fills from the environment
    (so ``current_setting('s3_secret_access_key')`` shows nothing), and creates a temporary in-memory
    secret (never persisted; ``duckdb_secrets()`` shows it redacted), scoped to ``scope`` when given.
    Errors never echo the statement, which holds the secret.
    """
    import duckdb

    session, client = shared_session_client()
    endpoint = urlsplit(str(client.meta.endpoint_url))
    credentials = session.get_credentials()
    options = ["TYPE s3", f"REGION {_sql_literal(client.meta.region_name or 'us-east-1')}"]
    if credentials is not None:
        frozen = credentials.get_frozen_credentials()
        options += [
            f"KEY_ID {_sql_literal(frozen.access_key or '')}",
            f"SECRET {_sql_literal(frozen.secret_key or '')}",
        ]
        if frozen.token:
            options.append(f"SESSION_TOKEN {_sql_literal(frozen.token)}")
    host = endpoint.hostname or ""
    if not host.endswith("amazonaws.com"):
        netloc = host if endpoint.port is None else f"{host}:{endpoint.port}"
        options += [
            f"ENDPOINT {_sql_literal(netloc)}",
            "URL_STYLE 'path'",
            f"USE_SSL {'true' if endpoint.scheme == 'https' else 'false'}",
        ]
    if scope:
        options.append(f"SCOPE {_sql_literal(scope)}")
    try:
        con.execute("LOAD httpfs")
        for setting in ("s3_access_key_id", "s3_secret_access_key", "s3_session_token"):
            con.execute(f"SET {setting} = ''")
        con.execute(f"CREATE OR REPLACE TEMPORARY SECRET kdata_store ({', '.join(options)})")
    except duckdb.Error as error:
        raise KDataError(f"could not set up DuckDB's S3 access (httpfs): {type(error).__name__}") from None
