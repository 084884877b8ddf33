"""Korean SNS/dialogue labels: ``{numberOfItems, data: [{header: {dialogueInfo, participantsInfo}, body: [...]}]}``.

One record per dialogue. Declared counts (``numberOfUtterances`` ...) are kept beside the counts
found in the body so the quality stage can compare them. Bad members and bad dialogues become
problems naming archive, member and field; they are counted, not silently dropped.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

from ingest.archives import Member, iter_member_streams
from ingest.labeljson import compact_records, label_text, record_texts
from ingest.prefetch import one_ahead
from ingest.problems import Problem, ReadStats
from ingest.readers._common import (
    UNEXPECTED_CONTENT,
    LabelError,
    check_count,
    decode_json,
    finish_record,
    get,
    member_list_items,
    read_whole,
)
from schemas.records import KOREAN_DIALOGUE, LABEL_JSON

__all__ = ["decode_json", "read", "read_columnar"]


_UTTERANCE = (
    ("utterance_id", "utteranceID"),
    ("turn_id", "turnID"),
    ("participant_id", "participantID"),
    ("date", "date"),
    ("time", "time"),
    ("utterance", "utterance"),
)
"""Record field ← label key of each utterance, in column order."""


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _gender_mix(participants: list[Any]) -> str | None:
    """여성 / 남성 when every speaker is one gender, 혼성 when mixed, None when unknown."""
    genders = {str(p.get("gender")).strip() for p in participants if isinstance(p, dict) and p.get("gender")}
    if not genders:
        return None
    return genders.pop() if len(genders) == 1 else "혼성"


def _record(item: Any, index: int, sources: Mapping[str, str]) -> dict[str, Any]:
    prefix = f"data[{index}]"
    try:
        info = get(item, "header.dialogueInfo", dict)
        dialogue_id = get(info, "dialogueID", str).strip()
        if not dialogue_id:
            raise LabelError("dialogueID", "empty")
        body = get(item, "body", list)
        participants = get(item, "header.participantsInfo", list, required=False) or []
        utterances = []
        turns = set()
        empty = 0
        for n, utt in enumerate(body):
            if not isinstance(utt, dict):
                raise LabelError(f"body[{n}]", "expected an object")
            # the hot loop of the largest domain: values are almost always strings already
            row = {name: (v if (v := utt.get(key)) is None or type(v) is str else str(v)) for name, key in _UTTERANCE}
            utterances.append(row)
            if row["turn_id"] is not None:
                turns.add(row["turn_id"])
            if not (row["utterance"] or "").strip():
                empty += 1
        record = {
            "dialogue_id": dialogue_id,
            "topic": _text(info.get("topic")),
            "dialogue_type": _text(info.get("type")),
            "number_of_participants": get(info, "numberOfParticipants", int, required=False),
            "number_of_utterances": get(info, "numberOfUtterances", int),
            "number_of_turns": get(info, "numberOfTurns", int, required=False),
            "participant_count": len(participants),
            "speaker_gender_mix": _gender_mix(participants),
            "utterance_count": len(utterances),
            "turn_count": len(turns),
            "empty_utterance_count": empty,
            "participants": [
                {
                    "participant_id": _text(p.get("participantID")),
                    "gender": _text(p.get("gender")),
                    "age": _text(p.get("age")),
                }
                for p in participants
                if isinstance(p, dict)
            ],
            "utterances": utterances,
            "source_file": sources.get(dialogue_id),
        }
    except LabelError as error:
        field = error.field if error.field.startswith(("header", "body")) else f"header.dialogueInfo.{error.field}"
        raise LabelError(f"{prefix}.{field}", str(error)) from None
    except UNEXPECTED_CONTENT as error:  # a label of an unexpected shape: a schema problem, not a crash
        raise LabelError(prefix, f"unexpected label content ({type(error).__name__}: {str(error)[:200]})") from None
    return record


def read(archive: Path, archive_rel: str, sources: Mapping[str, str], stats: ReadStats) -> Iterator[dict[str, Any]]:
    """Records of every ``.json`` member of a Korean dialogue label archive (streamed: members of
    several GB are read item by item)."""
    for member, stream in iter_member_streams(archive, (".json",), stats.limits):  # as iter_list_items reads
        stats.member_read(member.info.compress_size)
        data = read_whole(member, stream, stats.limits)
        items = member_list_items(member.name, stream, data, archive_rel, stats, ("data",), "dialogues")
        yield from _records(items, archive_rel, sources, stats, data)  # the texts of a file held whole


def _records(
    items: Iterator[tuple[str, int, Any]],
    archive_rel: str,
    sources: Mapping[str, str],
    stats: ReadStats,
    data: bytes | None = None,
) -> Iterator[dict[str, Any]]:
    # a file held whole keeps each dialogue's text as written in label_json, as the columnar path does: a key
    # written twice keeps both values there (the parsed item keeps the last: an RRN in the first was found
    # by one path and published by the other, attack trial 8)
    texts = record_texts(data, ["data"]) if data is not None else None
    for member, index, item in items:
        try:
            record = _record(item, index, sources)
        except LabelError as error:
            stats.add(Problem("schema", archive_rel, member, error.field, str(error)), invalid_label=True)
            continue
        record = finish_record(record, record["dialogue_id"], archive_rel, member, stats, label=item)
        written = _written(texts[index]) if texts is not None and index < len(texts) else None
        if written is not None:
            record[LABEL_JSON] = written
        yield record


def _written(text: bytes) -> str | None:
    """``label_json`` of a dialogue from its text as written (:func:`ingest.labeljson.label_text`), ``None``
    when the text is not UTF-8 (the parsed item, decoded as the file's encoding, says it then)."""
    try:
        return label_text(text).decode("utf-8")
    except (UnicodeDecodeError, ValueError):
        return None


# -- columnar: a whole label file into Arrow at once ----------------------------------------------

_S, _I64, _I32 = pa.string(), pa.int64(), pa.int32()
_DOCUMENT = pa.schema(
    [
        ("numberOfItems", _I64),
        (
            "data",
            pa.list_(
                pa.struct(
                    [
                        (
                            "header",
                            pa.struct(
                                [
                                    (
                                        "dialogueInfo",
                                        pa.struct(
                                            [
                                                ("numberOfParticipants", _I64),
                                                ("numberOfUtterances", _I64),
                                                ("numberOfTurns", _I64),
                                                ("type", _S),
                                                ("topic", _S),
                                                ("dialogueID", _S),
                                            ]
                                        ),
                                    ),
                                    (
                                        "participantsInfo",
                                        pa.list_(pa.struct([("participantID", _S), ("gender", _S), ("age", _S)])),
                                    ),
                                ]
                            ),
                        ),
                        ("body", pa.list_(pa.struct([(key, _S) for _name, key in _UTTERANCE]))),
                    ]
                )
            ),
        ),
    ]
)
"""What a label file must be for the columnar path: every value of exactly these JSON types (a string
where a string is expected ...); other keys are ignored, as the record path ignores them."""

_PARSE = pj.ParseOptions(explicit_schema=_DOCUMENT, newlines_in_values=False, unexpected_field_behavior="ignore")
"""One file per line (compact JSON holds no line break)."""
_RECORD_FIELDS = [f for f in KOREAN_DIALOGUE.arrow_schema() if f.name not in ("pii_hits", "content_sha256")]
_RECORD_SCHEMA = pa.schema(_RECORD_FIELDS, metadata=KOREAN_DIALOGUE.arrow_schema().metadata)


class _NotColumnar(Exception):
    """This file needs the record path: it holds something only that path reports or converts."""


def read_columnar(
    archive: Path, archive_rel: str, sources: Mapping[str, str], stats: ReadStats
) -> Iterator[pa.Table | dict[str, Any]]:
    """The records of :func:`read`, many label files at a time where that is certain to give the same.

    Label files up to ``WHOLE_DOCUMENT_BYTES`` are parsed by Arrow's JSON reader against :data:`_DOCUMENT`,
    a batch of them at once (:func:`_batches`: one line of compact JSON each), and their records computed
    with Arrow compute: one :class:`pyarrow.Table` per batch (no quality columns yet). A file with anything
    the record path would report or convert (a missing or empty id, a value of another JSON type, a
    repeated key, an item that is not an object, text that is not UTF-8, one too big to hold) goes
    through :func:`read`'s record path instead, whose records come as dicts; the other files of its
    batch are read one by one. Either way the rows, problems and counts are the same (tests compare them).
    """
    # A batch's table is computed in a helper thread while this one checks and writes the one before
    # (Arrow releases the GIL): files still come out in archive order, and their problems too.
    for batch, pieces in one_ahead(
        _batches(_label_files(archive, stats)),
        lambda batch: _tables([(file[0].name, file[2] or b"") for file in batch], archive_rel, sources),
        inline=lambda batch: batch[0][2] is None,  # too big to hold: streamed, after the files before it
        name="kdata-columnar",
    ):
        if pieces is None:
            member, stream, _data = batch[0]
            items = member_list_items(member.name, stream, None, archive_rel, stats, ("data",), "dialogues")
            yield from _records(items, archive_rel, sources, stats)
            continue
        files = iter(batch)
        for covered, piece in pieces.result():
            if piece is None:  # one file, by the record path
                member, _stream, data = next(files)
                items = member_list_items(
                    member.name, io.BytesIO(data or b""), data, archive_rel, stats, ("data",), "dialogues"
                )
                yield from _records(items, archive_rel, sources, stats, data)
                continue
            for _ in range(covered):
                next(files)
            records, found = piece
            stats.labels_seen += found.labels_seen
            stats.labels_invalid += found.labels_invalid
            stats.problems.extend(found.problems)
            yield records


_BATCH_BYTES = 8 << 20
_BATCH_FILES = 256
"""A batch of label files read as one: up to this many bytes or files (Arrow's reader and each compute call
cost about a millisecond per call whatever its size: per file, that was a third of the reading of 800 files
of 200 KB)."""

_File = tuple[Member, IO[bytes], bytes | None]


def _label_files(archive: Path, stats: ReadStats) -> Iterator[_File]:
    """``(member, stream, whole bytes or None)`` per label file, each reported to ``stats`` as it opens."""
    for member, stream in iter_member_streams(archive, (".json",), stats.limits):
        stats.member_read(member.info.compress_size)
        yield member, stream, read_whole(member, stream, stats.limits)


def _batches(files: Iterator[_File]) -> Iterator[list[_File]]:
    """Consecutive files held whole, in batches (:data:`_BATCH_BYTES`, :data:`_BATCH_FILES`); a file too big to
    hold comes alone, after the batch before it and before the next file is opened (its stream is open)."""
    batch: list[_File] = []
    size = 0
    for file in files:
        if file[2] is None:
            if batch:
                yield batch
                batch, size = [], 0
            yield [file]
            continue
        batch.append(file)
        size += len(file[2])
        if size >= _BATCH_BYTES or len(batch) >= _BATCH_FILES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


_Piece = tuple[int, tuple[pa.Table, ReadStats] | None]


def _tables(files: list[tuple[str, bytes]], archive_rel: str, sources: Mapping[str, str]) -> list[_Piece]:
    """``(files covered, (table, what was found) or None)`` in file order: the batch as one table; if any of
    its files needs the record path, each file alone (``None``: that file by the record path)."""
    try:
        return [(len(files), _table(files, archive_rel, sources))]
    except _NotColumnar:
        if len(files) == 1:
            return [(1, None)]
    pieces: list[_Piece] = []
    for file in files:
        try:
            pieces.append((1, _table([file], archive_rel, sources)))
        except _NotColumnar:
            pieces.append((1, None))
    return pieces


def _field(array: pa.Array, name: str) -> pa.Array:
    """A struct child that must be there for every row."""
    child = pc.struct_field(array, name)
    if child.null_count:
        raise _NotColumnar(name)
    return child


def _distinct_per_parent(parents: np.ndarray, values: pa.Array, n: int) -> np.ndarray:
    """Per parent row, its distinct non-null ``values`` (a dialogue's turn ids), as int32: by NumPy over the
    values' dictionary codes (an Acero group-by costs milliseconds per call, paid per label file)."""
    encoded = pc.dictionary_encode(values)
    valid = pc.is_valid(values).to_numpy(zero_copy_only=False)
    codes = encoded.indices.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
    pairs = np.unique(parents[valid].astype(np.int64) * (len(encoded.dictionary) + 1) + codes[valid])
    owners = pairs // (len(encoded.dictionary) + 1)
    return np.bincount(owners, minlength=n).astype(np.int32)


_SURELY_TEXT = r"^[!-~\x{3131}-\x{318E}\x{AC00}-\x{D7A3}]"
"""A string that starts with a printable ASCII character, a Hangul jamo or a Hangul syllable is not blank:
none of them is whitespace to Python's ``str.strip`` (whose whitespace differs from RE2's and Arrow's)."""


def _blank(values: pa.Array) -> np.ndarray:
    """Per string, ``not (value or "").strip()`` (the record path's test), in Python only for the strings
    that do not start with a character :data:`_SURELY_TEXT` knows (few: most utterances start with one)."""
    surely = pc.match_substring_regex(values, _SURELY_TEXT).fill_null(False).to_numpy(zero_copy_only=False)
    blank = np.zeros(len(values), dtype=bool)
    rest = np.flatnonzero(~surely)
    if rest.size:
        blank[rest] = [not (v or "").strip() for v in values.take(pa.array(rest)).to_pylist()]
    return blank


def _strip_all(values: list[str | None]) -> list[str]:
    stripped = [v.strip() for v in values]  # type: ignore[union-attr]
    if not all(stripped):
        raise _NotColumnar("dialogueID")
    return stripped


def _counts_by_parent(parents: np.ndarray, mask: np.ndarray, n: int) -> pa.Array:
    return pa.array(np.bincount(parents[mask], minlength=n).astype(np.int32), _I32)


def _list_of(values: pa.StructArray, lengths: np.ndarray, names: list[str], field: pa.Field) -> pa.Array:
    """A list column of ``values`` renamed to ``names`` (a missing list is an empty one, as in the record path)."""
    offsets = np.zeros(len(lengths) + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    renamed = pa.StructArray.from_arrays(
        [pc.struct_field(values, [i]) for i in range(values.type.num_fields)], names=names
    )
    return pa.ListArray.from_arrays(pa.array(offsets), renamed, type=field.type)


def _table(files: list[tuple[str, bytes]], archive_rel: str, sources: Mapping[str, str]) -> tuple[pa.Table, ReadStats]:
    """The records of label files ``(member, bytes)`` as one table, and what was found (``missing_source``,
    a count that differs: never an invalid label, those send the file to the record path);
    ``_NotColumnar`` when one of them needs the record path."""
    stats = ReadStats()
    compacts: list[bytes] = []
    texts: list[bytes] = []
    text_counts: list[int] = []
    for _member, data in files:
        split = compact_records(data, ("data",))  # each dialogue's own text (its label_json) and the file's
        if split is None:
            raise _NotColumnar("data[] texts")
        compacts.append(split[0])
        texts += split[1]
        text_counts.append(len(split[1]))
    lines = b"\n".join(compacts)
    try:
        document = pj.read_json(
            io.BytesIO(lines),
            read_options=pj.ReadOptions(block_size=len(lines) + 1, use_threads=False),
            parse_options=_PARSE,
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as error:
        raise _NotColumnar(str(error)) from None
    try:
        document.validate(full=True)  # the JSON reader does not check that strings are UTF-8 (CP949 labels)
    except pa.ArrowInvalid as error:
        raise _NotColumnar(str(error)) from None
    if document.num_rows != len(files):
        raise _NotColumnar("not one JSON object per file")
    listed = document.column("data").combine_chunks()
    if listed.null_count:
        raise _NotColumnar("data")
    dialogues = pc.list_flatten(listed)
    if dialogues.null_count:
        raise _NotColumnar("data[]")
    per_file = pc.list_value_length(listed).to_numpy(zero_copy_only=False)
    if per_file.tolist() != text_counts:  # the split and the parse read the files alike, or the record path reads them
        raise _NotColumnar("data[] texts")
    n = len(dialogues)
    header = _field(dialogues, "header")
    info = _field(header, "dialogueInfo")
    ids = _strip_all(_field(info, "dialogueID").to_pylist())
    try:
        declared = {
            name: pc.struct_field(info, key).cast(_I32)
            for name, key in (
                ("number_of_participants", "numberOfParticipants"),
                ("number_of_utterances", "numberOfUtterances"),
                ("number_of_turns", "numberOfTurns"),
            )
        }
    except pa.ArrowInvalid as error:  # past 32 bits: the record path says what to do with it
        raise _NotColumnar(str(error)) from None
    if declared["number_of_utterances"].null_count:
        raise _NotColumnar("numberOfUtterances")

    people = pc.struct_field(header, "participantsInfo")
    people_lengths = pc.list_value_length(people).fill_null(0).to_numpy(zero_copy_only=False)
    people_flat = pc.list_flatten(people)
    if people_flat.null_count:
        raise _NotColumnar("participantsInfo[]")
    people_parents = pc.list_parent_indices(people).to_numpy()
    mix: list[str | None] = [None] * n
    genders: dict[int, set[str]] = {}
    for parent, gender in zip(people_parents.tolist(), pc.struct_field(people_flat, "gender").to_pylist(), strict=True):
        if gender:
            genders.setdefault(parent, set()).add(gender.strip())
    for parent, found in genders.items():
        mix[parent] = found.pop() if len(found) == 1 else "혼성"

    body = _field(dialogues, "body")
    body_lengths = pc.list_value_length(body).to_numpy(zero_copy_only=False)
    utterances = pc.list_flatten(body)
    if utterances.null_count:
        raise _NotColumnar("body[]")
    parents = pc.list_parent_indices(body).to_numpy()
    turn_count = _distinct_per_parent(parents, pc.struct_field(utterances, "turnID"), n)
    empty = _blank(pc.struct_field(utterances, "utterance"))

    get_many = getattr(sources, "get_many", None)  # SourceIndex looks many up at once
    found_sources = get_many(ids) if get_many is not None else [sources.get(i) for i in ids]
    declared_items = document.column("numberOfItems").to_pylist()
    start = 0
    for (member, _data), count, declared_count in zip(files, per_file.tolist(), declared_items, strict=True):
        for record_id, source in zip(ids[start : start + count], found_sources[start : start + count], strict=True):
            if source is None:
                stats.add(
                    Problem("missing_source", archive_rel, member, None, "no source file for this label", record_id),
                    invalid_label=False,
                )
        check_count({"numberOfItems": declared_count}, count, archive_rel, member, stats)
        start += count
    stats.labels_seen += n
    labels = [label_text(t) for t in texts] if any(b"\\" in t for t in texts) else texts
    file_of = np.repeat(np.arange(len(files)), per_file)
    members = pa.array([member for member, _data in files], _S)

    fields = {f.name: f for f in _RECORD_FIELDS}
    columns = {
        "dialogue_id": pa.array(ids, _S),
        "topic": pc.struct_field(info, "topic"),
        "dialogue_type": pc.struct_field(info, "type"),
        **declared,
        "participant_count": pa.array(people_lengths.astype(np.int32), _I32),
        "speaker_gender_mix": pa.array(mix, _S),
        "utterance_count": pa.array(body_lengths.astype(np.int32), _I32),
        "turn_count": pa.array(turn_count, _I32),
        "empty_utterance_count": _counts_by_parent(parents, empty, n),
        "participants": _list_of(
            people_flat, people_lengths, ["participant_id", "gender", "age"], fields["participants"]
        ),
        "utterances": _list_of(utterances, body_lengths, [name for name, _key in _UTTERANCE], fields["utterances"]),
        "source_file": pa.array(found_sources, _S),
        "label_json": pa.array(labels, pa.binary()).cast(_S),
        "label_archive": pa.array([archive_rel] * n, _S),
        "label_member": members.take(pa.array(file_of)),
    }
    return pa.Table.from_arrays([columns[f.name] for f in _RECORD_FIELDS], schema=_RECORD_SCHEMA), stats
