"""Template environment, filters and the view models the Jinja templates need (no catalog access here).

Templates autoescape everything; user input only ever reaches a page through them or through
:func:`urllib.parse.urlencode` in the links built here.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.templating import Jinja2Templates

from catalog import search as catalog_search
from schemas.domains import DOMAINS, resolve_domain

__all__ = [
    "DATA_TYPE_LABELS",
    "FACET_TITLES",
    "LICENSE_STATUS_LABELS",
    "RELEASE_STATUS_LABELS",
    "VERDICT_LABELS",
    "facet_groups",
    "human_size",
    "query_string",
    "templates",
]

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"

LICENSE_STATUS_LABELS = catalog_search.LICENSE_STATUS_LABELS
DATA_TYPE_LABELS = catalog_search.DATA_TYPE_LABELS
RELEASE_STATUS_LABELS = catalog_search.RELEASE_STATUS_LABELS
VERDICT_LABELS = {"passed": "합격", "passed_with_warnings": "조건부 합격 (경고)", "failed": "불합격"}

FACET_TITLES: dict[str, str] = {
    "domain": "분야 Domain",
    "license_status": "이용 상태 Licence status",
    "commercial_use": "상업적 이용 Commercial use",
    "data_type": "유형 Data type",
    "build_year": "구축년도 Build year",
}
"""Facets shown on the search page, in order (others that search may add are ignored)."""

_FACET_PARAM = {"domain": "domain", "license_status": "license_status", "data_type": "data_type"}
SEARCH_PARAMS = ("q", "domain", "license_status", "commercial", "data_type", "year_from", "year_to")


def human_size(value: Any) -> str:
    """Bytes as B / KB / MB / GB (1024-based), e.g. ``1.5 MB``."""
    if value is None:
        return ""
    size = float(value)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size < 1024 or unit == "TB":
            return f"{int(size)} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TB"  # pragma: no cover


def _number(value: Any) -> str:
    return "" if value is None else f"{int(value):,}"


def _yes_no(value: Any) -> str:
    if value is None:
        return "-"
    return "가능 yes" if value else "불가 no"


def _when(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return "" if value is None else str(value)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def query_string(params: dict[str, str], **changes: str | None) -> str:
    """``?a=1&b=2`` of the non-empty search params after ``changes`` (``None`` removes a key)."""
    merged = {k: v for k, v in params.items() if k in SEARCH_PARAMS and v}
    for key, value in changes.items():
        if value:
            merged[key] = value
        else:
            merged.pop(key, None)
    return "?" + urlencode(merged) if merged else "?"


def _facet_item(facet: str, item: dict[str, Any], params: dict[str, str]) -> dict[str, Any]:
    value = item["value"]
    if facet == "build_year":
        selected = params.get("year_from") == str(value) and params.get("year_to") == str(value)
        year = None if selected else str(value)
        href = query_string(params, year_from=year, year_to=year)
    elif facet == "commercial_use":
        text = "true" if value else "false"
        selected = params.get("commercial", "").lower() == text
        href = query_string(params, commercial=None if selected else text)
    else:
        name = _FACET_PARAM[facet]
        selected = params.get(name) == str(value) or (facet == "domain" and _same_domain(params.get(name), value))
        href = query_string(params, **{name: None if selected else str(value)})
    return {
        "label": item.get("label", value),
        "value": value,
        "count": item.get("count", 0),
        "href": href,
        "selected": selected,
    }


def _same_domain(asked: str | None, value: Any) -> bool:
    if not asked:
        return False
    try:
        return resolve_domain(asked).id == value
    except KeyError:
        return False


def facet_groups(facets: dict[str, Any], params: dict[str, str]) -> list[dict[str, Any]]:
    """The search page's facet lists: title and items with counts and toggle links."""
    groups = []
    for facet, title in FACET_TITLES.items():
        items = facets.get(facet) or []
        if items:
            groups.append({"name": facet, "title": title, "items": [_facet_item(facet, i, params) for i in items]})
    return groups


def templates() -> Jinja2Templates:
    """The app's Jinja2 templates (autoescaped) with the filters and label tables registered."""
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(size=human_size, num=_number, yn=_yes_no, when=_when, json=_json)
    env.globals.update(
        DOMAINS=DOMAINS,
        LICENSE_STATUS_LABELS=LICENSE_STATUS_LABELS,
        DATA_TYPE_LABELS=DATA_TYPE_LABELS,
        RELEASE_STATUS_LABELS=RELEASE_STATUS_LABELS,
        VERDICT_LABELS=VERDICT_LABELS,
    )
    return Jinja2Templates(env=env)
