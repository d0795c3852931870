"""The ASGI application.

Each request's synchronous work (the middleware, the view) runs on a thread of
its own, as in Django's handler; the thread is kept when the request ends, for
the next one (``KeptThreadsHandler``), where Django started a thread for each
request and another to join it. A stream's synchronous work (middleware, the
access check) is over once its response starts, so at that moment the
stream's thread is let go, and not kept; the open stream then waits on the
event loop alone. Joins have a thread each while they are served, so 1,000
readers arriving at once are served in parallel, not one after another
(docs/PERFORMANCE.md).

Once Django has sent a stream's status and headers it lets go of the request
altogether: the view hands the stream's body over, and ``sessions/sse.py``
writes its frames to the server directly (an open stream keeps no request,
no response and none of the handler's tasks)."""

import gc
import os
import re
import threading
from concurrent.futures import ThreadPoolExecutor

import django
from asgiref.sync import SyncToAsync, ThreadSensitiveContext
from django.core.handlers.asgi import ASGIHandler
from django.urls import get_resolver

from config.startup import run_or_explain
from sessions import sse

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

STREAM_PATHS = re.compile(r"^/(?:api/v1/sessions/[^/]+/events|sessions/[^/]+/stream)$")

KEPT_THREADS = 32  # idle request threads kept at most; a burst beyond it starts threads as before


class KeptThreadsHandler(ASGIHandler):
    """Django's ASGI handler, each request's synchronous work on a thread of its own as before, the
    thread taken from those of ended requests when one is idle. Django's database connections,
    active language and time zone are per thread: each request sets its own, and gives its
    connection back when it ends, as under a WSGI server whose threads serve request after request."""

    def __init__(self) -> None:
        super().__init__()
        self._idle: list[ThreadPoolExecutor] = []
        self._lock = threading.Lock()

    def _take(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._idle:
                return self._idle.pop()
        return ThreadPoolExecutor(max_workers=1, thread_name_prefix="request")

    def _give_back(self, executor: ThreadPoolExecutor) -> None:
        with self._lock:
            if len(self._idle) < KEPT_THREADS:
                self._idle.append(executor)
                return
        executor.shutdown(wait=False)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        executor = self._take()
        context = ThreadSensitiveContext(executor=executor)
        kept = False
        try:
            async with context:
                try:
                    await self.handle(scope, receive, send)
                finally:
                    # a stream's view lets go of its thread (release_request_thread): that one is not kept
                    kept = SyncToAsync.context_to_thread_executor.get(context) is executor
        finally:
            if kept:
                self._give_back(executor)


def _application() -> KeptThreadsHandler:
    django.setup(set_prefix=False)
    handler = KeptThreadsHandler()
    # What the first request would load (the URL conf, every view and API module), loaded now; then
    # everything alive at start-up, which lives as long as the process, is moved out of the cyclic
    # garbage collector's sight (gc.freeze): its full collections scanned 130,000 objects in about
    # 90 ms, stalling every stream and request of the process meanwhile (docs/PERFORMANCE.md).
    get_resolver().url_patterns  # noqa: B018 - loads the URL conf
    gc.freeze()
    return handler


django_application = run_or_explain(_application)


def release_request_thread() -> None:
    """End the current request's thread-sensitive thread now rather than when the response ends (it
    is not kept for another request). Should the request need one again (closing the response),
    asgiref starts another, which ends once the request's context has gone."""
    context = SyncToAsync.thread_sensitive_context.get(None)
    executor = SyncToAsync.context_to_thread_executor.pop(context, None) if context is not None else None
    if executor is not None:
        executor.shutdown(wait=False)


async def application(scope, receive, send):
    if scope["type"] != "http" or not STREAM_PATHS.match(scope.get("path", "")):
        return await django_application(scope, receive, send)
    # Should the view keep the body (not a stream after all), every middleware has run once the response
    # starts: the stream needs its thread no more.
    return await sse.serve(scope, receive, send, django_application, on_start=release_request_thread)
