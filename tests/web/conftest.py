"""One catalog for the web tests, built once per session from generated samples.

- ``korean-sns-dialogue`` 1.0: AI Hub terms, ``approval_required``, domestic users only; ``approved-user``
  holds an approval. Its 1.1 (one duplicated dialogue id) failed the quality gate.
- ``vision-demo`` 1.0: domain vision, CC BY 4.0, ``open``, no commercial use, built 2023.
- ``law-pending`` 1.0: domain law, an unreviewed licence, ``pending_review``.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest

from kcore.config import Settings, load_settings
from tests.conftest import DIALOGUE_MAPPING

APPROVED = "approved-user"
CHROMIUM = "/usr/bin/chromium"  # Debian's (make browser); Playwright drives it
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@dataclass(frozen=True)
class WebCatalog:
    """Where the test catalog lives and how to read it."""

    home: Path
    settings: Settings

    def rows(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        """Read the live catalog file (read-only)."""
        con = duckdb.connect(str(self.settings.catalog_path), read_only=True)
        try:
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()


def _variant(source: Path, target: Path, replacements: dict[str, str]) -> Path:
    shutil.copytree(source, target)
    manifest = target / "dataset.yaml"
    text = manifest.read_text(encoding="utf-8")
    for old, new in replacements.items():
        assert old in text, old
        text = text.replace(old, new)
    manifest.write_text(text, encoding="utf-8")
    return target


def _build(settings: Settings, folder: Path, sample_factory: Callable[..., Path]) -> None:
    from catalog.db import connect
    from catalog.license import approve
    from kcore.errors import QualityGateFailed
    from kdata.pipeline import ingest

    base = sample_factory(items=40)
    ingest(settings, str(base))
    vision = {
        "id: korean-sns-dialogue": "id: vision-demo",
        "domain: korean": "domain: vision",
        "ko: 한국어 SNS 대화 데이터": "ko: 영상 설명 대화 시연 데이터",
        "en: Korean SNS dialogue": "en: Vision caption dialogue demo",
        "id: aihub-standard": "id: cc-by-4.0",
        "status: approval_required": "status: open",
        "commercial_use: true": "commercial_use: false",
        "domestic_only: true": "domestic_only: false",
        "build_year: 2024": "build_year: 2023",
        "record_schema: korean_dialogue": DIALOGUE_MAPPING,
    }
    ingest(settings, str(_variant(base, folder / "vision-demo", vision)))
    law = {
        "id: korean-sns-dialogue": "id: law-pending",
        "domain: korean": "domain: law",
        "ko: 한국어 SNS 대화 데이터": "ko: 법률 상담 대화 데이터",
        "en: Korean SNS dialogue": "en: Legal counselling dialogue",
        "id: aihub-standard": "id: custom-terms-2024",
        "record_schema: korean_dialogue": DIALOGUE_MAPPING,
    }
    ingest(settings, str(_variant(base, folder / "law-pending", law)))
    broken = sample_factory(items=30, inject="duplicate-id")
    with pytest.raises(QualityGateFailed):
        ingest(settings, str(_variant(broken, folder / "broken", {"version: '1.0'": "version: '1.1'"})))
    with connect(settings) as con:
        approve(con, "korean-sns-dialogue", APPROVED, "steward", reason="연구 목적 승인")


@pytest.fixture(scope="session")
def web_catalog(tmp_path_factory: pytest.TempPathFactory, sample_factory: Callable[..., Path]) -> WebCatalog:
    """The session's catalog (see the module docstring); tests that change it say so."""
    folder = tmp_path_factory.mktemp("web")
    home = folder / "kdata-home"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("KDATA_HOME", str(home))
        env.delenv("KDATA_STORE", raising=False)
        env.setenv("KDATA_USER", "tester")
        env.setenv("KDATA_CHUNK_BYTES", "40000")
        env.setenv("KDATA_ROW_GROUP_BYTES", "10000")
        settings = load_settings()
        _build(settings, folder, sample_factory)
    return WebCatalog(home, settings)


@contextmanager
def served(app: Any) -> Iterator[str]:
    """``app`` served by uvicorn on a free loopback port, in a thread; yields its base URL."""
    import uvicorn

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium for the browser tests of a module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()
