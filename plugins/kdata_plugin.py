"""Airflow 3 plugin: the K-Data catalog web page inside the api-server, with a link in the nav bar.

Put this folder on Airflow's plugins path (``AIRFLOW__CORE__PLUGINS_FOLDER=<project>/plugins``) with the
project installed in Airflow's environment. The api-server then mounts the catalog app at ``/kdata``
(``fastapi_apps``) and the UI shows "K-Data 카탈로그" under Browse (``external_views``, rendered in an
iframe at ``/plugin/kdata``).

The app reads ``KDATA_HOME`` / ``KDATA_STORE`` of the api-server process on each request. Users are
the ones Airflow signed in: the app validates the api-server's own JWT (the UI's ``_token`` cookie or a
bearer token) with Airflow's auth manager; a request without a valid one is anonymous (open datasets
only, no auditor pages). Their catalog roles decide the rest (``kdata role``). The app answers only to
the ``Host`` names in ``KDATA_WEB_HOSTS`` (comma-separated; loopback names by default).

Every Airflow component loads plugins (schedulers, workers, the dag-processor), so this module imports
nothing heavy: the web app (FastAPI, DuckDB, pyarrow) is built on the first request it serves.
"""

from __future__ import annotations

from typing import Any

from airflow.plugins_manager import AirflowPlugin

__all__ = ["CatalogApp", "KDataCatalogPlugin"]

URL_PREFIX = "/kdata"


class CatalogApp:
    """An ASGI app that builds :func:`kdata.web.app.create_app` (Airflow sign-in) on first use."""

    def __init__(self) -> None:
        self._app: Any = None

    def app(self) -> Any:
        if self._app is None:
            from kcore.config import load_settings
            from kdata.web.app import create_app
            from kdata.web.context import web_hosts

            self._app = create_app(auth="airflow", allowed_hosts=web_hosts(load_settings()))
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
