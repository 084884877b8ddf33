"""The catalog inside a real Airflow api-server: users sign in through Airflow's own login page (Chromium),
and their catalog roles decide what the auditor view allows. A client-sent header names nobody."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from playwright.sync_api import Page, sync_playwright

from kdata.airflow_env import PLUGINS_FOLDER, setup_airflow
from tests.dags.airflow_cluster import free_port
from tests.web.conftest import CHROMIUM, WebCatalog

pytestmark = pytest.mark.integration

USERS = {"viewer-lee": "lee-password", "auditor-park": "park-password"}


@dataclass(frozen=True)
class ApiServer:
    url: str
    home: Path  # this test's own copy of the catalog

    def status(self, dataset_id: str) -> str:
        con = duckdb.connect(str(self.home / "catalog.duckdb"), read_only=True)
        try:
            row = con.execute("SELECT status FROM licenses WHERE dataset_id = ?", [dataset_id]).fetchone()
        finally:
            con.close()
        assert row is not None
        return str(row[0])


def _kdata(home: Path, *args: str, user: str = "tester") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KDATA_HOME": str(home), "KDATA_USER": user}
    env.pop("KDATA_STORE", None)
    return subprocess.run([sys.executable, "-m", "kdata", *args], env=env, capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def api_server(web_catalog: WebCatalog, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    root = tmp_path_factory.mktemp("airflow-login")
    home = root / "kdata-home"
    shutil.copytree(web_catalog.home, home)  # statuses change here, not in the session's catalog
    granted = _kdata(home, "role", "grant", "auditor-park", "auditor")  # tester is an admin (KDATA_ADMINS)
    assert granted.returncode == 0, granted.stderr
    port = free_port()
    airflow_home = root / "airflow"
    airflow_home.mkdir()
    (airflow_home / "passwords.json").write_text(json.dumps(USERS), encoding="utf-8")
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW") and k not in ("KDATA_USER", "KDATA_STORE")
    }
    env.update(
        {
            "AIRFLOW_HOME": str(airflow_home),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(PLUGINS_FOLDER),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{root / 'airflow.db'}",
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",
            "AIRFLOW__API_AUTH__JWT_SECRET": "kdata-login-test-secret",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "viewer-lee:viewer,auditor-park:viewer",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(airflow_home / "passwords.json"),
            "KDATA_HOME": str(home),
        }
    )
    setup_airflow(env)
    log = open(root / "api-server.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [sys.executable, "-m", "airflow", "api-server", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            assert proc.poll() is None, (root / "api-server.log").read_text(errors="replace")[-3000:]
            try:
                urllib.request.urlopen(f"{url}/api/v2/monitor/health", timeout=5).close()
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                assert time.monotonic() < deadline, "api-server did not start"
                time.sleep(1)
        yield ApiServer(url, home)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _sign_in(page: Page, base: str, user: str) -> None:
    """Airflow's own login page (the simple auth manager's form), as a person uses it."""
    page.set_default_timeout(90_000)  # the api-server shares two cores with the rest of the suite
    page.goto(base + "/")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", USERS[user])
    page.locator("button[type=submit]").click()
    page.wait_for_function("() => !location.pathname.startsWith('/auth/')", timeout=90_000)
    assert "_token" in {c["name"] for c in page.context.cookies()}


def test_signed_in_users_get_what_their_roles_allow(api_server: ApiServer) -> None:
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
        try:
            # a reader: signed in, but no auditor role — the auditor view and its form are refused
            context = browser.new_context(locale="ko-KR")
            page = context.new_page()
            page.on("pageerror", lambda error: errors.append(str(error)))
            _sign_in(page, api_server.url, "viewer-lee")
            response = page.goto(api_server.url + "/kdata/audit")
            assert response is not None and response.status == 403
            assert "viewer-lee" in page.locator("header .who").inner_text()  # Airflow's user, not a header's
            assert "auditor" in page.locator("#message").inner_text()
            assert page.locator("form[action$='/audit/licence']").count() == 0
            # posting the form anyway (with a token of its own) changes nothing
            cookie = page.context.cookies()
            posted = page.request.post(
                api_server.url + "/kdata/audit/licence",
                form={"dataset_id": "vision-demo", "status": "restricted", "reason": "x", "csrf": "t" * 43},
                headers={"Origin": api_server.url, "Cookie": "; ".join(f"{c['name']}={c['value']}" for c in cookie)},
            )
            assert posted.status == 403
            # a header naming the auditor is not a sign-in
            spoofed = page.request.get(api_server.url + "/kdata/api/audit", headers={"X-KData-User": "auditor-park"})
            assert spoofed.status == 403
            context.close()
            assert api_server.status("vision-demo") == "open"

            # an auditor (granted with kdata role grant) sees the form and changes a status through it
            context = browser.new_context(locale="ko-KR")
            page = context.new_page()
            page.on("pageerror", lambda error: errors.append(str(error)))
            _sign_in(page, api_server.url, "auditor-park")
            response = page.goto(api_server.url + "/kdata/audit")
            assert response is not None and response.status == 200
            form = page.locator("#licence-form")
            form.locator("select[name=dataset_id]").select_option("vision-demo")
            form.locator("select[name=status]").select_option("restricted")
            form.locator("[name=reason]").fill("브라우저 감사 테스트 (browser audit test)")
            form.locator("button[type=submit]").click()
            page.wait_for_url("**/kdata/audit?changed=vision-demo")
            context.close()
        finally:
            browser.close()
    assert errors == []
    assert api_server.status("vision-demo") == "restricted"
    changes = "SELECT actor FROM audit_log WHERE action = 'license_status' AND dataset_id = 'vision-demo'"
    listed = _kdata(api_server.home, "sql", changes, "--format", "json")
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout) == [{"actor": "auditor-park"}]
