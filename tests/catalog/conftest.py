"""Catalog test fixtures: a private KDATA_HOME per module, the CLI runner, the relevance corpus."""

from __future__ import annotations

import importlib.util
import json
import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from typer.testing import CliRunner

from kdata.cli import app

ENV = {"KDATA_USER": "tester", "KDATA_CHUNK_BYTES": "40000", "KDATA_ROW_GROUP_BYTES": "10000"}

Cli = Callable[..., Any]


@pytest.fixture(scope="session")
def cli() -> Cli:
    """``cli("search", "대화", "--json")`` runs kdata in-process; returns typer's Result."""
    runner = CliRunner()

    def run(*args: str) -> Any:
        return runner.invoke(app, list(args))

    return run


@pytest.fixture(scope="session")
def cli_json(cli: Cli) -> Cli:
    """Like ``cli`` but asserts exit 0 and parses stdout as JSON."""

    def run(*args: str) -> Any:
        result = cli(*args)
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    return run


@contextmanager
def _home_env(home: Path, **extra: str) -> Iterator[Path]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KDATA_HOME", str(home))
        patch.delenv("KDATA_STORE", raising=False)
        for key, value in {**ENV, **extra}.items():
            patch.setenv(key, value)
        yield home


@pytest.fixture(scope="session")
def home_env() -> Callable[..., AbstractContextManager[Path]]:
    """``with home_env(path, KDATA_USER="kim"):`` points the kdata environment at ``path``."""
    return _home_env


@pytest.fixture(scope="session")
def subprocess_env() -> Callable[..., dict[str, str]]:
    """An environment for ``python -m kdata`` subprocesses pointing at a home."""

    def make(home: Path, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k != "KDATA_STORE"}
        return {**env, **ENV, "KDATA_HOME": str(home), **extra}

    return make


@pytest.fixture(scope="session")
def korean_corpus() -> ModuleType:
    """DATASETS (41) and QUERIES (70) of test_korean_text.py, loaded by path (no package imports)."""
    path = Path(__file__).with_name("test_korean_text.py")
    spec = importlib.util.spec_from_file_location("_kdata_korean_text_corpus", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def module_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A KDATA_HOME shared by the tests of one module (enter it with ``home_env``)."""
    return tmp_path_factory.mktemp("catalog") / "kdata-home"
