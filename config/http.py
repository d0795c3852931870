"""uvicorn's HTTP protocol (httptools) with less kept per open connection.

Every launcher of the web process names it: ``uvicorn config.asgi:application --http
config.http:HttpProtocol`` (Dockerfile, docker-compose.yml, bin/serve, the bench). An open stream is a
connection held for hours, and uvicorn keeps three empty ``collections.deque`` per connection: the queue
of pipelined requests and the waiters of two ``asyncio.Event`` (the request's message event and flow
control's writable event). CPython allocates a deque's first block up front, 760 bytes empty; a list
allocates nothing until used (56 bytes). Those three queues are replaced here by lists, as they are
created, which is 2.1 KB less per connection: about 10 MB at 5,000 held streams (docs/PERFORMANCE.md,
"Seventh round").

Pipelined requests and the events' waiters are rare and short (at most a few at once), where a list's
``insert(0, ...)`` and ``remove`` cost nothing measurable. The attributes replaced belong to uvicorn
and asyncio, whose versions pyproject.toml pins; tests/foundation/test_http_protocol.py fails when an
upgrade renames them.
"""

from __future__ import annotations

import asyncio
from collections import deque

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class _Pipeline(list):
    """The queue of pipelined requests, as uvicorn uses it (``appendleft``, ``pop``, truth)."""

    __slots__ = ()

    def appendleft(self, item: object) -> None:
        self.insert(0, item)


def _lighten(event: asyncio.Event) -> None:
    """Give an event a list of waiters in place of its empty deque (``wait`` appends and removes,
    ``set`` iterates: a list does both)."""
    waiters = event._waiters  # noqa: SLF001 (asyncio's own; Python is pinned, see the module's docstring)
    if type(waiters) is deque:
        event._waiters = list(waiters)  # noqa: SLF001


class HttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, its per-connection queues made lists."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.pipeline = _Pipeline()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        _lighten(self.flow._is_writable_event)  # noqa: SLF001 (uvicorn's own, pinned)

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        if self.cycle is not None:
            _lighten(self.cycle.message_event)
