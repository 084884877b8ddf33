"""Who is asking, which settings apply, and the cross-site request guard of the web app.

Users (사용자):

- ``kdata serve`` is a single-user local tool: the user is ``KDATA_USER`` (or the OS user), whatever
  the request says.
- Behind a fronting proxy (the Airflow plugin, or ``kdata serve --user-header``) the proxy names the
  signed-in user in the ``X-KData-User`` header. The proxy must set it on every request and drop any
  value a client sent; a request without it is anonymous (open datasets only, no auditor actions).

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
from urllib.parse import urlsplit

from starlette.requests import Request

from kdata.config import Settings, load_settings
from kdata.errors import NotAllowed

__all__ = [
    "ANONYMOUS",
    "CSRF_COOKIE",
    "USER_HEADER",
    "WebConfig",
    "check_same_origin",
    "csrf_token",
    "current_user",
]

USER_HEADER = "X-KData-User"
CSRF_COOKIE = "kdata_csrf"
ANONYMOUS = ""
"""The user of a request without a trusted name (proxy mode without the header)."""

_USER_NAME = re.compile(r"^[^\x00-\x1f\x7f]{1,128}$")


@dataclass(frozen=True)
class WebConfig:
    """How the app finds its settings and its user."""

    settings: Settings | None = None
    """Fixed settings (tests, ``kdata serve``); ``None`` reads the environment on each request (plugin)."""
    user_header: bool = False
    """Trust ``X-KData-User`` from a fronting proxy instead of ``KDATA_USER``."""

    def current_settings(self) -> Settings:
        return self.settings if self.settings is not None else load_settings()

    @property
    def user_source(self) -> str:
        """Where the user name comes from, for the page footer."""
        return f"{USER_HEADER} header (proxy)" if self.user_header else "KDATA_USER"


def current_user(config: WebConfig, request: Request, settings: Settings) -> str:
    """The requesting user's name (:data:`ANONYMOUS` when a proxy named nobody)."""
    if not config.user_header:
        return settings.user
    value = request.headers.get(USER_HEADER, "").strip()
    if not value or not _USER_NAME.match(value):
        return ANONYMOUS
    return value


def csrf_token(request: Request) -> tuple[str, bool]:
    """The request's double-submit token, and whether it is new (then the response sets the cookie)."""
    existing = request.cookies.get(CSRF_COOKIE, "")
    if re.fullmatch(r"[A-Za-z0-9_-]{32,64}", existing):
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
    if not cookie or not form_token or not hmac.compare_digest(cookie, form_token):
        raise NotAllowed(
            "양식이 만료되었습니다: 페이지를 새로 고친 뒤 다시 보내세요 (form token missing or stale; reload)"
        )
