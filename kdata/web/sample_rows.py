"""Sample rows (샘플 데이터) of a dataset page: the first few rows of its first chunk, ready to render.

The chunk is read with pyarrow, only its first batch (one row group at most), from the local store or
through ranged reads of the object store. Each cell becomes a small dict the template shows:

- ``text``: scalars and strings, long text truncated; lists and structs as compact JSON, truncated;
- ``image``: a JPEG thumbnail as a ``data:`` URL, made with Pillow from the image bytes
  (``{bytes, path}`` columns like Hugging Face's Image feature, or plain binary);
- ``audio``: a ``data:audio/wav`` URL for an ``<audio>`` player; headerless 16-bit PCM
  (KsponSpeech) is wrapped in a WAV header using the row's ``sample_rate`` / ``channels``; only the
  first seconds are kept;
- ``binary``: other bytes, shown by size only.

Rendered samples are cached by the chunk's sha256 (published chunks never change).
"""

from __future__ import annotations

import base64
import io
import json
import wave
from collections import OrderedDict
from pathlib import Path
from threading import Lock
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from storage.base import ObjectStore
from storage.verify import ChunkRef, check_chunks

__all__ = ["RangeFile", "read_sample_table", "render_cell", "render_rows", "sample_rows"]

TEXT_LIMIT = 160
THUMBNAIL = (160, 160)
AUDIO_SECONDS = 8
_CACHE: OrderedDict[tuple[str, str, int], dict[str, Any]] = OrderedDict()
_CACHE_SIZE = 32
_LOCK = Lock()


class RangeFile(io.RawIOBase):
    """A read-only, seekable file over an object store key (ranged reads), for pyarrow."""

    def __init__(self, store: ObjectStore, key: str, size: int) -> None:
        self.store, self.key, self.size, self.position = store, key, size, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: self.size}[whence]
        self.position = max(0, base + offset)
        return self.position

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        data = self.store.read_range(self.key, self.position, min(len(view), max(self.size - self.position, 0)))
        view[: len(data)] = data
        self.position += len(data)
        return len(data)


def read_sample_table(store: ObjectStore, key: str, size: int, limit: int) -> pa.Table:
    """The first ``limit`` rows of the Parquet object ``key`` (reads one batch only)."""
    local = store.local_path(key)
    source: Any = str(local) if local is not None else RangeFile(store, key, size)
    parquet = pq.ParquetFile(source)
    try:
        batch = next(parquet.iter_batches(batch_size=limit), None)
    finally:
        parquet.close()
    if batch is None:
        return parquet.schema_arrow.empty_table()
    return pa.Table.from_batches([batch]).slice(0, limit)


def _truncate(text: str, limit: int = TEXT_LIMIT) -> dict[str, Any]:
    if len(text) <= limit:
        return {"kind": "text", "value": text, "truncated": False}
    return {"kind": "text", "value": text[:limit] + "…", "truncated": True, "length": len(text)}


def _thumbnail(data: bytes) -> str | None:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.thumbnail(THUMBNAIL)
            out = io.BytesIO()
            image.convert("RGB").save(out, format="JPEG", quality=80)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return None
    return "data:image/jpeg;base64," + base64.b64encode(out.getvalue()).decode("ascii")


def _wav_from_pcm(pcm: bytes, rate: int, channels: int) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(channels)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        frame = 2 * channels
        clip = pcm[: rate * frame * AUDIO_SECONDS]
        writer.writeframes(clip[: len(clip) // frame * frame])
    return out.getvalue()


def _wav_clip(data: bytes) -> bytes | None:
    try:
        with wave.open(io.BytesIO(data), "rb") as reader:
            params = reader.getparams()
            frames = reader.readframes(params.framerate * AUDIO_SECONDS)
    except (wave.Error, EOFError):
        return None
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setparams(params)
        writer.writeframes(frames)
    return out.getvalue()


def _audio(data: bytes, row: dict[str, Any]) -> str | None:
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        clip = _wav_clip(data)
    else:
        rate = int(row.get("sample_rate") or 16000)
        channels = int(row.get("channels") or 1)
        clip = _wav_from_pcm(data, rate, channels) if 0 < rate <= 192000 and 0 < channels <= 8 else None
    return None if clip is None else "data:audio/wav;base64," + base64.b64encode(clip).decode("ascii")


def _media_kind(column: str, data: bytes) -> str:
    name = column.lower()
    if any(word in name for word in ("audio", "speech", "sound", "wav")):
        return "audio"
    if any(word in name for word in ("image", "img", "photo", "picture", "thumbnail")):
        return "image"
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "audio"
    return "image"


def _media_cell(column: str, data: bytes, path: str | None, row: dict[str, Any]) -> dict[str, Any]:
    kind = _media_kind(column, data)
    src = _audio(data, row) if kind == "audio" else _thumbnail(data)
    if src is None:
        return {"kind": "binary", "value": f"{len(data):,} bytes", "path": path}
    return {"kind": kind, "src": src, "path": path, "bytes": len(data)}


def _is_media(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("bytes"), bytes | bytearray)


def render_cell(column: str, value: Any, row: dict[str, Any]) -> dict[str, Any]:
    """One cell of a sample row as a ``{"kind": ...}`` dict (see the module docstring)."""
    if value is None:
        return {"kind": "null"}
    if _is_media(value):
        return _media_cell(column, bytes(value["bytes"]), value.get("path"), row)
    if isinstance(value, bytes | bytearray):
        return _media_cell(column, bytes(value), None, row)
    if isinstance(value, str):
        return _truncate(value)
    if isinstance(value, list | dict):
        return _truncate(json.dumps(value, ensure_ascii=False, default=str))
    return {"kind": "text", "value": str(value), "truncated": False}


def render_rows(table: pa.Table) -> dict[str, Any]:
    """``{"columns": [...], "rows": [[cell, ...], ...]}`` for a small Arrow table."""
    columns = table.column_names
    rows = []
    for row in table.to_pylist():
        rows.append([render_cell(name, row[name], row) for name in columns])
    return {"columns": columns, "rows": rows}


def sample_rows(
    store: ObjectStore, chunk: dict[str, Any], store_key: str, limit: int = 5, memo: Path | None = None
) -> dict[str, Any]:
    """Rendered first rows of one chunk (``chunk`` is a catalog ``chunks`` row), cached by its sha256; the
    stored chunk is first checked against the catalog (:func:`storage.verify.check_chunks`, remembered in
    ``memo``): a chunk replaced in the store showed its rows as the dataset's."""
    cache_key = (str(chunk["sha256"]), store_key, limit)
    with _LOCK:
        if cache_key in _CACHE:
            _CACHE.move_to_end(cache_key)
            return _CACHE[cache_key]
    if memo is not None:
        ref = ChunkRef(store_key, int(chunk["content_size"]), str(chunk["sha256"]), chunk.get("etag"))
        check_chunks(store, [ref], memo)
    table = read_sample_table(store, store_key, int(chunk["content_size"]), limit)
    rendered = {"split": chunk["split"], "key": chunk["key"], **render_rows(table)}
    with _LOCK:
        _CACHE[cache_key] = rendered
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return rendered
