"""Sample rows: text truncated, image thumbnails and audio players as data: URLs, read with pyarrow."""

from __future__ import annotations

import base64
import io
import math
import struct
import wave
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from PIL import Image

from kdata.web.sample_rows import TEXT_LIMIT, RangeFile, read_sample_table, render_rows, sample_rows
from storage.local import LocalStore

MEDIA = pa.struct([("bytes", pa.binary()), ("path", pa.string())])


def _png(width: int, height: int, colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, format="PNG")
    return out.getvalue()


def _pcm(seconds: float, rate: int) -> bytes:
    frames = int(seconds * rate)
    return b"".join(struct.pack("<h", int(8000 * math.sin(i / 10))) for i in range(frames))


def _wav(seconds: float, rate: int) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(_pcm(seconds, rate))
    return out.getvalue()


def _data(url: str, prefix: str) -> bytes:
    assert url.startswith(prefix)
    return base64.b64decode(url[len(prefix) :])


def _write_chunk(path: Path) -> pa.Table:
    table = pa.table(
        {
            "item_id": ["a", "b", "c"],
            "image": pa.array(
                [{"bytes": _png(640, 480, (200, 30, 30)), "path": "TS_1.zip!a.png"}, None, None], type=MEDIA
            ),
            "audio": pa.array([{"bytes": _pcm(12, 16000), "path": "TS_2.zip!a.pcm"}, None, None], type=MEDIA),
            "clip": pa.array([_wav(10, 8000), b"not audio or image", None], type=pa.binary()),
            "sample_rate": pa.array([16000, None, None], type=pa.int32()),
            "text": ["가" * 500, "짧은 문장", None],
            "tags": [["여행", "음식"], [], None],
        }
    )
    pq.write_table(table, path, row_group_size=2)
    return table


def test_media_cells_become_thumbnails_and_players(tmp_path: Path) -> None:
    chunk = tmp_path / "ds" / "1.0" / "train" / "part-000.parquet"
    chunk.parent.mkdir(parents=True)
    _write_chunk(chunk)
    store = LocalStore(tmp_path)
    table = read_sample_table(store, "ds/1.0/train/part-000.parquet", chunk.stat().st_size, limit=2)
    assert table.num_rows == 2  # one batch of the first row group only
    rendered = render_rows(table)
    cells = dict(zip(rendered["columns"], rendered["rows"][0], strict=True))

    image = cells["image"]
    assert image["kind"] == "image" and image["path"] == "TS_1.zip!a.png"
    thumb = Image.open(io.BytesIO(_data(image["src"], "data:image/jpeg;base64,")))
    assert thumb.format == "JPEG" and max(thumb.size) == 160 and thumb.size == (160, 120)
    assert thumb.getpixel((80, 60))[0] > 150  # still red

    audio = cells["audio"]
    assert audio["kind"] == "audio"
    with wave.open(io.BytesIO(_data(audio["src"], "data:audio/wav;base64,"))) as clip:
        assert clip.getframerate() == 16000 and clip.getnchannels() == 1
        assert clip.getnframes() == 16000 * 8  # headerless PCM wrapped, first 8 seconds kept

    with wave.open(io.BytesIO(_data(cells["clip"]["src"], "data:audio/wav;base64,"))) as clip:
        assert cells["clip"]["kind"] == "audio" and clip.getframerate() == 8000 and clip.getnframes() == 8000 * 8

    text = cells["text"]
    assert text["truncated"] is True and text["length"] == 500 and text["value"] == "가" * TEXT_LIMIT + "…"
    assert cells["tags"] == {"kind": "text", "value": '["여행", "음식"]', "truncated": False}

    second = dict(zip(rendered["columns"], rendered["rows"][1], strict=True))
    assert second["image"] == {"kind": "null"}
    assert second["clip"]["kind"] == "binary" and second["clip"]["value"] == "18 bytes"


def test_ranged_reads_give_the_same_rows(tmp_path: Path) -> None:
    chunk = tmp_path / "x.parquet"
    table = _write_chunk(chunk)
    store = LocalStore(tmp_path)
    remote = pq.ParquetFile(RangeFile(store, "x.parquet", chunk.stat().st_size))
    assert remote.read().equals(table)
    cached = sample_rows(
        store,
        {"sha256": "feed", "split": "train", "key": "x.parquet", "content_size": chunk.stat().st_size},
        "x.parquet",
        limit=1,
    )
    assert cached["key"] == "x.parquet" and len(cached["rows"]) == 1 and cached["columns"][0] == "item_id"
