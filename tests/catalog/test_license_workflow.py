"""Licence workflow: transitions, the clearance policy at registration, approvals, the audit log.

Tests on a catalog run on both backends (``catalog_backend``: the embedded file and the shared PostgreSQL
catalog), except the one that edits the embedded file behind the catalog's back."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest

from benchmarks import synthetic
from catalog.access import check_download
from catalog.audit import verify_audit_log
from catalog.bound import bind
from catalog.db import connect
from catalog.license import STATUSES, TRANSITIONS, check_transition, initial_status
from kcore.config import load_settings
from kcore.errors import BadInput, NotAllowed
from schemas.manifest import License

pytestmark = pytest.mark.integration

DATASET = "licence-test"
UPLOADER = "uploader-lee"  # not the tester who changes statuses: an uploader cannot loosen their own upload


def register(home: Path, dataset_id: str = DATASET, version: str = "1.0", **license: Any) -> None:
    lic = {"id": "aihub-standard", "status": "approval_required", **license}
    settings = load_settings({**os.environ, "KDATA_USER": UPLOADER})
    parquet = synthetic.tiny_parquet(home / "store" / "synthetic")
    synthetic.register(settings, synthetic.manifest(dataset_id, version=version, license=lic), parquet, actor=UPLOADER)


def license_row(home: Path, dataset_id: str = DATASET) -> dict[str, Any]:
    with connect(load_settings(), read_only=True) as con:
        cur = con.execute("SELECT * FROM licenses WHERE dataset_id = ?", [dataset_id])
        names = [d[0] for d in cur.description or []]
        row = cur.fetchone()
    assert row is not None
    return dict(zip(names, row, strict=True))


def audit_rows(action: str | None = None) -> list[tuple[Any, ...]]:
    with connect(load_settings(), read_only=True) as con:
        sql = "SELECT actor, action, dataset_id, CAST(detail AS VARCHAR) FROM audit_log"
        rows = con.execute(sql + " ORDER BY seq").fetchall()
    return [(*r[:3], json.loads(r[3])) for r in rows if action is None or r[1] == action]


# -- the transition table ------------------------------------------------------------------------


@pytest.mark.parametrize("current", STATUSES)
@pytest.mark.parametrize("new", STATUSES)
def test_transition_table(current: str, new: str) -> None:
    if new in TRANSITIONS[current]:
        check_transition(current, new)
    else:
        with pytest.raises(BadInput) as error:
            check_transition(current, new)
        assert f"allowed from {current}: {', '.join(TRANSITIONS[current])}" in str(error.value)


def test_transition_table_shape() -> None:
    assert set(TRANSITIONS) == set(STATUSES)
    assert all(status not in TRANSITIONS[status] for status in STATUSES)  # no self-transitions
    assert all("withdrawn" in TRANSITIONS[s] for s in STATUSES if s != "withdrawn")  # any → withdrawn
    assert TRANSITIONS["withdrawn"] == ("pending_review",)
    assert "open" not in TRANSITIONS["restricted"]  # loosening one step at a time


# -- the clearance policy ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("license_id", "requested", "expected"),
    [
        ("aihub-standard", "approval_required", "approval_required"),
        ("aihub-standard", "restricted", "restricted"),
        ("aihub-standard", "open", "pending_review"),  # AI Hub terms need an application
        ("CC-BY-4.0", "open", "open"),
        ("cc-by-4.0", "open", "open"),
        ("KOGL-1", "approval_required", "approval_required"),
        ("CC-BY-4.0", "withdrawn", "pending_review"),
        ("CC-BY-4.0", "pending_review", "pending_review"),
        ("custom-terms", "open", "pending_review"),
        ("custom-terms", "approval_required", "pending_review"),
    ],
)
def test_initial_status_policy(license_id: str, requested: str, expected: str) -> None:
    assert initial_status(License.model_validate({"id": license_id, "status": requested})) == expected


def test_registration_applies_the_policy(kdata_home: Path, catalog_backend: str) -> None:
    register(kdata_home, "cleared-open", id="CC-BY-4.0", status="open")
    register(kdata_home, "not-cleared", id="my-own-terms", status="open")
    assert license_row(kdata_home, "cleared-open")["status"] == "open"
    row = license_row(kdata_home, "not-cleared")
    assert row["status"] == "pending_review"
    assert "not a cleared licence" in row["status_reason"]
    registered = {r[2]: r[3] for r in audit_rows("license_registered")}
    assert registered["not-cleared"] == {"license_id": "my-own-terms", "requested": "open", "status": "pending_review"}


def test_new_version_keeps_the_auditors_status_unless_terms_change(
    kdata_home: Path, catalog_backend: str, cli: Callable[..., Any]
) -> None:
    register(kdata_home)
    assert cli("license", DATASET, "--status", "restricted", "--reason", "검토 중").exit_code == 0
    register(kdata_home, version="1.1")  # same terms
    assert license_row(kdata_home)["status"] == "restricted"
    register(kdata_home, version="1.2", commercial_use=False)  # stricter terms: the stricter status stays
    row = license_row(kdata_home)
    assert (row["status"], row["commercial_use"]) == ("restricted", False)
    changed = audit_rows("license_terms_changed")
    assert len(changed) == 1 and changed[0][3]["from"] == "restricted" and changed[0][3]["to"] == "restricted"
    assert changed[0][3]["old_terms"]["commercial_use"] is True
    # a withdrawn dataset stays withdrawn whatever a new version says
    assert cli("license", DATASET, "--status", "withdrawn", "--reason", "권리 분쟁").exit_code == 0
    register(kdata_home, version="1.3", commercial_use=True)
    assert license_row(kdata_home)["status"] == "withdrawn"


# -- kdata license -------------------------------------------------------------------------------


def test_license_command_records_who_when_why(
    kdata_home: Path,
    catalog_backend: str,
    cli: Callable[..., Any],
    cli_json: Callable[..., Any],
    home_env: Callable[..., Any],
) -> None:
    register(kdata_home)
    with home_env(kdata_home, KDATA_USER="auditor-kim"):
        result = cli_json("license", DATASET, "--status", "open", "--reason", "약관 검토 완료 terms reviewed", "--json")
    assert (result["from"], result["to"], result["by"]) == ("approval_required", "open", "auditor-kim")
    row = license_row(kdata_home)
    assert (row["status"], row["status_changed_by"], row["status_reason"]) == (
        "open",
        "auditor-kim",
        "약관 검토 완료 terms reviewed",
    )
    changes = audit_rows("license_status")
    assert changes == [
        (
            "auditor-kim",
            "license_status",
            DATASET,
            {"from": "approval_required", "reason": "약관 검토 완료 terms reviewed", "to": "open"},
        )
    ]
    page = cli_json("show", DATASET, "--json")
    assert [h["action"] for h in page["license_history"]] == ["license_registered", "license_status"]
    assert page["license"]["status"] == "open"


def test_disallowed_transition_exits_2_and_changes_nothing(
    kdata_home: Path, catalog_backend: str, cli: Callable[..., Any]
) -> None:
    register(kdata_home)
    assert cli("license", DATASET, "--status", "restricted", "--reason", "x").exit_code == 0
    before = audit_rows()
    result = cli("license", DATASET, "--status", "open", "--reason", "too fast")
    assert result.exit_code == 2
    assert "restricted → open" in result.output and "approval_required, withdrawn" in result.output
    assert license_row(kdata_home)["status"] == "restricted"
    assert audit_rows() == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope", "--status", "open", "--reason", "x"], "unknown dataset"),
        ([DATASET, "--status", "free", "--reason", "x"], "unknown licence status"),
        ([DATASET, "--status", "open", "--reason", "  "], "--reason"),
    ],
)
def test_license_bad_requests_exit_2(
    kdata_home: Path, catalog_backend: str, cli: Callable[..., Any], args: list[str], message: str
) -> None:
    register(kdata_home)
    result = cli("license", *args)
    assert result.exit_code == 2
    assert message in result.output


def test_withdrawn_is_hidden_from_search_and_blocks_downloads(
    kdata_home: Path, catalog_backend: str, cli: Callable[..., Any], cli_json: Callable[..., Any]
) -> None:
    register(kdata_home, id="CC-BY-4.0", status="open")
    register(kdata_home, "other-dataset")
    assert {r["id"] for r in cli_json("search", "합성", "--json")} == {DATASET, "other-dataset"}
    assert cli("license", DATASET, "--status", "withdrawn", "--reason", "원천 권리 철회").exit_code == 0
    assert [r["id"] for r in cli_json("search", "합성", "--json")] == ["other-dataset"]
    assert [r["id"] for r in cli_json("search", "--license-status", "withdrawn", "--json")] == [DATASET]
    with connect(load_settings(), read_only=True) as con, pytest.raises(NotAllowed):
        check_download(con, DATASET, "anyone")
    # the way back goes through review
    assert cli("license", DATASET, "--status", "open", "--reason", "x").exit_code == 2
    assert cli("license", DATASET, "--status", "pending_review", "--reason", "재검토").exit_code == 0


# -- kdata approve -------------------------------------------------------------------------------


def test_approve_records_and_download_respects_it(
    kdata_home: Path,
    catalog_backend: str,
    cli: Callable[..., Any],
    cli_json: Callable[..., Any],
    home_env: Callable[..., Any],
) -> None:
    register(kdata_home)  # approval_required
    until = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    with home_env(kdata_home, KDATA_USER="steward"):
        result = cli_json("approve", DATASET, "--user", "kim", "--until", until, "--reason", "신청 2024-17", "--json")
    assert (result["user"], result["by"], result["status"]) == ("kim", "steward", "approval_required")
    with connect(load_settings(), read_only=True) as con:
        check_download(con, DATASET, "kim")
        with pytest.raises(NotAllowed):
            check_download(con, DATASET, "lee")
        rows = con.execute("SELECT user_name, approved_by, CAST(valid_until AS VARCHAR) FROM approvals").fetchall()
    assert rows == [("kim", "steward", until)]
    # a second approval of the same user replaces the first (one row per user)
    assert cli("approve", DATASET, "--user", "kim").exit_code == 0
    with connect(load_settings(), read_only=True) as con:
        assert con.execute("SELECT count(*), max(valid_until) FROM approvals").fetchone() == (1, None)
    approvals = audit_rows("approve")
    assert [(a[0], a[3]["user"], a[3]["until"]) for a in approvals] == [
        ("steward", "kim", until),
        ("tester", "kim", None),
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([DATASET, "--user", "kim", "--until", "2020-01-01"], "already have expired"),
        ([DATASET, "--user", "kim", "--until", "next week"], "YYYY-MM-DD"),
        (["nope", "--user", "kim"], "unknown dataset"),
        ([DATASET, "--user", " "], "--user"),
    ],
)
def test_approve_bad_requests_exit_2(
    kdata_home: Path, catalog_backend: str, cli: Callable[..., Any], args: list[str], message: str
) -> None:
    register(kdata_home)
    result = cli("approve", *args)
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_approve_needs_a_status_that_takes_approvals(
    kdata_home: Path, catalog_backend: str, cli: Callable[..., Any]
) -> None:
    register(kdata_home, id="CC-BY-4.0", status="open")
    result = cli("approve", DATASET, "--user", "kim")
    assert result.exit_code == 2
    assert "takes no approvals" in result.output


# -- the audit log -------------------------------------------------------------------------------


def test_audit_log_has_no_update_or_delete_path(
    kdata_home: Path, catalog_backend: str, cli: Callable[..., Any]
) -> None:
    register(kdata_home)
    for query in ("DELETE FROM audit_log", "UPDATE audit_log SET actor = 'x'", "DROP TABLE audit_log"):
        assert cli("sql", query).exit_code == 4
    assert len(audit_rows()) == 2


def test_audit_chain_detects_tampering(kdata_home: Path, cli: Callable[..., Any]) -> None:
    register(kdata_home)
    assert cli("license", DATASET, "--status", "open", "--reason", "ok").exit_code == 0
    assert cli("license", DATASET, "--status", "restricted", "--reason", "pii").exit_code == 0
    with connect(load_settings(), read_only=True) as con:
        assert verify_audit_log(con) == []
    # someone edits the file behind the catalog's back
    raw = duckdb.connect(str(kdata_home / "catalog.duckdb"))
    bind(raw, load_settings())  # the deployment's audit key, as catalog.db.connect binds it
    raw.execute("UPDATE audit_log SET detail = '{\"to\": \"open\"}' WHERE action = 'license_status' AND seq = 4")
    problems = verify_audit_log(raw)
    raw.execute("DELETE FROM audit_log WHERE seq = 1")
    after_delete = verify_audit_log(raw)
    raw.close()
    assert problems == ["audit row 4: content does not match its hash (the row was changed)"]
    assert "audit row 2: previous-hash link broken (a row before it was changed or removed)" in after_delete


def test_release_withdrawn_blocks_downloads_and_hides_from_search(
    kdata_home: Path, catalog_backend: str, cli_json: Callable[..., Any]
) -> None:
    parquet = synthetic.tiny_parquet(kdata_home / "store" / "synthetic")
    lic = {"id": "CC-BY-4.0", "status": "open"}
    synthetic.register(load_settings(), synthetic.manifest(DATASET, license=lic), parquet)
    with connect(load_settings(), read_only=True) as con:
        check_download(con, DATASET, "anyone")
    gone = synthetic.manifest(DATASET, version="1.1", license=lic, release_status="withdrawn")
    synthetic.register(load_settings(), gone, parquet)
    with connect(load_settings(), read_only=True) as con, pytest.raises(NotAllowed):
        check_download(con, DATASET, "anyone")
    assert cli_json("search", "합성", "--json") == []
    assert [r["id"] for r in cli_json("search", "--release-status", "withdrawn", "--json")] == [DATASET]
