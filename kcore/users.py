"""User names: what a name may hold, and when two names are the same person.

One rule for every way a name arrives (``KDATA_USER``, ``--user`` of roles and approvals, the web app's
proxy header or Airflow login): 1-128 characters, none of them a control character, a comma (lists of
names are comma-separated) or an invisible one (zero-width, bidirectional marks: ``choi\u200b`` looks
like ``choi``). Two names are the same person when their :func:`user_key` match: ``CHOI`` and full-width
``ｃｈｏｉ`` are ``choi`` to a proxy or identity provider that ignores case and width, so a steward cannot
approve them for ``choi``.
"""

from __future__ import annotations

import re
import unicodedata

from kcore.errors import BadInput

__all__ = ["check_user_name", "is_user_name", "same_user", "user_key"]

_SHAPE = re.compile(r"^[^\x00-\x1f\x7f-\x9f,]{1,128}$")
"""1-128 characters, no control character, no comma (lists of names are comma-separated)."""

_UNSEEN = frozenset({"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp", "Mn", "Me"})
"""Unicode categories nobody sees as a character of a name: controls, format characters (zero-width, bidi),
private use, unassigned, line and paragraph separators (U+2028 breaks a line of the audit log), combining
and enclosing marks (variation selectors such as U+FE0F: ``stew️`` shows as ``stew``)."""
_BLANKS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u17b4\u17b5")
"""Letters and symbols that show as nothing: the Hangul fillers, the braille blank, Khmer's invisible vowels."""


def _unseen(name: str) -> list[str]:
    return [
        f"U+{ord(ch):04X}"
        for ch in name
        if unicodedata.category(ch) in _UNSEEN or ch in _BLANKS or (unicodedata.category(ch) == "Zs" and ch != " ")
    ]


def is_user_name(name: str) -> bool:
    """Whether ``name`` (as it stands) is a user name: the one rule for a name from ``KDATA_USER``, ``--user``,
    the web app's proxy header or login (:func:`check_user_name` says why one is not)."""
    return bool(_SHAPE.match(name)) and not _unseen(unicodedata.normalize("NFC", name))


def check_user_name(user: str, option: str = "USER") -> str:
    """``user`` stripped and in NFC, as roles, approvals and the audit log store it; :class:`BadInput` naming
    ``option`` unless it is a user name (:func:`is_user_name`: no character one cannot see, :data:`_UNSEEN`,
    :data:`_BLANKS`, spaces but the plain one)."""
    name = unicodedata.normalize("NFC", user.strip())
    if _unseen(name):
        raise BadInput(f"{option} {user!r}: a user name holds no invisible character ({', '.join(_unseen(name)[:3])})")
    if not is_user_name(name):
        raise BadInput(
            f"{option} {user!r}: a user name is 1-128 printable characters without ',' "
            "(no control or invisible characters)"
        )
    return name


def user_key(name: str) -> str:
    """What identifies the person behind ``name``: NFKC (full-width ``ｃｈｏｉ`` is ``choi``), case folded, stripped."""
    return unicodedata.normalize("NFKC", name).casefold().strip()


def same_user(one: str, other: str) -> bool:
    """Whether ``one`` and ``other`` name the same person (:func:`user_key`)."""
    return user_key(one) == user_key(other)
