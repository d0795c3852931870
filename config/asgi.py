"""The ASGI application.

Each request's synchronous work runs on a thread of its own, as in Django's
handler; the thread is kept when the request ends, for the next one, where
Django started a thread for each request and another to join it. A request
goes to its thread once, as a WSGI server runs it: the request-started signal,
every middleware and the view, through Django's synchronous handler; the loop
sends the answer and a second hop closes it (``RequestHandler``). Django's ASGI
path went to the thread and back five to seven times a request. Joins have a
thread each while they are served, so 1,000 readers arriving at once are
served in parallel, not one after another (docs/PERFORMANCE.md).

The event streams are requests like the others until Django has sent their
status and headers: then the view hands the stream's body over, the request
ends (its thread is kept for the next request, its database connection goes
back to the pool), and ``sessions/sse.py`` writes the stream's frames to the
server from the event loop (an open stream keeps no request, no response, no
thread and no connection)."""

import gc
import inspect
import os
import re
import threading
from collections.abc import Awaitable
from concurrent.futures import ThreadPoolExecutor

import django
from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.core.handlers.base import BaseHandler
from django.http import FileResponse, HttpResponseBase
from django.urls import get_resolver, set_script_prefix

from config.startup import run_or_explain
from sessions import sse

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

STREAM_PATHS = re.compile(r"^/(?:api/v1/sessions/[^/]+/events|sessions/[^/]+/stream)$")

KEPT_THREADS = 32  # idle request threads kept at most; a burst beyond it starts threads as before


class RequestHandler(ASGIHandler):
    """Django's handler, each request's synchronous work in one hop to a thread of its own: the
    request-started signal, every middleware and the view, through Django's synchronous handler (the
    one a WSGI server and the test client run); the answer sent from the event loop; then, in a second
    hop, the response closed (the request-finished signal). Django's ASGI path crossed between the
    loop and the thread five to seven times (seven for the sign-in page): for the signal, for the
    middleware chain, back to the loop for the view's asynchronous adapter, again for the view, and
    to close. A synchronous view cannot be cancelled halfway, so no task watches for the client
    leaving meanwhile: the view finishes, and an answer to a client gone is dropped by the server.

    The thread is taken from those of ended requests when one is idle, and kept when the request
    ends. Django's database connections, active language and time zone are per thread: each request
    sets its own, and gives its connection back when it ends, as under a WSGI server whose threads
    serve request after request."""

    def __init__(self) -> None:
        BaseHandler.__init__(self)
        self.load_middleware(is_async=False)  # the middleware chain, called in the request's thread
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
        try:
            async with ThreadSensitiveContext(executor=executor):
                await self.handle(scope, receive, send)
        finally:
            self._give_back(executor)

    async def handle(self, scope, receive, send):
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        with body_file:
            response = await sync_to_async(self._respond)(scope, body_file)
            await self.send_response(response, send)
            await sync_to_async(response.close)()

    def _respond(self, scope: dict, body_file) -> HttpResponseBase:
        set_script_prefix(get_script_prefix(scope))
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, error_response = self.create_request(scope, body_file)
        if request is None:
            return error_response
        response = self.get_response(request)
        response._handler_class = self.__class__
        if isinstance(response, FileResponse):
            response.block_size = self.chunk_size  # the server chunks what it sends
        return response


def _application() -> RequestHandler:
    django.setup(set_prefix=False)
    handler = RequestHandler()
    # What the first request would load (the URL conf, every view and API module), loaded now; then
    # everything alive at start-up, which lives as long as the process, is moved out of the cyclic
    # garbage collector's sight (gc.freeze): its full collections scanned 130,000 objects in about
    # 90 ms, stalling every stream and request of the process meanwhile (docs/PERFORMANCE.md).
    get_resolver().url_patterns  # noqa: B018 - loads the URL conf
    gc.freeze()
    return handler


django_application = run_or_explain(_application)


@inspect.markcoroutinefunction
def application(scope, receive, send) -> Awaitable[None]:
    """The coroutine that serves the request, returned rather than awaited here: an open stream keeps
    one coroutine (``sse.serve``) where it kept two, this one waiting on it (about 250 bytes)."""
    if scope["type"] != "http" or not STREAM_PATHS.match(scope.get("path", "")):
        return django_application(scope, receive, send)
    return sse.serve(scope, receive, send, django_application)
