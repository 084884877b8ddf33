"""Who may read the rows of which dataset: one decision for every path (이용 권한).

``kdata download``, ``kdata sql``, the web app's downloads, samples and API, and presigned URLs all
ask :func:`decide` (or :func:`check_download`, which raises):

- ``open`` (공개): any user, named or anonymous.
- ``approval_required`` (승인 필요) and ``restricted`` (제한): only named users with a current approval.
- ``pending_review`` (검토 대기) and ``withdrawn`` (철회): nobody.

A dataset whose release status (``datasets.release_status``, from its newest manifest) is
``withdrawn`` cannot be read either, whatever its licence status. The decision covers every version
of a dataset. Pass a connection to the catalog itself (``catalog.db.connect(read_only=True,
live=True)``), never the readers' snapshot: a copy someone edited must not grant anything.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import duckdb

from catalog.literal import sql_literal
from kcore.errors import BadInput, NotAllowed

__all__ = ["DOWNLOADABLE_WITH_APPROVAL", "Decision", "check_download", "current_approval", "decide", "how_to_apply"]

DOWNLOADABLE_WITH_APPROVAL = frozenset({"approval_required", "restricted"})


@dataclass(frozen=True)
class Decision:
    """May ``user`` read the rows of ``dataset_id`` now, and if not, why."""

    dataset_id: str
    user: str
    status: str
    allowed: bool
    reason: str = ""
    approval_until: dt.date | None = None


def current_approval(
    con: duckdb.DuckDBPyConnection, dataset_id: str, user: str, today: dt.date | None = None
) -> dt.date | bool | None:
    """The approval's end date (``None`` = no end) when ``user`` holds a current one, else ``False``."""
    today = today or dt.date.today()
    if not user:
        return False
    row = con.execute(
        f"SELECT valid_until FROM approvals WHERE dataset_id = {sql_literal(dataset_id)} "
        f"AND user_name = {sql_literal(user)}"
    ).fetchone()
    if row is None:
        return False
    until = row[0]
    if until is not None and until < today:
        return False
    return until


def how_to_apply(dataset_id: str, user: str) -> str:
    """The sentence a refusal ends with."""
    who = user or "USER"
    return (
        f"apply to the data steward (이용 신청), who records the approval with "
        f"`kdata approve {dataset_id} --user {who} [--until YYYY-MM-DD]`"
    )


def _decide_one(
    con: duckdb.DuckDBPyConnection, dataset_id: str, user: str, row: tuple[object, ...] | None, today: dt.date
) -> Decision:
    if row is None:
        raise BadInput(f"unknown dataset {dataset_id!r} (kdata search lists them)")
    status, release = str(row[0]), row[1]
    if release == "withdrawn":
        reason = f"{dataset_id}: 공개 철회된 데이터셋입니다 (the dataset's release was withdrawn)"
        return Decision(dataset_id, user, status, False, reason)
    if status == "open":
        return Decision(dataset_id, user, status, True)
    if status in DOWNLOADABLE_WITH_APPROVAL:
        if not user:
            reason = (
                f"{dataset_id}: 로그인한 사용자만 승인받아 이용할 수 있습니다 (sign in first: status {status} "
                "needs an approved application)"
            )
            return Decision(dataset_id, user, status, False, reason)
        until = current_approval(con, dataset_id, user, today)
        if until is not False:
            return Decision(dataset_id, user, status, True, approval_until=until if until is not True else None)
        reason = (
            f"{dataset_id}: 이용 신청 승인이 필요합니다 (an approved application is required; status {status}). "
            f"User {user!r} has no current approval: {how_to_apply(dataset_id, user)}."
        )
        return Decision(dataset_id, user, status, False, reason)
    reason = f"{dataset_id}: licence status {status!r} does not allow reading its data (검토 대기/철회)"
    return Decision(dataset_id, user, status, False, reason)


def decide(
    con: duckdb.DuckDBPyConnection, dataset_ids: Iterable[str], user: str, today: dt.date | None = None
) -> dict[str, Decision]:
    """The decision for each dataset (``user`` empty = anonymous); unknown ids raise :class:`BadInput`."""
    today = today or dt.date.today()
    decisions: dict[str, Decision] = {}
    for dataset_id in dict.fromkeys(dataset_ids):
        row = con.execute(
            "SELECT l.status, d.release_status FROM licenses l JOIN datasets d ON d.id = l.dataset_id "
            f"WHERE l.dataset_id = {sql_literal(dataset_id)}"  # inlined: see catalog.literal
        ).fetchone()
        decisions[dataset_id] = _decide_one(con, dataset_id, user, row, today)
    return decisions


def check_download(con: duckdb.DuckDBPyConnection, dataset_id: str, user: str, today: dt.date | None = None) -> None:
    """Raise :class:`NotAllowed` (exit 4) unless ``user`` may read ``dataset_id`` now."""
    decision = decide(con, [dataset_id], user, today)[dataset_id]
    if not decision.allowed:
        raise NotAllowed(decision.reason)
