"""A deterministic AI Hub-style Korean SNS/messenger dialogue dataset, for tests and demos.

:func:`write_korean_dialogue` writes a dataset folder the way AI Hub ships one::

    <out>/dataset.yaml
    <out>/01.데이터/1.Training/라벨링데이터/TL_1.일상대화.zip   # labels: 일상대화/SNS_일상대화_0001.json, ...
    <out>/01.데이터/1.Training/원천데이터/TS_1.일상대화.zip     # sources: 일상대화/KSNS_00000001.txt, ...
    <out>/01.데이터/2.Validation/라벨링데이터/VL_1.일상대화.zip
    <out>/01.데이터/2.Validation/원천데이터/VS_1.일상대화.zip

Label JSON uses the real AI Hub Korean SNS field names (``numberOfItems``, ``data[].header
.dialogueInfo``, ``participantsInfo``, ``body[]``). Dialogue ids are ``KSNS_`` followed by eight
digits, numbered from 1 over Training then Validation. Each source ``.txt`` holds one
``participantID: utterance`` line per utterance.

The same arguments always give byte-identical files: all randomness comes from
``random.Random(seed)``, zip members are written in sorted order with fixed timestamps and
attributes, and nothing reads the clock. Dialogues are generated and written one at a time (label
files go through a temporary file beside the dataset), so a dataset of many GB, or one label file
of several GB, never sits in memory. ``inject`` plants exactly one known defect (see
:data:`FAULTS`) in the first Training label archive, so readers and quality checks can be tested.
"""

from __future__ import annotations

import codecs
import math
import random
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from kdata.samples.korean_text import TOPICS, make_dialogue_lines
from kdata.samples.layout import (
    LAYOUTS,
    ArchiveOptions,
    SampleError,
    ZipWriter,
    check_layout,
    check_out_dir,
    finish_source_archive,
    label_archive_path,
    source_archive_paths,
    typo_group,
    validate_manifest,
    validation_count,
    write_manifest,
)

__all__ = [
    "FAULTS",
    "LAYOUTS",
    "PII_PHONE",
    "PII_RRN",
    "SampleError",
    "dialogue_id",
    "write_korean_dialogue",
]

FAULTS: tuple[str, ...] = ("pii", "bad-json", "duplicate-id", "missing-source")
"""Defects :func:`write_korean_dialogue` can plant (one per dataset) with ``inject=``."""

PII_RRN = "900101-1234568"
"""The resident registration number planted by the ``pii`` fault (valid checksum)."""

PII_PHONE = "010-1234-5678"
"""The mobile number planted by the ``pii`` fault."""

_SPLITS = (("1.Training", "T"), ("2.Validation", "V"))
_ID_PREFIX = "KSNS_"

_GENDERS = ("여성", "남성")
_AGES = ("10대", "20대", "30대", "40대", "50대", "60대 이상")
_AGE_WEIGHTS = (10, 40, 25, 12, 8, 5)
_PROVINCES = (
    "서울특별시",
    "부산광역시",
    "대구광역시",
    "인천광역시",
    "광주광역시",
    "대전광역시",
    "울산광역시",
    "세종특별자치시",
    "경기도",
    "강원도",
    "충청북도",
    "충청남도",
    "전라북도",
    "전라남도",
    "경상북도",
    "경상남도",
    "제주특별자치도",
)
_PROVINCE_WEIGHTS = (20, 7, 5, 6, 3, 3, 2, 1, 25, 3, 3, 4, 3, 3, 4, 6, 2)
_FIRST_DAY = date(2020, 9, 1)
_DAYS = 180


def dialogue_id(number: int) -> str:
    """The id of dialogue ``number`` (1-based): ``KSNS_00000123``."""
    return f"{_ID_PREFIX}{number:08d}"


@dataclass
class _Dialogue:
    number: int
    split: int  # index into _SPLITS
    topic_no: int  # 1-based archive number
    topic: str
    doc: dict[str, Any]
    with_source: bool = True

    @property
    def id(self) -> str:
        return str(self.doc["header"]["dialogueInfo"]["dialogueID"])

    @property
    def source_name(self) -> str:
        """Source member of this dialogue, named after its generated id."""
        return f"{self.topic}/{dialogue_id(self.number)}.txt"

    def source_text(self) -> str:
        return "".join(f"{u['participantID']}: {u['utterance']}\n" for u in self.doc["body"])


@dataclass
class _Archive:
    split: int
    topic_no: int
    topic: str
    count: int = 0  # dialogues
    start: int = 0  # position (0-based, over all archives) of its first dialogue

    def name(self, kind: str) -> str:
        """``TL_1.일상대화.zip`` (kind ``L``) or ``TS_1.일상대화.zip`` (kind ``S``)."""
        return f"{_SPLITS[self.split][1]}{kind}_{self.topic_no}.{self.topic}.zip"

    def label_files(self, per_file: int) -> list[tuple[str, int]]:
        """``(member, dialogues in it)`` of each label file, in the order its dialogues are made."""
        return [
            (f"{self.topic}/SNS_{self.topic}_{n:04d}.json", min(per_file, self.count - first))
            for n, first in enumerate(range(0, self.count, per_file), 1)
        ]


def _make_dialogue(rng: random.Random, number: int, split: int, topic_no: int, topic: str) -> _Dialogue:
    n_participants = rng.choices((2, 3, 4), weights=(60, 25, 15))[0]
    speakers = [f"P{i:02d}" for i in range(1, n_participants + 1)]
    participants = [
        {
            "participantID": pid,
            "gender": rng.choice(_GENDERS),
            "age": rng.choices(_AGES, weights=_AGE_WEIGHTS)[0],
            "residentialProvince": rng.choices(_PROVINCES, weights=_PROVINCE_WEIGHTS)[0],
        }
        for pid in speakers
    ]
    lines = make_dialogue_lines(rng, topic, speakers)

    start = datetime.combine(_FIRST_DAY + timedelta(days=rng.randrange(_DAYS)), datetime.min.time())
    moment = start + timedelta(hours=rng.randint(8, 21), minutes=rng.randrange(60), seconds=rng.randrange(60))
    body: list[dict[str, str]] = []
    turn = 0
    previous: str | None = None
    for index, (speaker, utterance) in enumerate(lines, 1):
        if speaker != previous:
            turn += 1
            previous = speaker
            if index > 1:
                moment += timedelta(seconds=rng.randint(10, 240))
        else:
            moment += timedelta(seconds=rng.randint(1, 15))
        body.append(
            {
                "utterance": utterance,
                "utteranceID": f"U{index}",
                "participantID": speaker,
                "date": moment.strftime("%Y-%m-%d"),
                "turnID": f"T{turn}",
                "time": moment.strftime("%H:%M:%S"),
            }
        )
    doc = {
        "header": {
            "dialogueInfo": {
                "numberOfParticipants": n_participants,
                "numberOfUtterances": len(body),
                "numberOfTurns": turn,
                "type": "2인 대화" if n_participants == 2 else "다자 대화",
                "topic": topic,
                "dialogueID": dialogue_id(number),
            },
            "participantsInfo": participants,
        },
        "body": body,
    }
    return _Dialogue(number, split, topic_no, topic, doc)


def _manifest(dataset_id: str, version: str) -> dict[str, Any]:
    return {
        "id": dataset_id,
        "title": {"ko": "한국어 SNS 대화 데이터", "en": "Korean SNS dialogue"},
        "description": {
            "ko": (
                "메신저와 SNS에서 오간 일상 대화를 주제별로 모아 화자·발화·턴 단위로 라벨링한 한국어 대화 데이터입니다."
            ),
            "en": "Korean everyday dialogue from messenger and SNS chats, labelled by speaker, utterance and turn.",
        },
        "domain": "korean",
        "data_type": "text",
        "record_schema": "korean_dialogue",
        "build_year": 2024,
        "version": version,
        "version_note": "최초 개방 (initial release)",
        "updated": "2024-10",
        "source": {"name": "한국지능정보사회진흥원 (NIA)", "url": "https://aihub.or.kr"},
        "formats": ["json", "txt"],
        "keywords": ["대화", "SNS", "메신저", "dialogue"],
        "license": {
            "id": "aihub-standard",
            "name": "AI Hub 이용약관",
            "status": "approval_required",
            "commercial_use": True,
            "modification": True,
            "domestic_only": True,
            "redistribution": False,
        },
        "quality": {"syntactic_validity": 0.995, "pii_policy": "block"},
        # Dataset-page metadata (documented in schemas/manifest.py).
        "release_status": "open",
        "release_date": "2024-10-30",
        "labeling": {
            "type": {"ko": "대화 주제·화자·발화·턴 라벨링", "en": "Dialogue topic, speaker, utterance and turn labels"},
            "format": "JSON",
        },
        "counts": {"unit": {"ko": "대화", "en": "dialogues"}},
        "collection": {
            "ko": "메신저·SNS 대화를 수집하고 개인정보를 비식별화한 뒤 주제별로 분류했습니다.",
            "en": "Messenger and SNS chats were collected, de-identified and sorted by topic.",
        },
    }


def _check_arguments(
    out: Path, items: int, layout: str, inject: str | None, dialogues_per_file: int, topics: int | None
) -> None:
    check_layout(layout)
    bad_topics = isinstance(topics, bool) or not isinstance(topics, int) or not 1 <= topics <= len(TOPICS)
    if topics is not None and bad_topics:
        raise SampleError(f"topics must be an integer from 1 to {len(TOPICS)} (or None), got {topics!r}")
    if inject is not None and inject not in FAULTS:
        raise SampleError(f"unknown fault {inject!r}; choose one of {', '.join(FAULTS)} (or None)")
    if isinstance(items, bool) or not isinstance(items, int) or items < 1:
        raise SampleError(f"items must be an integer >= 1, got {items!r}")
    if isinstance(dialogues_per_file, bool) or not isinstance(dialogues_per_file, int) or dialogues_per_file < 1:
        raise SampleError(f"dialogues_per_file must be an integer >= 1, got {dialogues_per_file!r}")
    if inject == "duplicate-id" and items - validation_count(items) < 2:
        raise SampleError("inject='duplicate-id' needs at least 2 Training dialogues (items >= 3)")
    check_out_dir(out)


def _plan_archives(items: int, seed: int, topics: int | None) -> tuple[random.Random, list[_Archive]]:
    """The topic archives and their dialogue counts; the generator, ready to make dialogue 1."""
    rng = random.Random(seed)
    n_topics = rng.choice((2, 3)) if topics is None else topics
    others = rng.sample(TOPICS[1:], n_topics - 1)
    names = [t for t in TOPICS if t == TOPICS[0] or t in others]

    n_val = validation_count(items)
    counts = (items - n_val, n_val)
    archives: list[_Archive] = []
    for split, count in enumerate(counts):
        split_archives = [_Archive(split, no, topic) for no, topic in enumerate(names, 1)]
        for j in range(count):
            split_archives[j * len(names) // count].count += 1
        archives.extend(a for a in split_archives if a.count)
    position = 0
    for archive in archives:
        archive.start = position
        position += archive.count
    return rng, archives


@dataclass
class _Plan:
    """Where the fault goes: a member to truncate, changes to dialogues by position."""

    truncate: tuple[str, str] | None = None  # (label archive name, member name)
    patches: dict[int, Callable[[_Dialogue], None]] = field(default_factory=dict)
    without_source: set[int] = field(default_factory=set)  # positions whose .txt is left out


def _dialogues(rng: random.Random, archives: list[_Archive], plan: _Plan) -> Iterator[_Dialogue]:
    """Every dialogue in order (Training then Validation, archive by archive), faults planted."""
    number = 0
    for archive in archives:
        for _ in range(archive.count):
            number += 1
            dialogue = _make_dialogue(rng, number, archive.split, archive.topic_no, archive.topic)
            patch = plan.patches.get(number - 1)
            if patch is not None:
                patch(dialogue)
            yield dialogue


def _inject(fault: str | None, archives: list[_Archive], seed: int, per_file: int) -> _Plan:
    """Decide where ``fault`` goes (dialogues are changed as they are made, see :func:`_dialogues`)."""
    plan = _Plan()
    if fault is None:
        return plan
    rng = random.Random(f"kdata-fault:{seed}")
    first = archives[0]  # Training, topic 1: never empty; its first label file holds positions 0..size-1
    member, size = first.label_files(per_file)[0]
    if fault == "pii":

        def put_pii(dialogue: _Dialogue) -> None:
            body = dialogue.doc["body"]
            first_i, second_i = sorted(rng.sample(range(len(body)), 2))
            body[first_i]["utterance"] = f"제 주민번호는 {PII_RRN} 이에요"
            body[second_i]["utterance"] = f"연락처는 {PII_PHONE} 이에요"

        plan.patches[rng.choice(range(size))] = put_pii
    elif fault == "bad-json":
        plan.truncate = (first.name("L"), member)
    elif fault == "duplicate-id":
        # one of the first file's dialogues takes the id of its first; with one dialogue per file,
        # the second Training dialogue takes the id of the first
        copy = 1 + rng.choice(range(size - 1)) if size >= 2 else 1
        original_id = dialogue_id(1)

        def duplicate(dialogue: _Dialogue) -> None:
            dialogue.doc["header"]["dialogueInfo"]["dialogueID"] = original_id
            dialogue.with_source = False  # its own id no longer exists; the shared id keeps the original's .txt

        plan.patches[copy] = duplicate
        plan.without_source.add(copy)
    elif fault == "missing-source":
        target = rng.choice(range(size))

        def drop_source(dialogue: _Dialogue) -> None:
            dialogue.with_source = False

        plan.patches[target] = drop_source
        plan.without_source.add(target)
    return plan


def _dump(doc: dict[str, Any]) -> str:
    """``json.dumps(doc, ensure_ascii=False, indent=2)``: orjson writes the same text for these
    documents (strings and small ints only), 8x faster."""
    return orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode()


def _label_pieces(dialogues: Iterator[_Dialogue], count: int) -> Iterator[str]:
    """The text of ``_dump({"numberOfItems": count, "data": [docs]})``, one dialogue at a time."""
    yield f'{{\n  "numberOfItems": {count},\n  "data": ['
    for n in range(count):
        doc = next(dialogues).doc
        yield ("\n    " if n == 0 else ",\n    ") + _dump(doc).replace("\n", "\n    ")
    yield "\n  ]\n}"


class _SourceZips:
    """An archive's source zip(s), written as dialogues arrive (in name order: ids ascend)."""

    def __init__(self, out: Path, paths: list[str], members: int, options: ArchiveOptions) -> None:
        self._out = out
        self._paths = paths
        self._per = math.ceil(members / len(paths)) if members else 1  # as layout's _split_sources
        self._options = options
        self._written = 0
        self._open: tuple[int, ZipWriter] | None = None
        self._next = 0  # first path not opened yet

    def _writer(self, index: int) -> ZipWriter:
        while self._open is None or self._open[0] < index:
            self._close_open()
            self._open = (self._next, ZipWriter(self._out / self._paths[self._next], cp949_names=self._cp949))
            self._next += 1
        return self._open[1]

    @property
    def _cp949(self) -> bool:
        return self._options.member_names == "cp949"

    def add(self, name: str, data: bytes) -> None:
        self._writer(self._written // self._per).add(name, data)
        self._written += 1

    def _close_open(self) -> None:
        if self._open is not None:
            index, writer = self._open
            writer.close()
            finish_source_archive(self._out / self._paths[index], self._options)
            self._open = None

    def close(self) -> None:
        if self._next < len(self._paths):
            self._writer(len(self._paths) - 1)  # trailing zips may be empty: still written
        self._close_open()


def _write_archive(
    out: Path,
    archive: _Archive,
    dialogues: Iterator[_Dialogue],
    plan: _Plan,
    *,
    layout: str,
    options: ArchiveOptions,
    typo: bool,
    per_file: int,
    scratch: Path,
) -> None:
    """Write one topic archive's label zip and source zip(s), its dialogues made one by one."""
    positions = range(archive.start, archive.start + archive.count)
    sources = archive.count - sum(1 for p in plan.without_source if p in positions)
    paths = source_archive_paths(layout, archive.split, archive.topic_no, archive.topic, sources)
    source_zips = _SourceZips(out, paths, sources, options)

    def written(dialogue: _Dialogue) -> _Dialogue:
        if dialogue.with_source:
            source_zips.add(dialogue.source_name, dialogue.source_text().encode("utf-8"))
        return dialogue

    made = (written(d) for d in dialogues)
    labels: dict[str, Path] = {}
    for member, count in archive.label_files(per_file):
        path = scratch / f"{len(labels):06d}.json"
        pieces = _label_pieces(made, count)
        if plan.truncate == (archive.name("L"), member):
            text = "".join(pieces)
            path.write_bytes(text[: len(text) // 2].encode(options.label_encoding))
        else:
            encoder = codecs.getincrementalencoder(options.label_encoding)()
            with path.open("wb") as file:
                for piece in pieces:
                    file.write(encoder.encode(piece))
                file.write(encoder.encode("", final=True))
        labels[member] = path
    source_zips.close()
    label_path = out / label_archive_path(layout, archive.split, archive.topic_no, archive.topic, typo=typo)
    with ZipWriter(label_path, cp949_names=options.member_names == "cp949") as zf:
        for member in sorted(labels):  # sorted: SNS_..._10000 comes before SNS_..._1001
            zf.add_file(member, labels[member])
            labels[member].unlink()


def write_korean_dialogue(
    out: Path,
    *,
    items: int = 200,
    seed: int = 0,
    layout: str = "classic",
    inject: str | None = None,
    dataset_id: str = "korean-sns-dialogue",
    version: str = "1.0",
    dialogues_per_file: int = 50,
    options: ArchiveOptions | None = None,
    topics: int | None = None,
) -> Path:
    """Writes the dataset folder into `out` (created; must be empty or absent) and returns the folder path.

    ``items`` dialogues are split 80 % Training / 20 % Validation (at least one Validation
    dialogue when ``items >= 2``) and spread over 2–3 topic archives (``TL_1.일상대화.zip`` ...).
    Label archives hold ``<topic>/SNS_<topic>_NNNN.json`` files of up to ``dialogues_per_file``
    dialogues; source archives hold ``<topic>/<dialogueID>.txt``. ``inject`` names one fault of
    :data:`FAULTS` to plant in the first Training label archive (``TL_1.<topic>.zip``):

    - ``pii``: two utterances of one dialogue in its first JSON member carry :data:`PII_RRN` and
      :data:`PII_PHONE` (the dialogue's source ``.txt`` carries them too);
    - ``bad-json``: its first JSON member is cut off mid-document;
    - ``duplicate-id``: one dialogue re-uses the id of another (the first dialogue of that member);
      only the original's ``.txt`` exists under that id;
    - ``missing-source``: one dialogue of its first member has no ``.txt`` in ``TS_1.<topic>.zip``.

    ``layout`` is one of :data:`~kdata.samples.layout.LAYOUTS` (paths above are ``classic``);
    ``options`` reproduces archive realities (CP949 names, BOM/CP949 JSON, split source archives).
    ``topics`` fixes the number of topic archives per split (1–4; by default the seed picks 2 or 3):
    with ``topics=1`` and ``dialogues_per_file >= items`` the Training label archive holds one label
    file of 80 % of the dialogues (AI Hub's single-file label sets, several GB).

    Raises :class:`SampleError` for bad arguments, before anything is written.
    """
    out = Path(out)
    _check_arguments(out, items, layout, inject, dialogues_per_file, topics)
    manifest = _manifest(dataset_id, version)
    manifest["counts"] = {"raw": items, "source": items, "label": items, **manifest["counts"]}
    validate_manifest(out, manifest)

    rng, archives = _plan_archives(items, seed, topics)
    plan = _inject(inject, archives, seed, dialogues_per_file)
    options = options or ArchiveOptions()

    write_manifest(out, manifest)
    dialogues = _dialogues(rng, archives, plan)
    typo = typo_group([(a.split, a.topic_no) for a in archives]) if options.typo else -1
    with tempfile.TemporaryDirectory(prefix=".labels-", dir=out) as scratch:
        for index, archive in enumerate(archives):
            _write_archive(
                out,
                archive,
                dialogues,
                plan,
                layout=layout,
                options=options,
                typo=index == typo,
                per_file=dialogues_per_file,
                scratch=Path(scratch),
            )
    return out
