"""``kdata serve``: the catalog web page on loopback (registered on :data:`kdata.cli_base.app`)."""

from __future__ import annotations

import ipaddress
from typing import Annotated

import typer

from kcore.config import Settings
from kcore.errors import BadInput
from kdata.cli_base import _run, app, err, out

__all__ = ["is_loopback", "serve"]

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1", "[::1]")


def is_loopback(host: str) -> bool:
    """Whether ``host`` only listens on this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="주소 listen address (loopback by default)")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="포트 port")] = 8765,
    user_header: Annotated[
        bool,
        typer.Option(
            "--user-header",
            help="프록시가 보낸 X-KData-User 를 사용자로 사용 (trust the X-KData-User header of a fronting proxy "
            "instead of KDATA_USER; needs --trusted-proxy; the proxy must drop the header clients send)",
        ),
    ] = False,
    trusted_proxy: Annotated[
        list[str] | None,
        typer.Option(
            "--trusted-proxy",
            help="프록시 주소 the proxy's address (repeatable): X-KData-User is believed from these clients only",
        ),
    ] = None,
) -> None:
    """카탈로그 웹 페이지 (serve the catalog web page: search, dataset pages, reports, auditor view).

    The user is KDATA_USER (a single-user local tool) unless --user-header is given.
    """

    def body(settings: Settings) -> Settings:
        if not 1 <= port <= 65535:
            raise BadInput(f"--port {port}: expected 1-65535")
        if user_header and not trusted_proxy:
            raise BadInput("--user-header needs --trusted-proxy ADDR: the header is believed from the proxy only")
        if trusted_proxy and not user_header:
            raise BadInput("--trusted-proxy is for --user-header (a fronting proxy names the user)")
        return settings

    settings = _run(body)
    import uvicorn

    from kdata.web.app import create_app

    allowed = None
    if is_loopback(host):
        allowed = [*LOOPBACK_NAMES, host]  # refuses other Host headers: no DNS rebinding onto loopback
    else:
        err.print(
            f"[yellow]주의 warning:[/] listening on {host}: everyone who reaches it acts as "
            f"{'the X-KData-User of the request' if user_header else repr(settings.user)}",
            highlight=False,
        )
    if user_header:
        web = create_app(settings, auth="proxy", trusted_proxies=list(trusted_proxy or ()), allowed_hosts=allowed)
    else:
        web = create_app(settings, allowed_hosts=allowed)
    out.print(
        f"K-Data 카탈로그 웹: http://{host}:{port}/  (user: {settings.user if not user_header else 'X-KData-User'})"
    )
    # proxy_headers=False: uvicorn would otherwise take the client address from X-Forwarded-For (from any
    # loopback peer), and --trusted-proxy would trust whoever wrote that header
    uvicorn.run(web, host=host, port=port, log_level="info", proxy_headers=False)
