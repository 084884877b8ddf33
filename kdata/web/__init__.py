"""The catalog web page (데이터 카탈로그 웹): search, dataset pages, quality reports, auditor view.

``kdata serve`` runs it on loopback for one user (``KDATA_USER``); the Airflow plugin
(``plugins/kdata_plugin.py``) mounts the same app at ``/kdata`` inside the api-server, where a
fronting proxy names the user in the ``X-KData-User`` header. See :mod:`kdata.web.app`.
"""

from __future__ import annotations

__all__ = ["create_app"]


def __getattr__(name: str) -> object:
    if name == "create_app":
        from kdata.web.app import create_app

        return create_app
    raise AttributeError(name)
