"""Characters that must not reach a terminal as they are: control characters (an ESC starts a terminal
escape sequence: it can clear the screen, write the clipboard, hide a link) and the bidirectional
overrides that make ``a\u202enosj.exe`` read as ``aexe.json``. One list for what input is refused
(dataset.yaml text, archive and member names) and what output escapes (tables, CSV, JSON on a terminal).
"""

from __future__ import annotations

import re

__all__ = ["UNSAFE_CHARS", "printable", "unsafe_chars"]

UNSAFE_CHARS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""C0 controls but tab and newline, DEL, C1 controls, and the bidirectional marks and overrides."""


def _shown(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` with each unsafe character written out (``\\x1b``, ``\\u202e``): what a terminal shows."""
    return UNSAFE_CHARS.sub(_shown, text) if UNSAFE_CHARS.search(text) else text


def unsafe_chars(text: str) -> list[str]:
    """The unsafe characters of ``text``, written out (``["\\x1b", "\\u202e"]``), each once."""
    return list(dict.fromkeys(_shown(m) for m in UNSAFE_CHARS.finditer(text)))
