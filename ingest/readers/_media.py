"""Images and audio inside records: checked once to prove they are what the label says.

Images are stored like Hugging Face's ``Image`` feature, ``{bytes, path}``; each is checked once
to be a real image of the size the label states: JPEG and PNG by their structure (header, every
marker segment or chunk, the end marker; PNG chunk CRCs), without decoding pixels; what that does
not answer (other formats, a file that fails the structure check) is decoded in full with Pillow.
Boxes are kept as ``[x, y, width, height]`` in pixels whatever the label's own convention.
"""

from __future__ import annotations

import io
import struct
import warnings
import wave
import zlib
from dataclasses import dataclass
from typing import Any

from ingest.limits import ArchiveLimits
from ingest.problems import Problem, ReadStats

__all__ = [
    "BOX_TOLERANCE",
    "AudioInfo",
    "BoxStats",
    "ImageInfo",
    "box_stats",
    "check_image",
    "inspect_audio",
    "inspect_image",
    "media",
]

BOX_TOLERANCE = 0.5
"""Pixels a box or polygon may stick out of the image (rounding of annotation tools)."""


@dataclass(frozen=True)
class ImageInfo:
    format: str
    width: int
    height: int


def _jpeg_complete(data: bytes) -> bool:
    """Whether a JPEG is whole by its structure: SOI, a chain of well-formed marker segments up to the
    first scan (SOS), and an end marker (EOI) after it. Inside entropy-coded data a 0xFF byte is always
    followed by 0x00 or a restart marker, so an EOI past the first scan is the real end: a file cut
    anywhere after its header has none. Bytes after the EOI (some cameras append data) are allowed."""
    if not data.startswith(b"\xff\xd8"):
        return False
    pos, end = 2, len(data)
    while pos + 4 <= end:
        if data[pos] != 0xFF:
            return False
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # RSTn, TEM: no length
            pos += 2
            continue
        if marker in (0xD8, 0xD9):  # a second SOI, or EOI before any scan
            return False
        length = (data[pos + 2] << 8) | data[pos + 3]
        if length < 2 or pos + 2 + length > end:
            return False
        if marker == 0xDA:  # SOS: the entropy-coded data starts after its header
            return data.rfind(b"\xff\xd9", pos + 2 + length) != -1
        pos += 2 + length
    return False


def _png_complete(data: bytes) -> bool:
    """Whether a PNG is whole by its structure: the signature, then chunks each inside the file with a
    matching CRC, up to ``IEND``. A file cut short, or with any chunk's bytes changed, is not."""
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        return False
    view = memoryview(data)
    pos, end = 8, len(data)
    while pos + 12 <= end:
        length, kind = struct.unpack_from(">I4s", data, pos)
        stop = pos + 8 + length
        if stop + 4 > end:
            return False
        (crc,) = struct.unpack_from(">I", data, stop)
        if zlib.crc32(view[pos + 4 : stop]) != crc:
            return False
        if kind == b"IEND":
            return True
        pos = stop + 4
    return False


_STRUCTURE_CHECKS = {"JPEG": _jpeg_complete, "PNG": _png_complete}
"""Formats whose header and structure answer "is it a whole image of this size" without a decode."""


def inspect_image(data: bytes, max_pixels: int | None = None) -> ImageInfo:
    """Check the image (Pillow reads its header); ``ValueError`` when it is not a readable image.

    The header's size is checked against ``max_pixels`` (``KDATA_MAX_IMAGE_PIXELS``) before anything
    else: a small file claiming a huge image is refused without allocating its pixels. A JPEG or PNG
    that is whole by its structure (:func:`_jpeg_complete`, :func:`_png_complete`) is not decoded: a
    full decode of a 1920×1080 JPEG costs ~20 ms, the structure check ~0.1 ms. Any other image, and
    one that fails the structure check, is decoded in full, and the decoder decides.
    """
    from PIL import Image, UnidentifiedImageError

    limit = max_pixels or ArchiveLimits.from_env().max_image_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # our own limit decides
            image = Image.open(io.BytesIO(data))
        with image:
            if image.width * image.height > limit:
                raise ValueError(
                    f"{image.width}x{image.height} = {image.width * image.height:,} pixels, over "
                    f"KDATA_MAX_IMAGE_PIXELS={limit:,} (not decoded)"
                )
            check = _STRUCTURE_CHECKS.get(image.format or "")
            if check is None or not check(data):
                image.load()
            return ImageInfo((image.format or "unknown").lower(), image.width, image.height)
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as error:
        raise ValueError(f"not a readable image ({error})") from None
    except (ArithmeticError, LookupError, TypeError, struct.error, MemoryError) as error:
        # a malformed header can make a decoder fail in any of these ways: still "not an image"
        raise ValueError(f"not a readable image ({type(error).__name__}: {error})") from None


def media(data: bytes | None, path: str | None) -> dict[str, Any] | None:
    """The ``{bytes, path}`` struct of an image or audio file (``None`` when there is no file)."""
    if data is None:
        return None
    return {"bytes": data, "path": path}


def check_image(
    data: bytes | None,
    width: int | None,
    height: int | None,
    where: tuple[str, str, str],
    fields: tuple[str, str],
    record_id: str,
    stats: ReadStats,
) -> tuple[str | None, bool | None]:
    """``(format, valid)`` of a source image against the stated size; a mismatch or an unreadable
    image is a problem naming the source archive/member and the label field."""
    if data is None:
        return None, None
    archive_rel, member, source = where
    try:
        info = inspect_image(data)
    except ValueError as error:
        stats.add(Problem("image", archive_rel, member, None, f"{source}: {error}", record_id), invalid_label=False)
        return None, False
    for field, stated, actual in ((fields[0], width, info.width), (fields[1], height, info.height)):
        if stated is not None and stated != actual:
            message = f"{source}: label says {stated}, image is {actual} pixels"
            stats.add(Problem("image_size", archive_rel, member, field, message, record_id), invalid_label=False)
            return info.format, False
    return info.format, True


@dataclass(frozen=True)
class BoxStats:
    boxes_outside: int
    polygons_outside: int
    invalid_boxes: int


def _outside(x: float, y: float, width: int, height: int) -> bool:
    t = BOX_TOLERANCE
    return x < -t or y < -t or x > width + t or y > height + t


def box_stats(boxes: list[list[float]], polygons: list[list[float]], width: int | None, height: int | None) -> BoxStats:
    """Boxes ``[x, y, w, h]`` and flat polygons ``[x1, y1, x2, y2, ...]`` against the image size."""
    invalid = sum(1 for b in boxes if len(b) != 4 or b[2] <= 0 or b[3] <= 0)
    if width is None or height is None:
        return BoxStats(0, 0, invalid)
    outside = sum(
        1
        for b in boxes
        if len(b) == 4 and (_outside(b[0], b[1], width, height) or _outside(b[0] + b[2], b[1] + b[3], width, height))
    )
    poly_out = sum(1 for p in polygons if any(_outside(p[i], p[i + 1], width, height) for i in range(0, len(p) - 1, 2)))
    return BoxStats(outside, poly_out, invalid)


@dataclass(frozen=True)
class AudioInfo:
    format: str
    sample_rate: int
    channels: int
    bit_depth: int
    duration: float


def inspect_audio(data: bytes, name: str, pcm_rate: int = 16_000) -> AudioInfo:
    """WAV headers are read; headerless PCM is 16-bit mono at ``pcm_rate`` (KsponSpeech's convention).
    ``ValueError`` when the file is not readable audio."""
    if name.lower().endswith(".wav") or data[:4] == b"RIFF":
        try:
            with wave.open(io.BytesIO(data)) as wav:
                frames, rate = wav.getnframes(), wav.getframerate()
                return AudioInfo("wav", rate, wav.getnchannels(), wav.getsampwidth() * 8, frames / rate)
        except (wave.Error, EOFError, ZeroDivisionError, RuntimeError, struct.error, OverflowError) as error:
            # RuntimeError: a chunk size past the end (wave's Chunk.seek); struct.error: a short header
            raise ValueError(f"not a readable WAV file ({type(error).__name__}: {error})") from None
    if len(data) % 2:
        raise ValueError("16-bit PCM must have an even number of bytes")
    return AudioInfo("pcm", pcm_rate, 1, 16, len(data) / 2 / pcm_rate)
