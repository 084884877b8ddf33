"""What every ``kdata`` command module shares: the Typer ``app``, the lazy consoles and :func:`_run`.

Its own module so the command modules (:mod:`kdata.cli`, :mod:`kdata.cli_admin`, :mod:`kdata.cli_catalog`,
:mod:`kdata.cli_storage`, :mod:`kdata.cli_web`) import it and not each other: ``kdata.cli`` imports the others
to register their commands, and none of them imports ``kdata.cli`` back.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, cast

import typer

from kcore.config import Settings, load_settings
from kcore.errors import KDataError
from kdata import typer_plain
from kdata.render import safe

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["JsonOpt", "_print_json", "_run", "app", "err", "out"]

app = typer.Typer(
    help="K-Data Catalog: AI Hub 학습용 데이터 수집·품질검증·카탈로그 (ingestion, quality gate, catalog).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # click's plain help and error messages: Typer's rich ones import rich's markdown renderer (markdown-it),
    # 0.15-0.4 s of every `--help` here; tables and progress still use rich
    rich_markup_mode=None,
)
typer_plain.install()  # plain str/int values without Typer's pydantic adapters (0.2-0.6 s per command)


class _LazyConsole:
    """A rich ``Console`` made on first use: importing rich costs 0.05-0.1 s, which ``--help``, ``--json``
    and ``--format csv`` never need. Commands import their own libraries inside their bodies for the same
    reason (``tests/cli/test_cli_imports.py`` checks what each path imports)."""

    def __init__(self, stderr: bool = False) -> None:
        self._stderr = stderr
        self._console: Console | None = None

    def __getattr__(self, name: str) -> Any:
        if self._console is None:
            from rich.console import Console

            self._console = Console(stderr=self._stderr)
        return getattr(self._console, name)


out = cast("Console", _LazyConsole())
err = cast("Console", _LazyConsole(stderr=True))

T = TypeVar("T")

JsonOpt = Annotated[bool, typer.Option("--json", help="JSON 한 문서만 출력 (print one JSON document only)")]


def _print_json(data: Any) -> None:
    from kdata.render import json_text

    sys.stdout.write(json_text(json.dumps(data, ensure_ascii=False, indent=2, default=str)) + "\n")


def _run(action: Callable[[Settings], T]) -> T:
    """Run a command body; map our errors to their exit codes with a clean message."""
    try:
        return action(load_settings())
    except KDataError as error:
        err.print(f"[bold red]오류 error:[/] {safe(error)}", markup=True, highlight=False, soft_wrap=True)
        raise typer.Exit(error.exit_code) from None
    except FileNotFoundError as error:  # e.g. no catalog yet
        err.print(f"[bold red]오류 error:[/] {safe(error)}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
