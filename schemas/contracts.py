"""What lands in a store or a download folder, typed: the version ``manifest.json`` and a subset's ``selection.json``.

Each document carries a format tag (``kdata.version/1``, ``kdata.selection/1``), declared once here, written
by :meth:`VersionManifest.dump` / :meth:`Selection.dump` and checked in one place, :meth:`_Document.read`:

- a document without a tag is read as the current format (documents written by hand or by tests);
- another family (``kdata.audit-anchor/1`` where a version manifest belongs) or a number above the one this
  code reads (a manifest written by a newer kdata) is refused with :class:`UnknownFormat`, naming the file;
- a document that is not JSON or does not fit the model is refused with :class:`ContractError`.

The JSON is canonical: sorted keys, two-space indent, UTF-8 (not ``\\u`` escapes), a trailing newline. A
document keeps exactly the keys it was read or built with (``exclude_unset``), plus its tag, so reading and
dumping a manifest gives back the same bytes, and a field this code does not know (added by a newer writer
within the same format number) is kept, not dropped.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, ValidationError

from kcore.errors import KDataError

__all__ = [
    "SELECTION_FORMAT",
    "VERSION_FORMAT",
    "ChunkEntry",
    "ContractError",
    "FileEntry",
    "QualityRef",
    "Selection",
    "SelectionSplit",
    "SourceChunk",
    "SplitStats",
    "UnknownFormat",
    "VersionManifest",
    "canonical_json",
]

VERSION_FORMAT = "kdata.version/1"
"""The tag of a published version's ``manifest.json``."""
SELECTION_FORMAT = "kdata.selection/1"
"""The tag of a selective download's ``selection.json``."""


class ContractError(KDataError):
    """A stored document that is not JSON or does not fit its model (the message names the file)."""


class UnknownFormat(ContractError):
    """A document of another format, or of a newer version of its format than this code reads."""


def canonical_json(document: Mapping[str, Any]) -> bytes:
    """Sorted keys, two-space indent, UTF-8 as is, trailing newline: the bytes of every document here."""
    return (json.dumps(document, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode("utf-8")


def _check_format(tag: object, expected: str, where: str) -> None:
    family, _, number = expected.partition("/")
    found_family, _, found_number = str(tag).partition("/")
    if not isinstance(tag, str) or found_family != family or not found_number.isdigit():
        raise UnknownFormat(f"{where}: format {tag!r} is not a {family} document (expected {expected})")
    if int(found_number) != int(number):
        newer = int(found_number) > int(number)
        raise UnknownFormat(
            f"{where}: format {tag} is {'newer than' if newer else 'not'} what this kdata reads ({expected})"
            + ("; upgrade kdata to read it" if newer else "")
        )


class _Entry(BaseModel):
    """A part of a document: keys as read or built, unknown ones kept."""

    model_config = ConfigDict(extra="allow", frozen=True)


class _Document(_Entry):
    """A whole document with its format tag (always written, even when the input had none)."""

    FORMAT: ClassVar[str]
    format: str

    def model_post_init(self, context: Any, /) -> None:
        self.__pydantic_fields_set__.add("format")  # a default tag is written out too

    @classmethod
    def read(cls, data: bytes | str, where: str) -> Self:
        """Parse a stored document; ``where`` (its path or URI) names it in every error."""
        try:
            raw = json.loads(data)
        except ValueError as error:
            raise ContractError(f"{where}: not a JSON document ({error})") from None
        if not isinstance(raw, dict):
            raise ContractError(f"{where}: expected a JSON object, found {type(raw).__name__}")
        _check_format(raw.get("format", cls.FORMAT), cls.FORMAT, where)
        return cls.parse(raw, where)

    @classmethod
    def parse(cls, value: Self | Mapping[str, Any], where: str = "") -> Self:
        """``value`` as this model (a model passes as is; a mapping is validated, its tag checked)."""
        if isinstance(value, _Document):
            if isinstance(value, cls):
                return value
            raise UnknownFormat(f"{where or value.format}: a {value.FORMAT} document, not {cls.FORMAT}")
        where = where or f"<{cls.__name__}>"
        if "format" in value:
            _check_format(value["format"], cls.FORMAT, where)
        try:
            return cls.model_validate(value)
        except ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'document'}: {e['msg']}" for e in error.errors()[:5]
            )
            raise ContractError(f"{where}: does not fit {cls.FORMAT} ({problems})") from None

    def to_dict(self) -> dict[str, Any]:
        """The plain JSON form: the keys read or built, nothing added but the tag."""
        return self.model_dump(mode="python", exclude_unset=True)

    def dump(self) -> bytes:
        """The canonical bytes (:func:`canonical_json`)."""
        return canonical_json(self.to_dict())


# -- the version manifest ----------------------------------------------------------------------------


class ChunkEntry(_Entry):
    """One Parquet chunk of a version: key under the version prefix, split, rows, bytes, sha256, the label
    archive it came from, and its zone map (``ranges``: column → ``[min, max]``, only where no PII)."""

    key: str
    split: str
    rows: int
    bytes: int
    sha256: str
    source_archive: str | None = None
    ranges: dict[str, list[Any]] | None = None


class FileEntry(_Entry):
    """Another file of the version (the dataset card ``README.md``): name, bytes, sha256."""

    key: str
    bytes: int
    sha256: str


class SplitStats(_Entry):
    rows: int
    chunks: int
    bytes: int


class QualityRef(_Entry):
    """The quality verdict the version was published under, and where its report lives."""

    verdict: str
    run_id: str
    warnings_failed: list[Any] = []
    report: str | None = None


class VersionManifest(_Document):
    """``<dataset>/<version>/manifest.json``: written last by the publish, the only thing readers trust."""

    FORMAT: ClassVar[str] = VERSION_FORMAT
    format: str = VERSION_FORMAT
    dataset_id: str
    version: str
    content_sha256: str
    chunks: list[ChunkEntry]
    record_schema: str | None = None
    run_id: str | None = None
    splits: dict[str, SplitStats] = {}
    quality: QualityRef | None = None
    files: list[FileEntry] | None = None
    """Files besides the chunks (the dataset card); absent in versions published before cards."""

    @property
    def version_files(self) -> list[FileEntry]:
        """The version's files besides its chunks (none in versions published before cards existed)."""
        return list(self.files or [])


# -- a selective download ----------------------------------------------------------------------------


class SourceChunk(_Entry):
    key: str
    sha256: str


class SelectionSplit(_Entry):
    """One split's subset file, the chunks it was selected from and those its zone maps ruled out."""

    file: str
    rows: int
    bytes: int
    sha256: str
    source_chunks: list[SourceChunk]
    skipped_chunks: list[str]


class Selection(_Document):
    """``subset-<hash>/selection.json``: what a selective download took from which version."""

    FORMAT: ClassVar[str] = SELECTION_FORMAT
    format: str = SELECTION_FORMAT
    dataset_id: str
    version: str
    version_content_sha256: str
    columns: list[str] | None
    where: str | None
    splits: dict[str, SelectionSplit]
