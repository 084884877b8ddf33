"""``kdata inspect``: what a dataset folder holds and a suggested ``labels:`` mapping.

It finds the layout (splits, label/source/mixed archives, files skipped and why), reads a sample of
label files of each format, describes their shapes (a key tree with types, counts and examples,
personal data masked) and suggests one label block per format: where the records are, which fields
to map, their types and roles.

Where the records are: one record per label file when the label files pair one-to-one with source
files (one JSON per image or audio file) or no list of objects repeats; otherwise the list of objects
with the most items (``sents[*]``, ``data[*].paragraphs[*].qas[*]``), its ancestors' values carried
onto each row. A list that holds exactly one object in every sampled file is read as that object.

It lives in the application ``kdata``, not in ``ingest.mapping``: it reads label files with ``ingest`` and
masks examples with :func:`quality.pii.redact`, and ``ingest`` may not import ``quality`` (ARCHITECTURE.md).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from ingest.archives import Member, iter_member_streams
from ingest.discover import ArchiveRef, Skipped, discover_layout, split_disagreement
from ingest.mapping.formats import LabelFileError, documents, format_of, lines
from ingest.mapping.names import column_name
from ingest.mapping.values import CLOCK_TEXT, box_key_sets, polygon_point_keys
from kcore.limits import DEFAULT_LIMITS, ArchiveLimits
from quality.pii import redact
from schemas.labels import (
    EXTENSION_FORMATS,
    MEDIA_EXTENSIONS,
    LabelBlock,
    LayoutSpec,
    StemRewrite,
    Token,
    format_path,
)

__all__ = ["Inspection", "inspect_folder", "suggest_block"]

SAMPLE_FILES = 40
"""Label files read per format (spread over the archives)."""
_MAX_EXAMPLES = 3
_MAX_KEYS = 24
"""An object with more keys than this (or keys that look like ids) is kept as one JSON column."""

_ID_KEY = re.compile(
    r"^sn$|(^|[_\s.])(id|uid|no)$|^id$|identifier|식별자|고유번호|아이디|ID$|(출원|등록|신청|접수)번호$", re.IGNORECASE
)
_SOURCE_KEY = re.compile(
    r"file[_.\s]?name|file[_.]?nm|파일명|path|경로|^image$|^img|audio|wav|^source_?file|원천|(이미지|영상|음성)\s?파일",
    re.IGNORECASE,
)
_TEXT_KEY = re.compile(
    r"text|utterance|sentence|content|form|발화|문장|내용|전사|transcript|question|answer|context|summary|요약|"
    r"질문|답변|원문|번역|mt|source_original|target|dialog|^stt$|script_?txt|caption|캡션",
    re.IGNORECASE,
)
_CLASS_KEY = re.compile(
    r"class|category|label|type|damage|part|lesion|disease|diagnos|event|action|behavio|분류|카테고리|클래스|유형|"
    r"감정|emotion|종류|등급|스타일|병해|질환|병변|진단|행동|이벤트",
    re.IGNORECASE,
)
_OWN_TEXT_KEY = re.compile(r"text|텍스트|글자|문자|transcription|ocr_?text|label_?text", re.IGNORECASE)
"""A key that names the text itself (matched whole): its text role does not wait for long values."""
_ANSWER_KEY = re.compile(r"(^|[_\s.])(answer|answer_?text|정답|답변)$", re.IGNORECASE)
_SPEAKER_KEY = re.compile(r"speaker|participant|recorder|화자|발화자|녹음자", re.IGNORECASE)
_COUNT_KEY = re.compile(r"(number|num|count|cnt)_?of|(count|cnt|num)$|(인원|명|수)$", re.IGNORECASE)
"""How many (``NumberOfSpeaker: "1"``): a count, never the speaker."""
_BBOX_KEY = re.compile(r"bbox|b_?box|bndbox|rect|렉트|bounding|type_value|box", re.IGNORECASE)
_POLY_KEY = re.compile(r"segmentation|polygon|폴리곤|points|poly", re.IGNORECASE)
_KEYPOINT_KEY = re.compile(r"keypoint|키포인트|landmark", re.IGNORECASE)
_WIDTH_KEY = re.compile(r"(^|[_\s.@])(width|너비)$|^width$|이미지\s*너비|img_?w(idth)?$|^w$", re.IGNORECASE)
_HEIGHT_KEY = re.compile(r"(^|[_\s.@])(height|높이)$|^height$|이미지\s*높이|img_?h(eight)?$|^h$", re.IGNORECASE)
_START_KEY = re.compile(r"start|begin|시작", re.IGNORECASE)
_OFFSET_KEY = re.compile(r"answer_?(start|end)|char|offset|span|idx|index|pos(ition)?$|위치", re.IGNORECASE)
"""Character offsets (SQuAD's ``answer_start``): numbers, never a time."""
_END_KEY = re.compile(r"(^|[_\s])end|end_?time|^end|종료|끝", re.IGNORECASE)
_DURATION_KEY = re.compile(
    r"duration|length_?sec|reclength|recdatalength|recrd_?time|recorded_?time|재생\s*시간|녹음\s*시간|playtime",
    re.IGNORECASE,
)
_WALL_CLOCK_KEY = re.compile(
    r"record(ed|ing)?_?(start|end|begin)|capture_?(start|end)|(녹음|촬영|수집)\s*(시작|종료)", re.IGNORECASE
)
"""When a recording was made (``recordedStart: "14:00:33"``): a time of day, never a segment's start."""
_UNIT_KEY = re.compile(r"^unit$|단위", re.IGNORECASE)
_TIME_KEY = re.compile(r"date|time|timestamp|일시|날짜|시각", re.IGNORECASE)
_LANG_KEY = re.compile(r"^lang|language|언어", re.IGNORECASE)
_VOCABULARY = frozenset({"categories", "licenses", "classes", "label", "labels", "meta", "info", "attributes"})
_IDLIKE = re.compile(r"^[A-Za-z]{0,4}[_-]?\d{2,}$|^\d+$")


# -- shapes ----------------------------------------------------------------------------------------


@dataclass
class _Node:
    """What was seen at one path (in wildcard form) over the sampled documents."""

    types: Counter[str] = field(default_factory=Counter)
    examples: list[Any] = field(default_factory=list)
    values: list[Any] = field(default_factory=list)  # scalars, for uniqueness and class guesses (capped)
    list_lengths: list[int] = field(default_factory=list)
    quads: list[list[float]] = field(default_factory=list)  # lists of four numbers seen here (boxes?), capped
    files: set[int] = field(default_factory=set)


_INT_TEXT = re.compile(r"^-?(0|[1-9][0-9]{0,17})$")
_FLOAT_TEXT = re.compile(r"^-?[0-9]+\.[0-9]+$")


def _kind(value: Any, texty: bool = False) -> str:
    """The JSON kind of a value; in formats where every value is text (XML, CSV), a number written as
    text counts as a number (``"1920"``: int; not ``"007"``, which is a code)."""
    if texty and isinstance(value, str):
        if _INT_TEXT.match(value):
            return "int"
        if _FLOAT_TEXT.match(value):
            return "float"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    return "list" if isinstance(value, list) else "object"


def _idlike_keys(obj: dict[str, Any]) -> bool:
    return len(obj) > _MAX_KEYS or (len(obj) >= 3 and all(_IDLIKE.match(str(k)) for k in obj))


def _walk(
    value: Any,
    path: tuple[Token, ...],
    tree: dict[tuple[Token, ...], _Node],
    file_no: int,
    texty: bool = False,
    lists: frozenset[tuple[Token, ...]] = frozenset(),
) -> None:
    if type(value) is dict and path in lists:
        value = [value]  # a lone element where other files repeat it (XML): a list of one, as [*] reads it
    node = tree.setdefault(path, _Node())
    kind = _kind(value, texty)
    node.types[kind] += 1
    node.files.add(file_no)
    if kind in ("string", "int", "float", "bool"):
        if len(node.values) < 2000:
            node.values.append(value)
        if len(node.examples) < _MAX_EXAMPLES and value not in node.examples:
            node.examples.append(value)
    elif kind == "list":
        node.list_lengths.append(len(value))
        if len(value) == 4 and len(node.quads) < 500 and all(_kind(v, texty) in ("int", "float") for v in value):
            node.quads.append([float(v) for v in value])
        for item in value:
            _walk(item, (*path, ("each", None)), tree, file_no, texty, lists)
    elif kind == "object" and not _idlike_keys(value):
        for key, item in value.items():
            _walk(item, (*path, ("key", str(key))), tree, file_no, texty, lists)


# -- the suggestion --------------------------------------------------------------------------------


def _objects(node: _Node) -> bool:
    return node.types.get("object", 0) > 0 and node.types.get("object", 0) >= sum(node.types.values()) * 0.9


def _list_candidates(tree: dict[tuple[Token, ...], _Node], files: int) -> list[tuple[tuple[Token, ...], int]]:
    """Paths of lists of objects whose items are records: more than one item in some file, in nearly every
    file (a list some files lack would leave those files without rows: the file is the record then), and
    items of two keys or more (a list of ``{paragraph_txt}`` is one text in parts, not records)."""
    out = []
    for path, node in tree.items():
        if not path or path[-1] != ("each", None) or not _objects(node):
            continue
        parent = tree.get(path[:-1])
        if parent is None or not parent.list_lengths or max(parent.list_lengths) <= 1:
            continue
        if len(parent.files) < 0.9 * files or len(_child_keys(tree, path)) < 2:
            continue
        out.append((path, sum(parent.list_lengths)))
    return out


def _ordered_child_keys(tree: dict[tuple[Token, ...], _Node], path: tuple[Token, ...]) -> list[str]:
    """The keys seen directly under ``path``, in the order the samples first showed them."""
    return [str(p[-1][1]) for p in tree if len(p) == len(path) + 1 and p[: len(path)] == path and p[-1][0] == "key"]


def _child_keys(tree: dict[tuple[Token, ...], _Node], path: tuple[Token, ...]) -> set[str]:
    """The keys seen directly under ``path`` (an object, or each item of a list of objects)."""
    return {str(p[-1][1]) for p in tree if len(p) == len(path) + 1 and p[: len(path)] == path and p[-1][0] == "key"}


def _single(tree: dict[tuple[Token, ...], _Node], list_path: tuple[Token, ...]) -> bool:
    node = tree.get(list_path)
    return bool(node and node.list_lengths and set(node.list_lengths) == {1})


def _record_path(tree: dict[tuple[Token, ...], _Node], files: int, per_source: bool) -> tuple[Token, ...]:
    root = tree.get(())
    if root is not None and root.types.get("list") and _objects(tree.get((("each", None),), _Node())):
        top: tuple[Token, ...] = (("each", None),)
    else:
        top = ()
    candidates = _list_candidates(tree, files)
    if per_source and not top:
        # one record per file, unless the file lists items that each name their media file (trademark metadata:
        # one JSON per archive, trademarks[{출원번호, 이미지파일}]): those are the records
        media = [c for c in candidates if _names_media(tree, c[0])]
        return max(media, key=lambda c: (c[1], -len(c[0])))[0] if media else ()
    if top:
        candidates = [c for c in candidates if c[0][: len(top)] == top] or [(top, 0)]
    if not candidates:
        return top
    # lists that define the vocabulary (COCO categories, CVAT label definitions) are not the records
    records = [c for c in candidates if not any(k == "key" and str(v).lower() in _VOCABULARY for k, v in c[0])]
    records = records or candidates
    # items that name a media file (CVAT's <image name="x.jpg">) are the records; lists inside them are
    # their annotations
    media = [c for c in records if _names_media(tree, c[0])]
    records = [c for c in records if not any(m[0] != c[0] and c[0][: len(m[0])] == m[0] for m in media)]
    # items that carry an id and the task's own labels (a summary, an answer) are the records; lists inside
    # them are their parts (a document's sentences), however many more items those have
    labelled = [c for c in records if _carries_labels(tree, c[0])]
    return max(labelled or records, key=lambda c: (c[1], -len(c[0])))[0]


_TASK_KEY = re.compile(r"abstractive|extractive|summary|요약|answer|정답|답변", re.IGNORECASE)


def _carries_labels(tree: dict[tuple[Token, ...], _Node], path: tuple[Token, ...]) -> bool:
    """Items of ``path`` hold an id and a summary or answer of their own."""
    keys = _child_keys(tree, path)
    return any(_ID_KEY.search(k) for k in keys) and any(_TASK_KEY.search(k) for k in keys)


def _names_media(tree: dict[tuple[Token, ...], _Node], path: tuple[Token, ...]) -> bool:
    """An item of ``path`` has a key whose values are mostly media file names."""
    for key in _child_keys(tree, path):
        values = [v for v in tree[(*path, ("key", key))].values if isinstance(v, str)]
        suffixes = [PurePosixPath(v.replace("\\", "/")).suffix.lower() for v in values]
        if values and sum(s in MEDIA_EXTENSIONS for s in suffixes) >= 0.8 * len(values):
            return True
    return False


def _bound(path: tuple[Token, ...], tree: dict[tuple[Token, ...], _Node], shared: int = 0) -> list[Token]:
    """A field path with single-item lists read as ``[0]``, except in its first ``shared`` tokens: the
    record's own path, where ``[*]`` is the record's own item (a ``[0]`` there gave every record of a
    later document with two items the first one's value)."""
    out: list[Token] = []
    for i, token in enumerate(path):
        if i >= shared and token == ("each", None) and _single(tree, path[:i]):
            out.append(("index", 0))
        else:
            out.append(token)
    return out


def _leaf_type(node: _Node) -> str:
    kinds = {k for k in node.types if k != "null"}
    if kinds <= {"int"} and kinds:
        return "int"
    if kinds <= {"int", "float"} and kinds:
        return "float"
    if kinds == {"bool"}:
        return "bool"
    return "string"


def _numeric_tree(tree: dict[tuple[Token, ...], _Node], path: tuple[Token, ...]) -> bool:
    """Under ``path`` only lists of numbers (boxes, polygons, keypoints), or numbered point keys."""
    below = [(p, n) for p, n in tree.items() if p[: len(path)] == path and len(p) > len(path)]
    if not below:
        return False
    leaves = [n for p, n in below if not (set(n.types) & {"list", "object"})]
    return bool(leaves) and all(set(n.types) - {"null"} <= {"int", "float"} for n in leaves)


@dataclass
class _Suggestion:
    fields: dict[str, dict[str, Any]] = field(default_factory=dict)
    roles: set[str] = field(default_factory=set)
    sources: frozenset[str] = MEDIA_EXTENSIONS  # suffixes a source file may have


def _class_codes(key: str, values: list[Any]) -> bool:
    """Integers under a class-like key (``disease``, ``risk``, 병해) taking few values: codes of classes."""
    if not values or not _CLASS_KEY.search(key) or _ID_KEY.search(key) or _WIDTH_KEY.search(key):
        return False
    distinct = len(set(values))
    return (distinct >= 2 or len(values) < 5) and distinct <= max(2, min(30, len(values) // 3))


_COORDS_KEY = re.compile(r"coord|좌표", re.IGNORECASE)
_NUMBERS_TEXT = re.compile(r"\s*-?\d+(\.\d+)?(\s*[,\s]\s*-?\d+(\.\d+)?){5,}\s*,?\s*")


def _numbers_text(value: str) -> bool:
    """A text of six or more numbers (a polygon written out), or a word for none (``EMPTY``)."""
    return value.strip().upper() in ("", "EMPTY", "NONE") or bool(_NUMBERS_TEXT.fullmatch(value))


def _filled_share(node: _Node, strings: list[str]) -> float:
    """Share of the values seen at ``node`` that are non-empty text (nulls and "" count against it)."""
    seen = sum(node.types.values())
    if not seen or not strings:
        return 0.0
    return node.types.get("string", 0) / seen * sum(1 for s in strings if s.strip()) / len(strings)


def _role_for(
    key: str,
    node: _Node,
    leaf_type: str,
    many: bool,
    unique: bool,
    taken: set[str],
    sources: frozenset[str],
    present: float = 1.0,
) -> str | None:
    """The role a leaf field seems to have (``sources``: suffixes of source files: media, and whatever the
    source archives hold, e.g. a sensor recording's ``.csv``; ``present``: the share of sampled files that
    have the field at all: a parallel corpus's ``ko_original`` is in half of them)."""
    values = [v for v in node.values if v is not None]
    strings = [v for v in values if isinstance(v, str)]

    def free(role: str) -> bool:
        return role not in taken

    named = sum(1 for s in strings if PurePosixPath(s.replace("\\", "/")).suffix.lower() in sources)
    if (
        leaf_type == "string"
        and strings
        and free("source")
        # a key that says so and half its values, or any key whose values are all but never anything else
        # (음식 이미지: "Code Name": "A04017001_T0000.jpg")
        and ((_SOURCE_KEY.search(key) and named >= len(strings) / 2) or named >= len(strings) * 0.95)
    ):
        return "source"
    if not many and unique and values and _ID_KEY.search(key) and free("id"):
        return "id"
    if leaf_type == "int" and _WIDTH_KEY.search(key) and free("image_width"):
        return "image_width"
    if leaf_type == "int" and _HEIGHT_KEY.search(key) and free("image_height"):
        return "image_height"
    timing = (
        not _OFFSET_KEY.search(key)
        and not _WALL_CLOCK_KEY.search(key)
        and any(k.search(key) for k in (_DURATION_KEY, _START_KEY, _END_KEY))
    )
    if (
        timing
        and leaf_type == "string"
        and strings
        and all(_kind(v, texty=True) in ("int", "float") or CLOCK_TEXT.fullmatch(v) for v in strings)
    ):
        leaf_type = "float"  # "5.26" or "00:02:08.9" (AI Hub writes some times as text): read as seconds
    if leaf_type in ("int", "float"):
        if leaf_type == "int" and not timing and _class_codes(key, values):
            return "class"  # a disease or crop code (1, 2, 3): the class-set checks apply to it too
        if not timing:
            return None
        if _DURATION_KEY.search(key) and free("duration"):
            return "duration"
        if _START_KEY.search(key) and free("start"):
            return "start"
        if _END_KEY.search(key) and free("end"):
            return "end"
        return None
    if leaf_type != "string":
        return None
    polygon_texts = strings and all(map(_numbers_text, strings)) and any(map(_NUMBERS_TEXT.fullmatch, strings))
    if (_POLY_KEY.search(key) or _COORDS_KEY.search(key)) and polygon_texts:
        return "polygon"  # "x1,y1,x2,y2,..." (satellite labels' object_imcoords), "EMPTY" where none
    if _SPEAKER_KEY.search(key) and not _COUNT_KEY.search(key) and free("speaker"):
        return "speaker"
    if _LANG_KEY.search(key):
        return "language"
    if _UNIT_KEY.search(key):
        return "unit"
    mean = sum(len(s) for s in strings) / len(strings) if strings else 0
    long_text = mean >= 8
    if strings and _ANSWER_KEY.search(key):
        return "text"  # a QA answer: the text to learn, however short ("서울")
    # a text column empty in most records is one of several exclusive ones (a call centre's 고객질문 /
    # 상담사답변 ... per turn): its not-empty check would fail good data, so it gets no text role
    mostly_filled = _filled_share(node, strings) * present > 0.5
    named_files = sum(1 for s in strings if " " not in s and PurePosixPath(s.replace("\\", "/")).suffix)
    paths = bool(strings) and named_files >= 0.8 * len(strings)  # textPath: "KRESP/0001.txt" names a file
    if _OWN_TEXT_KEY.fullmatch(key) and strings and mostly_filled and not paths:
        return "text"  # OCR and handwriting: a word or a syllable ("가"), short, is the text to learn
    if _TEXT_KEY.search(key) and long_text and mostly_filled and not paths and not _ID_KEY.search(key):
        return "text"  # (context_id names a text, it is none)
    distinct = len(set(strings))
    varies = distinct >= 2 or len(strings) < 5  # one value in every sample ("FeatureCollection"): no class
    # sentences, nearly each its own (a caption under trigger_action): text, not classes
    half = 0.5 * len(strings or [""])
    sentences = sum(" " in s for s in strings) >= half and distinct > half
    few = distinct <= max(30, len(strings) // 3)
    if _CLASS_KEY.search(key) and strings and varies and not sentences and few and mean < 30:
        return "class"
    if sentences and long_text and mostly_filled:
        return "text"
    if long_text and mostly_filled and any(" " in s for s in strings) and sum(map(len, strings)) / len(strings) >= 20:
        return "text"
    if _TIME_KEY.search(key) and strings and all(re.match(r"^\d{2,4}[-./:]\d", s) for s in strings):
        return "timestamp"
    return None


def suggest_block(
    docs: list[Any],
    fmt: str,
    pattern: str,
    *,
    per_source: bool,
    encoding: str = "auto",
    source_suffixes: frozenset[str] = frozenset(),
) -> tuple[dict[str, Any], dict[tuple[Token, ...], _Node]]:
    """The suggested label block (as plain data for YAML) for sampled documents of one format;
    ``source_suffixes``: those of the files in the dataset's source archives (beside media suffixes)."""
    tree: dict[tuple[Token, ...], _Node] = {}
    texty = fmt in ("xml", "csv", "tsv", "lines", "xlsx")
    for number, doc in enumerate(docs):
        _walk(doc, (), tree, number, texty)
    both = frozenset(p for p, n in tree.items() if "list" in n.types and "object" in n.types)
    if both:  # an element that is a list in some files and a lone object in others: walk it as a list
        tree = {}
        for number, doc in enumerate(docs):
            _walk(doc, (), tree, number, texty, both)
    if fmt == "txt":
        txt: dict[str, Any] = {"files": [pattern], "format": "txt", "records": "$", "fields": {
            "file_id": {"path": "@stem", "role": "id"}, "text": {"path": "text", "role": "text"}}}  # fmt: skip
        return txt, tree
    coco = _coco_block(tree, fmt, pattern)
    if coco is not None:
        _coco_rest(coco, tree, MEDIA_EXTENSIONS | source_suffixes)
        return coco, tree
    record = _record_path(tree, len(docs), per_source or fmt in ("jsonl", "csv", "tsv", "xlsx"))
    suggestion = _Suggestion(sources=MEDIA_EXTENSIONS | source_suffixes)
    taken_names: set[str] = set()
    covered: set[tuple[Token, ...]] = set()
    ordered = sorted(tree.items(), key=lambda item: (item[0][: len(record)] != record, len(item[0])))
    for path, node in ordered:
        _suggest_field(path, node, tree, record, suggestion, taken_names, covered)
    block: dict[str, Any] = {"files": [pattern], "format": fmt}
    if encoding != "auto":
        block["encoding"] = encoding
    block["records"] = format_path(list(record))
    block["fields"] = suggestion.fields
    return block, tree


def _coco_block(tree: dict[tuple[Token, ...], _Node], fmt: str, pattern: str) -> dict[str, Any] | None:
    """COCO (``images[{id, file_name, width, height}]``, ``annotations[{image_id, category_id, bbox,
    segmentation}]``, ``categories[{id, name}]``, often one file per archive): a row per annotation, its image
    and category looked up by id (one row per file gave unaligned lists of images and annotations)."""

    def has(*keys: str) -> bool:
        return all((*_each(name), ("key", key)) in tree for name, key in (k.split(".") for k in keys))

    if not has("images.id", "images.file_name", "annotations.image_id"):
        return None

    def lookup(value: str, items: str = "images") -> dict[str, str]:
        return {"items": f"$.{items}[*]", "key": "id", "value": value}

    fields: dict[str, Any] = {}
    if has("annotations.id"):  # unique within its file only (each archive's file counts from 1): no id role
        kind = _leaf_type(tree[(*_each("annotations"), ("key", "id"))])  # "HW_00000001", "00100001": text
        fields["annotation_id"] = {"path": "id", "type": kind} if kind == "int" else {"path": "id"}
    fields["image"] = {"path": "image_id", "lookup": lookup("file_name"), "role": "source"}
    for side in ("width", "height"):
        if has(f"images.{side}"):
            fields[f"image_{side}"] = {"path": "image_id", "lookup": lookup(side), "role": f"image_{side}"}
    if has("annotations.category_id"):
        named = has("categories.id", "categories.name")
        fields["category"] = (
            {"path": "category_id", "lookup": lookup("name", "categories"), "role": "class"}
            if named
            else {"path": "category_id", "role": "class"}
        )
    if has("annotations.bbox"):
        fields["bbox"] = {"path": "bbox", "role": "bbox"}  # COCO: [x, y, width, height]
    if has("annotations.segmentation"):
        fields["segmentation"] = {"path": "segmentation", "role": "polygon"}  # a crowd's RLE mask: none
    for key, kind in (("area", "float"), ("iscrowd", "int")):
        if has(f"annotations.{key}"):
            fields[key] = {"path": key, "type": kind}
    return {"files": [pattern], "format": fmt, "records": "annotations[*]", "fields": fields}


_COCO_KEYS = ("id", "image_id", "category_id", "bbox", "segmentation", "area", "iscrowd")
"""The annotation keys :func:`_coco_block` maps itself."""


def _coco_rest(block: dict[str, Any], tree: dict[tuple[Token, ...], _Node], sources: frozenset[str]) -> None:
    """The annotations' other keys (a handwriting set's ``text``, its ``attributes.type``) as the general
    suggestion makes them (text and class roles included): the COCO fields alone left the transcription in
    ``label_json`` only, with no text or class check on it (shape trial 12)."""
    record = _each("annotations")
    out = _Suggestion(sources=sources)
    taken = set(block["fields"])
    covered = {(*record, ("key", key)) for key in _COCO_KEYS}
    inside = sorted((p for p in tree if p[: len(record)] == record and len(p) > len(record)), key=len)
    for path in inside:
        _suggest_field(path, tree[path], tree, record, out, taken, covered)
    for name, spec in out.fields.items():
        if spec.get("role") not in ("id", "source", "bbox", "polygon", "image_width", "image_height"):
            block["fields"].setdefault(name, spec)


def _each(name: str) -> tuple[Token, ...]:
    return (("key", name), ("each", None))


def _suggest_field(
    path: tuple[Token, ...],
    node: _Node,
    tree: dict[tuple[Token, ...], _Node],
    record: tuple[Token, ...],
    out: _Suggestion,
    taken_names: set[str],
    covered: set[tuple[Token, ...]],
) -> None:
    if any(path[: len(c)] == c for c in covered):
        return
    inside = path[: len(record)] == record
    if not inside and record[: len(path)] == path:
        return  # an ancestor on the record's own path (the list of records itself)
    shared = 0
    if not inside:
        # ancestors' values only: not in a list the record is not in
        while shared < min(len(path), len(record)) and path[shared] == record[shared]:
            shared += 1
        if any(t == ("each", None) and not _single(tree, path[:i]) for i, t in enumerate(path) if i >= shared):
            return
    rel = path[len(record) :] if inside else path
    if not rel and inside:
        return  # the record itself: label_json has it
    keys = [str(v) for k, v in path if k == "key"]
    key = keys[-1] if keys else "value"
    kinds = set(node.types) - {"null"}
    bound = _bound(rel, tree) if inside else _bound(path, tree, shared)
    text_path = format_path(bound, absolute=not inside)
    many = any(t == ("each", None) for t in bound)
    spec: dict[str, Any] = {"path": text_path}
    if kinds & {"list", "object"}:
        if (xy := _xy_lists(tree, path)) is not None:
            # objects holding {x: [...], y: [...]} (OCR quadrilaterals): a polygon each; their other keys
            # (the word's text, its id) become fields of their own
            base, x_key, y_key = xy
            spec["path"] = format_path([*bound, *base[len(path) :]], absolute=not inside)
            spec["role"] = "polygon"
            covered.update({(*base, ("key", x_key)), (*base, ("key", y_key))})
            if any(other.get("path") == spec["path"] for other in out.fields.values()):
                return  # the list's items, seen from the list before
            out.roles.add("polygon")
            name = column_name([*keys, "polygon"], taken_names)
            taken_names.add(name)
            out.fields[name] = spec
            return
        if _point_keys(tree, path) and _numeric_tree(tree, path):
            spec["role"] = "polygon"  # x1, y1 ... x3, y3 ...: numbered points, under any key name
        elif _numeric_box(tree, path) or (
            (_box_keys(tree, path) or _BBOX_KEY.search(key)) and _numeric_tree(tree, path)
        ):
            spec["role"] = "bbox"  # an object's corner keys (xmin/xmax, xtl/xbr ...) say its format when read
            if not _box_keys(tree, path) and _corners(key, tree, path):
                spec["format"] = "xyxy"  # four numbers: two corners, not corner and size
            if _shares(tree, path):
                spec["relative"] = True  # every coordinate in 0..1: shares of the image, not pixels
        elif _size_pair(key, node, tree, path):
            for index, (size_role, suffix) in enumerate((("image_width", "width"), ("image_height", "height"))):
                if size_role not in out.roles:
                    name = column_name([*keys, suffix], taken_names)
                    taken_names.add(name)
                    path_text = format_path([*bound, ("index", index)], absolute=not inside)
                    out.fields[name] = {"path": path_text, "role": size_role}
                    out.roles.add(size_role)
            covered.add(path)
            return
        elif _KEYPOINT_KEY.search(key) and _numeric_tree(tree, path):
            spec["role"] = "keypoints"  # before polygon: "keypoints" holds "points" (OpenPose x, y, c triples)
        elif _point_map(tree, path):
            spec["role"] = "keypoints"  # {"Nose": {x, y}, "Left Eye": {x, y}, ...}: named joints, in order
            spec["keys"] = _ordered_child_keys(tree, path)  # the order every row keeps (a joint missing: nulls)
        elif _point_list(tree, path):
            spec["role"] = "polygon"  # [{x, y}, {x, y}, ...] (ASAP XML: Coordinate[@Order, @X, @Y])
        elif (_POLY_KEY.search(key) or "좌표" in key) and _numeric_tree(tree, path):
            spec["role"] = "polygon"
        elif "object" in kinds and not _idlike_keys_node(tree, path) and sum(t == ("each", None) for t in bound) <= 1:
            return  # an object (or the items of one list of objects): its keys become fields of their own
        elif "list" in kinds and inside and not many and _objects(tree.get((*path, ("each", None)), _Node())):
            return  # a list of objects in the record: each key becomes a field holding every item's value
        else:
            child = tree.get((*path, ("each", None)))
            scalar_items = child is not None and not (set(child.types) & {"list", "object"}) and "list" in kinds
            if scalar_items and child is not None and not many:
                spec["type"] = f"list[{_leaf_type(child)}]"
                present = len(node.files) / max(1, len(tree[()].files)) if () in tree else 1.0
                # a list of texts (MSCOCO-ko's caption_ko: [...]): each is checked not empty, as a text
                if (
                    _leaf_type(child) == "string"
                    and _role_for(key, child, "string", True, False, out.roles, out.sources, present) == "text"
                ):
                    spec["role"] = "text"
                    out.roles.add("text")
            else:
                spec["type"] = "json"
        covered.add(path)
    else:
        leaf = _leaf_type(node)
        unique = len(node.values) == len(set(map(str, node.values))) and len(node.values) > 0
        present = len(node.files) / max(1, len(tree[()].files)) if () in tree else 1.0
        role = _role_for(key, node, leaf, many, unique and inside, out.roles, out.sources, present)
        if role:
            spec["role"] = role
            out.roles.add(role)
        if leaf != "string" and role not in (
            "id",
            "source",
            "image_width",
            "image_height",
            "start",
            "end",
            "duration",
            "class",
        ):  # class codes (1, 2, 3) are read as text, so that classes: ["1", "2", "3"] declares their set
            spec["type"] = leaf
        elif leaf == "int" and role in ("start", "end", "duration"):
            pass
        # no class set is suggested: a sample cannot know every class (declare classes: yourself)
    if "role" in spec and spec["role"] in ("bbox", "polygon", "keypoints"):
        out.roles.add(spec["role"])
    name = column_name(keys or ["value"], taken_names)
    taken_names.add(name)
    out.fields[name] = spec


_BOX_KEY_SETS = box_key_sets()
_CORNERS_KEY = re.compile(r"type_value|xyxy|x1y1x2y2|corner|좌상단", re.IGNORECASE)
"""Four numbers under these names are two corners (AI Hub's ``Type_value: [x1, y1, x2, y2]``)."""
_SIZE_PAIR_KEY = re.compile(r"resolution|해상도|image_?size|img_?size|^im_?size$|^size$|이미지\s*크기", re.IGNORECASE)


def _corners(key: str, tree: dict[tuple[Token, ...], _Node], path: tuple[Token, ...]) -> bool:
    """The boxes of four numbers under ``path`` are ``[x1, y1, x2, y2]``: never when a sample has its third
    number below the first or its fourth below the second (that is a width or height); else when the name
    says so, or (not COCO's ``bbox``, which is x, y, width, height) when a few samples all read as corners."""
    quads = [q for p, n in tree.items() if p[: len(path)] == path for q in n.quads]
    if not quads or any(c <= a or d <= b for a, b, c, d in quads):
        return False
    if _CORNERS_KEY.search(key):
        return True
    if key.lower() == "bbox":  # COCO's: x, y, width, height, unless as a size it leaves the image
        extent = _image_extent(tree)
        if extent is None:
            return False
        width, height = extent
        fits_as_corners = all(c <= width + 1 and d <= height + 1 for _a, _b, c, d in quads)
        overflows = sum(a + c > width + 1 or b + d > height + 1 for a, b, c, d in quads)
        return len(quads) >= 5 and fits_as_corners and overflows >= 0.2 * len(quads)  # a sloppy box or two: COCO
    return len(quads) >= 5


def _shares(tree: dict[tuple[Token, ...], _Node], path: tuple[Token, ...]) -> bool:
    """Every number under ``path`` lies in 0..1 and some are not 0 or 1: coordinates as shares of the image."""
    numbers = [
        float(v)
        for p, n in tree.items()
        if p[: len(path)] == path
        for v in n.values
        if isinstance(v, int | float) and not isinstance(v, bool)
    ]
    return bool(numbers) and all(0.0 <= v <= 1.0 for v in numbers) and any(0.0 < v < 1.0 for v in numbers)


def _image_extent(tree: dict[tuple[Token, ...], _Node]) -> tuple[float, float] | None:
    """The largest image width and height the sampled labels state (``width``/``height`` keys), if any."""
    sizes: dict[str, list[float]] = {"w": [], "h": []}
    for path, node in tree.items():
        if not path or path[-1][0] != "key":
            continue
        key = str(path[-1][1])
        numbers = [float(v) for v in node.values if isinstance(v, int | float) and not isinstance(v, bool)]
        if _WIDTH_KEY.search(key):
            sizes["w"] += numbers
        elif _HEIGHT_KEY.search(key):
            sizes["h"] += numbers
    return (max(sizes["w"]), max(sizes["h"])) if sizes["w"] and sizes["h"] else None


def _size_pair(key: str, node: _Node, tree: dict[tuple[Token, ...], _Node], path: tuple[Token, ...]) -> bool:
    """An image size written as one list ``[width, height]`` (``Resolution``, ``image_size``)."""
    child = tree.get((*path, ("each", None)))
    return bool(
        _SIZE_PAIR_KEY.search(key)
        and node.list_lengths
        and set(node.list_lengths) == {2}
        and child is not None
        and _leaf_type(child) == "int"
    )


def _item_keys(tree: dict[tuple[Token, ...], _Node], path: tuple[Token, ...]) -> list[set[str]]:
    """The keys of the object at ``path`` and those of each item of it (a list of objects)."""
    return [_child_keys(tree, base) for base in (path, (*path, ("each", None)))]


def _box_keys(tree: dict[tuple[Token, ...], _Node], path: tuple[Token, ...]) -> bool:
    """The value (or each item of it) is an object with the keys of a box (the engine's sets: xmin/xmax,
    xtl/xbr, x1/x2, x/y/width/height ...; as XML attributes too, ``@xtl``)."""
    return any(
        any(s <= {k.lower().lstrip("@") for k in keys} for s in _BOX_KEY_SETS) for keys in _item_keys(tree, path)
    )


def _numeric_box(tree: dict[tuple[Token, ...], _Node], path: tuple[Token, ...]) -> bool:
    """The value (or each item of it) holds a box's keys with numbers, whatever else it holds (CVAT's ``<box
    label= occluded= xtl= ...>``: the engine reads the box keys and leaves the rest to fields of their own)."""
    for base in (path, (*path, ("each", None))):
        named = {k.lower().removeprefix("@"): k for k in _child_keys(tree, base)}
        for keys in _BOX_KEY_SETS:
            nodes = [tree.get((*base, ("key", named[k]))) for k in keys if k in named]
            if len(nodes) == len(keys) and all(n and set(n.types) - {"null"} <= {"int", "float"} for n in nodes):
                return True
    return False


def _point_keys(tree: dict[tuple[Token, ...], _Node], path: tuple[Token, ...]) -> bool:
    """The value (or each item of it) is an object of numbered points past two (x1, y1 ... x3, y3): a polygon."""
    return any(polygon_point_keys(keys) for keys in _item_keys(tree, path))


_POINT_KEYS = frozenset({"x", "y", "z", "v", "visible", "visibility", "c", "score", "conf", "confidence"})


def _point_map(tree: dict[tuple[Token, ...], _Node], path: tuple[Token, ...]) -> bool:
    """An object of three or more named points (``{"Nose": {"x": 1, "y": 2}, "tail": null, ...}``): keypoints."""
    names = _child_keys(tree, path)
    if len(names) < 3 or not _numeric_tree(tree, path):
        return False
    for name in names:
        node = tree[(*path, ("key", name))]
        keys = {k.lower() for k in _child_keys(tree, (*path, ("key", name)))}
        if set(node.types) - {"null"} != {"object"} or not {"x", "y"} <= keys or not keys <= _POINT_KEYS:
            return False
    return True


def _point_list(tree: dict[tuple[Token, ...], _Node], path: tuple[Token, ...]) -> bool:
    """A list of three or more point objects (``[{x, y}, ...]``, XML ``{@Order, @X, @Y}``): a polygon."""
    node, items = tree.get(path), (*path, ("each", None))
    if node is None or "list" not in node.types or not node.list_lengths or max(node.list_lengths) < 3:
        return False
    keys = {k.lower().lstrip("@") for k in _child_keys(tree, items)}
    return {"x", "y"} <= keys <= _POINT_KEYS | {"order"} and _numeric_tree(tree, items)


def _xy_lists(
    tree: dict[tuple[Token, ...], _Node], path: tuple[Token, ...]
) -> tuple[tuple[Token, ...], str, str] | None:
    """``(objects' path, x key, y key)`` where the objects at ``path`` (or its items) hold parallel lists of
    numbers ``x: [...]`` and ``y: [...]``: a polygon's points written by axis."""
    for base in (path, (*path, ("each", None))):
        keys = {k.lower(): k for k in _child_keys(tree, base)}
        if "x" not in keys or "y" not in keys:
            continue
        lists = [tree.get((*base, ("key", keys[axis]))) for axis in ("x", "y")]
        if all(node is not None and set(node.types) - {"null"} == {"list"} for node in lists) and all(
            _numeric_tree(tree, (*base, ("key", keys[axis]))) for axis in ("x", "y")
        ):
            return base, keys["x"], keys["y"]
    return None


def _idlike_keys_node(tree: dict[tuple[Token, ...], _Node], path: tuple[Token, ...]) -> bool:
    return not _child_keys(tree, path)  # an object whose keys were not walked (id-like or too many)


# -- the folder ------------------------------------------------------------------------------------


@dataclass
class Inspection:
    root: Path
    archives: list[ArchiveRef]
    skipped: list[Skipped]
    groups: list[dict[str, Any]]
    """Per label format: pattern, files seen and sampled, problems, key tree, suggested block."""
    layout_rules: list[dict[str, str]] = field(default_factory=list)
    """Suggested ``layout.rules`` (source archives that are documents of their own, read as labels)."""
    notes: list[str] = field(default_factory=list)
    """What the user should know about the suggestion (a dataset ingest would refuse as suggested)."""

    def labels_block(self) -> list[dict[str, Any]]:
        return [g["block"] for g in self.groups if g.get("block")]

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.root),
            "splits": sorted({a.split for a in self.archives}),
            "archives": [{"path": a.path, "split": a.split, "kind": a.kind, "size": a.size} for a in self.archives],
            "skipped": [{"path": s.path, "reason": s.reason} for s in self.skipped],
            "label_files": [{k: v for k, v in g.items() if k not in ("docs", "ids")} for g in self.groups],
            "labels": self.labels_block(),
            "layout_rules": self.layout_rules,
            "notes": self.notes,
        }


def _tree_rows(tree: dict[tuple[Token, ...], _Node]) -> list[dict[str, Any]]:
    rows = []
    for path, node in sorted(tree.items(), key=lambda item: format_path(list(item[0]))):
        if not path:
            continue
        rows.append(
            {
                "path": format_path(list(path)),
                "types": dict(node.types),
                "count": sum(node.types.values()),
                "files": len(node.files),
                "examples": [redact(str(e)[:60]) for e in node.examples],
            }
        )
    return rows


def inspect_folder(
    root: Path, layout: LayoutSpec | None = None, data_type: str | None = None, limits: ArchiveLimits = DEFAULT_LIMITS
) -> Inspection:
    """Layout, label shapes and a suggested mapping of the dataset folder ``root`` (archives opened within
    ``limits``: ``Settings.limits``)."""
    from ingest.archives import list_member_names
    from ingest.safety import check_archives

    archives, skipped = discover_layout(root, layout, allow_mixed=True)
    # the safety check ingest applies, first: a mapping for archives ingest refuses is no use, and nothing is
    # read from a hostile archive (UnsafeArchive: exit 2 naming archive and member)
    check_archives(root, [ref.path for ref in archives], limits)
    label_archives = [a for a in archives if a.kind in ("label", "mixed")]
    source_stems: set[str] = set()
    source_suffixes: set[str] = set()  # of every file in a source archive (a sensor recording's .csv too)
    for ref in archives:  # label archives too: some ship the images beside their labels
        for name in list_member_names(root / ref.path, limits):
            if PurePosixPath(name).suffix.lower() in MEDIA_EXTENSIONS:
                source_stems.add(PurePosixPath(name).stem)
            if ref.kind == "source":
                source_suffixes.add(PurePosixPath(name).suffix.lower())
                source_stems.add(PurePosixPath(name).stem)
    groups = _label_groups(root, label_archives, source_stems, frozenset(source_suffixes), data_type, limits)
    sources = [ref for ref in archives if ref.kind == "source"]
    rules: list[dict[str, str]] = []
    notes: list[str] = []
    if sources and groups and not any(_pairs(g) for g in groups):
        if all(suffix in EXTENSION_FORMATS for suffix in source_suffixes):
            # the 원천데이터 are documents of their own (a QA set and the corpus it was written from): no label
            # names one, so ingest would refuse every label as missing its source; read them as labels too,
            # each block kept to its own archives
            rules = [{"match": ref.path, "kind": "label"} for ref in sources]
            groups = _label_groups(root, [*label_archives, *sources], set(), frozenset(), data_type, limits)
            notes.append(
                "원천데이터 read as labels: no label file names a source file, and the source archives hold "
                "documents of their own (layout.rules kind: label; a block per archive kind)"
            )
        else:
            notes.append(
                "no label file pairs with a source file (by name, folder or a field): ingest would refuse every "
                "label as missing its source (source_present); name the source with {path: ..., role: source}"
            )
    for ref in archives:
        folder = split_disagreement(ref.path)
        if folder is not None:
            notes.append(
                f"{ref.path}: its name says {ref.split} (TL_/VL_/TS_/VS_), its folder says {folder}; read as "
                f"{ref.split} — rename the archive or add layout.rules: [{{match: '{ref.path}', split: {folder}}}]"
            )
    _unshared_ids(groups)
    _cross_file_sources([g["block"] for g in groups if g.get("block")])
    _reconcile([g["block"] for g in groups if g.get("block")], [g.get("tag") for g in groups if g.get("block")])
    return Inspection(root, archives, skipped, groups, rules, notes)


_PLAIN_KEY = re.compile(r"[A-Za-z_][\w]*")


def _cross_file_sources(blocks: list[dict[str, Any]]) -> None:
    """A block of its own files that names no source, beside a block whose records name one and carry an id
    key the first block's records carry too (VQA: ``question.json``'s ``image_id``, ``images.json``'s
    ``{image_id, image}``): the first block gets the source looked up in the other file (``lookup: {file}``),
    so its rows are joined to their media instead of standing apart."""
    for provider in blocks:
        records = str(provider.get("records", ""))
        files = provider.get("files") or []
        if len(files) != 1 or not (records.endswith("[*]") and _PLAIN_KEY.fullmatch(records.lstrip("$.")[:-3])):
            continue
        fields = provider["fields"]
        source = next((f for f in fields.values() if f.get("role") == "source" and "lookup" not in f), None)
        if source is None or not _PLAIN_KEY.fullmatch(str(source["path"])):
            continue
        keys = {str(f["path"]) for f in fields.values() if _PLAIN_KEY.fullmatch(str(f["path"])) and f is not source}
        keys = {k for k in keys if k.lower().endswith("id")}
        for consumer in blocks:
            taken = consumer["fields"]
            named = any(f.get("role") == "source" for f in taken.values())
            if consumer is provider or not consumer.get("files") or named:
                continue
            key = next((str(f["path"]) for f in taken.values() if str(f["path"]) in keys), None)
            if key is None:
                continue
            name = column_name([str(source["path"])], set(taken))
            lookup = {"file": files[0], "items": "$." + records.lstrip("$."), "key": key, "value": source["path"]}
            taken[name] = {"path": key, "lookup": lookup, "role": "source"}


def _id_values(block: dict[str, Any], docs: list[Any]) -> set[str]:
    """The sampled values of the block's ``role: id`` field (what the mapping would make its rows' ids)."""
    from ingest.mapping.paths import MISSING, compile_path, iter_records
    from schemas.labels import LabelBlock, PathError

    try:
        parsed = LabelBlock.model_validate(block)
    except ValueError:
        return set()
    spec = next((f for f in parsed.fields.values() if f.role == "id"), None)
    if spec is None or spec.path.startswith("@"):
        return set()
    try:
        absolute, tokens = spec.tokens
    except PathError:
        return set()
    get = compile_path(tokens, bound=absolute)
    found: set[str] = set()
    for doc in docs:
        for record in iter_records(doc, parsed.record_tokens):
            if record.missing is None:
                value = get(doc if absolute else record.value, record.bindings)
                if value is not MISSING and value is not None and not isinstance(value, list | dict):
                    found.add(str(value))
    return found


def _unshared_ids(groups: list[dict[str, Any]]) -> None:
    """Blocks whose sampled ids meet an earlier block's (math problems and their model answers share ids:
    one id column would fail ``id_unique``): the later block keeps the value as a column of its own, without
    the id role (its rows are named by place, ``archive!member/0``)."""
    seen: set[str] = set()
    for group in groups:
        block, ids = group.get("block"), group.pop("ids", None) or set()  # values: never shown
        if block and ids & seen:
            fields = block["fields"]
            for name in [n for n, spec in fields.items() if spec.get("role") == "id"]:
                spec = {k: v for k, v in fields.pop(name).items() if k not in ("role", "required")}
                tag = (group.get("tag") or "other").strip("_-.")
                fields[column_name([f"{name}_{tag}" if name != "id" else f"{tag}_id"], set(fields))] = spec
        seen |= ids


def _pairs(group: dict[str, Any]) -> bool:
    """Label files of ``group`` pair with source files: by stem (rewritten or not), folder, or a source field."""
    block = group.get("block") or {}
    return group["paired_with_sources"] > 0 or any(
        spec.get("role") == "source" for spec in (block.get("fields") or {}).values()
    )


def _label_groups(
    root: Path,
    refs: list[ArchiveRef],
    source_stems: set[str],
    source_suffixes: frozenset[str],
    data_type: str | None,
    limits: ArchiveLimits,
) -> list[dict[str, Any]]:
    """The label files of archives ``refs``, grouped by format and kind, each inspected with its block."""
    from ingest.archives import list_member_names

    by_format: dict[str, dict[str, Any]] = {}
    for ref in refs:
        for name in list_member_names(root / ref.path, limits):
            found = EXTENSION_FORMATS.get(PurePosixPath(name).suffix.lower())
            if found is None:
                continue
            group = by_format.setdefault(found, {"format": found, "files": 0, "stems": 0, "members": []})
            group["files"] += 1
            group["stems"] += PurePosixPath(name).stem in source_stems
            group["members"].append((ref.path, name))
    groups = []
    for label_format, whole in sorted(by_format.items()):
        for group in _split_by_shape(root, label_format, whole, source_stems, limits):
            # a file per frame in a folder per video: the folder names the source ({path: "@dir"})
            group["dirs"] = sum(PurePosixPath(name).parent.name in source_stems for _a, name in group["members"])
            if group["stems"] < group["files"] * 0.5:  # named otherwise: X_CUB.json beside X_IMG.pcd?
                stems = [PurePosixPath(name).stem for _archive, name in group["members"]]
                rewrite = _stem_rewrite(stems, source_stems)
                if rewrite is not None:
                    group["stem_rewrite"] = rewrite
                    group["stems"] = sum(StemRewrite(**rewrite).apply(stem) in source_stems for stem in stems)
            groups.append(_inspect_group(root, label_format, group, data_type, limits, source_suffixes))
    return groups


_NAME_TAG = re.compile(r"[_\-.]([A-Za-z가-힣]+)$")
"""The last word of a label file's stem after ``_``, ``-`` or ``.`` (``…_000012_keypoints``, ``…_morpheme``)."""

_MAX_SHAPES = 6
"""More name tags than this in one format are a dataset's classes or ids, not kinds of label file."""

_SHAPE_SAMPLE = 3
"""Files read per name tag to compare their shapes."""


def _name_tag(name: str) -> str:
    """``_keypoints`` for ``…/X_000012_keypoints.json``; ``""`` for a stem ending in digits."""
    found = _NAME_TAG.search(PurePosixPath(name).stem)
    return found.group(0) if found else ""


def _split_by_shape(
    root: Path, fmt: str, group: dict[str, Any], source_stems: set[str], limits: ArchiveLimits
) -> list[dict[str, Any]]:
    """``group`` (one label format) as one group per kind of label file: by archive (:func:`_split_by_archive`),
    then by the file name's last word (:func:`_split_by_tag`)."""
    return [
        named
        for by_archive in _split_by_archive(root, fmt, group, source_stems, limits)
        for part in _split_by_tag(root, fmt, by_archive, source_stems, limits)
        for named in _split_by_name(root, fmt, part, source_stems, limits)
    ]


def _split_by_name(
    root: Path, fmt: str, group: dict[str, Any], source_stems: set[str], limits: ArchiveLimits
) -> list[dict[str, Any]]:
    """``group`` as one group per file name where a few names repeat in every folder and their top-level keys
    differ (VQA: ``images.json``, ``question.json`` and ``annotation.json`` per category: one block merged
    them into one row per folder). Each gets ``files: ["**/<name>"]``; a file named otherwise matches none
    (listed as skipped)."""
    if fmt not in ("json", "xml") or group.get("patterns"):
        return [group]
    by_name: dict[str, list[tuple[str, str]]] = {}
    for archive, name in group["members"]:
        by_name.setdefault(PurePosixPath(name).name.lower(), []).append((archive, name))
    if not 2 <= len(by_name) <= _MAX_SHAPES:
        return [group]
    kinds = _same_shapes((name, _top_keys(root, fmt, members, limits)) for name, members in sorted(by_name.items()))
    if len(kinds) < 2:
        return [group]
    parts = []
    for _keys, names in kinds:
        members = [m for name in names for m in by_name[name]]
        tag = "_" + PurePosixPath(names[0]).stem
        patterns = [f"**/{n}" for n in names]
        parts.append(_part(group, members, source_stems, patterns=patterns, tag=tag, per_folder=True))
    return parts


_MAX_ARCHIVES_COMPARED = 64
"""Archives whose label shapes are compared one by one (more: one group, as before)."""


def _split_by_archive(
    root: Path, fmt: str, group: dict[str, Any], source_stems: set[str], limits: ArchiveLimits
) -> list[dict[str, Any]]:
    """``group`` as one group per kind of archive: archives whose files' top-level keys differ (a QA archive
    and the corpus it was written from; CSVs of other headers: a casting process log and crimping waves) are read
    by separate blocks, each given its archives (``archives:``)."""
    if fmt not in ("json", "xml", "csv", "tsv"):
        return [group]
    by_archive: dict[str, list[tuple[str, str]]] = {}
    for archive, name in group["members"]:
        by_archive.setdefault(archive, []).append((archive, name))
    if not 2 <= len(by_archive) <= _MAX_ARCHIVES_COMPARED:
        return [group]
    kinds = _same_shapes(
        (archive, _top_keys(root, fmt, members, limits, sample=2)) for archive, members in by_archive.items()
    )
    if len(kinds) < 2:
        return [group]
    return [
        _part(group, [m for archive in archives for m in by_archive[archive]], source_stems, archives=sorted(archives))
        for _keys, archives in kinds
    ]


def _part(
    group: dict[str, Any], members: list[tuple[str, str]], source_stems: set[str], **extra: Any
) -> dict[str, Any]:
    """``group`` narrowed to ``members`` (files and source pairings counted again), with ``extra`` keys."""
    stems = sum(PurePosixPath(name).stem in source_stems for _archive, name in members)
    return {**group, "files": len(members), "stems": stems, "members": members, **extra}


def _split_by_tag(
    root: Path, fmt: str, group: dict[str, Any], source_stems: set[str], limits: ArchiveLimits
) -> list[dict[str, Any]]:
    """``group`` as one group per kind of label file: files whose names end in different
    words (``_keypoints.json``, ``_morpheme.json``) and whose top-level keys differ are read by separate blocks
    (one block merged their shapes: neither kind's records came out right). Files told apart by a name tag
    get ``files: ["**/*_keypoints.json"]``; the largest kind (or the one without a tag) keeps ``**/*.json``,
    last, so that a file named otherwise is still read (and a wrong shape refused, never skipped)."""
    if fmt not in ("json", "xml"):
        return [group]
    by_tag: dict[str, list[tuple[str, str]]] = {}
    for archive, name in group["members"]:
        by_tag.setdefault(_name_tag(name).lower(), []).append((archive, name))
    if not 2 <= len(by_tag) <= _MAX_SHAPES:
        return [group]
    largest_first = sorted(by_tag.items(), key=lambda item: (-len(item[1]), item[0]))
    kinds = _same_shapes((tag, _top_keys(root, fmt, members, limits)) for tag, members in largest_first)
    if len(kinds) < 2:
        return [group]
    ext = PurePosixPath(group["members"][0][1]).suffix.lower()
    rest = next((k for k in kinds if "" in k[1]), kinds[0])  # no tag to match by: it matches everything else
    parts = []
    for _keys, tags in [*(k for k in kinds if k is not rest), rest]:
        members = [m for tag in tags for m in by_tag[tag]]
        last = tags is rest[1]
        patterns = ["**/*" + ext] if last else [f"**/*{tag}{ext}" for tag in sorted(tags)]
        parts.append(_part(group, members, source_stems, patterns=patterns, tag=None if last else sorted(tags)[0]))
    return parts


def _same_shapes(named: Iterable[tuple[str, set[str]]]) -> list[tuple[set[str], list[str]]]:
    """Names (archives, name tags) grouped by their files' top-level keys, in order: a name joins the first
    group sharing at least half of the keys either has."""
    kinds: list[tuple[set[str], list[str]]] = []
    for name, keys in named:
        same = next((k for k in kinds if len(k[0] & keys) >= 0.5 * len(k[0] | keys)), None)
        if same is None:
            kinds.append((set(keys), [name]))
        else:
            same[0].update(keys)
            same[1].append(name)
    return kinds


def _top_keys(
    root: Path, fmt: str, members: list[tuple[str, str]], limits: ArchiveLimits, sample: int = _SHAPE_SAMPLE
) -> set[str]:
    """The top-level keys of a few of ``members`` (of a list document, its items' keys as ``[*].key``)."""
    keys: set[str] = set()
    chosen = members[:: max(1, len(members) // sample)][:sample]
    wanted: dict[str, set[str]] = {}
    for archive, name in chosen:
        wanted.setdefault(archive, set()).add(name)
    block = LabelBlock(format=fmt)  # type: ignore[arg-type]
    for archive, names in wanted.items():
        for member, stream in iter_member_streams(root / archive, limits=limits):
            if member.name not in names:
                continue
            try:
                for _line, doc in documents(_head(member, stream), fmt, block):
                    if isinstance(doc, dict):
                        keys.update(doc)
                    elif isinstance(doc, list):
                        keys.update(f"[*].{k}" for item in doc[:20] if isinstance(item, dict) for k in item)
            except LabelFileError:
                keys.add("(unreadable)")
    return keys


def _reconcile(blocks: list[dict[str, Any]], tags: list[str | None]) -> None:
    """Suggested blocks that one mapping can hold: the id column has one name in every block (``record_id``
    when the blocks named it differently), and a column name that means another type in an earlier block gets
    the later block's name tag (``text_morpheme``)."""
    if len(blocks) < 2:
        return
    from schemas.labels import FieldSpec

    types: dict[str, str] = {}
    ids = {name for block in blocks for name, spec in block["fields"].items() if spec.get("role") == "id"}
    id_name: str | None = "record_id" if len(ids) > 1 else None  # qa_id and c_id: one column, a neutral name
    for block, tag in zip(blocks, tags, strict=True):
        renamed: dict[str, Any] = {}
        for name, spec in block["fields"].items():
            parsed = FieldSpec.model_validate(spec)
            new = name
            if parsed.role == "id":
                id_name = new = id_name or name
            kind = str(parsed.column_type())
            if types.setdefault(new, kind) != kind:
                taken = set(types) | set(renamed) | set(block["fields"])
                new = column_name([f"{name}_{(tag or 'other').strip('_-.')}"], taken)
                types[new] = kind
            renamed[new] = spec
        block["fields"] = renamed


def _stem_rewrite(label_stems: list[str], source_stems: set[str]) -> dict[str, str] | None:
    """``{pattern, to}`` (a block's ``source_stem``) when most label files pair with a source file once the
    last ``_TAG`` of their stem is swapped for another (``X_CUB`` ↔ ``X_IMG``) or dropped (``X_label`` ↔ ``X``;
    several tags to one: ``X_QA``, ``X_SUM`` ↔ ``X`` is ``_(QA|SUM)$``)."""
    tags: dict[str, set[str]] = {}
    for stem in source_stems:
        base, sep, tag = stem.rpartition("_")
        if sep:
            tags.setdefault(base, set()).add(tag)
    votes: Counter[tuple[str, str]] = Counter()
    for stem in label_stems:
        base, sep, tag = stem.rpartition("_")
        if not sep or not base:
            continue
        # never to a numbered file (scene_calib → scene_010: a scene's file is no one frame's label)
        others = {other for other in tags.get(base, set()) if other != tag and not other.isdigit()}
        if base in source_stems:
            others.add("")
        for other in others:
            votes[(tag, other)] += 1
    if not votes:
        return None
    by_target: dict[str, Counter[str]] = {}  # X_QA and X_SUM both → X: one rewrite, _(QA|SUM)$
    for (tag, other), count in votes.items():
        by_target.setdefault(other, Counter())[tag] += count
    other, chosen = max(by_target.items(), key=lambda item: (item[1].total(), item[0]))
    if chosen.total() < 0.8 * len(label_stems):
        return None
    names = sorted(chosen)
    pattern = re.escape(names[0]) if len(names) == 1 else "(" + "|".join(map(re.escape, names)) + ")"
    return {"pattern": f"_{pattern}$", "to": f"_{other}" if other else ""}


def _sample(members: list[tuple[str, str]]) -> list[tuple[str, str]]:
    if len(members) <= SAMPLE_FILES:
        return members
    step = len(members) / SAMPLE_FILES
    return [members[int(i * step)] for i in range(SAMPLE_FILES)]


def _inspect_group(
    root: Path,
    fmt: str,
    group: dict[str, Any],
    data_type: str | None,
    limits: ArchiveLimits,
    source_suffixes: frozenset[str],
) -> dict[str, Any]:
    """One label format's sample, shapes and suggested block (``source_suffixes``: of the source archives' files)."""
    sample = _sample(group["members"])
    wanted: dict[str, set[str]] = {}
    for archive, name in sample:
        wanted.setdefault(archive, set()).add(name)
    docs: list[Any] = []
    problems: list[str] = []
    encodings: Counter[str] = Counter()
    block = LabelBlock(format=fmt)  # type: ignore[arg-type]
    for archive, names in wanted.items():
        for member, stream in iter_member_streams(root / archive, limits=limits):
            if member.name not in names:
                continue
            data = _head(member, stream)
            encodings[_encoding(data)] += 1
            try:
                for line, doc in documents(data, format_of(block, member.name) or fmt, block):
                    if isinstance(doc, LabelFileError):
                        problems.append(f"{archive}!{member.name}: {doc}")
                    else:
                        docs.append(doc)
                    if line and line > 200:
                        break
            except LabelFileError as error:
                problems.append(f"{archive}!{member.name}: {error}")
    per_source = group["stems"] >= max(1, group["files"]) * 0.5 or (
        data_type in ("image", "video", "audio") and group["files"] > 1 and fmt in ("json", "xml")
    )
    if group.get("per_folder") and group["stems"] < max(1, group["files"]) * 0.5:
        per_source = False  # one file of this name per folder (question.json): its lists hold the records
    encoding = encodings.most_common(1)[0][0] if encodings else "auto"
    patterns = group.get("patterns") or ["**/*" + next(e for e, f in EXTENSION_FORMATS.items() if f == fmt)]
    pattern = patterns[0]
    line_pattern = _line_pattern(docs) if fmt == "lines" else None
    if line_pattern is not None:
        docs = [g for d in docs for _, g in lines(str(d["line"]), line_pattern) if isinstance(g, dict)]
    suggested, tree = suggest_block(
        docs, fmt, pattern, per_source=per_source, encoding="auto", source_suffixes=source_suffixes
    )
    suggested["files"] = patterns
    if group.get("archives"):
        suggested["archives"] = group["archives"]
    roles = {spec.get("role") for spec in suggested["fields"].values()}
    if "source" not in roles and group["stems"] < group["files"] * 0.5 and group["dirs"] >= group["files"] * 0.8:
        taken = set(suggested["fields"])
        suggested["fields"][column_name(["source_dir"], taken)] = {"path": "@dir", "role": "source"}
    if group.get("stem_rewrite") is not None:
        suggested["source_stem"] = group["stem_rewrite"]
    if line_pattern is not None:
        suggested["line_pattern"] = line_pattern
        suggested["fields"].pop("line", None)  # label_json keeps the whole line
    return {
        "format": fmt,
        "pattern": pattern,
        "tag": group.get("tag"),
        "ids": _id_values(suggested, docs) if docs else set(),
        "files": group["files"],
        "sampled": len(sample),
        "paired_with_sources": group["stems"],
        "encoding": encoding,
        "problems": problems[:20],
        "shape": _tree_rows(tree),
        "block": suggested if docs else None,
    }


_SEPARATORS = (" :: ", "\t", " | ", "|", " : ")


def _line_pattern(docs: list[Any]) -> str | None:
    """A pattern for lines of ``key<separator>value`` (KsponSpeech's ``path :: transcript``): a file path
    (or key) and the text after the first separator that nearly every line has."""
    texts = [str(d.get("line", "")) for d in docs if isinstance(d, dict)]
    for separator in _SEPARATORS:
        if texts and sum(separator in text for text in texts) >= 0.9 * len(texts):
            head = texts[0].split(separator, 1)[0]
            name = "path" if PurePosixPath(head.replace("\\", "/")).suffix.lower() in MEDIA_EXTENSIONS else "key"
            return f"^(?P<{name}>.*?){re.escape(separator)}(?P<text>.*)$"
    return None


def _head(member: Member, stream: Any) -> bytes:
    limit = 64 << 20
    return stream.read(min(member.size, limit) + 1)


def _encoding(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as error:
        if error.start > len(data) - 4:
            return "utf-8"
        try:
            data.decode("cp949")
            return "cp949"
        except UnicodeDecodeError:
            return "unknown"


def dump_labels(blocks: list[dict[str, Any]], layout_rules: list[dict[str, str]] | None = None) -> str:
    """The suggested blocks as the YAML text of a ``labels:`` key (and ``layout:`` with ``layout_rules``)."""
    import yaml

    text = yaml.safe_dump({"labels": blocks}, allow_unicode=True, sort_keys=False, width=120)
    if layout_rules:
        text += yaml.safe_dump({"layout": {"rules": layout_rules}}, allow_unicode=True, sort_keys=False, width=120)
    return text
