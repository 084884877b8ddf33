"""Manifest URLs are display-only: ``kdata ingest`` never opens a connection for them (SSRF), and a
URL that is not a plain http(s) link is refused naming the field."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.hostile.support import Outcome

pytestmark = pytest.mark.timeout(120)


def _set_urls(dataset: Path, source: str, license: str) -> None:
    path = dataset / "dataset.yaml"
    manifest = yaml.safe_load(path.read_text(encoding="utf-8"))
    manifest["source"]["url"] = source
    manifest["license"]["url"] = license
    path.write_text(yaml.safe_dump(manifest, allow_unicode=True), encoding="utf-8")


def test_ingest_opens_no_connection_for_manifest_urls(
    sample_factory: Any,
    tmp_path: Path,
    ingest_outcome: Callable[[Path], Outcome],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    dataset = sample_factory(items=12, copy_to=tmp_path / "dataset")
    _set_urls(dataset, "http://169.254.169.254/latest/meta-data/iam", "http://127.0.0.1:9/licence")
    attempts: list[str] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        attempts.append(repr(args[1:] or kwargs)[:200])
        raise AssertionError(f"network access attempted: {args[1:]!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    outcome = ingest_outcome(dataset)
    assert attempts == []
    assert outcome.exit_code == 0, (outcome.stderr, outcome.result)
    assert outcome.result["status"] == "published"


@pytest.mark.parametrize("url", ["javascript:alert(1)", "file:///etc/passwd", "https://user:secret@example.org/"])
def test_a_url_that_is_not_a_plain_web_link_is_refused(
    url: str, sample_factory: Any, tmp_path: Path, ingest_outcome: Callable[[Path], Outcome]
) -> None:
    dataset = sample_factory(items=12, copy_to=tmp_path / "dataset")
    _set_urls(dataset, url, "https://aihub.or.kr/terms")
    outcome = ingest_outcome(dataset)
    assert outcome.exit_code == 2
    assert "field 'source.url'" in outcome.result["error"] and "dataset.yaml" in outcome.result["error"]


def test_a_manifest_linking_outside_its_folder_is_not_read(
    sample_factory: Any, tmp_path: Path, ingest_outcome: Callable[[Path], Outcome]
) -> None:
    dataset = sample_factory(items=12, copy_to=tmp_path / "dataset")
    outside = tmp_path / "secret.yaml"
    outside.write_text((dataset / "dataset.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    (dataset / "dataset.yaml").unlink()
    (dataset / "dataset.yaml").symlink_to(outside)
    outcome = ingest_outcome(dataset)
    assert outcome.exit_code == 2
    assert "dataset.yaml" in outcome.result["error"] and "[symlink]" in outcome.result["error"]
    assert [(r["reason"], r["archive"], r["archive_sha256"]) for r in outcome.rows] == [
        ("symlink", "dataset.yaml", None)
    ]
