"""What a member sees in the browser when the server says no, and when a
head reopens a session they are looking at: a refusal shows where they
clicked, and an open console takes lines again without a manual reload."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from agreements.models import Point
from sessions.services import session_close, session_reopen
from tests.browser.pages import open_console, sign_in, type_entry

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def table(world):
    world.session.start()
    world.point = Point.open(negotiation=world.negotiation, title="Passage")
    world.formulation = world.point.propose(
        text="Ships pass freely.",
        party=world.severia,
        membership=world.membership(world.other_note_taker),
        session=world.session,
    )
    return world


def test_agreeing_with_no_party_ticked_says_why_in_the_panel(asgi_server, table, browser):
    ilan = sign_in(browser, asgi_server, table.note_taker)
    open_console(ilan, asgi_server, table.session)
    block = ilan.locator(f"#formulation-{table.formulation.public_id}")
    block.get_by_label("Aurelia", exact=True).uncheck()
    block.get_by_role("button", name="Agreed").click()
    expect(ilan.locator("#formulations-panel")).to_contain_text("Tick the party")
    assert table.formulation.events.count() == 0


def test_a_refused_agenda_item_is_shown_beside_the_panel_and_the_panel_stays(asgi_server, table, browser):
    ilan = sign_in(browser, asgi_server, table.note_taker)
    open_console(ilan, asgi_server, table.session)
    panel = ilan.locator("#agenda-panel")
    panel.locator("input[name=title]").fill("   ")  # blank: refused by the server
    panel.get_by_role("button", name="Add and take up").click()
    expect(panel.locator(".refusal")).to_contain_text("needs a title")
    expect(panel.locator("input[name=title]")).to_be_visible()


def test_a_console_opened_on_a_closed_session_takes_lines_once_a_head_reopens_it(asgi_server, table, browser):
    session_close(session=table.session, by=table.membership(table.head))
    ilan = sign_in(browser, asgi_server, table.note_taker)
    open_console(ilan, asgi_server, table.session)
    expect(ilan.locator("#capture-text")).to_have_count(0)
    session_reopen(session=table.session, by=table.membership(table.other_head), reason="A statement was missed.")
    expect(ilan.locator("#capture-text")).to_be_visible(timeout=15_000)
    type_entry(ilan, "The missed statement.")
    expect(ilan.locator("#timeline")).to_contain_text("The missed statement.")
