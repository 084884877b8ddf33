"""Korean speech, KsponSpeech style: one transcript ``.txt`` per utterance in the label archive,
the audio (headerless 16-bit PCM at 16 kHz, or WAV) with the same stem in the source archive.

Transcripts carry KsponSpeech's marks: noise tags ``b/`` (breath) ``n/`` (noise) ``l/`` (laughter)
``o/`` (other speaker) ``u/`` (unintelligible), dual transcriptions ``(철자)/(발음)`` such as
``(70%)/(칠 십 퍼센트)``, ``+`` (repetition) and ``*`` (unclear). The record keeps the raw line and
two cleaned texts (spelling side and pronunciation side); malformed marks are counted.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingest.problems import Problem, ReadStats
from ingest.readers._common import SourceFiles, finish_record, iter_text_labels, stem
from ingest.readers._media import inspect_audio, media

__all__ = ["Transcript", "clean_transcript", "read"]

_DUAL = re.compile(r"\(([^()/]*)\)/\(([^()/]*)\)")
_NOISE = re.compile(r"(?<![A-Za-z])[bnlou]/")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Transcript:
    text: str
    phonetic: str
    noise_tags: int
    dual_spellings: int
    errors: int


def clean_transcript(raw: str) -> Transcript:
    """Clean one KsponSpeech transcript line (both sides of dual transcriptions, tags removed)."""
    line = raw.strip()
    duals = len(_DUAL.findall(line))
    noise = len(_NOISE.findall(line))
    sides = []
    errors = 0
    for group in (1, 2):
        side = _DUAL.sub(lambda m, g=group: m.group(g), line)  # type: ignore[misc]
        side = _NOISE.sub(" ", side)
        leftover = sum(side.count(ch) for ch in "()/")
        if group == 1:
            errors = leftover
        for ch in "()/+*":
            side = side.replace(ch, "" if ch in "+*" else " ")
        sides.append(_SPACES.sub(" ", side).strip())
    return Transcript(sides[0], sides[1], noise, duals, errors)


def _audio(data: bytes | None, name: str, where: tuple[str, str, str], stats: ReadStats) -> dict[str, Any]:
    archive_rel, member, utterance_id = where
    empty: dict[str, Any] = {"audio_format": None, "sample_rate": None, "channels": None, "duration": None}
    if data is None:
        return {**empty, "audio_valid": None}
    try:
        info = inspect_audio(data, name)
    except ValueError as error:
        stats.add(Problem("audio", archive_rel, member, None, f"{name}: {error}", utterance_id), invalid_label=False)
        return {**empty, "audio_valid": False}
    return {
        "audio_format": info.format,
        "sample_rate": info.sample_rate,
        "channels": info.channels,
        "duration": info.duration,
        "audio_valid": info.duration > 0,
    }


def read(archive: Path, archive_rel: str, sources: Mapping[str, str], stats: ReadStats) -> Iterator[dict[str, Any]]:
    """Records of every ``.txt`` transcript of a speech label archive, with its audio."""
    with SourceFiles(archive, archive_rel, sources, stats.limits) as files:
        for member, raw in iter_text_labels(archive, archive_rel, stats, (".txt",)):
            utterance_id = stem(member)
            transcript = clean_transcript(raw)
            ref, data = files.fetch(utterance_id, stats, archive_rel, member, utterance_id)
            audio_path = ref.partition("!")[2] if ref else None
            record: dict[str, Any] = {
                "utterance_id": utterance_id,
                "audio": media(data, audio_path),
                **_audio(data, audio_path or "", (archive_rel, member, utterance_id), stats),
                "raw_text": raw.strip(),
                "text": transcript.text,
                "text_phonetic": transcript.phonetic,
                "noise_tag_count": transcript.noise_tags,
                "dual_spelling_count": transcript.dual_spellings,
                "transcript_errors": transcript.errors,
                "text_length": len(transcript.text),
                "source_file": ref,
            }
            yield finish_record(record, utterance_id, archive_rel, member, stats, label={"text": raw.strip("\r\n")})
