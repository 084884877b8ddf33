"""Storage commands of ``kdata`` (downloads, store maintenance), registered on :data:`kdata.cli_base.app`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from kcore.config import Settings
from kdata.cli_base import JsonOpt, _print_json, _run, app, err, out

__all__ = ["download", "fsck", "gc"]


@app.command()
def download(
    dataset_id: Annotated[str, typer.Argument(help="데이터셋 ID dataset id")],
    out_dir: Annotated[Path, typer.Option("--out", help="저장 폴더 output folder")],
    version: Annotated[str | None, typer.Option(help="버전 version (default: latest)")] = None,
    split: Annotated[str | None, typer.Option(help="분할 split, e.g. train")] = None,
    chunks: Annotated[
        str | None, typer.Option(help="청크 범위 chunk range A-B within the split (0-based, inclusive)")
    ] = None,
    columns: Annotated[str | None, typer.Option(help="열 선택 columns c1,c2 (selective download)")] = None,
    where: Annotated[
        str | None, typer.Option(help="행 조건 SQL expression, e.g. \"topic = '여행'\" (selective download)")
    ] = None,
    urls: Annotated[
        bool, typer.Option("--urls", help="내려받지 않고 URL 출력 print presigned URLs (S3) or paths instead")
    ] = False,
    expires: Annotated[int, typer.Option(help="URL 유효 시간(초) presigned URL lifetime in seconds")] = 3600,
    no_progress: Annotated[bool, typer.Option("--no-progress", help="진행 표시 끄기 hide the progress bar")] = False,
    as_json: JsonOpt = False,
) -> None:
    """분할·선택 내려받기 (split/selective download: verified whole chunks, or a filtered subset as Parquet)."""
    from kdata.download import DownloadRequest
    from kdata.download import download as run_download

    request = DownloadRequest(
        dataset_id=dataset_id,
        out=out_dir,
        version=version,
        split=split,
        chunks=chunks,
        columns=[c for c in columns.split(",")] if columns is not None else None,
        where=where,
        urls=urls,
        expires=expires,
    )

    def body(settings: Settings) -> dict[str, Any]:
        return run_download(settings, request, show_progress=not (no_progress or as_json))

    result = _run(body)
    if as_json:
        _print_json(result)
        return
    if result["mode"] == "urls":
        for item in result["urls"]:
            sys.stdout.write(item["url"] + "\n")
        return
    _print_download(result)


def _print_download(result: dict[str, Any]) -> None:
    out.print(f"[bold green]내려받음 downloaded[/]: {result['dataset_id']} {result['version']}", highlight=False)
    if result["mode"] == "select":
        for split, rows in sorted(result["rows"].items()):
            out.print(f"  {split}: {rows:,} rows", highlight=False)
        if result.get("chunks_skipped"):
            out.print(f"  열지 않은 청크 chunks not opened (zone map): {result['chunks_skipped']}", highlight=False)
        out.print(f"  선택 selection: {result['selection']}", highlight=False, soft_wrap=True)
    else:
        out.print(
            f"  청크 chunks: {result['chunks']}  bytes: {result['bytes']:,}  "
            f"전송 transferred: {result['transferred']:,}",
            highlight=False,
        )
        out.print(
            f"  이미 있음 already there: {result['skipped']}  이어받음 resumed: {result['resumed']}  "
            f"다시 받음 refetched: {result['refetched']}",
            highlight=False,
        )
        out.print(f"  manifest: {result['manifest']}", highlight=False, soft_wrap=True)
    out.print(f"  folder: {result['root']}", highlight=False, soft_wrap=True)


MinAge = Annotated[
    float, typer.Option("--min-age", help="이 시간(초)보다 오래된 것만 삭제 only remove leftovers older than this")
]


@app.command()
def fsck(
    deep: Annotated[bool, typer.Option("--deep", help="sha256까지 확인 also compare every chunk's sha256")] = False,
    repair: Annotated[bool, typer.Option("--repair", help="남은 staging 삭제 remove leftovers (as kdata gc)")] = False,
    min_age: MinAge = 3600.0,
    as_json: JsonOpt = False,
) -> None:
    """저장소 점검 (check the store: staging leftovers, incomplete and damaged versions). Exit 1 when damaged."""

    def body(settings: Settings) -> dict[str, Any]:
        from storage.fsck import fsck as run_fsck
        from storage.fsck import gc as run_gc
        from storage.stores import open_store

        store = open_store(settings.store)
        report = run_fsck(store, deep=deep, registered=_registered(settings, store)).to_dict()
        if repair:
            report["repair"] = run_gc(store, min_age=min_age)
        return report

    report = _run(body)
    if as_json:
        _print_json(report)
    else:
        _print_fsck(report)
    if report["damaged"]:
        raise typer.Exit(1)


def _registered(settings: Settings, store: Any) -> dict[str, tuple[int, str]]:
    """Each published chunk of the catalog in ``store``: store key → (bytes, sha256) as registered."""
    from catalog.db import CatalogMissing, connect
    from storage.verify import store_key

    try:
        with connect(settings, read_only=True, live=True) as con:
            rows = con.execute("SELECT content_url, content_size, sha256 FROM chunks").fetchall()
    except CatalogMissing:  # a store without a catalog here: its manifests are all there is to compare with
        return {}
    found = {}
    for url, size, sha256 in rows:
        key = store_key(store, str(url))
        if key is not None:
            found[key] = (int(size), str(sha256))
    return found


def _print_fsck(report: dict[str, Any]) -> None:
    out.print(f"버전 versions checked: {report['versions']}", highlight=False)
    for run_id, info in report["staging"].items():
        out.print(f"  staging {run_id}: {info['objects']} objects, {info['bytes']:,} bytes", highlight=False)
        for key in info["keys"]:
            out.print(f"    {key}", highlight=False)
    if report.get("run_states"):
        out.print(f"실행 상태 run states (normal): {len(report['run_states'])}", highlight=False)
    for prefix, info in report["incomplete_versions"].items():
        out.print(f"  미완성 incomplete version {prefix}: {info['objects']} objects (no manifest)", highlight=False)
    for key in report["temp_files"]:
        out.print(f"  temp file {key}", highlight=False)
    for item in report["damaged"]:
        err.print(f"  [bold red]손상 damaged[/] {item['version']}: {item['key']}: {item['problem']}", highlight=False)
    for key in report["stray"]:
        out.print(f"  stray {key}", highlight=False)
    if "repair" in report:
        _print_gc(report["repair"])
    elif report["clean"]:
        out.print("[bold green]정상 clean[/]", highlight=False)


def _print_gc(result: dict[str, Any]) -> None:
    out.print(f"삭제 removed: {result['objects']} objects, {result['bytes']:,} bytes", highlight=False)
    for name in result["kept_recent"]:
        out.print(f"  kept (newer than --min-age): {name}", highlight=False)


@app.command()
def gc(
    min_age: MinAge = 3600.0,
    incomplete: Annotated[
        bool, typer.Option("--incomplete", help="manifest 없는 미완성 버전도 삭제 also remove incomplete versions")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """저장소 정리 (remove staging leftovers of crashed publishes; never touches a published version)."""

    def body(settings: Settings) -> dict[str, Any]:
        from catalog.roles import require_role
        from storage.fsck import gc as run_gc
        from storage.stores import open_store

        require_role(settings, "uploader", "kdata gc")  # deletes from the store: the people who publish
        return run_gc(open_store(settings.store), min_age=min_age, incomplete=incomplete)

    result = _run(body)
    if as_json:
        _print_json(result)
    else:
        _print_gc(result)
