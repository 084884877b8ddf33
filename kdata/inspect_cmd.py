"""``kdata inspect PATH [--json] [--write-manifest]``: show a dataset folder and suggest its ``labels:``.

``--write-manifest`` appends the suggested block to ``PATH/dataset.yaml`` (the user's text is kept as
written) and checks the result loads; it creates nothing else. Exit 2 with the reason when it cannot:
no ``dataset.yaml``, one that already says how to read labels, no label file that could be read, or a
suggestion the manifest model refuses (then the file is left as it was).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from kcore.atomic import write_atomic
from kcore.errors import KDataError
from kdata.render import json_text, safe, text_cell

__all__ = ["run_inspect"]


def _raw_manifest(path: Path) -> dict[str, Any] | None:
    """``dataset.yaml`` as data (read within the manifest's bounds: ``ManifestError`` beyond them), or
    ``None`` when there is none."""
    from schemas.manifest import manifest_data

    file = path / "dataset.yaml"
    if not file.is_file():
        return None
    data = manifest_data(file.read_bytes(), file)
    return data if isinstance(data, dict) else None


def run_inspect(path: Path, *, write_manifest: bool, as_json: bool, out: Console, err: Console) -> int:
    from kdata.inspect_labels import dump_labels, inspect_folder
    from schemas.labels import LayoutSpec
    from schemas.manifest import ManifestError

    root = path.expanduser().absolute()
    try:
        raw = _raw_manifest(root) or {}
    except ManifestError as error:
        err.print(f"[bold red]거부 rejected:[/] {safe(error)}", highlight=False, soft_wrap=True)
        return 2
    try:
        layout = LayoutSpec.model_validate(raw["layout"]) if isinstance(raw.get("layout"), dict) else None
    except ValueError as error:
        err.print(f"[red]{root / 'dataset.yaml'}: field 'layout': {safe(error)}[/]", highlight=False)
        return 2
    try:
        from kcore.config import load_settings

        found = inspect_folder(root, layout, data_type=raw.get("data_type"), limits=load_settings().limits)
    except KDataError as error:
        err.print(f"[bold red]거부 rejected:[/] {safe(error)}", highlight=False, soft_wrap=True)
        return error.exit_code
    blocks = found.labels_block()
    text = dump_labels(blocks, found.layout_rules) if blocks else ""
    if as_json:
        print(json_text(json.dumps(found.to_dict(), ensure_ascii=False, default=str)))
    else:
        _show(found, text or None, out)
    if not write_manifest:
        return 0
    if found.layout_rules and raw.get("layout") is not None:
        rules = ", ".join(f"{r['match']} → {r['kind']}" for r in found.layout_rules)
        err.print(
            f"[bold red]dataset.yaml 미변경 not written:[/] {root / 'dataset.yaml'} has layout: already; add these "
            f"rules to it yourself, then run inspect again: {rules}",
            highlight=False,
            soft_wrap=True,
        )
        return 2
    return _write(root, raw, blocks, text, err, quiet=as_json, out=out, skipped=found.skipped)


def _write(
    root: Path,
    raw: dict[str, Any],
    blocks: list[Any],
    text: str,
    err: Console,
    *,
    quiet: bool,
    out: Console,
    skipped: list[Any],
) -> int:
    from schemas.manifest import ManifestError

    file = root / "dataset.yaml"
    reason = None
    if not file.is_file():
        reason = f"{file}: no dataset.yaml (write the dataset page fields first: id, title, domain, ...)"
    elif not raw:
        reason = f"{file}: not a YAML mapping of fields"
    elif raw.get("labels") is not None or raw.get("record_schema") is not None:
        key = "labels" if raw.get("labels") is not None else "record_schema"
        reason = f"{file}: already says how to read labels ({key}:); remove it to write a suggestion"
    elif not blocks:
        from ingest.discover import loose_labels_hint

        reason = f"{root}: no label file could be read, nothing to suggest{loose_labels_hint(skipped)}"
    if reason:
        err.print(f"[bold red]dataset.yaml 미변경 not written:[/] {reason}", highlight=False, soft_wrap=True)
        return 2
    import yaml

    from schemas.manifest import parse_manifest

    before = file.read_bytes()
    body = before.decode("utf-8-sig")
    addition = (
        ("" if body.endswith("\n") else "\n")
        + "\n# kdata inspect 가 제안한 라벨 매핑 (suggested label mapping)\n"
        + text
    )
    try:
        parse_manifest(yaml.safe_load(body + addition), file)  # the result must load, else nothing changes
    except ManifestError as error:
        err.print(
            f"[bold red]dataset.yaml 미변경 not written:[/] the result would not load: {safe(error)}", highlight=False
        )
        return 2
    write_atomic(file, before + addition.encode("utf-8"), fsync=False)
    if not quiet:
        out.print(f"[green]dataset.yaml 에 labels: 추가 (written)[/]: {file}", highlight=False, soft_wrap=True)
    return 0


def _show(found: Any, suggestion: str | None, out: Console) -> None:
    data = found.to_dict()
    splits = ", ".join(data["splits"])
    out.print(f"[bold]{safe(data['path'])}[/]  분할 splits: {safe(splits)}", highlight=False, soft_wrap=True)
    table = Table("압축파일 archive", "분할 split", "종류 kind", "크기 bytes")
    for a in data["archives"]:
        table.add_row(*map(text_cell, (a["path"], a["split"], a["kind"], f"{a['size']:,}")))
    out.print(table)
    if data["skipped"]:
        skipped = Table("건너뜀 skipped", "이유 reason")
        for s in data["skipped"]:
            skipped.add_row(text_cell(s["path"]), text_cell(s["reason"]))
        out.print(skipped)
    for group in data["label_files"]:
        title = (
            f"{group['format']} 라벨 파일 label files: {group['files']:,} (sampled {group['sampled']}, "
            f"encoding {group['encoding']}, paired with sources {group['paired_with_sources']:,})"
        )
        shape = Table("경로 path", "형식 types", "개수 count", "예 examples", title=safe(title))
        for row in group["shape"][:80]:
            types = ", ".join(f"{k}×{v}" for k, v in row["types"].items())
            examples = " | ".join(map(str, row["examples"]))
            shape.add_row(*map(text_cell, (row["path"], types, f"{row['count']:,}", examples)))
        out.print(shape)
        for problem in group["problems"]:
            out.print(f"[yellow]문제 problem:[/] {safe(problem)}", highlight=False, soft_wrap=True)
    for note in data["notes"]:
        out.print(f"[yellow]알림 note:[/] {safe(note)}", highlight=False, soft_wrap=True)
    if suggestion:
        out.print("[bold]제안 suggested mapping[/] (kdata inspect --write-manifest adds it):")
        out.print(suggestion, highlight=False, markup=False, soft_wrap=True)
