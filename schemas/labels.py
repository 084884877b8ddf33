"""The ``labels:`` block of ``dataset.yaml``: a dataset's label files described, not programmed.

One engine (:mod:`ingest.mapping`) reads every label shape from this description::

    labels:
      - files: ["**/*.json"]            # globs over member paths inside the label archives
        format: json                    # json | jsonl | csv | tsv | txt | lines | xml | xlsx (default: by extension)
        encoding: auto                  # auto (UTF-8, UTF-8 with BOM, CP949/EUC-KR detected) or one of them
        records: "sents[*]"             # where the rows are; "$" (default) is the whole file
        fields:
          doc_no: {path: "$.meta.doc_no"}               # "$" paths start at the file root
          sn: {path: sn, type: int, role: id}
          source_original: {path: source_original, role: text}

Paths: ``a.b`` keys; ``["이미지 정보"]["이미지 식별자"]`` keys with spaces, dots or brackets; ``[0]`` an
index; ``[*]`` every item of a list; ``.*`` every value of an object (keyed turns such as
``talk.content.*``). A field path is relative to the record unless it starts with ``$``; the wildcards
of a ``$`` path take the record's own positions in order (so ``$.data[*].header.id`` is the header of
the record's own ``data`` item), and any wildcard left over collects a list, one entry per item (null
where an item lacks the key, or holds no box or polygon, so ``annotations[*].class`` and
``annotations[*].box`` stay aligned item by item; a polygon field collected so holds each item's polygons,
``[[x1, y1, ...], ...]`` per item, since an object may come in several parts). Special paths: ``@`` the
record itself, ``@key`` the object key of the record (``HS01``), ``@index`` its list position,
``@member`` the label file's path in the archive, ``@stem`` that file's name without extension, ``@dir`` the
name of the folder it is in (per-frame labels in a folder per video: ``{path: "@dir", role: source}`` joins
``<folder>.mp4``).

Every row also keeps the record's whole label object as JSON text in ``label_json``, so nothing a
mapping did not name is lost. Roles attach quality checks (:mod:`quality.suites.mapped`) and joins:
``id`` unique and present (a block without the id field names its rows by place, ``archive!member/0``,
as a mapping without any id does); ``source`` joins the label to its source file (by the file name's stem);
``text`` scanned for personal data (as is ``label_json``); ``class``/``speaker``/``language`` class
sets and shares; ``bbox``/``polygon`` inside the image (``image_width``/``image_height``);
``start``/``end`` time order; ``duration`` non-negative. One record per file joins the source file of the
same stem; a block's ``source_stem: {pattern, to}`` rewrites the label file's stem first (``X_CUB.json`` →
``X_IMG.pcd``), and ``kdata inspect`` suggests it when label and source names differ by such a tag. A
block's ``archives:`` (globs over archive paths) keeps it to those archives' files. A field's ``lookup:
{items, key, value}`` takes the value found in a list of the same file by the path's value (COCO: an
annotation's ``image_id`` → ``$.images[*]``'s ``file_name``, its ``width``; ``category_id`` → a category's
``name``).

Formats: ``json`` one document per file (an object or a list); ``jsonl`` a document per line; ``csv``/
``tsv`` a row per line, keyed by the header; ``txt`` the whole file as ``{text}`` (a transcript per
source file); ``lines`` a record per line, ``{line}`` plus the named groups of ``line_pattern`` (RE2,
e.g. ``'^(?P<path>.+?) :: (?P<text>.*)$'`` for KsponSpeech's ``.trn`` scripts); ``xml`` as nested
objects (attributes ``@name``, text ``#text`` beside children, a repeated element a list; ``[*]`` over
a lone element reads it as a list of one). Boxes: four numbers in ``format`` (xywh, xyxy, cxcywh), or
an object with corner keys (x/y/w/h, xmin..ymax, x1..y2, xtl..ybr: the keys say the format), or
objects of lists of those per class; they are stored as ``[x, y, w, h]`` lists. Polygons: point pairs,
flat lists, one level deeper (COCO-like ``[[[x, y], ...]]``), point objects, or numbered keys
(``X좌표1``, ``Y좌표1`` ... in any order); stored as flat ``[x1, y1, x2, y2, ...]`` lists.

``layout:`` (:class:`LayoutSpec`) says which archives are data: ``include``/``exclude`` globs and
``rules`` naming split and kind (label, source, or mixed: labels and sources in one archive) where the
names do not; annotation tools, installers, manuals and guides are skipped unless ``skip_tools: false``.
Presets (``labels: {preset: NAME}``) are mappings kept in ``schemas/presets/NAME.yaml`` with the domains
they are for.
"""

from __future__ import annotations

import functools
import re
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = [
    "DERIVED_SUFFIXES",
    "MEDIA_EXTENSIONS",
    "ROLE_TYPES",
    "SPLIT_NAME",
    "FieldSpec",
    "FieldType",
    "LabelBlock",
    "LabelFormat",
    "LabelMapping",
    "LayoutRule",
    "LayoutSpec",
    "Lookup",
    "PathError",
    "Role",
    "StemRewrite",
    "Token",
    "format_path",
    "glob_match",
    "linear_regex",
    "load_preset",
    "parse_path",
    "preset_names",
]

LabelFormat = Literal["json", "jsonl", "csv", "tsv", "txt", "lines", "xml", "xlsx"]
Encoding = Literal["auto", "utf-8", "utf-8-sig", "cp949", "euc-kr"]
FieldType = Literal["string", "int", "float", "bool", "json", "list[string]", "list[int]", "list[float]"]
Role = Literal[
    "id",
    "source",
    "text",
    "speaker",
    "class",
    "bbox",
    "polygon",
    "keypoints",
    "image_width",
    "image_height",
    "start",
    "end",
    "duration",
    "sensor_value",
    "unit",
    "timestamp",
    "language",
]

ROLE_TYPES: dict[str, FieldType] = {
    "id": "string",
    "source": "string",
    "text": "string",
    "speaker": "string",
    "class": "string",
    "image_width": "int",
    "image_height": "int",
    "start": "float",
    "end": "float",
    "duration": "float",
    "sensor_value": "float",
    "unit": "string",
    "timestamp": "string",
    "language": "string",
    "keypoints": "list[float]",
}
"""The column type a role implies when the field names none (bbox and polygon have shapes of their own)."""

EXTENSION_FORMATS: dict[str, LabelFormat] = {
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".csv": "csv",
    ".tsv": "tsv",
    ".txt": "txt",
    ".trn": "lines",
    ".xml": "xml",
    ".xlsx": "xlsx",
}

MEDIA_EXTENSIONS = frozenset(
    [
        ".jpg",
        ".jpeg",
        ".png",
        ".bmp",
        ".gif",
        ".tif",
        ".tiff",
        ".webp",
        ".wav",
        ".pcm",
        ".mp3",
        ".flac",
        ".m4a",
        ".ogg",
        ".mp4",
        ".avi",
        ".mov",
        ".mkv",
        ".dcm",
        ".npy",
        ".las",
        ".pcd",
    ]
)
"""Source files (image, audio, video, medical image, point cloud), as opposed to label files."""

RESERVED_COLUMNS = frozenset(
    {
        *("label_json", "source_file", "label_archive", "label_member", "media", "pii_hits", "content_sha256"),
        *("row_key", "image_valid", "audio_valid", "audio_length_ok", "ends_in_audio", "time_order_ok"),
    }
)
"""Columns every mapped row has, or the checks add (``row_key`` without an id role, ``image_valid`` ...); a
field may not take these names, nor end in a derived column's suffix (:data:`DERIVED_SUFFIXES`)."""

DERIVED_SUFFIXES = ("__empty", "__outside", "__invalid")
"""Suffixes of the check columns the roles derive (``text__empty``, ``box__outside``, ``box__invalid``)."""

_COLUMN = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

# -- paths -----------------------------------------------------------------------------------------

Token = tuple[str, Any]
"""``("key", "a")``, ``("index", 3)``, ``("each", None)`` (every list item) or ``("values", None)``."""

SPECIAL_PATHS = frozenset({"@", "@key", "@index", "@member", "@stem", "@dir"})


class PathError(ValueError):
    """A path that does not parse; the message says where."""


_NAME = re.compile(r"[^.\[\]\s\"']+")


def parse_path(path: str) -> tuple[bool, list[Token]]:
    """``(absolute, tokens)`` of a path; ``$`` or empty is the root itself. Raises :class:`PathError`."""
    text = path.strip()
    absolute = text.startswith("$")
    pos = 1 if absolute else 0
    tokens: list[Token] = []
    first = True
    while pos < len(text):
        ch = text[pos]
        if ch == ".":
            if text.startswith(".*", pos):
                tokens.append(("values", None))
                pos += 2
            else:
                match = _NAME.match(text, pos + 1)
                if not match:
                    raise PathError(f"{path!r}: a key must follow '.' at position {pos}")
                tokens.append(("key", match.group()))
                pos = match.end()
        elif ch == "[":
            pos = _bracket(path, text, pos, tokens)
        elif first and ch == "*":
            tokens.append(("values", None))
            pos += 1
        elif first:
            match = _NAME.match(text, pos)
            if not match:
                raise PathError(f"{path!r}: unexpected {ch!r} at position {pos}")
            tokens.append(("key", match.group()))
            pos = match.end()
        else:
            raise PathError(f'{path!r}: unexpected {ch!r} at position {pos} (use .key or ["key"])')
        first = False
    return absolute, tokens


def _bracket(path: str, text: str, pos: int, tokens: list[Token]) -> int:
    end = text.find("]", pos)
    if text.startswith(('["', "['"), pos):
        quote = text[pos + 1]
        close = text.find(quote + "]", pos + 2)
        if close < 0:
            raise PathError(f"{path!r}: unclosed [{quote}...{quote}] at position {pos}")
        tokens.append(("key", text[pos + 2 : close]))
        return close + 2
    if end < 0:
        raise PathError(f"{path!r}: unclosed '[' at position {pos}")
    inner = text[pos + 1 : end].strip()
    if inner == "*":
        tokens.append(("each", None))
    elif re.fullmatch(r"-?\d+", inner):
        tokens.append(("index", int(inner)))
    else:
        raise PathError(f'{path!r}: [{inner}] is neither [*], [N] nor ["key"]')
    return end + 1


def format_path(tokens: list[Token], absolute: bool = True) -> str:
    """The text of a path (keys that are not plain names in brackets): inverse of :func:`parse_path`."""
    out = "$" if absolute else ""
    for kind, value in tokens:
        if kind == "key":
            plain = _NAME.fullmatch(value) and not value.startswith(("@", "$", "*"))
            out += (f".{value}" if out else value) if plain else '["' + value + '"]'
        elif kind == "index":
            out += f"[{value}]"
        elif kind == "each":
            out += "[*]"
        else:
            out += ".*" if out else "*"
    return out or "$"


def wildcards(tokens: list[Token]) -> int:
    return sum(1 for kind, _ in tokens if kind in ("each", "values"))


# -- the model -------------------------------------------------------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Lookup(_Model):
    """A value looked up in a list of the same file by the field's value: COCO's annotation ``image_id`` →
    ``images[].file_name`` (``{items: "$.images[*]", key: id, value: file_name}``); or of another label file of
    the same archive (``file: "**/images.json"``: a VQA set's questions name their image by ``image_id``, the
    file of images says which file that is)."""

    file: str | None = Field(
        default=None,
        description="Another JSON label file of the same archive to look in (a glob, e.g. **/images.json): the "
        "one in the label file's folder, else the nearest folder above it, else the only one in the archive",
    )
    items: str = Field(description="The list to look in, from the file's root, e.g. $.images[*]")
    key: str = Field(description="The items' key holding the field's value, e.g. id")
    value: str = Field(description="The items' key whose value the column takes, e.g. file_name")

    @field_validator("items")
    @classmethod
    def _check_items(cls, value: str) -> str:
        try:
            absolute, _tokens = parse_path(value)
        except PathError as error:
            raise ValueError(str(error)) from None
        if not absolute:
            raise ValueError(f"{value!r}: give the list from the file's root ($.images[*])")
        return value


class FieldSpec(_Model):
    """One column of the rows: where its value is in the record, its type and its role."""

    path: Annotated[
        str, Field(min_length=1, description="Where the value is: relative to the record, or $ from the root")
    ]
    type: FieldType | None = Field(
        default=None, description="Column type; default from the role (string for most, float for times)"
    )
    role: Role | None = Field(default=None, description="What the value means; attaches checks and joins")
    required: bool = Field(default=False, description="A record without this value is a schema problem")
    doc_ko: str = Field(default="", description="한국어 설명 (catalog column docs)")
    doc_en: str = Field(default="", description="English description (catalog column docs)")
    classes: list[str] | None = Field(default=None, description="role class/speaker/language: the declared class set")
    format: Literal["xywh", "xyxy", "cxcywh"] = Field(
        default="xywh", description="role bbox: [x, y, w, h], [x1, y1, x2, y2] or [cx, cy, w, h]"
    )
    relative: bool = Field(default=False, description="role bbox/polygon: coordinates are shares of the image (0..1)")
    keys: list[str] | None = Field(
        default=None,
        description="role bbox given as an object: its four keys in the order of `format`; role keypoints given as "
        "named points ({Nose: {x, y}, ...}): the joints in order (one a label lacks is nulls in its place)",
    )
    match: Literal["stem", "id"] = Field(
        default="stem", description="role source: join on the file name's stem (paths and names) or the value as is"
    )
    lookup: Lookup | None = Field(
        default=None,
        description="Take the value found in a list of the file by this path's value: an annotation's image_id "
        "→ the image's file_name ({items: $.images[*], key: id, value: file_name})",
    )

    @field_validator("path")
    @classmethod
    def _check_path(cls, value: str) -> str:
        if value.strip() in SPECIAL_PATHS:
            return value.strip()
        try:
            parse_path(value)
        except PathError as error:
            raise ValueError(str(error)) from None
        return value

    @cached_property
    def tokens(self) -> tuple[bool, list[Token]]:
        if self.path in SPECIAL_PATHS:
            return False, []
        return parse_path(self.path)

    def column_type(self) -> FieldType | str:
        """The declared type, else the role's, else string; bbox/polygon keep their own shapes."""
        if self.role == "polygon":
            return "polygons"
        if self.role == "bbox":
            return "bbox"
        return self.type or ROLE_TYPES.get(self.role or "", "string")


def linear_regex(pattern: str, *, ignore_case: bool = False) -> Any:
    """``pattern`` compiled by RE2 (``google-re2``): matching takes time linear in the text, whatever the
    pattern, so that a pattern in ``dataset.yaml`` (``source_stem``, a glob) cannot hang an ingest: Python's
    ``re`` ran ``^(a+)+b$`` over a file name of 34 a's for minutes. No backreferences. ``re2.error`` when
    it does not compile."""
    import re2

    options = re2.Options()
    options.log_errors = False  # the error is raised (and named to the user), not logged to stderr
    options.case_sensitive = not ignore_case
    options.dot_nl = True
    return re2.compile(pattern, options=options)


class StemRewrite(_Model):
    """A label file's stem → its source file's stem: ``re.sub(pattern, to, stem)`` (an RE2 regular expression:
    linear time, no backreferences)."""

    pattern: str = Field(description="what to replace in the label file's stem, e.g. '_CUB$'")
    to: str = Field(default="", description="what to put there, e.g. '_IMG' (\\1 for a group)")

    @field_validator("pattern")
    @classmethod
    def _check_pattern(cls, value: str) -> str:
        import re2

        try:
            linear_regex(value)
        except re2.error as error:
            detail = error.args[0].decode() if error.args and isinstance(error.args[0], bytes) else str(error)
            raise ValueError(f"not a regular expression (RE2: linear time, no backreferences): {detail}") from None
        return value

    @cached_property
    def _compiled(self) -> Any:
        return linear_regex(self.pattern)

    def apply(self, stem: str) -> str:
        return str(self._compiled.sub(self.to, stem, count=1))


class LabelBlock(_Model):
    """Label files matching ``files`` and how to read rows out of them."""

    files: list[str] = Field(default_factory=lambda: ["**/*"], description="Globs over member paths in label archives")
    archives: list[str] | None = Field(
        default=None,
        description="Globs over archive paths (relative to the dataset folder): the block reads only these "
        "archives' files (a QA archive and the corpus it was written from, both read as labels)",
    )
    format: LabelFormat | None = Field(default=None, description="File format; default from each file's extension")
    encoding: Encoding = Field(default="auto", description="Text encoding; auto detects UTF-8 (BOM or not) and CP949")
    records: str = Field(default="$", description="Where the rows are: $ the whole file, a[*], a.*, a[*].b[*] ...")
    delimiter: str | None = Field(default=None, description="csv/tsv: the separator (default , or tab)")
    line_pattern: str | None = Field(
        default=None,
        description="lines: a regular expression (RE2) with named groups, e.g. '^(?P<path>.+?) :: (?P<text>.*)$'; "
        "each line becomes {line, <groups>}; without it {line}",
    )
    fields: dict[str, FieldSpec] = Field(default_factory=dict, description="Columns: name → path, type, role")
    source_stem: StemRewrite | None = Field(
        default=None,
        description="one record per file whose source is named otherwise: the label file's stem rewritten "
        "(X_CUB.json → X_IMG.pcd: {pattern: '_CUB$', to: '_IMG'})",
    )

    @field_validator("records")
    @classmethod
    def _check_records(cls, value: str) -> str:
        try:
            parse_path(value)
        except PathError as error:
            raise ValueError(str(error)) from None
        return value

    @field_validator("line_pattern")
    @classmethod
    def _check_pattern(cls, value: str | None) -> str | None:
        if value is None:
            return value
        try:
            compiled = re.compile(value)
        except re.error as error:
            raise ValueError(f"not a regular expression: {error}") from None
        if not compiled.groupindex:
            raise ValueError("name the parts with (?P<name>...) groups")
        return value

    @field_validator("fields")
    @classmethod
    def _check_fields(cls, value: dict[str, FieldSpec]) -> dict[str, FieldSpec]:
        for name in value:
            if not _COLUMN.match(name):
                raise ValueError(f"column {name!r}: use 1-63 characters of a-z, 0-9 and _ (not starting with a digit)")
            if name in RESERVED_COLUMNS:
                raise ValueError(f"column {name!r} is reserved (every row has it)")
            if name.endswith(DERIVED_SUFFIXES):
                raise ValueError(f"column {name!r}: names ending in {', '.join(DERIVED_SUFFIXES)} are the checks'")
        return value

    @cached_property
    def record_tokens(self) -> list[Token]:
        return parse_path(self.records)[1]


class LabelMapping(_Model):
    """The ``labels:`` block: a preset by name, or one or more label blocks."""

    preset: str | None = Field(default=None, description="A built-in mapping by name (schemas/presets/<name>.yaml)")
    blocks: list[LabelBlock] = Field(default_factory=list, description="Label blocks, tried in order per member")

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        """``labels: [block, ...]`` or ``labels: {files: ..., fields: ...}`` (one block) are accepted too."""
        if isinstance(data, list):
            return {"blocks": data}
        if isinstance(data, dict) and "preset" not in data and "blocks" not in data:
            return {"blocks": [data]}
        return data

    @model_validator(mode="after")
    def _one_kind(self) -> LabelMapping:
        if self.preset is None and not self.blocks:
            raise ValueError("give a preset or at least one block with fields")
        if self.preset is not None and self.blocks:
            raise ValueError("give a preset or blocks, not both")
        if self.preset is not None and self.preset not in preset_names():
            raise ValueError(f"unknown preset {self.preset!r}; known: {', '.join(preset_names())}")
        if self.preset is None:
            _check_columns(self.blocks)
        return self

    def resolved(self) -> LabelMapping:
        """The blocks to read with (a preset's own mapping)."""
        return load_preset(self.preset)[1] if self.preset is not None else self

    def columns(self) -> dict[str, FieldSpec]:
        """Every column over all blocks (the first block naming a column decides its spec)."""
        out: dict[str, FieldSpec] = {}
        for block in self.resolved().blocks:
            for name, spec in block.fields.items():
                out.setdefault(name, spec)
        return out

    def role_columns(self, role: str) -> list[str]:
        return [name for name, spec in self.columns().items() if spec.role == role]

    def label_suffixes(self) -> tuple[str, ...]:
        """File extensions the blocks read (members of a mixed archive with these are labels, not sources)."""
        suffixes: set[str] = set()
        for block in self.resolved().blocks:
            for pattern in block.files:
                ext = Path(pattern).suffix.lower()
                if ext and "*" not in ext:
                    suffixes.add(ext)
            if block.format:
                suffixes.update(e for e, f in EXTENSION_FORMATS.items() if f == block.format)
        return tuple(sorted(suffixes or EXTENSION_FORMATS))


def _check_columns(blocks: list[LabelBlock]) -> None:
    seen: dict[str, str] = {}
    for block in blocks:
        for name, spec in block.fields.items():
            kind = str(spec.column_type())
            if seen.setdefault(name, kind) != kind:
                raise ValueError(f"column {name!r} has type {seen[name]} in one block and {kind} in another")
    ids = {name for block in blocks for name, spec in block.fields.items() if spec.role == "id"}
    if len(ids) > 1:
        raise ValueError(f"one id column please (role id on {', '.join(sorted(ids))})")


# -- layout ----------------------------------------------------------------------------------------


SPLIT_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
"""A split's name (``train``, ``validation``, ``dev_2``): it names chunk folders, store keys and ``data.*`` views,
so one plain path segment and SQL word (``../../other-dataset/1.0/train`` wrote into another dataset)."""


class LayoutRule(_Model):
    """An explicit split/kind for archives whose path matches ``match`` (a glob relative to the folder)."""

    match: Annotated[str, Field(min_length=1, description="Glob over archive paths, e.g. '**/KsponSpeech_*.zip'")]
    split: str | None = Field(
        default=None,
        description="train, validation, test, or another split name: a lowercase letter, then letters, digits or _",
    )
    kind: Literal["label", "source", "mixed"] | None = Field(
        default=None, description="label, source, or mixed (labels and sources in one archive)"
    )

    @field_validator("split")
    @classmethod
    def _split_name(cls, value: str | None) -> str | None:
        if value is not None and not SPLIT_NAME.fullmatch(value):
            raise ValueError(
                f"split {value[:60]!r}: a lowercase letter, then up to 39 lowercase letters, digits or _ "
                "(it names folders and views)"
            )
        return value


class LayoutSpec(_Model):
    """``layout:``: which archives of the folder are data, and rules where names do not say."""

    include: list[str] = Field(default_factory=list, description="Only archives matching one of these globs")
    exclude: list[str] = Field(default_factory=list, description="Archives to skip (reported), besides the defaults")
    rules: list[LayoutRule] = Field(default_factory=list, description="Explicit split/kind, first match wins")
    skip_tools: bool = Field(
        default=True, description="Skip 저작도구/설치 파일/매뉴얼/가이드 folders (annotation tools, manuals)"
    )


# -- presets ---------------------------------------------------------------------------------------

PRESET_DIR = Path(__file__).parent / "presets"


def preset_names() -> list[str]:
    return sorted(p.stem for p in PRESET_DIR.glob("*.yaml"))


def load_preset(name: str | None) -> tuple[list[str], LabelMapping]:
    """``(domains, mapping)`` of a built-in preset (``schemas/presets/<name>.yaml``); a copy of the one parse
    per process (a preset is a file of the package: every unit of an ingest asked for it, ~40 ms a parse)."""
    if name is None or name not in preset_names():
        raise KeyError(f"unknown preset {name!r}; known: {', '.join(preset_names())}")
    domains, mapping = _parsed_preset(name)
    return list(domains), mapping.model_copy(deep=True)


@functools.cache
def _parsed_preset(name: str) -> tuple[tuple[str, ...], LabelMapping]:
    import yaml

    data = yaml.safe_load((PRESET_DIR / f"{name}.yaml").read_text(encoding="utf-8"))
    return tuple(data["domains"]), LabelMapping.model_validate(data["labels"])


# -- globs -----------------------------------------------------------------------------------------


def _glob_regex(pattern: str) -> Any:
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return linear_regex(out, ignore_case=True)  # RE2: '*a*a*a*a*a*a*b' over 200 a's took Python's re minutes


_GLOBS: dict[str, Any] = {}


def glob_match(pattern: str, path: str) -> bool:
    """``path`` (POSIX, relative) matches ``pattern``: ``**`` any folders, ``*`` within one name, ``?`` one
    character, case-insensitive; a pattern without ``/`` matches the file name in any folder."""
    regex = _GLOBS.get(pattern)
    if regex is None:
        regex = _GLOBS.setdefault(pattern, _glob_regex(pattern if "/" in pattern else "**/" + pattern))
    return regex.fullmatch(path) is not None
