"""Requests run their synchronous work on threads kept from ended requests (config/asgi.py,
``RequestHandler``), as a WSGI server's worker threads serve request after request: nothing a
request sets on its thread may reach the next one."""

from __future__ import annotations

import asyncio
import threading

import pytest
from asgiref.sync import SyncToAsync
from django.core.signals import request_started

from config.asgi import KEPT_THREADS, django_application
from tests.conftest import asgi_get

pytestmark = pytest.mark.django_db(transaction=True)


def request_then_leave_when(left: asyncio.Event):
    """An ASGI ``receive``: the (empty) request, then the client's leaving once ``left`` is set."""
    delivered = False

    async def receive() -> dict:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await left.wait()
        return {"type": "http.disconnect"}

    return receive


async def answer(path: str, language: str = "en") -> tuple[int, str]:
    sent: list[dict] = []
    done = asyncio.Event()
    receive = request_then_leave_when(done)

    async def send(message: dict) -> None:
        sent.append(message)

    await django_application(asgi_get(path, {"Accept-Language": language}), receive, send)
    done.set()
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return sent[0]["status"], body.decode()


def threads_of_requests(run) -> list[threading.Thread]:
    """The thread each request started on (the Thread objects: an ended thread's number may be reused)."""
    seen: list[threading.Thread] = []

    def note(**kwargs) -> None:
        seen.append(threading.current_thread())

    request_started.connect(note, weak=False)
    try:
        run()
    finally:
        request_started.disconnect(note)
    return seen


def test_requests_one_after_another_run_on_one_kept_thread():
    async def three() -> None:
        for _ in range(3):
            assert (await answer("/login/"))[0] == 200

    seen = threads_of_requests(lambda: asyncio.run(three()))
    assert len(seen) == 3 and seen[0] is seen[1] is seen[2]
    assert threading.current_thread() not in seen  # not the event loop's


def test_requests_at_the_same_time_each_have_a_thread_of_their_own():
    async def together() -> None:
        answers = await asyncio.gather(*(answer("/login/") for _ in range(KEPT_THREADS + 8)))
        assert {status for status, _ in answers} == {200}

    seen = threads_of_requests(lambda: asyncio.run(together()))
    assert len(seen) == KEPT_THREADS + 8 and len({id(thread) for thread in seen}) == KEPT_THREADS + 8


def test_a_requests_language_does_not_reach_the_next_request_on_the_same_thread():
    async def french_then_english() -> tuple[str, str]:
        _, french = await answer("/login/", "fr")
        _, english = await answer("/login/", "en")
        return french, english

    french, english = [], []

    def run() -> None:
        f, e = asyncio.run(french_then_english())
        french.append(f)
        english.append(e)

    seen = threads_of_requests(run)
    assert seen[0] is seen[1]  # the same thread served both
    assert 'lang="fr"' in french[0]
    assert 'lang="en"' in english[0]


def test_a_request_goes_to_its_thread_twice_once_for_its_work_and_once_to_close(monkeypatch):
    """The request-started signal, every middleware and the view in one hop; the response closed in a
    second (Django's ASGI path took seven for this page)."""
    hops: list[str] = []
    thread_handler = SyncToAsync.thread_handler

    def counted(self, *args, **kwargs):
        hops.append(threading.current_thread().name)
        return thread_handler(self, *args, **kwargs)

    monkeypatch.setattr(SyncToAsync, "thread_handler", counted)
    status, body = asyncio.run(answer("/login/"))
    assert status == 200 and "<form" in body
    assert len(hops) == 2 and hops[0] == hops[1]  # both on the request's own thread


def test_a_stream_is_opened_in_the_same_two_hops_and_its_thread_serves_the_next_request(monkeypatch, world):
    """A stream's request is a request like the others until its headers are sent: the token, the
    access check and every middleware in one hop, then the close; its body is sent from the loop,
    and its thread is kept for the next request (a stream took five hops to its thread and one to the
    shared pool to open, and its thread was then ended)."""
    from config.asgi import application
    from negotiations.models import ApiToken

    token = ApiToken.issue(world.note_taker)
    path = f"/api/v1/sessions/{world.session.public_id}/events"
    hops: list[threading.Thread] = []
    thread_handler = SyncToAsync.thread_handler

    def counted(self, *args, **kwargs):
        hops.append(threading.current_thread())
        return thread_handler(self, *args, **kwargs)

    async def open_stream_then_sign_in_page() -> tuple[int, list[threading.Thread], int]:
        left = asyncio.Event()
        opened = asyncio.Event()
        receive = request_then_leave_when(left)
        status = 0

        async def send(message: dict) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            if b"retry:" in message.get("body", b""):
                opened.set()

        monkeypatch.setattr(SyncToAsync, "thread_handler", counted)
        stream = asyncio.ensure_future(application(asgi_get(path, {"Authorization": f"Bearer {token}"}), receive, send))
        await asyncio.wait_for(opened.wait(), 10)
        monkeypatch.setattr(SyncToAsync, "thread_handler", thread_handler)
        opening_hops = list(hops)
        hops.clear()
        monkeypatch.setattr(SyncToAsync, "thread_handler", counted)
        assert (await answer("/login/"))[0] == 200  # while the stream is open
        monkeypatch.setattr(SyncToAsync, "thread_handler", thread_handler)
        left.set()
        await asyncio.wait_for(stream, 10)
        return status, opening_hops, len(hops)

    status, opening_hops, next_hops = asyncio.run(open_stream_then_sign_in_page())
    assert status == 200
    # the stream's own reads go to the shared pool's threads ("asyncio_N"), not to a request thread
    request_hops = [thread for thread in opening_hops if thread.name.startswith("request")]
    assert len(request_hops) == 2 and request_hops[0] is request_hops[1]
    assert next_hops == 2 and hops[0] is request_hops[0]  # the stream's thread, kept, served the page
