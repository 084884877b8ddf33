"""Issue 19, readers anywhere: two hosts ingest at once into one shared catalog (real PostgreSQL) and one
S3 store (moto over HTTP), each with its own KDATA_HOME; both homes are deleted; a third host with an
empty home finds both datasets, reads rows with ``kdata sql``, downloads a split and, as an auditor, sees
both ingests in the audit log. Every step is a separate ``python -m kdata`` process, as on real hosts."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from kdata.samples import write_samples
from tests.pg import fresh_database
from tests.storage.conftest import S3Env

pytestmark = pytest.mark.integration


def _env(home: Path, catalog: str, user: str = "tester") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KDATA_")}
    env.update(
        KDATA_HOME=str(home),
        KDATA_CATALOG=catalog,
        KDATA_STORE=os.environ["KDATA_STORE"],
        KDATA_USER=user,
        KDATA_ADMINS=os.environ["KDATA_ADMINS"],
        KDATA_AUDIT_KEY=os.environ["KDATA_AUDIT_KEY"],
        KDATA_GX_WORKER="off",
        KDATA_CHUNK_BYTES="40000",
        KDATA_ROW_GROUP_BYTES="10000",
    )
    return env


def _kdata(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kdata", *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )


def _json(env: dict[str, str], *args: str) -> Any:
    done = _kdata(env, *args)
    assert done.returncode == 0, (args, done.stdout, done.stderr)
    return json.loads(done.stdout)


def _served_page(env: dict[str, str], log_path: Path) -> str:
    """``kdata serve`` in its own process: the catalog page listing every dataset."""
    import socket
    import time
    import urllib.error
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "kdata", "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + 90
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=60) as response:
                        assert response.status == 200
                        return str(response.read().decode("utf-8"))
                except (ConnectionError, urllib.error.URLError):
                    assert server.poll() is None and time.monotonic() < deadline, log_path.read_text()
                    time.sleep(0.3)
        finally:
            server.terminate()
            server.wait(timeout=30)


def _manifest(folder: Path) -> dict[str, Any]:
    import yaml

    found: dict[str, Any] = yaml.safe_load((folder / "dataset.yaml").read_text(encoding="utf-8"))
    return found


def test_two_hosts_ingest_at_once_and_a_third_with_an_empty_home_reads_both(
    s3_env: S3Env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folders = [
        write_samples("korean", tmp_path / "in-korean", items=30, layout="classic", seed=3, inject=None),
        write_samples("healthcare", tmp_path / "in-healthcare", items=12, layout="classic", seed=4, inject=None),
    ]
    manifests = [_manifest(f) for f in folders]
    ids = [str(m["id"]) for m in manifests]
    with fresh_database() as catalog:
        homes = [tmp_path / "host-a", tmp_path / "host-b"]
        running = [
            subprocess.Popen(
                [sys.executable, "-m", "kdata", "ingest", str(folder), "--json"],
                env=_env(home, catalog),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for folder, home in zip(folders, homes, strict=True)
        ]
        ingests = []
        for process in running:
            out, err = process.communicate(timeout=600)
            assert process.returncode == 0, (out, err)
            ingests.append(json.loads(out))
        assert [i["status"] for i in ingests] == ["published", "published"]
        assert [i["dataset_id"] for i in ingests] == ids
        for home in homes:
            shutil.rmtree(home)

        empty = tmp_path / "host-c"  # does not even exist yet
        reader = _env(empty, catalog, user="analyst")
        found = {r["id"]: r for r in _json(reader, "search", "--json")}
        assert set(found) == set(ids)
        assert found[ids[0]]["rows"] == sum(ingests[0]["rows"].values())
        for dataset_id, manifest in zip(ids, manifests, strict=True):  # by Korean title, ranked first
            assert _json(reader, "search", manifest["title"]["ko"], "--json")[0]["id"] == dataset_id
        assert _json(reader, "show", ids[0], "--json")["id"] == ids[0]
        page = _served_page(reader, tmp_path / "serve.log")  # the web app on the empty-home host
        assert all(f'data-id="{dataset_id}"' in page for dataset_id in ids), page[-2000:]

        # the licence asks for an approval (AI Hub terms): a steward (an admin here) records the analyst's
        admin = _env(empty, catalog, user="tester")
        for dataset_id in ids:
            assert _kdata(admin, "approve", dataset_id, "--user", "analyst").returncode == 0
        view = ids[0].replace("-", "_") + "__train"
        counted = _json(reader, "sql", f"SELECT count(*) AS n FROM data.{view}", "--format", "json")
        assert counted == [{"n": ingests[0]["rows"]["train"]}]

        out = tmp_path / "downloads"
        done = _kdata(reader, "download", ids[0], "--out", str(out), "--split", "train", "--json")
        assert done.returncode == 0, (done.stdout, done.stderr)
        files = sorted(out.rglob("*.parquet"))
        assert files and all("/train/" in str(f) for f in files)
        import pyarrow.parquet as pq

        assert sum(pq.read_metadata(f).num_rows for f in files) == ingests[0]["rows"]["train"]

        auditor = _env(empty, catalog, user="auditor-kim")
        publishes = _json(
            auditor,
            "sql",
            "SELECT dataset_id, actor FROM audit_log WHERE action = 'publish' ORDER BY dataset_id",
            "--format",
            "json",
        )
        assert publishes == [{"dataset_id": d, "actor": "tester"} for d in sorted(ids)]
        verified = _kdata(auditor, "audit", "verify")
        assert verified.returncode == 0, (verified.stdout, verified.stderr)
        # the GX result was written on an ingesting host whose home is gone: read from the store instead
        report = _json(reader, "report", ids[0], "--json")
        assert report["gx_result"]["statistics"]["evaluated_expectations"] > 0, report["gx_result"].keys()
        # what the third host left in its home: nothing the next host needs (a per-host scratch)
        leftovers = sorted(str(p.relative_to(empty)) for p in empty.rglob("*") if p.is_file()) if empty.exists() else []
        assert not [p for p in leftovers if p.startswith("catalog")], leftovers
