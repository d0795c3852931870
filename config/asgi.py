"""The ASGI application.

Django runs each request in its own thread-sensitive context, whose thread
(for the synchronous middleware and code it calls) lives as long as the
response: for a live stream, as long as the stream is open, one idle thread
per reader. Stream requests therefore share one thread-sensitive thread per
process instead: their synchronous work (middleware, the access check) is
short and done before the stream starts, and an open stream then waits on
the event loop alone (docs/PERFORMANCE.md)."""

import os
import re
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import ThreadSensitiveContext
from django.core.asgi import get_asgi_application

from config.startup import run_or_explain

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

STREAM_PATHS = re.compile(r"^/(?:api/v1/sessions/[^/]+/events|sessions/[^/]+/stream)$")

django_application = run_or_explain(get_asgi_application)
stream_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="streams")


async def application(scope, receive, send):
    if scope["type"] == "http" and STREAM_PATHS.match(scope.get("path", "")):
        async with ThreadSensitiveContext(executor=stream_thread):
            return await django_application(scope, receive, send)
    return await django_application(scope, receive, send)
