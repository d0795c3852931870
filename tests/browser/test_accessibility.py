"""Every main page passes axe-core (no serious or critical violation) and fits a phone (390 px wide): the
page never scrolls sideways, and the console's capture box leaves most of the screen to the record."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from sessions.models import Session
from tests.scene import build_rich_record

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Path(__file__).resolve().parent.parent / "vendor" / "axe-core" / "axe.min.js"
# Each run pictures the console here; docs/screenshots/ holds the copies a person looked at.
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts" / "screenshots"
SCREENSHOTS.mkdir(parents=True, exist_ok=True)


def main_pages(w) -> dict[str, str]:
    """The pages a member works in, by name, for the world of ``build_rich_record`` with its second session
    started (a live console with a few lines)."""
    return {
        "negotiations list": reverse("negotiations:index"),
        "negotiation dashboard": w.negotiation.get_absolute_url(),
        "console": w.second.get_absolute_url(),
        "minutes": reverse("sessions:minutes", args=[w.session.public_id]),
        "agreed text desk": reverse("agreements:point", args=[w.point_agreed.public_id]),
        "search results": reverse("negotiations:search") + "?q=Kel",
        "account": reverse("accounts:account"),
        "verify": reverse("exports:verify"),
        "two-factor": reverse("accounts:two_factor"),
        "new negotiation": reverse("negotiations:new"),
        "people": reverse("negotiations:people", args=[w.negotiation.public_id]),
        "schedule a session": reverse("negotiations:schedule", args=[w.negotiation.public_id]),
        "agenda ahead": reverse("negotiations:agenda", args=[w.ahead.public_id]),
    }


@pytest.fixture
def record(world):
    w = build_rich_record(world)
    w.second.start()
    w.ahead = Session.schedule(negotiation=w.negotiation, title="Third round", place="Port Calder")
    w.ahead.prepare_agenda_item("Lighthouse names")
    w.ahead.prepare_agenda_item("Next steps")
    for text in ("Second round opens.", "Severia asks about pilots.", "Aurelia answers."):
        w.second.record_entry(membership=w.membership(w.note_taker), client_id=uuid.uuid4(), text=text)
    return w


def serious_violations(page) -> list[str]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE.read_text())
    found = page.evaluate("async () => (await axe.run(document)).violations")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[node['target'] for node in v['nodes']][:5]}"
        for v in found
        if v["impact"] in ("serious", "critical")
    ]


def sign_in(browser, server, user, width, height, *, check_login=False):
    # axe is injected as an inline script, which our policy refuses: only the axe test's browser bypasses it.
    context = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=check_login)
    page = context.new_page()
    page.goto(f"{server.url}/login/")
    found = {"login": serious_violations(page)} if check_login else {}
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", "pw")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{server.url}/")
    return page, found


@pytest.mark.parametrize("who", ["note_taker", "head", "other_head"])
def test_no_main_page_has_a_serious_or_critical_accessibility_violation(asgi_server, record, browser, who):
    page, found = sign_in(browser, asgi_server, getattr(record, who), 1360, 900, check_login=True)
    for name, path in main_pages(record).items():
        page.goto(f"{asgi_server.url}{path}")
        if name == "console":
            expect(page.locator("#connection")).to_have_text("live")
        found[name] = serious_violations(page)
    # The console's forms, open: a correction, a new formulation, a new participant.
    page.goto(f"{asgi_server.url}{record.second.get_absolute_url()}")
    expect(page.locator("#connection")).to_have_text("live")
    page.locator("#timeline .entry .actions button").first.click()
    expect(page.locator("#timeline form textarea[name=text]")).to_be_visible()
    page.get_by_role("button", name="Record a formulation").click()
    expect(page.locator("#formulation-form-slot form")).to_be_visible()
    page.get_by_text("Add a participant").click()
    found["console with its forms open"] = serious_violations(page)

    assert {name: problems for name, problems in found.items() if problems} == {}


def test_keyboard_focus_is_drawn_in_the_accent_colour(asgi_server, record, browser):
    page, _ = sign_in(browser, asgi_server, record.note_taker, 1360, 900)
    page.keyboard.press("Tab")

    focused = page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement);"
        " return [document.activeElement.textContent, s.outlineStyle, s.outlineWidth, s.outlineColor]; })()"
    )

    assert focused == ["Verbatim", "solid", "2px", "rgb(47, 93, 138)"]


def test_every_main_page_fits_a_phone_screen_with_sign_out_on_it(asgi_server, record, browser):
    page, found = sign_in(browser, asgi_server, record.note_taker, 390, 844, check_login=True)
    too_wide, sign_out_off_screen = {}, []
    for name, path in main_pages(record).items():
        page.goto(f"{asgi_server.url}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 390:
            too_wide[name] = width
        sign_out = page.get_by_role("button", name="Sign out", exact=True).bounding_box()
        if not 0 <= sign_out["x"] <= sign_out["x"] + sign_out["width"] <= 390:
            sign_out_off_screen.append(name)
        found[name] = serious_violations(page)

    assert too_wide == {}
    assert sign_out_off_screen == []
    assert {name: problems for name, problems in found.items() if problems} == {}


def test_on_a_phone_the_points_grid_scrolls_inside_its_box_to_its_last_column(asgi_server, record, browser):
    page, _ = sign_in(browser, asgi_server, record.note_taker, 390, 844)
    page.goto(f"{asgi_server.url}{record.negotiation.get_absolute_url()}")
    grid = page.locator("table.grid")
    last_column = grid.locator("thead th").last

    last_column.scroll_into_view_if_needed()

    shown = last_column.bounding_box()
    assert shown["x"] >= 0 and shown["x"] + shown["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    expect(grid.get_by_text("Quotas are set yearly.")).to_be_visible()


def test_on_a_phone_the_console_capture_box_takes_at_most_a_quarter_of_the_screen(asgi_server, record, browser):
    page, _ = sign_in(browser, asgi_server, record.note_taker, 390, 844)
    page.goto(f"{asgi_server.url}{record.second.get_absolute_url()}")
    expect(page.locator("#connection")).to_have_text("live")

    # The whole capture box (chips, text, selects, Store), not only the text area.
    capture = page.locator("#capture").bounding_box()
    assert capture["height"] <= 844 * 0.25
    assert page.locator("#capture-text").bounding_box()["width"] >= 300
    page.screenshot(path=SCREENSHOTS / "console-390.png")


def test_the_console_is_pictured_at_desk_width(asgi_server, record, browser):
    page, _ = sign_in(browser, asgi_server, record.note_taker, 1440, 900)
    page.goto(f"{asgi_server.url}{record.second.get_absolute_url()}")
    expect(page.locator("#connection")).to_have_text("live")
    page.screenshot(path=SCREENSHOTS / "console-1440.png")
