"""A long session's console in Chromium: it opens on the latest entries,
"Show earlier entries" (by keyboard) brings the older rows above them while
the newest row stays in view, and a link to an old entry still reaches it."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from bench.scenarios import bulk_entries
from tests.browser.pages import open_console, sign_in
from tests.scene import build_scene

pytestmark = pytest.mark.django_db(transaction=True)

ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts" / "screenshots"


@pytest.fixture
def long_scene(world):
    scene = build_scene(world)
    bulk_entries(scene.session, scene.membership(scene.note_taker), 150)  # shared lines 2..151
    return scene


def test_show_earlier_entries_brings_the_older_rows_and_keeps_the_newest_in_view(asgi_server, long_scene, browser):
    page = sign_in(browser, asgi_server, long_scene.note_taker)
    open_console(page, asgi_server, long_scene.session)
    rows = page.locator("#timeline li.entry")
    expect(rows).to_have_count(100)
    newest = page.locator("#timeline li", has_text="Line 151:")
    expect(newest).to_be_in_viewport()
    expect(page.locator("#timeline li", has_text="Line 2:")).to_have_count(0)

    control = page.get_by_role("button", name="Show earlier entries")
    # as in a browser without CSS scroll anchoring (Safari): the console itself keeps the view
    page.evaluate("document.documentElement.style.overflowAnchor = 'none'; document.body.style.overflowAnchor = 'none'")
    # from the keyboard, without scrolling the page: the view stays at the live end
    control.evaluate("(button) => button.focus({ preventScroll: true })")
    expect(newest).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("#timeline li", has_text="Line 2:")).to_have_count(1)
    expect(page.locator("#timeline li", has_text="Opening remarks.")).to_have_count(1)
    expect(rows).to_have_count(152)  # everything this delegation may see, once
    expect(page.locator("#timeline li", has_text="Severian eyes only.")).to_have_count(0)
    expect(control).to_have_count(0)  # nothing earlier is left
    expect(newest).to_be_in_viewport()
    expect(page.locator("#new-entries")).to_be_hidden()  # older rows are not counted as new ones
    # the older rows came above: the record still reads in order
    texts = rows.locator(".seq").all_inner_texts()
    assert texts[:3] == ["1", "i1", "2"] and texts[-1] == "151", texts[:3] + texts[-1:]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "console-earlier-entries.png"))


def test_a_link_to_an_entry_older_than_the_page_opens_the_console_around_it(asgi_server, long_scene, browser):
    old = long_scene.session.entries.get(seq=10, stream="record")
    page = sign_in(browser, asgi_server, long_scene.reviewer)
    page.goto(f"{asgi_server.url}{long_scene.session.get_absolute_url()}#entry-{old.public_id}")
    row = page.locator(f"#entry-{old.public_id}")
    expect(row).to_be_in_viewport()
    assert f"around={old.public_id}" in page.url
    expect(page.locator("#timeline li", has_text="Line 151:")).to_have_count(1)  # the live end is there too
    page.screenshot(path=str(ARTIFACTS / "console-around-an-old-entry.png"))


def test_earlier_rows_loaded_while_reading_up_the_page_are_not_announced_as_new(asgi_server, long_scene, browser):
    page = sign_in(browser, asgi_server, long_scene.note_taker)
    open_console(page, asgi_server, long_scene.session)
    control = page.get_by_role("button", name="Show earlier entries")
    control.focus()  # the page scrolls up to it: the member is reading, not following the end
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "console-show-earlier-entries.png"))
    page.keyboard.press("Enter")
    expect(page.locator("#timeline li", has_text="Opening remarks.")).to_have_count(1)
    expect(page.locator("#timeline li", has_text="Line 52:")).to_be_in_viewport()  # the view did not jump
    expect(page.locator("#new-entries")).to_be_hidden()
