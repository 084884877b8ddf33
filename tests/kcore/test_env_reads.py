"""The environment is read in one place: ``kcore/config.py`` builds the :class:`~kcore.config.Settings` once and
the stages are handed what they need. This test parses the source and fails on

- any ``KDATA_*`` variable read outside ``kcore/config.py`` (``os.environ[...]``, ``.get(...)``, ``getenv``,
  ``in os.environ``; also through a module constant naming the variable), and
- any use of ``os.environ`` / ``os.getenv`` in the stage packages (``ingest``, ``storage``, ``quality``,
  ``catalog``, ``schemas``),

except the allow-lists below, each with its reason.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("kdata", "ingest", "quality", "catalog", "storage", "schemas", "kcore", "dags", "plugins")
STAGES = ("ingest", "storage", "quality", "catalog", "schemas")
SETTINGS_MODULE = "kcore/config.py"

KDATA_READS_ALLOWED: dict[tuple[str, str], str] = {
    ("kcore/faults.py", "KDATA_FAULT"): "test fault injection, read at import (before any settings exist)",
    ("kcore/faults.py", "KDATA_FAULT_AFTER"): "test fault injection, read at import",
    ("kcore/faults.py", "KDATA_FAULT_ONCE"): "test fault injection, read at import",
}
"""(module, variable) → why this ``KDATA_*`` variable is read outside ``kcore/config.py``."""

STAGE_ENVIRON_ALLOWED: dict[str, str] = {
    "storage/s3.py": "AWS_* variables (boto3's, not ours) key the per-process S3 client cache",
    "catalog/audit.py": "XDG_CONFIG_HOME (the XDG base directory spec) locates the default audit key file",
    "quality/gx_runner.py": "sets GX_ANALYTICS_ENABLED=false for Great Expectations (a write, not a setting)",
}
"""Stage module → why it touches ``os.environ`` at all (never for a ``KDATA_*`` variable)."""


def _modules() -> list[tuple[str, ast.Module]]:
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            found.append((path.relative_to(ROOT).as_posix(), ast.parse(path.read_text(encoding="utf-8"))))
    return found


def _constants(tree: ast.Module) -> dict[str, str]:
    """Module-level ``NAME = "KDATA_..."`` assignments."""
    names = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    names[target.id] = node.value.value
    return names


def _kdata_name(node: ast.AST | None, constants: dict[str, str]) -> str | None:
    value = None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        value = node.value
    elif isinstance(node, ast.Name):
        value = constants.get(node.id)
    return value if value is not None and value.startswith("KDATA_") else None


def kdata_reads(tree: ast.Module) -> set[str]:
    """``KDATA_*`` names the module reads from a mapping or the environment."""
    constants = _constants(tree)
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args:
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if called in ("get", "getenv", "pop"):
                name = _kdata_name(node.args[0], constants)
                if name:
                    found.add(name)
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
            name = _kdata_name(node.slice, constants)
            if name:
                found.add(name)
        elif isinstance(node, ast.Compare) and any(isinstance(op, ast.In | ast.NotIn) for op in node.ops):
            name = _kdata_name(node.left, constants)
            if name:
                found.add(name)
    return found


def uses_environ(tree: ast.Module) -> bool:
    """The module touches ``os.environ`` or ``os.getenv`` (or imports them from ``os``)."""
    names = ("environ", "getenv", "environb", "getenvb")
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in names and isinstance(node.value, ast.Name):
            if node.value.id == "os":
                return True
        elif isinstance(node, ast.ImportFrom) and node.module == "os" and any(a.name in names for a in node.names):
            return True
    return False


def test_kdata_variables_are_read_in_kcore_config_only() -> None:
    misplaced = sorted(
        f"{module}: {name}"
        for module, tree in _modules()
        if module != SETTINGS_MODULE
        for name in kdata_reads(tree)
        if (module, name) not in KDATA_READS_ALLOWED
    )
    assert misplaced == [], "read these in kcore/config.py (Settings) and pass them down"


def test_the_stages_do_not_read_the_environment() -> None:
    reading = sorted(
        module
        for module, tree in _modules()
        if module.split("/")[0] in STAGES and module not in STAGE_ENVIRON_ALLOWED and uses_environ(tree)
    )
    assert reading == [], "a stage is handed its settings by its caller"


def test_the_allow_lists_are_still_needed() -> None:
    trees = dict(_modules())
    assert kdata_reads(trees[SETTINGS_MODULE]) > {"KDATA_HOME", "KDATA_SQL_MEMORY", "KDATA_ADMINS"}
    for module, name in KDATA_READS_ALLOWED:
        assert name in kdata_reads(trees[module]), f"{module} no longer reads {name}: drop it from the allow-list"
    for module in STAGE_ENVIRON_ALLOWED:
        assert uses_environ(trees[module]), f"{module} no longer uses os.environ: drop it from the allow-list"


def test_the_checks_see_the_usual_ways_of_reading() -> None:
    source = """
import os
from os import getenv
LIMIT = "KDATA_MAX_X"
a = os.environ.get("KDATA_A")
b = os.environ["KDATA_B"]
c = getenv("KDATA_C")
d = env.get(LIMIT)
e = "KDATA_E" in os.environ
os.environ["KDATA_WRITTEN"] = "1"
f = {"KDATA_IN_A_DICT": "1"}
"""
    tree = ast.parse(source)
    assert kdata_reads(tree) == {"KDATA_A", "KDATA_B", "KDATA_C", "KDATA_MAX_X", "KDATA_E"}
    assert uses_environ(tree)
    assert not uses_environ(ast.parse("import os\nos.getcwd()"))
