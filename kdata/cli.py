"""``kdata``: the command line of K-Data Catalog (thin commands over library functions)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperCommand

from kcore.config import Settings, load_settings
from kcore.errors import BadInput, KDataError, QualityGateFailed
from kdata.cli_base import JsonOpt, _print_json, _run, app, err, out
from kdata.render import safe

__all__ = ["app", "main"]


class _SamplesCommand(TyperCommand):
    """``kdata samples``: its help ends with the samples of the kind registry, read when help is shown."""

    def format_epilog(self, ctx: Any, formatter: Any) -> None:  # Typer's vendored click Context, HelpFormatter
        from schemas.kinds import samples

        rows = [
            (name + (" *" if sample.domain_default else ""), f"[{kind.domain}] {sample.help or kind.help}")
            for name, (kind, sample) in samples().items()
        ]
        with formatter.section("종류 sample kinds (* the default of its domain; schemas.kinds)"):
            formatter.write_dl(rows)
        super().format_epilog(ctx, formatter)


@app.command(cls=_SamplesCommand)
def samples(
    domain: Annotated[
        str,
        typer.Argument(
            help="분야 domain (id 또는 한국어 이름: its default sample) 또는 종류 sample kind (listed below)"
        ),
    ],
    out_dir: Annotated[Path, typer.Option("--out", help="출력 폴더 output folder (empty or new)")],
    items: Annotated[int, typer.Option(help="항목 수 number of items (dialogues, images, series ...)")] = 200,
    layout: Annotated[
        str, typer.Option(help="폴더 구조 layout: classic | modern | open | bracket | noprefix")
    ] = "classic",
    seed: Annotated[int, typer.Option(help="난수 시드 random seed (same seed → same bytes)")] = 0,
    inject: Annotated[
        str | None,
        typer.Option(
            help="결함 주입 plant one defect: pii, bad-json, duplicate-id, missing-source, bbox-outside "
            "(where the kind supports it)"
        ),
    ] = None,
) -> None:
    """AI Hub 형식 샘플 데이터셋 생성 (write an AI Hub-style sample dataset folder)."""

    def body(_: Settings) -> Path:
        from kdata.samples import write_samples

        return write_samples(domain, out_dir, items=items, layout=layout, seed=seed, inject=inject)

    folder = _run(body)
    out.print(f"샘플 생성 wrote samples: {folder}", highlight=False)


@app.command()
def ingest(
    path: Annotated[
        str, typer.Argument(help="데이터셋 폴더 dataset folder (with dataset.yaml): a local path or s3://bucket/prefix")
    ],
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=64,
            help="병렬 프로세스 수 processes extracting archives (KDATA_WORKERS; default: the CPU count, at most "
            "4, when the warm worker runs the ingest, else 1)",
        ),
    ] = None,
    no_progress: Annotated[
        bool, typer.Option("--no-progress", help="진행 표시 끄기 hide the progress display (terminal only)")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """데이터셋 한 버전 수집 (ingest a dataset folder as one new version: the work of one DAG run)."""
    from kdata import gx_worker

    params: dict[str, Any] = {"path": path, "workers": workers, "no_progress": no_progress, "as_json": as_json}
    code = gx_worker.run_ingest(params)  # in a child of the warm worker when one is ready: no imports here
    if code is None:
        code = ingest_here(**params)
    if code:
        raise typer.Exit(code)


def ingest_here(path: str, workers: int | None, no_progress: bool, as_json: bool) -> int:
    """``kdata ingest`` in this process (or in a child of the warm worker); the exit code."""
    from kdata.lineage import ingest_with_lineage
    from kdata.progress_rich import terminal_progress

    try:
        with terminal_progress(not (as_json or no_progress)) as progress:
            result = ingest_with_lineage(load_settings(), path, workers=workers, progress=progress)
    except QualityGateFailed as error:
        if as_json:
            _print_json(
                {
                    "dataset_id": None,
                    "version": None,
                    "rows": {},
                    "chunks": 0,
                    **error.context,
                    "status": "quality_failed",
                    "error": str(error),
                    "report": error.report,
                    "examples": error.examples,
                }
            )
        err.print(f"[bold red]품질검증 불합격 quality gate failed:[/] {safe(error)}", highlight=False, soft_wrap=True)
        for line in error.examples:
            err.print(f"  - {line}", markup=False, highlight=False, soft_wrap=True)
        err.print(f"보고서 report: {error.report}", highlight=False, soft_wrap=True)
        return error.exit_code
    except KDataError as error:
        if as_json:
            _print_json({"status": "rejected", "error": str(error)})
        err.print(f"[bold red]거부 rejected:[/] {safe(error)}", highlight=False, soft_wrap=True)
        return error.exit_code
    if as_json:
        _print_json(result)
        return 0
    state = "이미 게시됨 already published" if result["already_published"] else "게시됨 published"
    out.print(f"[bold green]{state}[/]: {result['dataset_id']} {result['version']}", highlight=False)
    for split, rows in sorted(result["rows"].items()):
        out.print(f"  {split}: {rows:,} rows", highlight=False)
    out.print(f"  chunks: {result['chunks']}  verdict: {result['verdict']}", highlight=False)
    out.print(f"  report: {result['report']}", highlight=False, soft_wrap=True)
    return 0


@app.command()
def inspect(
    path: Annotated[Path, typer.Argument(help="데이터셋 폴더 dataset folder", exists=False)],
    write_manifest: Annotated[
        bool,
        typer.Option(
            "--write-manifest", help="제안한 labels: 를 dataset.yaml 에 추가 (add the suggested labels: block)"
        ),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """데이터셋 구조·라벨 형태 살펴보기와 라벨 매핑 제안 (layout, label shapes and a suggested labels: mapping)."""
    from kdata.inspect_cmd import run_inspect

    code = run_inspect(path, write_manifest=write_manifest, as_json=as_json, out=out, err=err)
    if code:
        raise typer.Exit(code)


@app.command()
def search(
    text: Annotated[str | None, typer.Argument(help="검색어 search text (한국어/English)")] = None,
    domain: Annotated[str | None, typer.Option(help="분야 domain: id (korean) 또는 한국어 (한국어)")] = None,
    license_status: Annotated[
        str | None,
        typer.Option(help="이용 상태 licence status: pending_review, open, approval_required, restricted, withdrawn"),
    ] = None,
    commercial: Annotated[
        bool, typer.Option("--commercial", help="상업적 이용 가능만 commercial use allowed only")
    ] = False,
    data_type: Annotated[
        str | None, typer.Option("--type", help="유형 data type: text, image, audio, video, sensor")
    ] = None,
    year_from: Annotated[int | None, typer.Option(help="구축년도 부터 build year from (inclusive)")] = None,
    year_to: Annotated[int | None, typer.Option(help="구축년도 까지 build year to (inclusive)")] = None,
    release_status: Annotated[str | None, typer.Option(help="공개 상태 release status: beta, open, withdrawn")] = None,
    facets: Annotated[
        bool,
        typer.Option(
            "--facets", help='분류별 건수 facet counts; with --json prints {"results": [...], "facets": {...}}'
        ),
    ] = False,
    limit: Annotated[int, typer.Option(help="최대 결과 수 max results")] = 20,
    as_json: JsonOpt = False,
) -> None:
    """데이터셋 검색 (search datasets by text, domain, licence status, commercial use, type, build year).

    Withdrawn datasets are hidden unless asked for (--license-status withdrawn / --release-status withdrawn).
    """

    def body(settings: Settings) -> dict[str, Any]:
        from catalog.db import connect
        from catalog.search import SearchQuery, find, search_page

        query = SearchQuery(
            text=text,
            domain=domain,
            license_status=license_status,
            commercial=True if commercial else None,
            data_type=data_type,
            year_from=year_from,
            year_to=year_to,
            release_status=release_status,
            limit=limit,
        ).validated()
        with connect(settings, read_only=True) as con:
            return search_page(con, query) if facets else {"results": find(con, query)}

    page = _run(body)
    if as_json:
        _print_json(page if facets else page["results"])
        return
    from kdata.render import render_search

    render_search(out, page)


@app.command()
def show(
    dataset_id: Annotated[str, typer.Argument(help="데이터셋 ID dataset id")],
    as_json: JsonOpt = False,
) -> None:
    """데이터셋 상세 (one dataset: metadata, versions, splits, licence, latest quality verdict)."""

    def body(settings: Settings) -> dict[str, Any]:
        from catalog.db import connect
        from catalog.search import show as run_show

        with connect(settings, read_only=True) as con:
            page = run_show(con, dataset_id)
        if page is None:
            raise BadInput(f"unknown dataset {dataset_id!r} (kdata search lists them)")
        return page

    page = _run(body)
    if as_json:
        _print_json(page)
        return
    from kdata.render import render_show

    render_show(out, page)


@app.command()
def sql(
    query: Annotated[str, typer.Argument(help="SELECT 문 a SELECT query over the catalog")],
    fmt: Annotated[str, typer.Option("--format", help="출력 형식 output: table | csv | json")] = "table",
) -> None:
    """읽기 전용 SQL (read-only SQL over the catalog and the published chunks via data.* views)."""

    def body(settings: Settings) -> tuple[list[str], list[tuple[Any, ...]]]:
        from catalog.sql import run_user_query

        if fmt not in ("table", "csv", "json"):
            raise BadInput(f"--format {fmt!r}: expected table, csv or json")
        return run_user_query(settings, query, settings.user)

    columns, rows = _run(body)
    from kdata.render import render_rows

    render_rows(out, columns, rows, fmt)


@app.command()
def report(
    dataset_id: Annotated[str, typer.Argument(help="데이터셋 ID dataset id")],
    version: Annotated[str | None, typer.Option(help="버전 version (default: latest)")] = None,
    as_json: JsonOpt = False,
) -> None:
    """품질검증 보고서 경로 (print the path of the HTML quality report)."""

    def body(settings: Settings) -> dict[str, Any]:
        from catalog.db import connect
        from catalog.search import latest_report

        with connect(settings, read_only=True) as con:
            run = latest_report(con, dataset_id, version)
        if run is None:
            raise BadInput(f"no quality report for {dataset_id!r}" + (f" version {version}" if version else ""))
        if as_json:
            run = {**run, "gx_result": _gx_result(settings, dataset_id, run)}
        return run

    run = _run(body)
    if as_json:
        _print_json(run)
        return
    sys.stdout.write(run["report_path"] + "\n")


def _gx_result(settings: Settings, dataset_id: str, run: dict[str, Any]) -> Any:
    """A run's GX result file: on this host when its quality stage ran here, else from the store (the run's
    state under ``_runs/<run_id>/reports/``, or the published version's ``quality/`` reports); a clear error
    when neither has it (a local store: reports stay on the host whose quality stage wrote them)."""
    path = Path(run["result_path"])
    if path.is_file():
        return json.loads(path.read_text(encoding="utf-8"))
    from kdata.run_state import REPORTS, RunState
    from storage.layout import QUALITY_PREFIX

    state = RunState(settings, run["run_id"])
    marker = f"/{run['run_id']}/"  # reports/<dataset>/<version>/<run_id>/<file> on the quality host
    relative = str(path).rsplit(marker, 1)[1] if marker in str(path) else path.name
    if state.remote:
        for key in (state.key(f"{REPORTS}/{relative}"), f"{dataset_id}/{run['version']}/{QUALITY_PREFIX}/{relative}"):
            data = state.store.get_bytes(key)
            if data is not None:
                return json.loads(data)
    raise BadInput(
        f"{path}: 이 호스트에 품질검증 결과 파일이 없습니다 (the GX result file is not on this host: with a local "
        "store, reports stay on the host whose quality stage wrote them)"
    )


def main() -> None:
    app()


# Commands of later stages live in their own modules and register themselves on `app` (kdata.cli_base).
from kdata import cli_admin, cli_catalog, cli_storage, cli_web  # noqa: E402, F401
