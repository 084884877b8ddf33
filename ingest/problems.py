"""Problems found while reading input, collected (never raised one by one) and reported by name."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from kcore.limits import DEFAULT_LIMITS, ArchiveLimits

__all__ = ["UNUSABLE_LABEL", "Problem", "ReadStats"]

UNUSABLE_LABEL = frozenset(
    {"bad_json", "bad_csv", "bad_xml", "bad_line", "bad_text", "bad_format", "too_large", "schema"}
)
"""The codes of problems that leave a label unit (a file, a line, a record) without its rows: the quality
stage counts each against the syntactic share (``label_schema_valid``). :meth:`ReadStats.add` refuses an
invalid label under any other code, so a reader's new code cannot drop rows without being counted."""


@dataclass(frozen=True)
class Problem:
    """One defect in the input: where it is (archive, member, field) and what is wrong."""

    code: str
    archive: str
    member: str | None
    field: str | None
    message: str
    record_id: str | None = None

    def describe(self) -> str:
        """``archive!member field 'f' (record r): message`` (the record unless it is the location itself; a
        record ``archive!member#L6`` shows as ``(record #L6)``, its line)."""
        where = self.archive + (f"!{self.member}" if self.member else "")
        what = f" field '{self.field}'" if self.field else ""
        record = self.record_id or ""
        record = record[len(where) :] if record.startswith(where) else record
        rid = f" (record {record})" if record else ""
        return f"{where}{what}{rid}: {self.message}"

    def to_dict(self) -> dict[str, str | None]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Problem:
        """A problem as :meth:`to_dict` wrote it (a unit record's, a quality summary's: redacted)."""
        text = lambda key: None if data.get(key) is None else str(data[key])  # noqa: E731
        return cls(str(data.get("code")), str(data.get("archive") or ""), text("member"), text("field"),
                   str(data.get("message")), text("record_id"))  # fmt: skip


@dataclass
class ReadStats:
    """What a reader saw in one archive: label units seen and invalid, and the problems."""

    labels_seen: int = 0
    labels_invalid: int = 0
    problems: list[Problem] = field(default_factory=list)
    on_member: Callable[[int], None] | None = field(default=None, repr=False, compare=False)
    """Called with each member's compressed size as the reader opens it (ingest progress)."""
    limits: ArchiveLimits = field(default=DEFAULT_LIMITS, repr=False, compare=False)
    """The archive limits the reader enforces (``Settings.limits``, handed down by the pipeline)."""

    def member_read(self, compressed: int) -> None:
        """A reader opened one member of the archive (progress only: nothing is counted here)."""
        if self.on_member is not None:
            self.on_member(compressed)

    def add(self, problem: Problem, *, invalid_label: bool) -> None:
        if invalid_label != (problem.code in UNUSABLE_LABEL):
            raise ValueError(
                f"problem code {problem.code!r} with invalid_label={invalid_label}: "
                "UNUSABLE_LABEL lists exactly the codes of labels left without rows"
            )
        self.problems.append(problem)
        if invalid_label:
            self.labels_invalid += 1
