"""The image check reads JPEG and PNG structure instead of decoding pixels, and decides as a full decode
would: every whole image passes without a decode; every cut or damaged one is refused or decoded."""

from __future__ import annotations

import contextlib
import io
import random

import pytest
from PIL import Image, ImageFile

from ingest.readers import _media
from ingest.readers._media import inspect_image


def _photo(fmt: str, **options: object) -> bytes:
    rng = random.Random(7)
    image = Image.new("RGB", (64, 48))
    image.putdata([(rng.randrange(256), rng.randrange(256), (x * 3) % 256) for x in range(64 * 48)])
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


def _with_exif_thumbnail() -> bytes:
    thumb = io.BytesIO()
    Image.new("RGB", (8, 6), (9, 9, 9)).save(thumb, format="JPEG")  # an SOI..EOI inside APP1
    body = _photo("JPEG")
    app1 = b"Exif\x00\x00" + thumb.getvalue()
    return body[:2] + b"\xff\xe1" + (len(app1) + 2).to_bytes(2, "big") + app1 + body[2:]


WHOLE = {
    "jpeg": _photo("JPEG", quality=85),
    "jpeg_progressive": _photo("JPEG", quality=85, progressive=True),
    "jpeg_restart_markers": _photo("JPEG", quality=85, restart_marker_blocks=1),
    "jpeg_exif_thumbnail": _with_exif_thumbnail(),
    "jpeg_trailing_bytes": _photo("JPEG") + b"SEFT trailer some phones append",
    "png": _photo("PNG"),
    "png_small_idat": _photo("PNG", compress_level=0),
}


def _full_decode_ok(data: bytes) -> bool:
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
        return True
    except Exception:
        return False


@pytest.mark.parametrize("name", sorted(WHOLE))
def test_whole_images_pass_without_a_pixel_decode(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    data = WHOLE[name]
    assert _full_decode_ok(data)

    def no_decode(self: object) -> None:
        raise AssertionError("decoded pixels")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decode)
    info = inspect_image(data)
    assert (info.width, info.height) == (64, 48)
    assert info.format == ("png" if name.startswith("png") else "jpeg")


@pytest.mark.parametrize("name", sorted(WHOLE))
def test_cut_images_are_refused_as_a_full_decode_refuses_them(name: str) -> None:
    """Cut at every length past the header (stepped): the structure check never lets a cut image through
    that a full decode refuses; where it is unsure, the decode decides."""
    data = WHOLE[name]
    for cut in range(20, len(data), max(1, len(data) // 300)):
        part = data[:cut]
        try:
            inspect_image(part)
            ours = True
        except ValueError:
            ours = False
        if ours:
            assert _full_decode_ok(part), (name, cut, len(data))


def test_a_changed_png_chunk_is_decoded_not_trusted(monkeypatch: pytest.MonkeyPatch) -> None:
    data = bytearray(WHOLE["png"])
    data[60] ^= 0xFF  # inside IDAT: its CRC no longer matches
    assert _media._png_size(bytes(data)) is None
    decoded: list[bool] = []
    real_load = ImageFile.ImageFile.load

    def spy(self: ImageFile.ImageFile) -> object:
        decoded.append(True)
        return real_load(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", spy)
    with contextlib.suppress(ValueError):
        inspect_image(bytes(data))
    assert decoded


def test_a_jpeg_without_its_end_marker_is_decoded_not_trusted() -> None:
    data = WHOLE["jpeg"]
    assert _media._jpeg_size(data) == (64, 48)
    assert _media._jpeg_size(data[:-2]) is None
    assert _media._jpeg_size(data[: len(data) // 2]) is None
    assert _media._jpeg_size(b"\xff\xd8\xff\xd9") is None
    assert _media._jpeg_size(b"\xff\xd8\xff\xe0\xff\xff") is None  # a segment longer than the file


@pytest.mark.parametrize("name", sorted(WHOLE))
def test_the_structure_answers_what_pillow_answers(name: str) -> None:
    with Image.open(io.BytesIO(WHOLE[name])) as image:
        expected = ((image.format or "").lower(), image.width, image.height)
    assert _media._structure_size(WHOLE[name]) == expected


def test_damaged_jpeg_tables_and_other_codings_go_to_the_decoder() -> None:
    data = WHOLE["jpeg"]
    dqt = data.index(b"\xff\xdb")
    shorter = data[: dqt + 3] + bytes([data[dqt + 3] - 1]) + data[dqt + 4 :]  # DQT length off by one
    assert _media._jpeg_size(shorter) is None
    sof = data.index(b"\xff\xc0")
    arithmetic = data[:sof] + b"\xff\xc9" + data[sof + 2 :]
    assert _media._jpeg_size(arithmetic) is None
    twelve_bit = data[: sof + 4] + b"\x0c" + data[sof + 5 :]
    assert _media._jpeg_size(twelve_bit) is None


def test_a_multi_picture_jpeg_keeps_its_pillow_format() -> None:
    body = WHOLE["jpeg"]
    mpf = b"MPF\x00" + bytes(8)
    data = body[:2] + b"\xff\xe2" + (len(mpf) + 2).to_bytes(2, "big") + mpf + body[2:]
    assert _media._jpeg_size(data) is None
