"""Who may download what: licence status and approvals (이용 신청 승인).

- ``open`` (공개): anyone.
- ``approval_required`` (승인 필요) and ``restricted`` (제한): only users with a current approval.
- ``pending_review`` (검토 대기) and ``withdrawn`` (철회): nobody.

A dataset whose release status (``datasets.release_status``, from its newest manifest) is
``withdrawn`` cannot be downloaded either, whatever its licence status.
"""

from __future__ import annotations

import datetime as dt

import duckdb

from catalog.literal import sql_literal
from kdata.errors import BadInput, NotAllowed

__all__ = ["DOWNLOADABLE_WITH_APPROVAL", "check_download", "current_approval"]

DOWNLOADABLE_WITH_APPROVAL = frozenset({"approval_required", "restricted"})


def current_approval(
    con: duckdb.DuckDBPyConnection, dataset_id: str, user: str, today: dt.date | None = None
) -> dt.date | bool | None:
    """The approval's end date (``None`` = no end) when ``user`` holds a current one, else ``False``."""
    today = today or dt.date.today()
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


def check_download(con: duckdb.DuckDBPyConnection, dataset_id: str, user: str, today: dt.date | None = None) -> None:
    """Raise :class:`NotAllowed` (exit 4) unless ``user`` may download ``dataset_id`` now."""
    row = con.execute(
        "SELECT l.status, d.release_status FROM licenses l JOIN datasets d ON d.id = l.dataset_id "
        f"WHERE l.dataset_id = {sql_literal(dataset_id)}"  # inlined: see catalog.literal
    ).fetchone()
    if row is None:
        raise BadInput(f"unknown dataset {dataset_id!r}")
    status, release = row
    if release == "withdrawn":
        raise NotAllowed(f"{dataset_id}: 공개 철회된 데이터셋입니다 (the dataset's release was withdrawn)")
    if status == "open":
        return
    if status in DOWNLOADABLE_WITH_APPROVAL:
        if current_approval(con, dataset_id, user, today) is not False:
            return
        raise NotAllowed(
            f"{dataset_id}: 이용 신청 승인이 필요합니다 (an approved application is required; status {status}). "
            f"User {user!r} has no current approval: apply to the data steward, who records it with "
            f"`kdata approve {dataset_id} --user {user} [--until YYYY-MM-DD]`."
        )
    raise NotAllowed(f"{dataset_id}: licence status {status!r} does not allow downloads (검토 대기/철회)")
