"""The console without a network or without a server, in Chromium: a reload
shows the console (kept by its service worker) with the lines still waiting,
and once the server answers again every waiting line is stored exactly once
and no row stays pending, without a reload."""

from __future__ import annotations

import signal
import time

import pytest
from playwright.sync_api import Page, expect

from sessions.models import Entry
from tests.browser.pages import open_console, sign_in, type_entry
from tests.scene import build_scene

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def scene(world):
    return build_scene(world)


def kept_offline(page: Page) -> None:
    """The service worker controls the console and has kept the page."""
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    kept = "() => caches.open('verbatim-console-v1').then((c) => c.match(location.pathname)).then((r) => Boolean(r))"
    deadline = time.monotonic() + 10
    while not page.evaluate(kept):
        assert time.monotonic() < deadline, "the service worker did not keep the console page"
        page.wait_for_timeout(100)


def test_a_reload_while_offline_shows_the_console_with_its_queue(asgi_server, scene, browser):
    ilan = sign_in(browser, asgi_server, scene.note_taker)
    open_console(ilan, asgi_server, scene.session)
    kept_offline(ilan)

    ilan.context.set_offline(True)
    type_entry(ilan, "Typed offline — «первая строка».")
    type_entry(ilan, "Typed offline, second line.")
    box = ilan.locator("#capture-text")
    box.press_sequentially("A draft not sent yet")
    expect(ilan.locator("#queue-status")).to_contain_text("2 waiting to be sent")

    ilan.reload()
    expect(ilan.locator("h1")).to_contain_text("Session")
    expect(ilan.locator("#pending li")).to_have_count(2)
    expect(ilan.locator("#pending")).to_contain_text("Typed offline — «первая строка».")
    expect(ilan.locator("#capture-text")).to_have_value("A draft not sent yet")
    expect(ilan.locator("#timeline")).to_contain_text("Opening remarks.")

    ilan.context.set_offline(False)
    expect(ilan.locator("#timeline li", has_text="Typed offline, second line.")).to_have_count(1, timeout=30_000)
    expect(ilan.locator("#pending li")).to_have_count(0, timeout=30_000)
    assert Entry.objects.filter(text="Typed offline — «первая строка».").count() == 1
    assert Entry.objects.filter(text="Typed offline, second line.").count() == 1


def test_a_reload_while_the_server_is_down_shows_the_console(asgi_server, scene, browser):
    ilan = sign_in(browser, asgi_server, scene.note_taker)
    open_console(ilan, asgi_server, scene.session)
    kept_offline(ilan)
    asgi_server.stop()
    type_entry(ilan, "Typed while the server is down.")
    ilan.reload()
    expect(ilan.locator("#pending")).to_contain_text("Typed while the server is down.")
    asgi_server.start()
    expect(ilan.locator("#timeline li", has_text="Typed while the server is down.")).to_have_count(1, timeout=30_000)
    expect(ilan.locator("#pending li")).to_have_count(0)
    assert Entry.objects.filter(text="Typed while the server is down.").count() == 1


def test_a_server_killed_mid_session_and_started_again_leaves_no_row_pending(asgi_server, scene, browser):
    ilan = sign_in(browser, asgi_server, scene.note_taker)
    dmitri = sign_in(browser, asgi_server, scene.other_note_taker)
    open_console(ilan, asgi_server, scene.session)
    open_console(dmitri, asgi_server, scene.session)
    type_entry(ilan, "Stored before the crash.")
    expect(dmitri.locator("#timeline li", has_text="Stored before the crash.")).to_have_count(1)

    asgi_server.process.send_signal(signal.SIGKILL)
    asgi_server.process.wait()
    asgi_server.process = None
    lines = [f"Queued during the crash {n}." for n in range(1, 4)]
    for line in lines:
        type_entry(ilan, line)
    expect(ilan.locator("#pending li")).to_have_count(3)
    asgi_server.start()  # a new process on the same port

    for line in lines:
        expect(ilan.locator("#timeline li", has_text=line)).to_have_count(1, timeout=30_000)
        expect(dmitri.locator("#timeline li", has_text=line)).to_have_count(1, timeout=30_000)
    expect(ilan.locator("#pending li")).to_have_count(0)
    expect(ilan.locator("#queue-status")).to_have_text("")
    for line in lines:
        assert Entry.objects.filter(text=line).count() == 1


def test_a_line_stored_while_the_stream_brings_nothing_still_arrives_without_reload(asgi_server, scene, browser):
    ilan = sign_in(browser, asgi_server, scene.note_taker)
    open_console(ilan, asgi_server, scene.session)
    # From now on a new stream request hangs without an answer, as one to a server process on its
    # way out would; the server restarts, so the console's stream has to open a new one.
    held = []

    def hold_the_first(route):
        if held:
            route.continue_()
        else:
            held.append(route)

    ilan.route("**/stream?**", hold_the_first)
    asgi_server.stop()
    asgi_server.start()
    expect(ilan.locator("#connection")).not_to_have_text("live", timeout=15_000)
    deadline = time.monotonic() + 30  # the browser's reconnect waits for the stream's retry hint
    while not held:
        assert time.monotonic() < deadline, "the console's stream request was not held"
        ilan.wait_for_timeout(100)
    type_entry(ilan, "Stored while the stream was silent.")
    expect(ilan.locator("#pending")).to_contain_text("saved", timeout=15_000)
    # the console notices that the stored line did not come back, and opens a fresh stream
    expect(ilan.locator("#timeline li", has_text="Stored while the stream was silent.")).to_have_count(
        1, timeout=30_000
    )
    expect(ilan.locator("#pending li")).to_have_count(0)
    expect(ilan.locator("#connection")).to_have_text("live")
    assert Entry.objects.filter(text="Stored while the stream was silent.").count() == 1


def test_signing_out_from_another_page_leaves_no_offline_copy_of_the_console(asgi_server, scene, browser):
    ilan = sign_in(browser, asgi_server, scene.note_taker)
    open_console(ilan, asgi_server, scene.session)
    kept_offline(ilan)
    ilan.goto(f"{asgi_server.url}/account/")
    ilan.locator("nav.account button[type=submit]").click()
    ilan.wait_for_url("**/login/**")
    assert ilan.evaluate("() => caches.has('verbatim-console-v1')") is False
