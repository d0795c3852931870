"""The ASGI application.

Django runs each request in its own thread-sensitive context, with a thread
of its own for the synchronous middleware and code the request calls, and
ends that thread when the response has been sent: for a live stream, when
the stream closes, one idle thread per open reader. A stream's synchronous
work (middleware, the access check) is over once its response starts, so
at that moment the stream's thread is let go; the open stream then waits on
the event loop alone. Joins keep a thread each while they are served, so
1,000 readers arriving at once are served in parallel, not one after
another (docs/PERFORMANCE.md).

Once Django has sent a stream's status and headers it lets go of the request
altogether: the view hands the stream's body over, and ``sessions/sse.py``
writes its frames to the server directly (an open stream keeps no request,
no response and none of the handler's tasks)."""

import os
import re

from asgiref.sync import SyncToAsync
from django.core.asgi import get_asgi_application

from config.startup import run_or_explain
from sessions import sse

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

STREAM_PATHS = re.compile(r"^/(?:api/v1/sessions/[^/]+/events|sessions/[^/]+/stream)$")

django_application = run_or_explain(get_asgi_application)


def release_request_thread() -> None:
    """End the current request's thread-sensitive thread now rather than when the response ends.
    Should the request need one again (closing the response), asgiref starts another, which
    Django ends with the request as usual."""
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
