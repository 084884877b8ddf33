"""The web app over HTTP (Starlette TestClient): pages, JSON API, downloads, reports, auditor actions."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from kdata.web.app import create_app
from tests.web.conftest import APPROVED, WebCatalog

pytestmark = pytest.mark.integration

KOREAN = "korean-sns-dialogue"


@pytest.fixture(scope="module")
def client(web_catalog: WebCatalog) -> TestClient:
    """``kdata serve`` mode: the user is KDATA_USER (tester), headers are ignored."""
    return TestClient(create_app(web_catalog.settings))


@pytest.fixture(scope="module")
def proxied(web_catalog: WebCatalog) -> TestClient:
    """Behind a proxy: the user comes from X-KData-User, believed from the proxy's address only."""
    return TestClient(create_app(web_catalog.settings, auth="proxy", trusted_proxies=["testclient"]))


def ids(html: str) -> list[str]:
    return re.findall(r'<article class="result" data-id="([^"]+)"', html)


def download_links(html: str) -> list[str]:
    return re.findall(r'href="([^"]*/download/[^"]+)"', html)


# -- search ------------------------------------------------------------------------------------------


def test_search_page_lists_datasets_and_filters_by_domain(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert sorted(ids(page.text)) == ["korean-sns-dialogue", "law-pending", "vision-demo"]
    assert "데이터셋 검색" in page.text and "Dataset search" in page.text
    korean = client.get("/", params={"q": "대화", "domain": "korean"})
    assert ids(korean.text) == [KOREAN]
    assert ids(client.get("/", params={"domain": "한국어"}).text) == [KOREAN]  # Korean domain name
    assert ids(client.get("/", params={"q": "대화를", "domain": "vision"}).text) == ["vision-demo"]  # particle
    assert ids(client.get("/", params={"commercial": "false"}).text) == ["vision-demo"]
    assert ids(client.get("/", params={"year_from": "2023", "year_to": "2023"}).text) == ["vision-demo"]
    assert ids(client.get("/", params={"q": "자율주행"}).text) == []
    assert "검색 결과가 없습니다" in client.get("/", params={"q": "자율주행"}).text


def test_facet_links_carry_counts_and_toggle(client: TestClient) -> None:
    html = client.get("/", params={"q": "대화", "domain": "korean"}).text
    domain_facet = re.search(r'<ul data-facet="domain">(.*?)</ul>', html, re.S)
    assert domain_facet is not None
    links = dict(re.findall(r'href="([^"]+)" class="[^"]*"><span>([^<]+)</span>', domain_facet.group(1)))
    by_label = {label: href for href, label in links.items()}
    assert set(by_label) == {"한국어", "영상·이미지", "법률"}  # disjunctive: other domains stay offered
    vision = client.get(by_label["영상·이미지"].replace("&amp;", "&"))
    assert ids(vision.text) == ["vision-demo"]
    assert 'class="selected"><span>한국어</span><span>1</span>' in html


def test_bad_search_input_is_a_clear_400(client: TestClient) -> None:
    unknown = client.get("/", params={"domain": "우주"})
    assert unknown.status_code == 400
    assert "korean" in unknown.text and "우주" in unknown.text
    assert client.get("/", params={"year_from": "abc"}).status_code == 400
    assert client.get("/api/datasets", params={"domain": "우주"}).status_code == 400
    assert client.get("/api/datasets", params={"year_from": "abc"}).status_code == 422


def test_search_input_is_escaped_and_the_catalog_unharmed(client: TestClient, web_catalog: WebCatalog) -> None:
    before = web_catalog.rows("SELECT count(*) FROM datasets")[0][0]
    catalog_digest = hashlib.sha256(web_catalog.settings.catalog_path.read_bytes()).hexdigest()
    payload = "<script>alert('x')</script>' OR 1=1 --"
    page = client.get("/", params={"q": payload})
    assert page.status_code == 200
    assert "<script>" not in page.text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&#39; OR 1=1 --" in page.text
    assert ids(page.text) == []
    assert client.get("/api/datasets", params={"q": "' OR 1=1 --"}).json()["results"] == []
    assert client.get("/api/datasets", params={"q": "'; DROP TABLE datasets; --"}).status_code == 200
    assert web_catalog.rows("SELECT count(*) FROM datasets")[0][0] == before == 3
    assert hashlib.sha256(web_catalog.settings.catalog_path.read_bytes()).hexdigest() == catalog_digest
    assert "script-src" not in page.headers["content-security-policy"]  # default-src 'none': no script at all
    assert "default-src 'none'" in page.headers["content-security-policy"]


# -- JSON API ----------------------------------------------------------------------------------------


def test_api_search_and_dataset(client: TestClient, web_catalog: WebCatalog) -> None:
    found = client.get("/api/datasets", params={"q": "대화", "domain": "korean"}).json()
    assert [r["id"] for r in found["results"]] == [KOREAN]
    assert {"domain", "license_status", "commercial_use", "data_type", "build_year"} <= set(found["facets"])
    page = client.get(f"/api/datasets/{KOREAN}").json()
    assert page["latest_version"] == "1.0"
    assert page["license"]["status"] == "approval_required" and page["license"]["domestic_only"] is True
    assert [s["record_count"] for s in page["versions"][0]["splits"]] == [32, 8]
    assert page["access"] == page["access"] | {"user": "tester", "allowed": False}
    chunk_count = web_catalog.rows("SELECT count(*) FROM chunks WHERE dataset_id = ? AND version = '1.0'", [KOREAN])
    assert len(page["chunks"]) == chunk_count[0][0] and all(c["href"] is None for c in page["chunks"])
    newest = client.get(f"/api/datasets/{KOREAN}/quality").json()  # like `kdata report`: the newest run
    assert (newest["version"], newest["verdict"]) == ("1.1", "failed")
    quality = client.get(f"/api/datasets/{KOREAN}/quality", params={"version": "1.0"}).json()
    assert quality["verdict"] == "passed" and quality["report_href"].endswith("summary.html")
    missing = client.get("/api/datasets/no-such-dataset")
    assert missing.status_code == 404 and "no-such-dataset" in missing.json()["detail"]
    assert client.get("/datasets/no-such-dataset").status_code == 404
    assert client.get("/no/such/page").status_code == 404


def test_openapi_lists_the_json_endpoints(client: TestClient) -> None:
    paths = set(client.get("/openapi.json").json()["paths"])
    assert {
        "/api/datasets",
        "/api/datasets/{dataset_id}",
        "/api/datasets/{dataset_id}/samples",
        "/api/datasets/{dataset_id}/quality",
        "/api/audit",
    } <= paths
    assert not any(p.startswith("/reports") or p == "/" for p in paths)  # HTML routes stay out of the schema


def test_api_docs_are_served_here_not_from_a_cdn(client: TestClient) -> None:
    from kdata.web.app import DOCS_CSP

    page = client.get("/api/docs")
    assert page.status_code == 200 and page.headers["content-security-policy"] == DOCS_CSP
    assert "script-src 'self'" in DOCS_CSP and "unsafe-eval" not in DOCS_CSP
    assert "http://" not in page.text and "https://" not in page.text and "<script>" not in page.text
    assert 'data-openapi="/openapi.json"' in page.text
    for name, kind, size in (
        ("swagger-ui-bundle.js", "text/javascript", 500_000),
        ("swagger-ui.css", "text/css", 50_000),
    ):
        asset = client.get(f"/api/docs/assets/{name}")
        assert asset.status_code == 200 and asset.headers["content-type"].startswith(kind) and len(asset.content) > size
    start = client.get("/api/docs/start.js")
    assert start.status_code == 200 and "SwaggerUIBundle" in start.text
    assert client.get("/api/docs/assets/redoc.standalone.js").status_code == 404  # only the files the page uses
    assert client.get("/api/docs/assets/..%2F__init__.py").status_code == 404
    assert "/api/docs" not in client.get("/openapi.json").json()["paths"]


# -- dataset page ------------------------------------------------------------------------------------


def test_dataset_page_like_aihub(client: TestClient, proxied: TestClient, web_catalog: WebCatalog) -> None:
    html = client.get(f"/datasets/{KOREAN}").text
    for label in (
        "분야",
        "구축년도",
        "갱신년월",
        "데이터 형식",
        "라벨링 유형",
        "구축량",
        "버전 이력",
        "Version history",
    ):
        assert label in html
    assert "※ 내국인만 데이터 신청이 가능합니다" in html
    assert re.search(r'<tr data-split="train"><td>train</td><td class="rows">32</td>', html)
    assert re.search(r'<tr data-split="validation"><td>validation</td><td class="rows">8</td>', html)
    for label in ("구분", "항목명", "정량목표", "결과값"):
        assert label in html
    assert "최초 개방 (initial release)" in html  # version note
    # sample rows are dataset rows: only for users who may read them (tester holds no approval)
    assert "samples need access" in html
    assert client.get(f"/api/datasets/{KOREAN}/samples").json()["rows"] == []
    html = proxied.get(f"/datasets/{KOREAN}", headers={"X-KData-User": APPROVED}).text
    # the approved user sees the first rows of the first train chunk
    key = web_catalog.rows(
        "SELECT key FROM chunks WHERE dataset_id = ? AND split = 'train' ORDER BY key LIMIT 1", [KOREAN]
    )[0][0]
    first = pq.read_table(web_catalog.settings.store + f"/{KOREAN}/1.0/{key}", columns=["dialogue_id"])
    expected = first.column("dialogue_id").to_pylist()[:5]
    sample_html = html[html.index('id="samples"') :]
    assert re.findall(r"<td[^>]*>(KSNS_\d{8})</td>", sample_html) == expected
    samples = proxied.get(
        f"/api/datasets/{KOREAN}/samples", params={"limit": 3}, headers={"X-KData-User": APPROVED}
    ).json()
    assert [row[0]["value"] for row in samples["rows"]] == expected[:3]


def test_pending_dataset_shows_no_samples(client: TestClient) -> None:
    samples = client.get("/api/datasets/law-pending/samples").json()
    assert samples["rows"] == [] and "samples need access" in samples["note"]


# -- downloads and access ----------------------------------------------------------------------------


def test_download_refused_with_how_to_apply(client: TestClient) -> None:
    html = client.get(f"/datasets/{KOREAN}").text
    assert download_links(html) == []
    assert "이용 신청 방법" in html and f"kdata approve {KOREAN} --user tester" in html
    chunk = client.get(f"/api/datasets/{KOREAN}").json()["chunks"][0]["key"]
    refused = client.get(f"/datasets/{KOREAN}/download/1.0/{chunk}")
    assert refused.status_code == 403
    assert "이용 신청 방법" in refused.text and "How to get approval" in refused.text
    assert f"kdata approve {KOREAN} --user tester" in refused.text
    assert "※ 내국인만 데이터 신청이 가능합니다" in refused.text
    # kdata serve is single-user: a header cannot claim another user's approval
    spoofed = client.get(f"/datasets/{KOREAN}/download/1.0/{chunk}", headers={"X-KData-User": APPROVED})
    assert spoofed.status_code == 403
    pending = client.get("/datasets/law-pending/download/1.0/" + chunk)
    assert pending.status_code == 403 and "검토" in pending.text


def test_approved_user_downloads_verified_chunks(proxied: TestClient, web_catalog: WebCatalog) -> None:
    headers = {"X-KData-User": APPROVED}
    html = proxied.get(f"/datasets/{KOREAN}", headers=headers).text
    links = download_links(html)
    expected = web_catalog.rows(
        "SELECT key, sha256, content_size FROM chunks WHERE dataset_id = ? AND version = '1.0' ORDER BY split, key",
        [KOREAN],
    )
    assert len(links) == len(expected) > 2
    before = web_catalog.rows("SELECT count(*) FROM audit_log WHERE action = 'download'")[0][0]
    for link, (key, sha256, size) in zip(links, expected, strict=True):
        assert link.endswith(key)
        response = proxied.get(link, headers=headers)
        assert response.status_code == 200
        assert hashlib.sha256(response.content).hexdigest() == sha256 == response.headers["x-checksum-sha256"]
        assert len(response.content) == size and response.content[:4] == b"PAR1"
        assert "attachment" in response.headers["content-disposition"]
    audited = web_catalog.rows(
        "SELECT actor, dataset_id, version FROM audit_log WHERE action = 'download' ORDER BY seq"
    )[before:]
    assert audited == [(APPROVED, KOREAN, "1.0")] * len(links)
    # without a user the proxy named, only open data
    anonymous = proxied.get(links[0])
    assert anonymous.status_code == 403 and "sign in" in anonymous.text
    key = web_catalog.rows("SELECT key FROM chunks WHERE dataset_id = 'vision-demo' ORDER BY key LIMIT 1")[0][0]
    assert proxied.get(f"/datasets/vision-demo/download/1.0/{key}").status_code == 200


def test_download_only_of_catalogued_chunks(proxied: TestClient) -> None:
    for key in ("train/nope.parquet", "../../catalog.duckdb", "%2e%2e/%2e%2e/catalog.duckdb", "manifest.json"):
        response = proxied.get(f"/datasets/vision-demo/download/1.0/{key}")
        assert response.status_code == 404, key
        assert b"DUCK" not in response.content
    assert proxied.get("/datasets/vision-demo/download/9.9/train/part-000-00000.parquet").status_code == 404


def test_damaged_chunk_is_not_sent(proxied: TestClient, web_catalog: WebCatalog) -> None:
    key = web_catalog.rows("SELECT key FROM chunks WHERE dataset_id = 'vision-demo' ORDER BY key LIMIT 1")[0][0]
    path = Path(web_catalog.settings.store) / "vision-demo" / "1.0" / key
    original = path.read_bytes()
    try:
        path.write_bytes(original[:100] + bytes([original[100] ^ 0xFF]) + original[101:])
        response = proxied.get(f"/datasets/vision-demo/download/1.0/{key}")
        assert response.status_code == 500
        assert b"PAR1" not in response.content[:4] and "kdata fsck" in response.text
    finally:
        path.write_bytes(original)
    assert proxied.get(f"/datasets/vision-demo/download/1.0/{key}").status_code == 200


# -- quality reports ---------------------------------------------------------------------------------


def test_report_pages_are_served_from_the_reports_folder(client: TestClient) -> None:
    html = client.get(f"/datasets/{KOREAN}").text
    report = re.search(r'id="report-link" href="([^"]+)"', html)
    docs = re.search(r'href="([^"]+/data_docs/index.html)"', html)
    assert report and docs
    summary = client.get(report.group(1))
    assert summary.status_code == 200 and summary.headers["content-type"].startswith("text/html")
    assert "정량목표" in summary.text and "결과값" in summary.text
    assert summary.headers["content-security-policy"].startswith("sandbox")
    assert client.get(docs.group(1)).status_code == 200
    folder = docs.group(1).rsplit("/", 1)[0]
    assert client.get(folder, follow_redirects=False).status_code == 308  # data_docs → data_docs/


def test_report_paths_cannot_leave_the_reports_folder(client: TestClient, web_catalog: WebCatalog) -> None:
    link = web_catalog.settings.reports_dir / "escape.duckdb"
    link.symlink_to(web_catalog.settings.catalog_path)
    try:
        for path in (
            "/reports/%2e%2e/catalog.duckdb",
            "/reports/..%2Fcatalog.duckdb",
            "/reports/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
            "/reports/%2Fetc%2Fpasswd",
            "/reports/escape.duckdb",
            "/reports/korean-sns-dialogue/%2e%2e/%2e%2e/catalog.duckdb",
        ):
            response = client.get(path)
            assert response.status_code == 403, path
            assert b"DUCK" not in response.content and b"root:" not in response.content
            assert "보고서 폴더 밖" in response.text
    finally:
        link.unlink()
    assert client.get("/reports/no/such/summary.html").status_code == 404
    assert client.get("/reports/").status_code == 404


# -- auditor view ------------------------------------------------------------------------------------


AUDITOR = {"X-KData-User": "auditor-kim"}  # an auditor who uploaded nothing here


def _csrf(client: TestClient, headers: dict[str, str] | None = None) -> str:
    page = client.get("/audit", headers=headers)
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token is not None and client.cookies.get("kdata_csrf") == token.group(1)
    return token.group(1)


def _proxied(web_catalog: WebCatalog) -> TestClient:
    """A client with its own cookie jar, behind the trusted proxy."""
    return TestClient(create_app(web_catalog.settings, auth="proxy", trusted_proxies=["testclient"]))


def test_auditor_view_and_license_change(web_catalog: WebCatalog) -> None:
    client = _proxied(web_catalog)
    page = client.get("/audit", headers=AUDITOR).text
    pending = page[page.index('id="pending"') : page.index('id="failed"')]
    assert 'data-id="law-pending"' in pending and 'data-id="korean-sns-dialogue"' not in pending
    failed = page[page.index('id="failed"') :]
    assert f"{KOREAN}</a> v1.1" in failed and "dialogue_id_unique" in failed
    overview = client.get("/api/audit", headers=AUDITOR).json()
    assert [p["id"] for p in overview["pending_review"]] == ["law-pending"]
    assert [(f["dataset_id"], f["version"]) for f in overview["failed_gates"]] == [(KOREAN, "1.1")]
    assert "report_path" not in overview["failed_gates"][0]  # links, never server paths

    token = _csrf(client, AUDITOR)
    form = {"dataset_id": "law-pending", "status": "approval_required", "reason": "약관 검토 완료 terms reviewed"}
    assert client.post("/audit/licence", data=form, headers=AUDITOR).status_code == 403  # no token
    chosen = _proxied(web_catalog)  # a token of the sender's choosing (a cookie set by a sibling site): not ours
    chosen.cookies.set("kdata_csrf", "abc")
    assert chosen.post("/audit/licence", data={**form, "csrf": "abc"}, headers=AUDITOR).status_code == 403
    cross = client.post(
        "/audit/licence", data={**form, "csrf": token}, headers={**AUDITOR, "Origin": "http://evil.example"}
    )
    assert cross.status_code == 403
    assert web_catalog.rows("SELECT status FROM licenses WHERE dataset_id = 'law-pending'") == [("pending_review",)]

    done = client.post("/audit/licence", data={**form, "csrf": token}, headers=AUDITOR, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/audit?changed=law-pending"
    assert web_catalog.rows("SELECT status, status_changed_by FROM licenses WHERE dataset_id = 'law-pending'") == [
        ("approval_required", "auditor-kim")
    ]
    events = web_catalog.rows(
        "SELECT actor, CAST(detail AS VARCHAR) FROM audit_log WHERE action = 'license_status' AND dataset_id = ?",
        ["law-pending"],
    )
    assert len(events) == 1 and events[0][0] == "auditor-kim" and "약관 검토 완료" in events[0][1]
    after = client.get("/audit?changed=law-pending", headers=AUDITOR).text
    assert 'id="changed"' in after and 'data-id="law-pending"' not in after[: after.index('id="failed"')]

    refused = client.post("/audit/licence", data={**form, "status": "pending_review", "csrf": token}, headers=AUDITOR)
    assert refused.status_code == 400 and "transition not allowed" in refused.text
    assert web_catalog.rows("SELECT status FROM licenses WHERE dataset_id = 'law-pending'") == [("approval_required",)]


def test_only_auditors_see_the_audit_view_and_change_statuses(web_catalog: WebCatalog) -> None:
    client = _proxied(web_catalog)
    token = _csrf(client, AUDITOR)  # a valid form token: the role is what refuses below
    form = {"dataset_id": "vision-demo", "status": "restricted", "reason": "x", "csrf": token}
    for who in ({}, {"X-KData-User": APPROVED}):  # anonymous, then a named reader without the auditor role
        assert client.get("/audit", headers=who).status_code == 403
        listing = client.get("/api/audit", headers=who)
        assert listing.status_code == 403 and "연구 목적 승인" not in listing.text and "steward" not in listing.text
        assert client.post("/audit/licence", data=form, headers=who).status_code == 403
    assert web_catalog.rows("SELECT status FROM licenses WHERE dataset_id = 'vision-demo'") == [("open",)]
    # a client-sent header from an address that is not the proxy names nobody
    direct = TestClient(create_app(web_catalog.settings, auth="proxy", trusted_proxies=["10.0.0.1"]))
    assert direct.get("/audit", headers=AUDITOR).status_code == 403


def test_the_uploader_cannot_open_their_own_upload(web_catalog: WebCatalog) -> None:
    """tester uploaded law-pending (conftest) and is an auditor too: separation of duties refuses."""
    client = TestClient(create_app(web_catalog.settings))  # kdata serve: the user is KDATA_USER=tester
    token = _csrf(client)
    status = web_catalog.rows("SELECT status FROM licenses WHERE dataset_id = 'law-pending'")[0][0]
    target = {"pending_review": "open", "approval_required": "open"}.get(status, "open")
    form = {"dataset_id": "law-pending", "status": target, "reason": "내가 올린 것", "csrf": token}
    refused = client.post("/audit/licence", data=form)
    assert refused.status_code == 403 and "separation of duties" in refused.text
    assert web_catalog.rows("SELECT status FROM licenses WHERE dataset_id = 'law-pending'") == [(status,)]


def test_api_and_error_pages_show_no_server_paths(client: TestClient, web_catalog: WebCatalog) -> None:
    home = str(web_catalog.settings.home)
    for url in (f"/api/datasets/{KOREAN}", f"/api/datasets/{KOREAN}/quality", "/api/datasets/vision-demo"):
        response = client.get(url)
        assert response.status_code == 200 and home not in response.text, url
    missing = client.get("/reports/nope/../../x.html")
    assert home not in missing.text


# -- a busy catalog ----------------------------------------------------------------------------------


@contextmanager
def held_by_another_process(path: Path) -> Iterator[None]:
    """A second process holding ``path`` open read-write, as a writer does."""
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('held', flush=True); "
         "sys.stdin.readline(); c.close()", str(path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=os.environ.copy(),
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        yield
    finally:
        assert holder.stdin is not None
        holder.stdin.write("\n")
        holder.stdin.flush()
        holder.wait(timeout=30)


def test_busy_catalog_gives_a_friendly_503(web_catalog: WebCatalog) -> None:
    from catalog.db import snapshot_path

    settings = web_catalog.settings.model_copy(update={"lock_timeout": 0.3})
    client = TestClient(create_app(settings))
    token = _csrf(client)
    with held_by_another_process(snapshot_path(settings)):
        page = client.get("/")
        assert page.status_code == 503 and page.headers["retry-after"] == "2"
        assert "catalog busy, retry" in page.text
        assert client.get("/api/datasets").status_code == 503
    form = {"dataset_id": "vision-demo", "status": "restricted", "reason": "busy test", "csrf": token}
    with held_by_another_process(settings.catalog_path):
        busy = client.post("/audit/licence", data=form)
        assert busy.status_code == 503 and "catalog busy, retry" in busy.text
    assert web_catalog.rows("SELECT status FROM licenses WHERE dataset_id = 'vision-demo'") == [("open",)]
    assert client.get("/").status_code == 200


def test_the_web_filters_on_release_status_as_the_cli_does(client: TestClient) -> None:
    """One search query for CLI, web page and API: 공개 상태 (beta/open/withdrawn) filters everywhere."""
    every = ["korean-sns-dialogue", "law-pending", "vision-demo"]
    assert sorted(ids(client.get("/", params={"release_status": "open"}).text)) == every
    assert ids(client.get("/", params={"release_status": "beta"}).text) == []
    assert client.get("/api/datasets", params={"release_status": "beta"}).json()["results"] == []
    api_open = client.get("/api/datasets", params={"release_status": "open"}).json()["results"]
    assert sorted(r["id"] for r in api_open) == every
    refused = client.get("/api/datasets", params={"release_status": "released"})
    assert refused.status_code == 400 and "beta" in refused.text  # the CLI's message with the choices
    assert '<select name="release_status">' in client.get("/").text


def test_an_anonymous_visitor_sees_no_approval_count_and_no_staff_names(web_catalog: WebCatalog) -> None:
    """The dataset page's licence history is public (when and why a status changed), but its actors are staff
    and the approvals' count is the approvals' business: an anonymous visitor gets neither (attack trial)."""
    anonymous = TestClient(create_app(web_catalog.settings, auth="proxy", trusted_proxies=["10.0.0.1"]))
    page = anonymous.get("/api/datasets/vision-demo").json()
    assert "approvals_current" not in page
    assert page["license_history"] and all("actor" not in row for row in page["license_history"])
    named = TestClient(create_app(web_catalog.settings, auth="proxy", trusted_proxies=["testclient"]))
    seen = named.get("/api/datasets/vision-demo", headers=AUDITOR).json()
    assert "approvals_current" in seen and all("actor" in row for row in seen["license_history"])
