"""Label files of every format as documents: JSON, JSON Lines, CSV/TSV, per-source TXT, VOC-style XML, Excel.

Text is decoded with the block's ``encoding`` or detected (:func:`ingest.jsonstream.decode_text`:
UTF-8 with or without BOM, UTF-16 with BOM, else CP949, which also reads EUC-KR). A file that cannot
be read raises :class:`LabelFileError`; JSON Lines and CSV report a bad line and go on.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import IO, Any

import orjson

from ingest.jsonstream import JsonStreamError, decode_text
from schemas.labels import EXTENSION_FORMATS, LabelBlock

__all__ = [
    "LINE_FORMATS",
    "LabelFileError",
    "documents",
    "format_of",
    "json_document",
    "line_documents",
    "lines",
    "streamed_documents",
]


class LabelFileError(ValueError):
    """A label file (or one line of it) that cannot be read; ``line`` is 1-based when known."""

    def __init__(self, code: str, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.line = line


def format_of(block: LabelBlock, member: str) -> str | None:
    """The block's format, else the one the member's extension says (``None``: not a label file)."""
    if block.format:
        return block.format
    dot = member.rfind(".")
    return EXTENSION_FORMATS.get(member[dot:].lower()) if dot >= 0 else None


def _text(data: bytes, encoding: str) -> str:
    if encoding == "auto":
        try:
            return decode_text(data)[0]
        except JsonStreamError as error:
            raise LabelFileError("bad_text", str(error)) from None
    try:
        return data.decode("utf-8-sig" if encoding == "utf-8" else encoding)
    except UnicodeDecodeError as error:
        raise LabelFileError("bad_text", f"not {encoding} at byte {error.start:,}") from None


def documents(data: bytes, fmt: str, block: LabelBlock) -> Iterator[tuple[int | None, Any]]:
    """``(line, document)`` for each document of a label file: one for json/txt/xml, one per line
    for jsonl, one per row for csv/tsv (a dict by header); a bad line yields ``(line, error)``."""
    if fmt == "json":
        yield None, json_document(data, block.encoding)
    elif fmt in LINE_FORMATS:
        yield from line_documents(io.StringIO(_text(data, block.encoding), newline=""), fmt, block)
    elif fmt == "txt":
        yield None, {"text": _text(data, block.encoding).strip("\r\n")}
    elif fmt == "xml":
        yield None, _xml(data)
    elif fmt == "xlsx":
        yield from _xlsx(data)
    else:
        raise LabelFileError("bad_format", f"unknown label format {fmt!r}")


LINE_FORMATS = frozenset({"jsonl", "csv", "tsv", "lines"})
"""Formats read line by line: a file of any size streams (:func:`streamed_documents`)."""


def line_documents(text_lines: Iterable[str], fmt: str, block: LabelBlock) -> Iterator[tuple[int | None, Any]]:
    """:func:`documents` of a line format, from its lines (ends kept, as a file opened with ``newline=""``
    gives them): the same documents whether the file was read whole or streamed."""
    if fmt == "jsonl":
        yield from _jsonl(text_lines)
    elif fmt in ("csv", "tsv"):
        yield from _table(text_lines, block.delimiter or ("\t" if fmt == "tsv" else ","))
    else:
        yield from _pattern_lines(text_lines, block.line_pattern)


def streamed_documents(raw: IO[bytes], fmt: str, block: LabelBlock, max_chars: int) -> Iterator[tuple[int | None, Any]]:
    """:func:`documents` of a line-format label file too big to read whole, read in blocks."""
    from ingest.jsonstream import text_lines

    try:
        yield from line_documents(text_lines(raw, block.encoding, max_chars=max_chars), fmt, block)
    except JsonStreamError as error:
        raise LabelFileError("bad_text", str(error)) from None
    except UnicodeDecodeError as error:
        raise LabelFileError("bad_text", f"not {block.encoding}: {error.reason}") from None


def json_document(data: bytes, encoding: str) -> Any:
    """A whole JSON label file parsed (``encoding`` as a block's; :class:`LabelFileError` when it is not JSON)."""
    if encoding == "auto":
        from ingest.readers._common import decode_json

        try:
            return decode_json(data)
        except (orjson.JSONDecodeError, JsonStreamError, RecursionError) as error:
            raise LabelFileError("bad_json", f"invalid JSON: {error}") from None
    from ingest.readers._common import no_collection

    try:
        with no_collection():
            return orjson.loads(_text(data, encoding))
    except (orjson.JSONDecodeError, RecursionError) as error:
        raise LabelFileError("bad_json", f"invalid JSON: {error}") from None


def _jsonl(text_lines: Iterable[str]) -> Iterator[tuple[int | None, Any]]:
    for number, line in enumerate(text_lines, 1):
        if not line.strip():
            continue
        try:
            yield number, orjson.loads(line)
        except (orjson.JSONDecodeError, RecursionError) as error:
            yield number, LabelFileError("bad_json", f"line {number}: invalid JSON: {error}", number)


def _table(text_lines: Iterable[str], delimiter: str) -> Iterator[tuple[int | None, Any]]:
    reader = csv.reader(text_lines, delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as error:
        raise LabelFileError("bad_csv", f"header: {error}") from None
    header = [h.strip().lstrip("\ufeff") for h in header]
    number = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield reader.line_num, LabelFileError("bad_csv", f"line {reader.line_num}: {error}", reader.line_num)
            continue
        number = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            message = f"line {number}: {len(row)} cells where the header has {len(header)}"
            yield number, LabelFileError("bad_csv", message, number)
            continue
        yield number, dict(zip(header, row, strict=True))


XLSX_MAX_INFLATED = 1 << 30
"""Bytes an Excel workbook's parts may hold inflated (it is a zip: a small file can claim far more)."""
XLSX_MAX_RATIO = 200
"""... and at most this many times the workbook's own size (its XML compresses well, ~10-30:1)."""


def _xlsx(data: bytes) -> Iterator[tuple[int | None, Any]]:
    """The rows of every sheet of an Excel workbook, as CSV's: the first non-empty row is the header, each
    row after it a dict by header (cells as Excel stores them: numbers as numbers, dates as ISO text). Lines
    count on across sheets (sheet 2's rows follow sheet 1's), so each row has its own; a row with values
    past its header is a bad line. Read-only and streamed by openpyxl (defusedxml underneath); the
    workbook's parts are bounded before it is opened (:data:`XLSX_MAX_INFLATED`, :data:`XLSX_MAX_RATIO`)."""
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as workbook_zip:
            inflated = sum(info.file_size for info in workbook_zip.infolist())
    except (zipfile.BadZipFile, ValueError) as error:
        raise LabelFileError("bad_format", f"not an xlsx workbook ({error})") from None
    if inflated > min(XLSX_MAX_INFLATED, XLSX_MAX_RATIO * max(len(data), 1)):
        raise LabelFileError("too_large", f"the workbook's parts hold {inflated:,} bytes inflated from {len(data):,}")
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # deliberately broad: whatever a malformed workbook makes openpyxl raise
        raise LabelFileError("bad_format", f"not a readable xlsx workbook ({type(error).__name__}: {error})") from None
    offset = 0
    try:
        for sheet in workbook.worksheets:
            header: list[str] | None = None
            last = 0
            for number, row in enumerate(sheet.iter_rows(values_only=True), 1):
                last = number
                cells = [_cell(value) for value in row]
                if not any(cell not in (None, "") for cell in cells):
                    continue
                if header is None:  # up to its last value (a sheet's rows are as wide as its widest)
                    width = max(n for n, cell in enumerate(cells, 1) if cell not in (None, ""))
                    header = [
                        str(c).strip() if c is not None else f"column_{n + 1}" for n, c in enumerate(cells[:width])
                    ]
                    continue
                if any(cell not in (None, "") for cell in cells[len(header) :]):
                    message = f"sheet {sheet.title!r} row {number}: values past the header's {len(header)} columns"
                    yield offset + number, LabelFileError("bad_line", message, offset + number)
                    continue
                cells += [None] * (len(header) - len(cells))
                yield offset + number, dict(zip(header, cells[: len(header)], strict=True))
            offset += last
    except Exception as error:  # deliberately broad: a sheet that breaks while it streams
        raise LabelFileError("bad_format", f"xlsx workbook unreadable ({type(error).__name__}: {error})") from None
    finally:
        workbook.close()


def _cell(value: Any) -> Any:
    """A cell as a label value: dates and times as ISO text, everything else as openpyxl reads it."""
    isoformat = getattr(value, "isoformat", None)
    return isoformat() if isoformat is not None and not isinstance(value, str) else value


def lines(text: str, pattern: str | None) -> Iterator[tuple[int | None, Any]]:
    """One document per non-empty line (KsponSpeech's ``.trn`` scripts): ``{line}``, plus the pattern's
    named groups, matched by RE2 (Arrow compute: linear time, whatever the pattern)."""
    return _pattern_lines(io.StringIO(text, newline=""), pattern)


_LINES_AT_ONCE = 50_000


def _pattern_lines(text_lines: Iterable[str], pattern: str | None) -> Iterator[tuple[int | None, Any]]:
    batch: list[tuple[int, str]] = []
    for number, line in enumerate(text_lines, 1):
        line = line.rstrip("\r\n")
        if line.strip():
            batch.append((number, line))
        if len(batch) >= _LINES_AT_ONCE:
            yield from _matched(batch, pattern)
            batch = []
    yield from _matched(batch, pattern)


def _matched(numbered: list[tuple[int, str]], pattern: str | None) -> Iterator[tuple[int | None, Any]]:
    if not numbered:
        return
    if pattern is None:
        for number, line in numbered:
            yield number, {"line": line}
        return
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        groups = pc.extract_regex(pa.array([line for _, line in numbered], pa.string()), pattern).to_pylist()
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as error:
        raise LabelFileError("bad_format", f"line_pattern: {error}") from None
    for (number, line), found in zip(numbered, groups, strict=True):
        if found is None:
            yield number, LabelFileError("bad_line", f"line {number}: does not match line_pattern", number)
        else:
            yield number, {"line": line, **found}


def _xml(data: bytes) -> Any:
    """An XML file as nested dicts (xmltodict's convention): attributes ``@name``, text ``#text`` beside
    children, a repeated child a list. defusedxml refuses entity expansion and external entities."""
    from xml.etree.ElementTree import ParseError

    import defusedxml.ElementTree as SafeET
    from defusedxml import DefusedXmlException

    try:
        root = SafeET.fromstring(data)
        return {root.tag: _element(root)}
    except (ParseError, DefusedXmlException, ValueError) as error:
        raise LabelFileError("bad_xml", f"invalid XML: {error}") from None
    except RecursionError:  # 200,000 nested elements (uncompressed, so no ratio check caught it): exit 1 before
        raise LabelFileError("bad_xml", "XML nested too deep to read") from None


def _element(element: Any) -> Any:
    children: dict[str, Any] = {f"@{k}": v for k, v in element.attrib.items()}
    for child in element:
        value = _element(child)
        if child.tag in children:
            existing = children[child.tag]
            if isinstance(existing, list) and getattr(existing, "_repeated", False):
                existing.append(value)
            else:
                repeated = _Repeated([existing, value])
                children[child.tag] = repeated
        else:
            children[child.tag] = value
    text = (element.text or "").strip()
    if not children:
        return text or None
    if text:
        children["#text"] = text
    return {k: list(v) if isinstance(v, _Repeated) else v for k, v in children.items()}


class _Repeated(list[Any]):
    _repeated = True
