"""A local S3 endpoint for tests and benchmarks: moto's server over HTTP on a free loopback port, with a
WSGI wrapper in front that records every request and the bytes of its response body."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from moto.server import ThreadedMotoServer
from werkzeug.serving import make_server

__all__ = ["CountingApp", "CountingMotoServer", "Served"]


@dataclass
class Served:
    method: str
    path: str
    range: str | None
    bytes: int = 0


@dataclass
class CountingApp:
    """WSGI wrapper around moto: records the size of every response body.

    The count grows *before* each piece is handed to the server, so by the time a client has the bytes
    the log already holds them (no race with the test reading the log).
    """

    app: Callable[..., Iterable[bytes]]
    log: list[Served] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
        entry = Served(environ["REQUEST_METHOD"], environ.get("PATH_INFO", ""), environ.get("HTTP_RANGE"))
        with self.lock:
            self.log.append(entry)
        result = self.app(environ, start_response)
        try:
            for piece in result:
                with self.lock:
                    entry.bytes += len(piece)
                yield piece
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()

    def reset(self) -> None:
        with self.lock:
            self.log.clear()

    def requests(self, path_prefix: str, method: str = "GET") -> list[Served]:
        """The ``method`` requests whose path starts with ``path_prefix``."""
        with self.lock:
            return [s for s in self.log if s.method == method and s.path.startswith(path_prefix)]

    def served(self, path_prefix: str, method: str = "GET") -> int:
        """Bytes of response bodies for those requests."""
        return sum(s.bytes for s in self.requests(path_prefix, method))


class CountingMotoServer(ThreadedMotoServer):
    """moto's threaded server with :class:`CountingApp` in front."""

    def __init__(self) -> None:
        super().__init__(ip_address="127.0.0.1", port=0, verbose=False)
        self.counter = CountingApp(DomainDispatcherApplication(create_backend_app))

    def _server_entry(self) -> None:
        self._server = make_server(self._ip_address, self._port, self.counter, True, request_handler=MotoRequestHandler)
        self._server_ready_event.set()
        self._server.serve_forever()
