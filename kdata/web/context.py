"""Who is asking, which settings apply, and the cross-site request guard of the web app.

Users (사용자), by how the app runs (:class:`WebConfig` ``auth``):

- ``local`` (``kdata serve``, loopback by default): a single-user local tool; the user is
  ``KDATA_USER`` (or the OS user), whatever the request says.
- ``airflow`` (the Airflow plugin): the user is the one Airflow's own authentication signed in: the
  api-server's JWT (the ``_token`` cookie of Airflow's UI, or an ``Authorization: Bearer`` token),
  validated by Airflow's auth manager. A header a client sends names nobody.
- ``proxy`` (``kdata serve --user-header --trusted-proxy ADDR``): the ``X-KData-User`` header, honoured
  only on connections from the configured proxy addresses; the proxy must drop what clients send.

A request that names nobody is anonymous: open datasets only, no auditor pages, no server paths.
What a named user may do comes from their roles in the catalog (:mod:`catalog.roles`), read on the
requests that need them, never from the request.

Form posts (licence status changes) are refused when they come from another site: the browser's
``Origin`` / ``Sec-Fetch-Site`` headers must say same-origin, and the form must carry the token of the
``kdata_csrf`` cookie (double submit). Both work without server-side state, so several api-server
workers can serve the same app.
"""

from __future__ import annotations

import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

from starlette.requests import Request

from kcore.config import Settings, load_settings
from kcore.errors import NotAllowed
from kcore.users import is_user_name

__all__ = [
    "ANONYMOUS",
    "AUTH_MODES",
    "CSRF_COOKIE",
    "USER_HEADER",
    "WEB_HOSTS_ENV",
    "WebConfig",
    "check_same_origin",
    "csrf_token",
    "current_user",
    "resolve_user",
    "web_hosts",
]

USER_HEADER = "X-KData-User"
CSRF_COOKIE = "kdata_csrf"
ANONYMOUS = ""
"""The user of a request without a trusted name."""
AIRFLOW_TOKEN_COOKIE = "_token"
"""The cookie Airflow 3's UI keeps its JWT in (``airflow.api_fastapi.auth.managers.base_auth_manager``)."""
WEB_HOSTS_ENV = "KDATA_WEB_HOSTS"
AuthMode = Literal["local", "airflow", "proxy"]
AUTH_MODES: tuple[str, ...] = ("local", "airflow", "proxy")


def web_hosts(settings: Settings) -> list[str]:
    """``Host`` names the app answers to (``KDATA_WEB_HOSTS``, comma-separated; loopback by default)."""
    return list(settings.web_hosts) or ["localhost", "127.0.0.1", "::1", "[::1]"]


@dataclass(frozen=True)
class WebConfig:
    """How the app finds its settings and its user."""

    settings: Settings | None = None
    """Fixed settings (tests, ``kdata serve``); ``None`` reads the environment on each request (plugin)."""
    auth: AuthMode = "local"
    trusted_proxies: frozenset[str] = frozenset()
    """``proxy`` mode: client addresses whose ``X-KData-User`` header is believed."""

    def current_settings(self) -> Settings:
        return self.settings if self.settings is not None else load_settings()

    @property
    def user_source(self) -> str:
        """Where the user name comes from, for the page footer."""
        return {
            "local": "KDATA_USER",
            "airflow": "Airflow 로그인 (Airflow sign-in)",
            "proxy": f"{USER_HEADER} header (proxy)",
        }[self.auth]


async def _airflow_user(request: Request) -> str:
    """The user of Airflow's JWT on this request (cookie or bearer token), validated by its auth manager."""
    header = request.headers.get("authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else request.cookies.get(AIRFLOW_TOKEN_COOKIE)
    if not token:
        return ANONYMOUS
    try:
        from airflow.api_fastapi.app import get_auth_manager

        user: Any = await get_auth_manager().get_user_from_token(token)
    except Exception:  # expired, revoked, forged or no auth manager: nobody
        return ANONYMOUS
    name = str(user.get_name() or "")
    return name if is_user_name(name) else ANONYMOUS


async def resolve_user(config: WebConfig, request: Request) -> str:
    """Who asks, by :attr:`WebConfig.auth` (module docstring); stored on the request by the app's middleware."""
    if config.auth == "airflow":
        return await _airflow_user(request)
    if config.auth == "proxy":
        client = request.client.host if request.client else ""
        if client not in config.trusted_proxies:
            return ANONYMOUS
        value = request.headers.get(USER_HEADER, "").strip()
        return value if value and is_user_name(value) else ANONYMOUS
    return config.current_settings().user


def current_user(config: WebConfig, request: Request, settings: Settings) -> str:
    """The requesting user's name (:data:`ANONYMOUS` when nobody trusted named one)."""
    if config.auth == "local":
        return settings.user
    return str(getattr(request.state, "kdata_user", ANONYMOUS))


_TOKEN = re.compile(r"[A-Za-z0-9_-]{32,64}")
"""A double-submit token as :func:`csrf_token` makes them (``secrets.token_urlsafe(32)``)."""


def csrf_token(request: Request) -> tuple[str, bool]:
    """The request's double-submit token, and whether it is new (then the response sets the cookie)."""
    existing = request.cookies.get(CSRF_COOKIE, "")
    if _TOKEN.fullmatch(existing):
        return existing, False
    return secrets.token_urlsafe(32), True


def _same_origin(request: Request) -> bool:
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    return urlsplit(origin).netloc.lower() == request.headers.get("host", "").lower()


def check_same_origin(request: Request, form_token: str) -> None:
    """Raise :class:`NotAllowed` for a cross-site form post or a missing/mismatched token."""
    if not _same_origin(request):
        raise NotAllowed("다른 사이트에서 보낸 요청은 거부합니다 (cross-site request refused)")
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if not _TOKEN.fullmatch(cookie) or not hmac.compare_digest(cookie, form_token):
        raise NotAllowed(
            "양식이 만료되었습니다: 페이지를 새로 고친 뒤 다시 보내세요 (form token missing or stale; reload)"
        )
