"""Sending an open event stream once Django has answered its request.

A live stream (the API's ``/api/v1/sessions/{id}/events``, the console's
``/sessions/{id}/stream``) is opened by Django as any request is: every
middleware runs, the view authenticates and checks access with the usual
functions, and answers the status and headers. Its body, though, is not
left to Django's streaming response. Kept there, each open stream would
hold its whole request (the ``HttpRequest`` and its ``META``, the user, the
session), the ASGI handler's task group and disconnect task, and the
response, for as long as it is open, and every line would pass through the
response's iterator and the handler before reaching the server.

Instead the view hands the body over (``respond``): Django sends the status
and headers, then an empty body whose end ``serve`` keeps back, and returns,
letting go of the request and of its thread. ``serve`` then writes the
stream's frames to the server itself, one ASGI message per wake-up, until
the stream ends or the client goes away. What stays alive per stream is the
reader (cursor, member's visibility) and the stream's coroutine.

Streams are let into Django at most ``JOINING`` at a time (per process); the
others wait at the door holding only their ASGI scope. A thousand readers
arriving at once were otherwise a thousand requests alive in Django at once,
and the memory they took then stayed with the process (freed, but scattered
among the open streams' objects): 1,000 streams took 35 KB each joined 500
at a time, 19 KB each joined 10 at a time, in the same time (7.8 and 7.6 s).

Outside ``config/asgi.py`` (Django's test client, WSGI) nothing is handed
over: ``respond`` returns an ordinary streaming response over the same body.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import AsyncIterator, Awaitable, Callable

from django.http import HttpRequest, StreamingHttpResponse

SCOPE_KEY = "verbatim.stream"
JOINING = 16  # streams being opened in Django at once, per process; the pool's threads do the reading anyway
_joining: dict[asyncio.AbstractEventLoop, asyncio.Semaphore] = {}


class Handoff:
    """The slot a stream's view puts its body in, for ``serve`` to send."""

    __slots__ = ("body", "taken")

    def __init__(self) -> None:
        self.body: AsyncIterator[str] | None = None
        self.taken = False  # Django consumed the empty stand-in: the response sent is the view's own


async def _stand_in(handoff: Handoff) -> AsyncIterator[bytes]:
    handoff.taken = True
    return
    yield b""  # an (empty) async generator


def respond(request: HttpRequest, body: AsyncIterator[str]) -> StreamingHttpResponse:
    """The response of a stream's view: hands ``body`` over to ``serve`` when the request came
    through it, else streams ``body`` through Django as usual."""
    scope = getattr(request, "scope", None)  # only ASGI requests have one
    handoff = scope.pop(SCOPE_KEY, None) if scope is not None else None
    if handoff is None:
        response = StreamingHttpResponse(body, content_type="text/event-stream")
    else:
        handoff.body = body
        response = StreamingHttpResponse(_stand_in(handoff), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response


Send = Callable[[dict], Awaitable[None]]


async def serve(scope: dict, receive: Callable, send: Send, django_application: Callable) -> None:
    """Let Django answer a stream's request, then send the stream's body ourselves (until it ends, or
    until the client goes away, which the server tells by ``receive``: this task is then cancelled
    wherever it waits, and the body closed).

    Django answers in a task of its own, in a copy of this task's context: what the request sets in
    its context (the active language and time zone, the URL prefix, asgiref's locals behind them) goes
    with that task, where it stayed in this one, beside the open stream, about 1.4 KB a stream."""
    loop = asyncio.get_running_loop()
    body = await loop.create_task(_answer(scope, receive, send, django_application), context=contextvars.copy_context())
    if body is None:
        return
    client_left = _ClientLeft(asyncio.current_task())
    watch = asyncio.ensure_future(receive())
    watch.add_done_callback(client_left)
    try:
        async for frame in body:
            await send({"type": "http.response.body", "body": frame.encode(), "more_body": True})
        watch.remove_done_callback(client_left)
        await send({"type": "http.response.body", "body": b"", "more_body": False})
    except asyncio.CancelledError:
        if not client_left.gone:
            raise
        client_left.task.uncancel()  # the client left: the stream simply ends
    finally:
        watch.remove_done_callback(client_left)
        watch.cancel()
        await body.aclose()


class _ClientLeft:
    """Called when the watch on ``receive`` ends: unless the watch was cancelled, the client has left,
    and the stream's task is cancelled wherever it waits. (A closure did this, for 150 bytes more.)"""

    __slots__ = ("task", "gone")

    def __init__(self, task: asyncio.Task) -> None:
        self.task = task
        self.gone = False

    def __call__(self, watch: asyncio.Future) -> None:
        if not watch.cancelled():
            self.gone = True
            self.task.cancel()


async def _answer(
    scope: dict, receive: Callable, send: Send, django_application: Callable
) -> AsyncIterator[str] | None:
    """Django's answer to a stream's request: the body it handed over, if the response that went out
    is the view's own; None when Django kept the body and sent it (or answered otherwise)."""
    handoff = Handoff()
    scope[SCOPE_KEY] = handoff
    started = False
    loop = asyncio.get_running_loop()
    door = _joining.get(loop)
    if door is None:
        door = _joining[loop] = asyncio.Semaphore(JOINING)
        for other in [other for other in _joining if other.is_closed()]:  # loops of tests gone by
            del _joining[other]

    async def send_from_django(message: dict) -> None:
        nonlocal started
        if message["type"] == "http.response.body" and handoff.taken and not message.get("more_body", False):
            return  # the end of the empty stand-in: the stream's own body follows
        await send(message)
        if not started and message["type"] == "http.response.start":
            started = True
            if handoff.body is None:  # Django keeps this response: let the next stream in now
                door.release()

    await door.acquire()
    try:
        await django_application(scope, receive, send_from_django)
    finally:
        if not started or handoff.body is not None:  # Django is done with the request
            door.release()
        scope.pop(SCOPE_KEY, None)
    body, handoff.body = handoff.body, None
    if body is None:
        return None
    if not handoff.taken:  # another response than the view's went out: the body is not ours to send
        await body.aclose()
        return None
    return body
