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

from ingest.problems import Problem, ReadStats
from kcore.limits import DEFAULT_LIMITS

__all__ = [
    "BOX_TOLERANCE",
    "AudioInfo",
    "BoxStats",
    "ImageInfo",
    "box_stats",
    "check_audio",
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


_JPEG_SOF = frozenset({0xC0, 0xC1, 0xC2})
"""Huffman-coded baseline, extended and progressive frames: what libjpeg decodes and cameras write."""


def _jpeg_tables_ok(marker: int, segment: bytes) -> bool:
    """Whether a DQT or DHT segment's tables fill it exactly (what libjpeg checks while reading them)."""
    pos, end = 0, len(segment)
    while pos < end:
        if marker == 0xDB:  # DQT: Pq/Tq, then 64 values of 8 or 16 bits
            precision, table = segment[pos] >> 4, segment[pos] & 0x0F
            if precision > 1 or table > 3:
                return False
            pos += 1 + 64 * (precision + 1)
        else:  # DHT: Tc/Th, 16 code counts, then the values
            kind, table = segment[pos] >> 4, segment[pos] & 0x0F
            if kind > 1 or table > 3 or pos + 17 > end:
                return False
            values = sum(segment[pos + 1 : pos + 17])
            if values > 256:
                return False
            pos += 17 + values
    return pos == end


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    """``(width, height)`` of a JPEG that is whole by its structure, else ``None``.

    Whole: SOI; marker segments each inside the file, the quantisation and Huffman tables filling their
    segments exactly, one baseline/extended/progressive frame header (8-bit, 1, 3 or 4 components, non-zero
    size) and a scan header that fit their lengths; then an end marker (EOI) after the first scan. Inside
    entropy-coded data a 0xFF byte is always followed by 0x00 or a restart marker, so an EOI past the first
    scan is the real end: a file cut anywhere after its header has none. Bytes after the EOI (some phones
    append data) are allowed. Anything else (arithmetic coding, lossless, 12-bit, a missing table): ``None``,
    and the full decode decides."""
    if not data.startswith(b"\xff\xd8"):
        return None
    pos, end = 2, len(data)
    size: tuple[int, int] | None = None
    seen_dqt = seen_dht = False
    while pos + 4 <= end:
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        length = (data[pos + 2] << 8) | data[pos + 3]
        body = pos + 4
        stop = pos + 2 + length
        if length < 2 or stop > end:
            return None
        if marker in _JPEG_SOF:
            components = data[body + 5] if length >= 8 else 0
            if size is not None or length != 8 + 3 * components or data[body] != 8 or components not in (1, 3, 4):
                return None
            height, width = (data[body + 1] << 8) | data[body + 2], (data[body + 3] << 8) | data[body + 4]
            if not width or not height:
                return None
            size = (width, height)
        elif marker in (0xDB, 0xC4):
            if not _jpeg_tables_ok(marker, data[body:stop]):
                return None
            seen_dqt, seen_dht = seen_dqt or marker == 0xDB, seen_dht or marker == 0xC4
        elif marker == 0xDD:  # DRI
            if length != 4:
                return None
        elif marker == 0xDA:  # SOS: the entropy-coded data starts after its header
            scans = data[body] if length >= 3 else 0
            if size is None or not (seen_dqt and seen_dht) or not 1 <= scans <= 4 or length != 6 + 2 * scans:
                return None
            return size if data.rfind(b"\xff\xd9", stop) != -1 else None
        elif marker == 0xE2 and data[body : body + 4] == b"MPF\x00":
            return None  # a multi-picture file: Pillow calls it MPO, and the decode path keeps that name
        elif not (0xE0 <= marker <= 0xEF or marker == 0xFE):  # only APPn and COM may come besides
            return None
        pos = stop
    return None


_PNG_DEPTHS = {0: (1, 2, 4, 8, 16), 2: (8, 16), 3: (1, 2, 4, 8), 4: (8, 16), 6: (8, 16)}
"""PNG colour type → the bit depths the specification allows with it."""


def _png_size(data: bytes) -> tuple[int, int] | None:
    """``(width, height)`` of a PNG that is whole by its structure, else ``None``.

    Whole: the signature, an ``IHDR`` first with a size, depth and colour type the specification allows,
    then chunks each inside the file with a matching CRC (so no byte of any chunk, pixel data included,
    was changed), a ``PLTE`` for a palette image, at least one ``IDAT``, up to ``IEND``."""
    if not data.startswith(b"\x89PNG\r\n\x1a\n") or len(data) < 33 or data[12:16] != b"IHDR":
        return None
    width, height, depth, colour, compression, filtering, interlace = struct.unpack_from(">IIBBBBB", data, 16)
    if (
        struct.unpack_from(">I", data, 8)[0] != 13
        or not 0 < width < 2**31
        or not 0 < height < 2**31
        or depth not in _PNG_DEPTHS.get(colour, ())
        or compression
        or filtering
        or interlace > 1
    ):
        return None
    view = memoryview(data)
    pos, end = 8, len(data)
    kinds: set[bytes] = set()
    while pos + 12 <= end:
        length, kind = struct.unpack_from(">I4s", data, pos)
        stop = pos + 8 + length
        if stop + 4 > end or zlib.crc32(view[pos + 4 : stop]) != struct.unpack_from(">I", data, stop)[0]:
            return None
        if kind == b"IEND":
            whole = b"IDAT" in kinds and (colour != 3 or b"PLTE" in kinds)
            return (width, height) if whole else None
        kinds.add(kind)
        pos = stop + 4
    return None


def _structure_size(data: bytes) -> tuple[str, int, int] | None:
    """``(format, width, height)`` of a JPEG or PNG whole by its structure; ``None`` for anything else."""
    if data[:2] == b"\xff\xd8":
        size = _jpeg_size(data)
        return None if size is None else ("jpeg", *size)
    if data[:4] == b"\x89PNG":
        size = _png_size(data)
        return None if size is None else ("png", *size)
    return None


def inspect_image(data: bytes, max_pixels: int | None = None) -> ImageInfo:
    """Check that ``data`` is a whole, readable image; ``ValueError`` when it is not.

    A JPEG or PNG whole by its structure (:func:`_jpeg_size`, :func:`_png_size`) within ``max_pixels``
    (``KDATA_MAX_IMAGE_PIXELS``; default: its documented default) is answered from its header and structure,
    pixels not decoded: a full decode of a 1920×1080 JPEG costs ~20 ms, the structure ~0.05 ms. Every other
    image is opened with Pillow, its header's size checked against ``max_pixels`` before decoding (a small
    file claiming a huge image is refused without allocating its pixels), then decoded in full: the decoder
    decides.
    """
    limit = max_pixels or DEFAULT_LIMITS.max_image_pixels
    known = _structure_size(data)
    if known is not None and known[1] * known[2] <= limit:
        return ImageInfo(*known)
    if data[128:132] == b"DICM":
        return _dicom_info(data, limit)
    from PIL import Image, UnidentifiedImageError

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
            image.load()
            return ImageInfo((image.format or "unknown").lower(), image.width, image.height)
    except UnidentifiedImageError:  # its message is the repr of our buffer: say what it means instead
        raise ValueError("not a readable image (not a format the image library knows)") from None
    except (OSError, SyntaxError, Image.DecompressionBombError) as error:
        raise ValueError(f"not a readable image ({error})") from None
    except (ArithmeticError, LookupError, TypeError, struct.error, MemoryError) as error:
        # a malformed header can make a decoder fail in any of these ways: still "not an image"
        raise ValueError(f"not a readable image ({type(error).__name__}: {error})") from None


def _dicom_info(data: bytes, limit: int) -> ImageInfo:
    """A DICOM file (medical imaging; ``DICM`` after the 128-byte preamble) by its header, read by pydicom:
    its size (``Columns`` x ``Rows``, frames counted against ``limit``) and pixel data that is there, and as
    long as the header says when it is not compressed. Pixels are not decoded (compressed ones would need
    codecs this host does not have)."""
    import pydicom

    try:
        found = pydicom.dcmread(io.BytesIO(data))
        rows, columns = found.get("Rows"), found.get("Columns")
        frames = int(found.get("NumberOfFrames") or 1)
        pixels = next(
            (found[k].value for k in ("PixelData", "FloatPixelData", "DoubleFloatPixelData") if k in found), None
        )
        meta = getattr(found, "file_meta", None)
        syntax = meta.get("TransferSyntaxUID") if meta is not None else None
        compressed = bool(syntax is not None and syntax.is_compressed)
        samples, bits = int(found.get("SamplesPerPixel") or 1), int(found.get("BitsAllocated") or 8)
    except Exception as error:  # deliberately broad: whatever a malformed header makes the parser raise
        raise ValueError(f"not a readable DICOM file ({type(error).__name__}: {str(error)[:200]})") from None
    if not rows or not columns:
        raise ValueError("not a readable DICOM image (no Rows and Columns in its header)")
    if int(rows) * int(columns) * frames > limit:
        raise ValueError(
            f"DICOM {columns}x{rows}x{frames} = {int(rows) * int(columns) * frames:,} pixels, over "
            f"KDATA_MAX_IMAGE_PIXELS={limit:,} (not decoded)"
        )
    if pixels is None:
        raise ValueError("not a readable DICOM image (no pixel data)")
    expected = int(rows) * int(columns) * frames * samples * max(bits, 1) // 8
    if not compressed and len(pixels) < expected:
        raise ValueError(f"DICOM pixel data is {len(pixels):,} bytes, its header says {expected:,}")
    return ImageInfo("dicom", int(columns), int(rows))


def media(data: bytes | None, path: str | None) -> dict[str, Any] | None:
    """The ``{bytes, path}`` struct of an image or audio file (``None`` when there is no file)."""
    if data is None:
        return None
    return {"bytes": data, "path": path}


def check_audio(
    data: bytes | None, where: tuple[str, str, str], record_id: str, stats: ReadStats
) -> tuple[AudioInfo | None, bool | None]:
    """``(info, valid)`` of a source audio file (:func:`inspect_audio`); an unreadable or cut file is a
    problem naming the source archive/member."""
    if data is None:
        return None, None
    archive_rel, member, source = where
    try:
        return inspect_audio(data, source), True
    except ValueError as error:
        stats.add(Problem("audio", archive_rel, member, None, f"{source}: {error}", record_id), invalid_label=False)
        return None, False


def check_image(
    data: bytes | None,
    width: int | None,
    height: int | None,
    where: tuple[str, str, str],
    fields: tuple[str, str],
    record_id: str,
    stats: ReadStats,
    max_pixels: int | None = None,
) -> tuple[str | None, bool | None]:
    """``(format, valid)`` of a source image against the stated size; a mismatch or an unreadable
    image is a problem naming the source archive/member and the label field. ``max_pixels``: see
    :func:`inspect_image` (default ``stats.limits``: ``KDATA_MAX_IMAGE_PIXELS``)."""
    if data is None:
        return None, None
    archive_rel, member, source = where
    try:
        info = inspect_image(data, max_pixels or stats.limits.max_image_pixels)
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
            buffer = io.BytesIO(data)
            with wave.open(buffer) as wav:
                frames, rate = wav.getnframes(), wav.getframerate()
                width = wav.getnchannels() * wav.getsampwidth()
                present = (len(data) - buffer.tell()) // max(width, 1)  # opening stops where the samples start
                if present < frames:  # the header may claim hours the file lacks
                    said, held = frames / rate, present / rate
                    raise ValueError(f"not a whole WAV file: its header says {said:,.1f} s, it holds {held:,.1f} s")
                return AudioInfo("wav", rate, wav.getnchannels(), wav.getsampwidth() * 8, frames / rate)
        except (wave.Error, EOFError, ZeroDivisionError, RuntimeError, struct.error, OverflowError) as error:
            # RuntimeError: a chunk size past the end (wave's Chunk.seek); struct.error: a short header
            raise ValueError(f"not a readable WAV file ({type(error).__name__}: {error})") from None
    if len(data) % 2:
        raise ValueError("16-bit PCM must have an even number of bytes")
    return AudioInfo("pcm", pcm_rate, 1, 16, len(data) / 2 / pcm_rate)
