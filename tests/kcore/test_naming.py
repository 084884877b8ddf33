"""One spelling per kind of name: code says ``license`` (as the interface does: ``kdata license``,
``--license-status``, the ``license_status`` column and JSON key), prose and messages say "licence".
A name of a module, function, class, variable, attribute or argument spelled ``licence`` fails here."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("kdata", "ingest", "storage", "catalog", "quality", "schemas", "kcore", "dags", "plugins", "benchmarks")


def _names(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.alias):
            names.update(part for part in (node.name, node.asname or "") for part in part.split("."))
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.update(node.module.split("."))
        elif isinstance(node, ast.keyword) and node.arg:
            names.add(node.arg)
    return names


def british_names(paths: list[Path], root: Path = ROOT) -> list[str]:
    found = []
    for path in paths:
        where = path.relative_to(root)
        if "licence" in path.stem.lower():
            found.append(f"{where}: module name")
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found += [f"{where}: {n}" for n in sorted(_names(tree)) if "licence" in n.lower()]
    return found


def test_code_names_say_license() -> None:
    paths = [p for package in PACKAGES for p in sorted((ROOT / package).rglob("*.py"))]
    paths += sorted((ROOT / "tests").rglob("*.py"))
    assert len(paths) > 100
    assert british_names(paths) == []


def test_the_check_sees_names_not_prose(tmp_path: Path) -> None:
    module = tmp_path / "licence_rules.py"
    module.write_text(
        "from catalog.licence import set_licence as change\n"
        "def check(licence_status):\n"
        '    """Change the licence."""\n'
        '    return change("licence: " + licence_status, new_licence=1)\n',
        encoding="utf-8",
    )
    assert british_names([module], tmp_path) == [
        "licence_rules.py: module name",
        "licence_rules.py: licence",
        "licence_rules.py: licence_status",
        "licence_rules.py: new_licence",
        "licence_rules.py: set_licence",
    ]  # the docstring and the message are prose: not listed
