"""The same app as an Airflow 3 plugin (mounted by Airflow's own code) and behind ``kdata serve``."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kdata.airflow_env import setup_airflow
from kdata.cli import app as cli
from tests.web.conftest import WebCatalog

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]

# Airflow's plugin manager loads plugins/kdata_plugin.py; Airflow's init_plugins mounts the apps exactly
# as the api-server does; the UI plugin list carries the nav link.
PLUGIN_PROBE = """
import json
import sys
from airflow import plugins_manager

plugins_manager.ensure_plugins_loaded()
light = [m for m in ("kdata.web.app", "fastapi", "pyarrow", "duckdb") if m in sys.modules]

from fastapi import FastAPI
from fastapi.testclient import TestClient
from airflow.api_fastapi.app import init_plugins

from airflow.api_fastapi.app import init_auth_manager
from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser

api_server = FastAPI()
manager = init_auth_manager(api_server)  # as the api-server does: the JWTs its UI and API hand out
init_plugins(api_server)
client = TestClient(api_server)
token = manager.generate_jwt(SimpleAuthManagerUser(username="approved-user", role="viewer"))
signed_in = {"Authorization": f"Bearer {token}"}
search = client.get("/kdata/", headers=signed_in)
page = client.get("/kdata/datasets/korean-sns-dialogue", headers=signed_in)
client.cookies.set("_token", token)  # the Airflow UI's cookie works the same
by_cookie = client.get("/kdata/datasets/korean-sns-dialogue")
client.cookies.clear()
anonymous = client.get("/kdata/datasets/korean-sns-dialogue")
spoofed = client.get("/kdata/datasets/korean-sns-dialogue", headers={"X-KData-User": "approved-user"})
forged = client.get("/kdata/datasets/korean-sns-dialogue", headers={"Authorization": "Bearer " + token[:-4] + "AAAA"})
other_host = client.get("/kdata/", headers={"Host": "evil.example"})
info = [p for p in plugins_manager.get_plugin_info() if p["name"] == "kdata_catalog"]
print(json.dumps({
    "search": search.status_code,
    "links_prefixed": 'href="/kdata/datasets/korean-sns-dialogue"' in search.text,
    "user_shown": "approved-user" in search.text,
    "download_links": page.text.count('href="/kdata/datasets/korean-sns-dialogue/download/1.0/'),
    "cookie_links": by_cookie.text.count('href="/kdata/datasets/korean-sns-dialogue/download/1.0/'),
    "anonymous_links": anonymous.text.count("/download/1.0/"),
    "spoofed_links": spoofed.text.count("/download/1.0/"),
    "forged_links": forged.text.count("/download/1.0/"),
    "other_host": other_host.status_code,
    "openapi": sorted(client.get("/kdata/openapi.json").json()["paths"]),
    "docs_prefixed": 'data-openapi="/kdata/openapi.json"' in client.get("/kdata/api/docs").text
    and client.get("/kdata/api/docs/assets/swagger-ui.css").status_code == 200,
    "errors": plugins_manager.get_import_errors(),
    "fastapi_apps": [{k: str(v) for k, v in a.items() if k != "app"} for a in info[0]["fastapi_apps"]],
    "external_views": info[0]["external_views"],
    "loaded_with_the_plugin": light,
}, default=str))
"""


def test_airflow_plugin_mounts_the_catalog(web_catalog: WebCatalog, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(tmp_path / "airflow"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{tmp_path / 'airflow.db'}",
        "KDATA_HOME": str(web_catalog.home),
        "AIRFLOW__API_AUTH__JWT_SECRET": "kdata-plugin-test-secret",
        "KDATA_WEB_HOSTS": "testserver",  # the Host name of Starlette's test client
    }
    env.pop("KDATA_USER", None)
    setup_airflow(env)  # the metadata DB: Airflow checks each token against its revoked-token table
    proc = subprocess.run(
        [sys.executable, "-c", PLUGIN_PROBE],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    found = json.loads(proc.stdout.strip().splitlines()[-1])
    assert found["errors"] == {}
    assert "kdata.web.app" not in found["loaded_with_the_plugin"]  # built on first request only
    assert found["search"] == 200 and found["links_prefixed"] and found["user_shown"]
    chunks = web_catalog.rows("SELECT count(*) FROM chunks WHERE dataset_id = 'korean-sns-dialogue'")[0][0]
    assert found["download_links"] == found["cookie_links"] == chunks  # approved, signed in through Airflow
    assert found["anonymous_links"] == found["spoofed_links"] == found["forged_links"] == 0
    assert found["other_host"] == 400  # Host checked (KDATA_WEB_HOSTS): no DNS rebinding
    assert "/api/datasets" in found["openapi"]
    assert found["docs_prefixed"]  # the API docs page works under the /kdata mount
    assert found["fastapi_apps"] == [{"url_prefix": "/kdata", "name": "K-Data Catalog"}]
    [view] = found["external_views"]
    assert view["href"] == "kdata/" and view["destination"] == "nav" and view["url_route"] == "kdata"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str, host: str | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


def test_kdata_serve_on_loopback(web_catalog: WebCatalog, tmp_path: Path) -> None:
    help_text = CliRunner().invoke(cli, ["serve", "--help"]).output
    assert "127.0.0.1" in help_text and "8765" in help_text and "--user-header" in help_text
    port = _free_port()
    env = {**os.environ, "KDATA_HOME": str(web_catalog.home), "KDATA_USER": "serve-user"}
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "kdata", "serve", "--port", str(port)],
        env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, body = _get(f"http://127.0.0.1:{port}/?q=%EB%8C%80%ED%99%94&domain=korean")
                break
            except (ConnectionError, urllib.error.URLError):
                alive = server.poll() is None and time.monotonic() < deadline
                assert alive, (tmp_path / "serve.log").read_text()
                time.sleep(0.2)
        assert status == 200 and 'data-id="korean-sns-dialogue"' in body and "serve-user" in body
        assert _get(f"http://127.0.0.1:{port}/api/datasets/vision-demo")[0] == 200
        assert _get(f"http://127.0.0.1:{port}/", host="attacker.example")[0] == 400  # no DNS rebinding
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    assert CliRunner().invoke(cli, ["serve", "--port", "0"]).exit_code == 2
    # a proxy header is believed only from the proxy's address, so the address must be given
    unnamed = CliRunner().invoke(cli, ["serve", "--user-header"])
    assert unnamed.exit_code == 2 and "--trusted-proxy" in unnamed.output


def test_kdata_serve_believes_no_forwarded_address(web_catalog: WebCatalog, tmp_path: Path) -> None:
    """Behind a proxy (``--user-header --trusted-proxy 10.9.9.9``) a request from loopback that claims
    ``X-Forwarded-For: 10.9.9.9`` is not the proxy: uvicorn rewrote the client address from that header, so
    any local process could name any user (an auditor, a reader with approvals). The socket's peer counts."""
    port = _free_port()
    env = {**os.environ, "KDATA_HOME": str(web_catalog.home)}
    log = (tmp_path / "serve-proxy.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "kdata", "serve", "--port", str(port), "--user-header", "--trusted-proxy", "10.9.9.9"],
        env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/audit"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                request = urllib.request.Request(
                    url, headers={"X-KData-User": "auditor-kim", "X-Forwarded-For": "10.9.9.9"}
                )
                with urllib.request.urlopen(request, timeout=60) as response:
                    status = response.status
                break
            except urllib.error.HTTPError as error:
                status = error.code
                break
            except (ConnectionError, urllib.error.URLError):
                assert server.poll() is None and time.monotonic() < deadline, (tmp_path / "serve-proxy.log").read_text()
                time.sleep(0.2)
        assert status == 403  # anonymous: auditor-kim (an auditor in this catalog) was not believed
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
