"""The console's offline copy (kept by its service worker in the Cache API) holds the record one person
was shown, their delegation's internal lines included. On a shared browser it must not outlive them: not
after "Sign out everywhere", and not for the next person who signs in after a session that simply ended.
A 503 (the database unreachable for a moment) is no sign-out: there the copy answers, as when offline."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session as BrowserSession
from playwright.sync_api import expect

from tests.browser.pages import open_console, sign_in
from tests.browser.test_console_offline import kept_offline
from tests.scene import build_scene

pytestmark = pytest.mark.django_db(transaction=True)

HAS_COPY = "() => caches.has('verbatim-console-v1')"


@pytest.fixture
def scene(world):
    return build_scene(world)


def test_signing_out_everywhere_leaves_no_offline_copy_of_the_console(asgi_server, scene, browser):
    ilan = sign_in(browser, asgi_server, scene.note_taker)
    open_console(ilan, asgi_server, scene.session)
    kept_offline(ilan)
    ilan.goto(f"{asgi_server.url}/account/")
    ilan.locator("form[action='/account/sign-out-everywhere'] button").click()
    ilan.wait_for_url("**/login/**")
    assert ilan.evaluate(HAS_COPY) is False


def test_the_next_person_to_sign_in_on_a_shared_browser_finds_no_console_copy_of_the_last(asgi_server, scene, browser):
    ilan = sign_in(browser, asgi_server, scene.note_taker)
    open_console(ilan, asgi_server, scene.session)
    kept_offline(ilan)
    BrowserSession.objects.all().delete()  # ilan's session ends (expired, idle) without his signing out
    page = ilan.context.new_page()
    page.goto(f"{asgi_server.url}/")
    page.wait_for_url("**/login/**")
    page.fill("input[name=username]", scene.other_note_taker.username)
    page.fill("input[name=password]", "pw")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{asgi_server.url}/")
    assert page.evaluate(HAS_COPY) is False


def test_a_reload_while_the_database_is_unreachable_shows_the_kept_console_and_keeps_it(asgi_server, scene, browser):
    """A 503 (the server is up, its database is not) is not a sign-out: the copy stays and answers."""
    ilan = sign_in(browser, asgi_server, scene.note_taker)
    open_console(ilan, asgi_server, scene.session)
    kept_offline(ilan)
    asgi_server.stop()
    asgi_server.env_overrides = {"DATABASE_URL": "postgres://postgres@127.0.0.1:9/verbatim"}  # nothing listens
    asgi_server.start()
    assert ilan.request.get(f"{asgi_server.url}{scene.session.get_absolute_url()}").status == 503
    ilan.reload()
    expect(ilan.locator("#capture-text")).to_be_visible()
    assert ilan.evaluate(HAS_COPY) is True
