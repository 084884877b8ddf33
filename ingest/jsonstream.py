"""Label text in UTF-8 (with or without BOM) or CP949, and big list-shaped label JSON as a stream.

AI Hub's largest label files are single JSON documents of several GB shaped
``{"numberOfItems": .., "data": [ {...}, {...} ]}``. :class:`ListItems` reads such a member in
blocks and yields one item at a time: the text sits in a sliding buffer and each item is parsed
with :meth:`json.JSONDecoder.raw_decode`, so memory holds one block plus one item, never the file.

Encoding is detected, not guessed: a BOM decides (UTF-8, UTF-16); otherwise the bytes are decoded
as UTF-8 and, when that fails before any non-ASCII UTF-8 was seen, as CP949 from that byte on
(ASCII is the same in both). Text that is neither is an error naming the byte offset.
"""

from __future__ import annotations

import codecs
import json
import math
import re
from collections.abc import Iterator
from typing import IO, Any

import orjson

__all__ = [
    "WHOLE_DOCUMENT_BYTES",
    "JsonStreamError",
    "ListItems",
    "TextDecoder",
    "decode_text",
    "text_lines",
    "whole_list_items",
]

_WS = re.compile(r"[ \t\n\r]*")
_NUMBER_GOES_ON = frozenset(".eE+-0123456789")
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))


def _finite_float(text: str) -> float:
    """JSON numbers like ``1e999999`` are not numbers a label can mean (``inf``): refused, as orjson does."""
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"{text[:40]!r} is infinite as a double")
    return value


def _no_constant(text: str) -> float:
    """``NaN`` and ``Infinity`` are not JSON."""
    raise ValueError(f"{text} is not valid JSON")


_LONE_SURROGATE = re.compile(
    r"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})"
    r"|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}"
)
"""A ``\\udXXX`` escape that is not half of a pair: Python's ``json`` makes it a lone surrogate, which is no
UTF-8 text (the content hash and Parquet refused it later, with a traceback)."""


class JsonStreamError(ValueError):
    """The stream is not the expected JSON; ``offset`` is the character (or byte) position."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(f"{message} (at offset {offset:,})")
        self.offset = offset


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode a whole label file: ``(text, encoding)``; UTF-8/UTF-16 by BOM, else UTF-8, else CP949."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding), encoding + "-bom"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as utf8_error:
        try:
            return data.decode("cp949"), "cp949"
        except UnicodeDecodeError:
            raise JsonStreamError("text is neither UTF-8 nor CP949", utf8_error.start) from None


class TextDecoder:
    """Incremental bytes → text with the detection rules of :func:`decode_text`."""

    def __init__(self, raw: IO[bytes], block: int) -> None:
        self._raw = raw
        self._block = block
        self._decoder: codecs.IncrementalDecoder | None = None
        self._ascii_so_far = True
        self._bytes_read = 0
        self.encoding = "utf-8"

    def _start(self, data: bytes) -> bytes:
        for bom, encoding in _BOMS:
            if data.startswith(bom):
                self.encoding = encoding + "-bom"
                self._decoder = codecs.getincrementaldecoder(encoding)()
                return data[len(bom) :]
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        return data

    def read(self) -> str:
        """Next piece of text; ``""`` only at the end."""
        while True:
            data = self._raw.read(self._block)
            while self._decoder is None and 0 < len(data) < 4 and (more := self._raw.read(self._block)):
                data += more  # enough bytes to see a BOM
            text = self._decode(data)
            if text or not data:
                return text

    def _decode(self, data: bytes) -> str:
        final = not data
        if self._decoder is None:
            if final:
                return ""
            data = self._start(data)
        assert self._decoder is not None
        pending = self._decoder.getstate()[0] if self.encoding == "utf-8" else b""
        offset = self._bytes_read - len(pending)
        self._bytes_read += len(data)
        try:
            text: str = self._decoder.decode(data, final)
        except UnicodeDecodeError as error:
            combined = pending + data  # positions of the incremental decoder include its pending bytes
            if self.encoding != "utf-8" or not (self._ascii_so_far and combined[: error.start].isascii()):
                raise JsonStreamError(f"invalid {self.encoding} text", offset + error.start) from None
            head = combined[: error.start].decode("ascii")
            self.encoding = "cp949"
            self._decoder = codecs.getincrementaldecoder("cp949")()
            try:
                text = head + self._decoder.decode(combined[error.start :], final)
            except UnicodeDecodeError as cp949_error:
                raise JsonStreamError(
                    "text is neither UTF-8 nor CP949", offset + error.start + cp949_error.start
                ) from None
        if self._ascii_so_far and not text.isascii():
            self._ascii_so_far = False
        return text


class ListItems:
    """Iterate the items of the list under one of ``list_keys`` of a top-level JSON object
    (or of a top-level list) read from ``raw`` in blocks.

    After iteration, :attr:`header` holds the other top-level keys (e.g. ``numberOfItems``),
    :attr:`list_key` the key that held the list (``None`` if there was none) and :attr:`count` the
    items yielded. Raises :class:`JsonStreamError` at the first defect; the items before it have
    been yielded.
    """

    def __init__(
        self,
        raw: IO[bytes],
        list_keys: tuple[str, ...] = ("data",),
        *,
        block: int = 1 << 18,
        max_item_chars: int = 512 << 20,
        path: tuple[str, ...] = (),
    ) -> None:
        self._text = TextDecoder(raw, block)
        self._keys = list_keys
        self._path = path
        """Keys down to a nested list (``("dataSet", "dialogs")``): the list under the last one is streamed, and
        the other keys at each level go to :attr:`header` (nested dicts at their keys). Empty: ``list_keys``
        at the top level."""
        self._block = block
        self._max = max_item_chars
        self._decoder = json.JSONDecoder(parse_float=_finite_float, parse_constant=_no_constant)
        self._buf = ""
        self._pos = 0
        self._base = 0  # characters dropped from the front of the buffer
        self._eof = False
        self.header: dict[str, Any] = {}
        self.list_key: str | None = None
        self.list_value: Any = None  # the value under a list key when it was not a list
        self.count = 0
        self.last_text = ""
        """The text of the item yielded last, as the file writes it."""

    @property
    def encoding(self) -> str:
        return self._text.encoding

    # -- buffer ------------------------------------------------------------------------------------

    def _error(self, message: str) -> JsonStreamError:
        return JsonStreamError(message, self._base + self._pos)

    def _more(self) -> bool:
        if self._eof:
            return False
        text = self._text.read()
        if not text:
            self._eof = True
            return False
        if self._pos > self._block and self._pos * 2 >= len(self._buf):
            self._buf = self._buf[self._pos :]
            self._base += self._pos
            self._pos = 0
        self._buf += text
        return True

    def _peek(self) -> str:
        """Skip whitespace; the next character, or ``""`` at the end."""
        while True:
            match = _WS.match(self._buf, self._pos)
            self._pos = match.end() if match else self._pos
            if self._pos < len(self._buf):
                return self._buf[self._pos]
            if not self._more():
                return ""

    def _take(self, expected: str, what: str) -> None:
        if self._peek() != expected:
            found = self._peek() or "end of file"
            raise self._error(f"expected {expected!r} {what}, found {found!r}")
        self._pos += 1

    def _value(self) -> Any:
        """Parse one JSON value at the cursor, reading more text until it is complete."""
        if not self._peek():
            raise self._error("unexpected end of file")
        while True:
            try:
                value, end = self._decoder.raw_decode(self._buf, self._pos)
            except json.JSONDecodeError as error:
                if self._eof:
                    raise JsonStreamError(f"invalid JSON: {error.msg}", self._base + error.pos) from None
            except RecursionError:
                raise self._error("JSON nested too deeply") from None
            except ValueError as error:  # a number out of range: inf, or over Python's 4,300-digit int limit
                raise self._error(f"number out of range ({str(error).split(';')[0]})") from None
            else:
                # A number may go on in the next block: only trust a value that ends before the buffer does
                # (and, for a bare number, not where the rest of a number could follow: "1." | "5").
                cut = isinstance(value, int | float) and self._buf[end : end + 1] in _NUMBER_GOES_ON
                if (end < len(self._buf) and not cut) or self._eof:
                    escaped = self._buf.find("\\u", self._pos, end) != -1  # no copy of the item's text
                    if escaped and _LONE_SURROGATE.search(self._buf, self._pos, end):  # orjson refuses these too
                        raise self._error("a lone surrogate escape (\\ud800-\\udfff) is not text")
                    self._pos = end
                    return value
            if len(self._buf) - self._pos > self._max:
                raise self._error(f"one value is larger than {self._max:,} characters or is invalid")
            target = len(self._buf) - self._pos + max(self._block, len(self._buf) - self._pos)
            while len(self._buf) - self._pos < target and self._more():
                pass

    # -- grammar -----------------------------------------------------------------------------------

    def __iter__(self) -> Iterator[Any]:
        first = self._peek()
        if first == "[":
            self.list_key = ""
            self._pos += 1
            yield from self._items()
        elif first == "{":
            self._pos += 1
            yield from self._object()
        else:
            raise self._error("expected a JSON object or list at the top level")
        if self._peek():
            raise self._error("extra data after the top-level value")

    def _object(self, depth: int = 0, header: dict[str, Any] | None = None) -> Iterator[Any]:
        header = self.header if header is None else header
        if self._peek() == "}":
            self._pos += 1
            return
        while True:
            if self._peek() != '"':
                raise self._error("expected a key")
            key = self._value()
            self._take(":", f"after key {key!r}")
            if self._path:
                yield from self._on_path(key, depth, header)
            elif key in self._keys and self.list_key is None:
                yield from self._list_at(key)
            else:
                self.header[key] = self._value()
            following = self._peek()
            self._pos += 1
            if following == "}":
                return
            if following != ",":
                self._pos -= 1
                raise self._error(f"expected ',' or '}}' after key {key!r}")

    def _on_path(self, key: str, depth: int, header: dict[str, Any]) -> Iterator[Any]:
        """A key of an object on the way down :attr:`_path` (first occurrence only): descend or stream."""
        last = depth == len(self._path) - 1
        if key != self._path[depth] or key in header or (last and self.list_key is not None):
            header[key] = self._value()
        elif last:
            yield from self._list_at(key)
        elif self._peek() == "{":
            self._pos += 1
            nested: dict[str, Any] = {}
            header[key] = nested
            yield from self._object(depth + 1, nested)
        else:
            header[key] = self._value()

    def _list_at(self, key: str) -> Iterator[Any]:
        """The value of the list key: its items streamed, or kept in :attr:`list_value` when not a list."""
        self.list_key = key
        if self._peek() == "[":
            self._pos += 1
            yield from self._items()
        else:
            self.list_value = self._value()

    def document(self, item: Any) -> Any:
        """The label document as it would read with ``item`` its list's only item (the header keys read so far
        at every level around it)."""
        if not self._path:
            return [item] if not self.list_key else {**self.header, str(self.list_key): [item]}
        return _wrapped(self.header, self._path, item)

    def _items(self) -> Iterator[Any]:
        if self._peek() == "]":
            self._pos += 1
            return
        while True:
            self._peek()
            start = self._base + self._pos
            item = self._value()
            self.last_text = self._buf[start - self._base : self._pos]
            self.count += 1
            yield item
            following = self._peek()
            self._pos += 1
            if following == "]":
                return
            if following != ",":
                self._pos -= 1
                raise self._error(f"expected ',' or ']' after item {self.count - 1}")


def _wrapped(header: dict[str, Any], path: tuple[str, ...], item: Any) -> dict[str, Any]:
    if len(path) == 1:
        return {**header, path[0]: [item]}
    inner = header.get(path[0])
    return {**header, path[0]: _wrapped(inner if isinstance(inner, dict) else {}, path[1:], item)}


def text_lines(
    raw: IO[bytes], encoding: str = "auto", block: int = 1 << 18, max_chars: int = 512 << 20
) -> Iterator[str]:
    """The lines of a label text read in blocks (ends kept: ``\r\n``, ``\r`` or ``\n``, as a file opened with
    ``newline=""`` gives them), decoded as :func:`decode_text` decodes (``auto``) or with ``encoding``."""
    if encoding == "auto":
        decoder = TextDecoder(raw, block)
        pieces: Iterator[str] = iter(decoder.read, "")
    else:
        incremental = codecs.getincrementaldecoder("utf-8-sig" if encoding == "utf-8" else encoding)()

        def decoded() -> Iterator[str]:
            while data := raw.read(block):
                yield incremental.decode(data)
            yield incremental.decode(b"", True)

        pieces = decoded()
    pending: list[str] = []  # the pieces of a line not ended yet (joined once it ends: a long line is not
    size = 0  # copied again with every block, which took 108 s to refuse a 280 MB line)
    for piece in pieces:
        text = piece
        if pending and pending[-1].endswith("\r"):  # a "\r\n" split between pieces: read it whole here
            pending[-1] = pending[-1][:-1]
            text = "\r" + piece
        cut = 0
        for match in _LINE_END.finditer(text):
            if match.end() == len(text) and match.group() == "\r":
                break  # a "\r\n" may be split between pieces
            yield "".join(pending) + text[cut : match.end()] if pending else text[cut : match.end()]
            pending, size = [], 0
            cut = match.end()
        if cut < len(text):
            pending.append(text[cut:])
            size += len(text) - cut
        if size > max_chars:
            raise JsonStreamError(f"a line longer than {max_chars:,} characters", 0)
    if pending and (rest := "".join(pending)):
        yield rest


_LINE_END = re.compile(r"\r\n|\r|\n")


WHOLE_DOCUMENT_BYTES = 8 << 20
"""Label members up to this size are parsed whole by :func:`whole_list_items` (orjson, C speed; the
parsed items of 8 MiB of JSON take ~80 MB), bigger ones are streamed by :class:`ListItems`."""

_DIGITS_AS_ZERO = bytes(0x30 if 0x30 <= b <= 0x39 else 0x2E for b in range(256))
_LONG_NUMBER = b"0" * 19
"""19 digits in a row (digits mapped to ``0``, one C pass): an integer orjson would turn into a float
past 64 bits, or a long mantissa. A regex over the bytes is ten times slower."""
_BOM_START = (codecs.BOM_UTF8[:1], codecs.BOM_UTF16_LE[:1], codecs.BOM_UTF16_BE[:1])


def whole_list_items(
    data: bytes, list_keys: tuple[str, ...] = ("data",)
) -> tuple[dict[str, Any], str, list[Any]] | None:
    """``(header, list key, items)`` of a whole label document, or ``None`` when only :class:`ListItems`
    can say what it holds.

    The fast path for the usual label file: one orjson parse instead of an item-by-item stream. It
    answers only where the answer is certainly the one :class:`ListItems` gives: UTF-8 without BOM,
    valid JSON orjson and :mod:`json` read alike (no 19-digit number, which orjson turns into a
    float past 64 bits), a top-level list, or an object holding exactly one of ``list_keys`` exactly
    once (as written, unescaped) with a list under it. Anything else (CP949, a defect to locate, a
    missing or repeated list key) returns ``None``, and the caller streams the same bytes.
    """
    if data[:1] in _BOM_START or _LONG_NUMBER in data.translate(_DIGITS_AS_ZERO):
        return None
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError:
        return None
    if isinstance(document, list):
        return {}, "", document
    if not isinstance(document, dict):
        return None
    present = [key for key in list_keys if key in document]
    if len(present) != 1:
        return None
    key = present[0]
    items = document.pop(key)
    if not isinstance(items, list) or data.count(orjson.dumps(key)) != 1:
        return None
    # a second, escaped spelling of the key ("d\\u0061ta") would be a duplicate the stream treats otherwise
    if (b"\\u00" if key.isascii() else b"\\u") in data or ("/" in key and b"\\/" in data):
        return None
    return document, key, items
