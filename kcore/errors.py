"""Errors classified by what the caller must do, each with its CLI exit code.

- :class:`BadInput` (exit 2): the input or request is wrong; nothing was published or changed.
- :class:`QualityGateFailed` (exit 3): the quality gate refused the data; the report path is given.
- :class:`NotAllowed` (exit 4): licence, approval or read-only rules forbid it.
- :class:`TransientError`: worth retrying (locks, network); becomes exit 1 when retries run out.
"""

from __future__ import annotations

__all__ = ["BadInput", "Conflict", "KDataError", "NotAllowed", "QualityGateFailed", "TransientError"]


class KDataError(Exception):
    """Base class; ``exit_code`` is what the CLI returns."""

    exit_code = 1


class BadInput(KDataError):
    """Bad input or bad request: the message names the file, member and field."""

    exit_code = 2


class Conflict(BadInput):
    """The request clashes with what is already published (e.g. same version, other content)."""


class QualityGateFailed(KDataError):
    """Critical quality expectations failed; nothing was published."""

    exit_code = 3

    def __init__(self, message: str, report: str, examples: list[str] | None = None) -> None:
        super().__init__(message)
        self.report = report
        self.examples = list(examples or [])  # the first failing files and fields, for the user to read first
        self.context: dict[str, object] = {}  # dataset_id, version, rows per split checked: what --json prints


class NotAllowed(KDataError):
    """Not allowed by licence status, approval or read-only rules."""

    exit_code = 4


class TransientError(KDataError):
    """A passing failure (lock held, network); safe to retry."""

    exit_code = 1
