"""Airflow 3 plugin: the K-Data catalog web page inside the api-server, with a link in the nav bar.

Put this folder on Airflow's plugins path (``AIRFLOW__CORE__PLUGINS_FOLDER=<project>/plugins``) with the
project installed in Airflow's environment. The api-server then mounts the catalog app at ``/kdata``
(``fastapi_apps``) and the UI shows "K-Data 카탈로그" under Browse (``external_views``, rendered in an
iframe at ``/plugin/kdata``).

The app reads ``KDATA_HOME`` / ``KDATA_STORE`` of the api-server process on each request. Users: a
fronting proxy must name the signed-in user in the ``X-KData-User`` header (and drop any value a
client sends); without it a request is anonymous: open datasets only, no licence status changes.
Airflow's own authentication does not cover plugin apps.

Every Airflow component loads plugins (schedulers, workers, the dag-processor), so this module imports
nothing heavy: the web app (FastAPI, DuckDB, pyarrow) is built on the first request it serves.
"""

from __future__ import annotations

from typing import Any

from airflow.plugins_manager import AirflowPlugin

__all__ = ["CatalogApp", "KDataCatalogPlugin"]

URL_PREFIX = "/kdata"


class CatalogApp:
    """An ASGI app that builds :func:`kdata.web.app.create_app` (proxy user mode) on first use."""

    def __init__(self) -> None:
        self._app: Any = None

    def app(self) -> Any:
        if self._app is None:
            from kdata.web.app import create_app

            self._app = create_app(user_header=True)
        return self._app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app()(scope, receive, send)


class KDataCatalogPlugin(AirflowPlugin):
    """Mounts the catalog web app at ``/kdata`` and links it from the Airflow UI."""

    name = "kdata_catalog"
    fastapi_apps: list[Any] = [  # noqa: RUF012 - Airflow reads these class attributes
        {"app": CatalogApp(), "url_prefix": URL_PREFIX, "name": "K-Data Catalog"},
    ]
    external_views: list[Any] = [  # noqa: RUF012
        {
            "name": "K-Data 카탈로그 (Catalog)",
            "href": "kdata/",
            "destination": "nav",
            "category": "browse",
            "url_route": "kdata",
        },
    ]
