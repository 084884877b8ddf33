"""Small real images (PNG/JPEG, Pillow) and audio (PCM/WAV, numpy) for the sample datasets.

Deterministic: pixels and samples come from the caller's :class:`random.Random`; Pillow's encoders
give the same bytes for the same pixels and settings.
"""

from __future__ import annotations

import io
import random
import wave
from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageDraw

__all__ = ["SAMPLE_RATE", "draw_image", "pcm_audio", "wav_audio"]

SAMPLE_RATE = 16_000
"""KsponSpeech's rate: 16 kHz, 16-bit, mono."""

Box = tuple[float, float, float, float]  # x, y, w, h


def draw_image(
    rng: random.Random,
    width: int,
    height: int,
    *,
    boxes: Sequence[Box] = (),
    polygons: Sequence[Sequence[tuple[float, float]]] = (),
    fmt: str = "PNG",
    grey: bool = False,
) -> bytes:
    """A textured image with the labelled boxes and polygons drawn in, encoded as PNG or JPEG."""
    noise = np.random.default_rng(rng.getrandbits(32))
    base = noise.integers(0, 256, size=3)
    pixels = np.clip(base + noise.normal(0, 18, size=(height, width, 3)), 0, 255).astype(np.uint8)
    image = Image.fromarray(pixels, "RGB")
    draw = ImageDraw.Draw(image)
    for x, y, w, h in boxes:
        colour = tuple(int(c) for c in noise.integers(0, 256, size=3))
        draw.rectangle([x, y, x + max(w - 1, 0), y + max(h - 1, 0)], outline=colour, width=2)
    for points in polygons:
        if len(points) >= 3:
            draw.polygon(list(points), fill=tuple(int(c) for c in noise.integers(0, 256, size=3)))
    if grey:
        image = image.convert("L")
    out = io.BytesIO()
    if fmt == "JPEG":
        image.save(out, format="JPEG", quality=85, optimize=False)
    else:
        image.save(out, format="PNG", optimize=False, compress_level=6)
    return out.getvalue()


def _samples(rng: random.Random, seconds: float) -> bytes:
    noise = np.random.default_rng(rng.getrandbits(32))
    t = np.arange(int(SAMPLE_RATE * seconds)) / SAMPLE_RATE
    pitch = 110 + 90 * noise.random()
    envelope = np.minimum(1.0, np.minimum(t, t[-1] - t + 1e-3) * 20)
    signal = envelope * (0.3 * np.sin(2 * np.pi * pitch * t) + 0.1 * np.sin(2 * np.pi * 3 * pitch * t))
    signal += noise.normal(0, 0.01, size=t.shape)
    return (np.clip(signal, -1, 1) * 32767).astype("<i2").tobytes()


def pcm_audio(rng: random.Random, seconds: float) -> bytes:
    """Headerless 16-bit little-endian mono PCM at 16 kHz (KsponSpeech's ``.pcm``)."""
    return _samples(rng, seconds)


def wav_audio(rng: random.Random, seconds: float) -> bytes:
    """The same audio in a WAV container."""
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(SAMPLE_RATE)
        wav.writeframes(_samples(rng, seconds))
    return out.getvalue()
