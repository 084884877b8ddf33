"""The catalog web app (FastAPI, server-rendered Jinja2, no build step) and its JSON API.

Pages (Korean first, English labels beside):

- ``/``: search with facets (domain, licence status, commercial use, data type, build year) and
  Korean text search (the catalog's BM25 over Korean-aware terms);
- ``/datasets/{id}``: the dataset page like AI Hub's: metadata, version history, splits, licence and
  access notes, quality table (구분 / 항목명 / 정량목표 / 결과값) with links to the full report, sample
  rows, verified whole-chunk downloads;
- ``/reports/{path}``: quality report files (summary HTML, GX Data Docs), only under
  ``$KDATA_HOME/reports``;
- ``/audit``: the auditor view: datasets pending review, failed quality gates, the licence status form.

JSON: ``/api/datasets?q=..&domain=..``, ``/api/datasets/{id}``, ``/api/datasets/{id}/samples``,
``/api/datasets/{id}/quality``, ``/api/audit``; schema at ``/openapi.json``.

Each request opens the catalog read-only for a moment (:func:`catalog.db.connect`); when a writer
holds it too long the page says "catalog busy, retry" (503). Users: see :mod:`kdata.web.context`.
"""

from __future__ import annotations

import html
import urllib.parse
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import duckdb
from fastapi import FastAPI, Form, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.templating import Jinja2Templates

from catalog.audit import audit
from catalog.db import CatalogMissing, connect, transaction
from catalog.search import latest_report
from kcore.config import Settings
from kcore.errors import BadInput, KDataError, NotAllowed, TransientError
from kdata.web import queries
from kdata.web.actions import allowed_next, set_license_status
from kdata.web.context import (
    ANONYMOUS,
    CSRF_COOKIE,
    AuthMode,
    WebConfig,
    check_same_origin,
    csrf_token,
    current_user,
    resolve_user,
)
from kdata.web.files import (
    ChunkMismatch,
    ChunkRef,
    find_chunk,
    iter_file,
    media_type,
    open_verified,
    presigned_url,
    report_file,
    report_href,
)
from kdata.web.pages import facet_groups, templates
from kdata.web.sample_rows import sample_rows
from storage.stores import open_store
from storage.verify import verified_memo

__all__ = ["create_app"]

PAGE_CSP = (
    "default-src 'none'; img-src 'self' data:; media-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "form-action 'self'; frame-ancestors 'self'; base-uri 'none'"
)
"""Our pages run no script at all; images and audio only from data: URLs or this app."""
DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'self'; base-uri 'none'; form-action 'none'"
)
"""The API docs page: Swagger UI's own files and our start-up script, all served by this app (no CDN)."""
DOCS_ASSETS = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "favicon.png": "image/png",
}
REPORT_CSP = "sandbox allow-scripts allow-popups; frame-ancestors 'self'"
"""Report files (GX Data Docs use scripts) run sandboxed, in an origin of their own."""
PARQUET = "application/vnd.apache.parquet"
SAMPLE_ROWS = 5


# -- helpers -----------------------------------------------------------------------------------------


def _base(request: Request) -> str:
    return str(request.scope.get("root_path", "")).rstrip("/")


def _is_api(request: Request) -> bool:
    path = request.url.path
    return path[len(_base(request)) :].startswith("/api/")


@contextmanager
def _reading(config: WebConfig) -> Iterator[tuple[Settings, duckdb.DuckDBPyConnection]]:
    settings = config.current_settings()
    with connect(settings, read_only=True) as con:
        yield settings, con


def _render(
    request: Request, name: str, context: dict[str, Any], status_code: int = 200, headers: dict[str, str] | None = None
) -> Response:
    tpl: Jinja2Templates = request.app.state.templates
    config: WebConfig = request.app.state.config
    settings = context.pop("_settings", None) or config.current_settings()
    base_context = {
        "base": _base(request),
        "user": current_user(config, request, settings),
        "user_source": config.user_source,
    }
    return tpl.TemplateResponse(request, name, {**base_context, **context}, status_code=status_code, headers=headers)


def _hide_paths(message: str, request: Request) -> str:
    """Error text without server paths (``KDATA_HOME``, the store): nobody on the web needs them."""
    config: WebConfig = request.app.state.config
    try:
        settings = config.current_settings()
    except Exception:
        return message
    for path, name in ((settings.store, "$KDATA_STORE"), (str(settings.home), "$KDATA_HOME")):
        if path and "://" not in path:
            message = message.replace(path, name)
    return message


def _problem(request: Request, status: int, title: str, message: str, **extra: Any) -> Response:
    message = _hide_paths(message, request)
    headers = {"Retry-After": "2"} if status == 503 else None
    if _is_api(request):
        return JSONResponse({"error": title, "detail": message, **extra}, status_code=status, headers=headers)
    context = {"title": title, "message": message, "status": status, **extra}
    return _render(request, "message.html", context, status_code=status, headers=headers)


def _search_params(request: Request) -> dict[str, str]:
    return {k: v for k, v in request.query_params.items() if isinstance(v, str)}


# -- error handlers ----------------------------------------------------------------------------------


def _install_error_handlers(app: FastAPI) -> None:
    async def busy(request: Request, error: Exception) -> Response:
        return _problem(
            request, 503, "카탈로그 사용 중 (catalog busy, retry)", f"잠시 후 다시 시도하세요 (retry shortly). {error}"
        )

    async def missing(request: Request, error: Exception) -> Response:
        return _problem(request, 503, "카탈로그 없음 (no catalog yet)", str(error))

    async def bad_input(request: Request, error: Exception) -> Response:
        return _problem(request, 400, "잘못된 요청 (bad request)", str(error))

    async def not_allowed(request: Request, error: Exception) -> Response:
        return _problem(request, 403, "허용되지 않음 (not allowed)", str(error))

    async def mismatch(request: Request, error: Exception) -> Response:
        return _problem(request, 500, "저장본 손상 (stored copy damaged)", str(error))

    async def failure(request: Request, error: Exception) -> Response:
        return _problem(request, 500, "오류 (error)", str(error))

    async def http_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, StarletteHTTPException)
        title = "찾을 수 없음 (not found)" if error.status_code == 404 else "오류 (error)"
        return _problem(request, error.status_code, title, str(error.detail))

    async def invalid(request: Request, error: Exception) -> Response:
        assert isinstance(error, RequestValidationError)
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        return _problem(request, 422, "잘못된 값 (invalid value)", problems)

    app.add_exception_handler(TransientError, busy)
    app.add_exception_handler(CatalogMissing, missing)
    app.add_exception_handler(BadInput, bad_input)
    app.add_exception_handler(NotAllowed, not_allowed)
    app.add_exception_handler(ChunkMismatch, mismatch)
    app.add_exception_handler(KDataError, failure)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, invalid)


def _install_authentication(app: FastAPI, config: WebConfig) -> None:
    @app.middleware("http")
    async def authenticate(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        request.state.kdata_user = await resolve_user(config, request) if config.auth != "local" else None
        return await call_next(request)


def _install_headers(app: FastAPI) -> None:
    @app.middleware("http")
    async def security_headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        docs = request.url.path.endswith("/api/docs")
        response.headers.setdefault("Content-Security-Policy", DOCS_CSP if docs else PAGE_CSP)
        return response


# -- dataset data shared by the page and the API -------------------------------------------------------


def _download_href(base: str, dataset_id: str, version: str, key: str) -> str:
    quote = urllib.parse.quote
    return f"{base}/datasets/{quote(dataset_id, safe='')}/download/{quote(version, safe='')}/{quote(key, safe='/')}"


def _sample_chunk(chunks: list[dict[str, Any]]) -> dict[str, Any] | None:
    if not chunks:
        return None
    train = [c for c in chunks if c["split"] == "train"]
    return (train or chunks)[0]


def _samples(settings: Settings, page: dict[str, Any], limit: int = SAMPLE_ROWS) -> dict[str, Any]:
    """The rendered first rows of the selected version's first chunk, or why there are none."""
    if not page.get("samples_visible"):
        return {"rows": [], "note": "이 데이터는 승인된 사용자에게만 샘플을 보여 줍니다 (samples need access)."}
    chunk = _sample_chunk(page.get("chunks", []))
    if chunk is None:
        return {"rows": [], "note": "청크가 없습니다 (no chunks)."}
    ref_key = f"{page['id']}/{page['selected_version']}/{chunk['key']}"
    try:
        return sample_rows(open_store(settings.store), chunk, ref_key, limit, verified_memo(settings.home))
    except (OSError, ValueError, KDataError) as error:
        return {"rows": [], "note": f"샘플을 읽을 수 없습니다 (could not read samples): {error}"}
    except Exception as error:  # pyarrow errors (ArrowException) and the like: the page still renders
        return {"rows": [], "note": f"샘플을 읽을 수 없습니다 (could not read samples): {type(error).__name__}"}


def _decorate(page: dict[str, Any], settings: Settings, base: str) -> dict[str, Any]:
    """Links the page and the API both give: report hrefs and, when allowed, download hrefs."""
    reports = settings.reports_dir
    quality = page.get("quality") or {}
    if quality:
        quality["report_href"] = report_href(quality.get("report_path"), reports)
        quality["data_docs_href"] = report_href(quality.get("data_docs_path"), reports)
    for version in page.get("versions", []):
        run = version.get("quality_run") or {}
        version["report_href"] = report_href(run.get("report_path"), reports)
    allowed = page["access"]["allowed"]
    for chunk in page.get("chunks", []):
        chunk["href"] = _download_href(base, page["id"], page["selected_version"], chunk["key"]) if allowed else None
    return page


def _load_dataset(
    config: WebConfig, request: Request, dataset_id: str, version: str | None
) -> tuple[Settings, dict[str, Any]]:
    with _reading(config) as (settings, con):
        user = current_user(config, request, settings)
        page = queries.dataset_page(con, dataset_id, version)
    if page is None:
        raise StarletteHTTPException(404, f"데이터셋이 없습니다 (unknown dataset {dataset_id!r})")
    with connect(settings, read_only=True, live=True) as live:  # access from the catalog itself
        queries.with_access(page, live, user)
    return settings, _decorate(page, settings, _base(request))


_PATH_KEYS = frozenset({"report_path", "data_docs_path", "result_path", "manifest_url", "content_url"})


def _without_paths(value: Any) -> Any:
    """API payloads without server paths (links to reports are the ``*_href`` fields)."""
    if isinstance(value, dict):
        return {k: _without_paths(v) for k, v in value.items() if k not in _PATH_KEYS}
    if isinstance(value, list):
        return [_without_paths(v) for v in value]
    return value


def _roles(settings: Settings, user: str) -> frozenset[str]:
    from catalog.roles import roles_of

    if not user:
        return frozenset()
    with connect(settings, read_only=True, live=True) as live:
        return roles_of(live, user)


def _require_auditor(config: WebConfig, request: Request, settings: Settings) -> str:
    user = current_user(config, request, settings)
    if "auditor" not in _roles(settings, user):
        who = f"사용자 {user!r}" if user else "로그인하지 않은 사용자 (anonymous)"
        raise NotAllowed(f"감사자 전용 화면입니다: {who}에게 auditor 역할이 없습니다 (auditors only; kdata role grant)")
    return user


# -- downloads ---------------------------------------------------------------------------------------


def _audit_download(settings: Settings, user: str, ref: ChunkRef, mode: str) -> None:
    detail = {"mode": mode, "split": ref.split, "chunks": [ref.key], "bytes": ref.size, "status": "ok"}
    with connect(settings, changes_search=False) as con:  # the audit log only: search indexes stay
        transaction(con, lambda: audit(con, user or "anonymous", "download", ref.dataset_id, ref.version, detail))


def _denied(request: Request, access: dict[str, Any], dataset_id: str) -> Response:
    message = access.get("reason") or "내려받을 수 없습니다 (not allowed)"
    return _problem(
        request, 403, "내려받기 권한 없음 (download not allowed)", message,
        how_to_apply=access.get("how_to_apply", []), dataset_id=dataset_id,
    )  # fmt: skip


def _download(config: WebConfig, request: Request, dataset_id: str, version: str, key: str) -> Response:
    settings = config.current_settings()
    user = current_user(config, request, settings)
    with connect(settings, read_only=True, live=True) as con:  # the decision and the chunk from the catalog itself
        known = con.execute("SELECT 1 FROM licenses WHERE dataset_id = ?", [dataset_id]).fetchone()
        if known is None:
            raise StarletteHTTPException(404, f"데이터셋이 없습니다 (unknown dataset {dataset_id!r})")
        access = queries.access_for(con, dataset_id, user)
        ref = find_chunk(con, dataset_id, version, key) if access["allowed"] else None
    if not access["allowed"]:
        return _denied(request, access, dataset_id)
    if ref is None:
        raise StarletteHTTPException(404, f"청크가 없습니다 (no chunk {key!r} in {dataset_id} {version})")
    store = open_store(settings.store)
    if store.local_path(ref.store_key) is None:
        url = presigned_url(store, ref, verified_memo(settings.home))
        if url is None:
            raise KDataError(f"{store.uri(ref.store_key)}: this store offers no download links")
        _audit_download(settings, user, ref, "web-presigned")
        return RedirectResponse(url, status_code=307, headers={"Cache-Control": "no-store"})
    handle = open_verified(store, ref)
    try:
        _audit_download(settings, user, ref, "web")
    except BaseException:
        handle.close()
        raise
    headers = {
        "Content-Length": str(ref.size),
        "Content-Disposition": f'attachment; filename="{ref.filename}"',
        "X-Checksum-SHA256": ref.sha256,
        "Cache-Control": "no-store",
    }
    return StreamingResponse(iter_file(handle), media_type=PARQUET, headers=headers)


# -- routes ------------------------------------------------------------------------------------------


def _html_routes(app: FastAPI, config: WebConfig) -> None:
    @app.get("/", include_in_schema=False)
    def search_page(request: Request) -> Response:
        params = _search_params(request)
        criteria = queries.parse_search(params)
        with _reading(config) as (settings, con):
            page = queries.search_results(con, criteria)
        context = {
            "_settings": settings,
            "params": params,
            "results": page["results"],
            "total": (page.get("facets") or {}).get("total", len(page["results"])),
            "facets": facet_groups(page.get("facets") or {}, params),
        }
        return _render(request, "search.html", context)

    @app.get("/datasets/{dataset_id}", include_in_schema=False)
    def dataset(request: Request, dataset_id: str, version: str | None = None) -> Response:
        settings, page = _load_dataset(config, request, dataset_id, version or None)
        from kdata.web.quality_charts import quality_charts

        context = {"_settings": settings, "d": page, "samples": _samples(settings, page)}
        context["charts"] = quality_charts(page.get("quality"))
        return _render(request, "dataset.html", context)

    @app.get("/datasets/{dataset_id}/download/{version}/{key:path}", include_in_schema=False)
    def download_chunk(request: Request, dataset_id: str, version: str, key: str) -> Response:
        return _download(config, request, dataset_id, version, key)

    @app.get("/reports/{path:path}", include_in_schema=False)
    def report(request: Request, path: str) -> Response:
        settings = config.current_settings()
        try:
            found = report_file(settings.reports_dir, path)
        except FileNotFoundError:
            raise StarletteHTTPException(404, f"보고서 파일이 없습니다 (no report file {path!r})") from None
        if found.name == "index.html" and not path.endswith(("/", "index.html")):
            return RedirectResponse(f"{_base(request)}/reports/{urllib.parse.quote(path)}/", status_code=308)
        return FileResponse(found, media_type=media_type(found), headers={"Content-Security-Policy": REPORT_CSP})

    @app.get("/audit", include_in_schema=False)
    def audit_page(request: Request, changed: str | None = None) -> Response:
        _require_auditor(config, request, config.current_settings())
        with connect(config.current_settings(), read_only=True, live=True) as con:
            settings = config.current_settings()
            overview = queries.audit_overview(con)
        _link_failed_reports(overview, settings)
        token, new = csrf_token(request)
        context = {"_settings": settings, "o": overview, "csrf": token, "changed": changed, "next": allowed_next}
        response = _render(request, "audit.html", context)
        if new:
            secure = request.url.scheme == "https"
            path = _base(request) or "/"
            response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict", secure=secure, path=path)
        return response

    @app.post("/audit/licence", include_in_schema=False)
    def change_license(
        request: Request,
        dataset_id: Annotated[str, Form()],
        status: Annotated[str, Form()],
        reason: Annotated[str, Form()] = "",
        csrf: Annotated[str, Form()] = "",
    ) -> Response:
        check_same_origin(request, csrf)
        settings = config.current_settings()
        user = current_user(config, request, settings)
        if user == ANONYMOUS:
            raise NotAllowed("이용 상태 변경은 로그인한 감사자만 할 수 있습니다 (sign in: no user named)")
        with connect(settings) as con:  # change_status checks the auditor role and separation of duties
            set_license_status(con, dataset_id, status, reason, user)
        target = f"{_base(request)}/audit?{urllib.parse.urlencode({'changed': dataset_id})}"
        return RedirectResponse(target, status_code=303)


def _link_failed_reports(overview: dict[str, Any], settings: Settings) -> None:
    for run in overview["failed_gates"]:
        run["report_href"] = report_href(run.get("report_path"), settings.reports_dir)
        run["data_docs_href"] = report_href(run.get("data_docs_path"), settings.reports_dir)


def _api_routes(app: FastAPI, config: WebConfig) -> None:
    @app.get("/api/datasets", tags=["catalog"], summary="데이터셋 검색 Search datasets (with facet counts)")
    def api_search(
        q: str | None = None,
        domain: str | None = None,
        license_status: str | None = None,
        commercial: bool | None = None,
        data_type: str | None = None,
        year_from: int | None = None,
        year_to: int | None = None,
        release_status: str | None = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
    ) -> dict[str, Any]:
        params = {
            "q": q,
            "domain": domain,
            "license_status": license_status,
            "data_type": data_type,
            "release_status": release_status,
        }
        criteria = queries.parse_search(params)
        criteria.update(commercial=commercial, year_from=year_from, year_to=year_to)
        with _reading(config) as (_, con):
            return queries.search_results(con, criteria, limit)

    @app.get("/api/datasets/{dataset_id}", tags=["catalog"], summary="데이터셋 상세 One dataset's page data")
    def api_dataset(request: Request, dataset_id: str, version: str | None = None) -> dict[str, Any]:
        page: dict[str, Any] = _without_paths(_load_dataset(config, request, dataset_id, version)[1])
        return page

    @app.get("/api/datasets/{dataset_id}/samples", tags=["catalog"], summary="샘플 데이터 First rows of a chunk")
    def api_samples(
        request: Request,
        dataset_id: str,
        version: str | None = None,
        limit: Annotated[int, Query(ge=1, le=20)] = SAMPLE_ROWS,
    ) -> dict[str, Any]:
        settings, page = _load_dataset(config, request, dataset_id, version)
        return _samples(settings, page, limit)

    @app.get("/api/datasets/{dataset_id}/quality", tags=["catalog"], summary="품질검증 결과 Latest quality run")
    def api_quality(dataset_id: str, version: str | None = None) -> dict[str, Any]:
        with _reading(config) as (settings, con):
            run = latest_report(con, dataset_id, version)
        if run is None:
            raise StarletteHTTPException(404, f"품질검증 기록이 없습니다 (no quality run for {dataset_id!r})")
        run["report_href"] = report_href(run.get("report_path"), settings.reports_dir)
        run["data_docs_href"] = report_href(run.get("data_docs_path"), settings.reports_dir)
        result: dict[str, Any] = _without_paths(run)
        return result

    @app.get("/api/audit", tags=["audit"], summary="감사 Pending reviews, failed gates, licence changes")
    def api_audit(request: Request) -> dict[str, Any]:
        settings = config.current_settings()
        _require_auditor(config, request, settings)
        with connect(settings, read_only=True, live=True) as con:
            overview = queries.audit_overview(con)
        _link_failed_reports(overview, settings)
        result: dict[str, Any] = _without_paths(overview)
        return result


def create_app(
    settings: Settings | None = None,
    *,
    auth: AuthMode = "local",
    trusted_proxies: list[str] | None = None,
    allowed_hosts: list[str] | None = None,
) -> FastAPI:
    """The web app. ``settings=None`` reads the environment per request (plugin); ``auth`` says who the user
    is (:mod:`kdata.web.context`: ``local``, ``airflow``, ``proxy`` with ``trusted_proxies``);
    ``allowed_hosts`` refuses other ``Host`` headers (DNS rebinding)."""
    if auth == "proxy" and not trusted_proxies:
        raise BadInput("proxy mode needs the proxy's address (--trusted-proxy): the header is believed from it only")
    app = FastAPI(
        title="K-Data Catalog",
        summary="AI Hub 학습용 데이터 카탈로그 (catalog of AI training datasets)",
        version="1",
        docs_url=None,  # /api/docs is ours: Swagger UI from the fastapi-offline package, not a CDN
        redoc_url=None,
    )
    config = WebConfig(settings, auth, frozenset(trusted_proxies or ()))
    app.state.config = config
    app.state.templates = templates()
    _install_error_handlers(app)
    _install_headers(app)
    _install_authentication(app, config)
    if allowed_hosts:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts)
    _html_routes(app, config)
    _api_routes(app, config)
    _docs_routes(app)
    return app


_DOCS_PAGE = """<!doctype html>
<html lang="ko">
<head>
<meta charset="utf-8">
<title>K-Data Catalog API 문서 (API docs)</title>
<link rel="icon" href="{base}/api/docs/assets/favicon.png">
<link rel="stylesheet" href="{base}/api/docs/assets/swagger-ui.css">
</head>
<body>
<div id="swagger-ui" data-openapi="{base}{openapi}"></div>
<script src="{base}/api/docs/assets/swagger-ui-bundle.js"></script>
<script src="{base}/api/docs/start.js"></script>
</body>
</html>
"""
_DOCS_START = """window.addEventListener("load", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({ url: root.dataset.openapi, dom_id: "#swagger-ui", deepLinking: true });
});
"""


def _docs_routes(app: FastAPI) -> None:
    """``/api/docs``: Swagger UI with every file served here, under a CSP that allows scripts from this
    app only (the start-up script is a file too, not inline)."""
    import fastapi_offline

    static = Path(fastapi_offline.__file__).parent / "static"  # Swagger UI 5 (OpenAPI 3.1, as FastAPI writes)

    @app.get("/api/docs", include_in_schema=False)
    def api_docs(request: Request) -> Response:
        base = html.escape(_base(request), quote=True)
        page = _DOCS_PAGE.format(base=base, openapi=html.escape(app.openapi_url or "/openapi.json", quote=True))
        return Response(page, media_type="text/html; charset=utf-8")

    @app.get("/api/docs/start.js", include_in_schema=False)
    def api_docs_start() -> Response:
        return Response(_DOCS_START, media_type="text/javascript; charset=utf-8")

    @app.get("/api/docs/assets/{name}", include_in_schema=False)
    def api_docs_asset(name: str) -> Response:
        if name not in DOCS_ASSETS:
            raise StarletteHTTPException(404, f"no such file: {name}")
        return FileResponse(static / name, media_type=DOCS_ASSETS[name])
