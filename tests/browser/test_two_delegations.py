"""Two delegations' browsers on one session, against uvicorn in another
process: an Aurelian note-taker notes both parties' consent and the
Severian head confirms Severia's with one click; a head closes the session
while another console, offline, holds two typed lines, and both lines
reach the record once, marked late; a line refused for good waits in the
"not recorded" tray."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from agreements.models import Point
from sessions.models import Entry, Session
from tests.browser.pages import open_console, sign_in, type_entry

pytestmark = pytest.mark.django_db(transaction=True)

LINES = ["Severia will table its map on Friday.", "Aurelia reserves its position — «до пятницы»."]


@pytest.fixture
def table(world):
    world.session.start()
    world.point = Point.open(negotiation=world.negotiation, title="Passage")
    world.formulation = world.point.propose(
        text="Ships of both Parties pass the strait freely.",
        party=world.severia,
        membership=world.membership(world.other_note_taker),
        session=world.session,
    )
    return world


def formulation_block(page: Page, table):
    return page.locator(f"#formulation-{table.formulation.public_id}")


def test_a_noted_consent_is_confirmed_by_the_other_party_with_one_click(asgi_server, table, browser):
    ilan = sign_in(browser, asgi_server, table.note_taker)
    sorokina = sign_in(browser, asgi_server, table.other_head)
    open_console(ilan, asgi_server, table.session)
    open_console(sorokina, asgi_server, table.session)

    mine = formulation_block(ilan, table)
    expect(mine.get_by_label("Aurelia", exact=True)).to_be_checked()
    other = mine.get_by_label("note that Severia consented (awaits Severia's confirmation)")
    expect(other).not_to_be_checked()
    other.check()
    mine.get_by_role("button", name="Agreed").click()
    expect(mine).to_contain_text("Awaiting consent")
    expect(mine).to_contain_text("Severia: consent noted by note_taker (Aurelia), awaiting Severia's confirmation")
    expect(mine.get_by_role("button", name="Confirm Severia's consent")).to_have_count(0)

    theirs = formulation_block(sorokina, table)
    expect(theirs).to_contain_text("awaiting Severia's confirmation")  # arrived over the live stream
    theirs.get_by_role("button", name="Confirm Severia's consent").click()

    for page in (ilan, sorokina):
        block = formulation_block(page, table)
        expect(block.locator(".badge")).to_have_text("🔒 Agreed")
        expect(block).to_contain_text("Severia: consent confirmed by other_head (Severia)")
    table.formulation.refresh_from_db()
    assert table.formulation.status == "agreed"


def test_lines_queued_offline_when_a_head_closes_reach_the_record_once_marked_late(asgi_server, table, browser):
    ilan = sign_in(browser, asgi_server, table.note_taker)
    sorokina = sign_in(browser, asgi_server, table.other_head)
    open_console(ilan, asgi_server, table.session)
    open_console(sorokina, asgi_server, table.session)
    expect(ilan.get_by_role("link", name="Close session")).to_have_count(0)  # a note-taker does not close

    ilan.context.set_offline(True)
    for line in LINES:
        type_entry(ilan, line)
    expect(ilan.locator("#pending li")).to_have_count(2)
    expect(ilan.locator("#queue-status")).to_contain_text("2 waiting to be sent")

    sorokina.get_by_role("link", name="Close session").click()
    dialog = sorokina.locator("#close-dialog")
    expect(dialog).to_contain_text("accepted for 10 minutes after it and marked as recorded late")
    dialog.get_by_role("button", name="Close the session").click()
    expect(sorokina.locator(".messages")).to_contain_text("Session 1 is closed.")
    table.session.refresh_from_db()
    assert table.session.status == Session.Status.CLOSED

    ilan.context.set_offline(False)
    for page in (ilan, sorokina):
        for line in LINES:
            row = page.locator("#timeline li", has_text=line)
            expect(row).to_have_count(1, timeout=30_000)
            expect(row.locator(".badge.late")).to_contain_text("recorded late")
    expect(ilan.locator("#pending li")).to_have_count(0)
    expect(ilan.locator("#not-recorded")).to_be_hidden()
    expect(ilan.locator("#capture-text")).to_be_disabled()  # the status came over the stream
    expect(ilan.locator("#agenda-panel form")).to_have_count(0)  # and the panels are read-only now
    expect(ilan.locator("#attendance-panel input")).to_have_count(0)
    for line in LINES:
        (entry,) = Entry.objects.filter(text=line)
        assert entry.recorded_late and entry.captured_at <= table.session.ended_at < entry.created_at


def test_the_close_dialog_counts_the_lines_another_console_still_holds(asgi_server, table, browser):
    ilan = sign_in(browser, asgi_server, table.note_taker)
    sorokina = sign_in(browser, asgi_server, table.other_head)
    open_console(ilan, asgi_server, table.session)
    open_console(sorokina, asgi_server, table.session)
    # the record is unreachable for Ilan's console, the rest of the site is not: it can still report its queue
    ilan.route("**/api/v1/sessions/*/entries", lambda route: route.fulfill(status=503, body="down"))
    for line in LINES:
        type_entry(ilan, line)
    expect(ilan.locator("#queue-status")).to_contain_text("2 waiting to be sent")

    sorokina.get_by_role("link", name="Close session").click()
    dialog = sorokina.locator("#close-dialog")
    expect(dialog).to_contain_text("2 lines are still waiting to be sent in open consoles: note_taker (Aurelia) (2).")
    sorokina.get_by_role("link", name="Cancel").click()

    ilan.unroute("**/api/v1/sessions/*/entries")
    for line in LINES:
        expect(sorokina.locator("#timeline li", has_text=line)).to_have_count(1, timeout=30_000)
    sorokina.get_by_role("link", name="Close session").click()
    expect(sorokina.locator("#close-dialog")).to_contain_text("No open console reports lines waiting", timeout=20_000)


def test_a_line_refused_after_the_grace_period_waits_in_the_tray_and_survives_a_reload(asgi_server, table, browser):
    ilan = sign_in(browser, asgi_server, table.note_taker)
    open_console(ilan, asgi_server, table.session)
    ilan.context.set_offline(True)
    type_entry(ilan, LINES[0])
    expect(ilan.locator("#pending li")).to_have_count(1)
    table.session.close(by=table.membership(table.head))
    # a long outage: the close was longer ago than the grace period
    Session.objects.filter(pk=table.session.pk).update(ended_at=timezone.now() - timedelta(minutes=30))
    ilan.context.set_offline(False)

    tray = ilan.locator("#not-recorded")
    expect(tray).to_be_visible(timeout=30_000)
    item = tray.locator(".tray-item")
    expect(item.locator(".text")).to_have_text(LINES[0])
    expect(item.locator(".error")).to_contain_text("Session 1 is closed and accepts no more entries")
    expect(ilan.locator("#pending li")).to_have_count(0)
    ilan.context.grant_permissions(["clipboard-read", "clipboard-write"])
    item.get_by_role("button", name="Copy").click()
    expect(item.get_by_role("button", name="Copied")).to_be_visible()
    assert ilan.evaluate("navigator.clipboard.readText()") == LINES[0]

    ilan.reload()
    expect(ilan.locator("#not-recorded .tray-item .text")).to_have_text(LINES[0])
    assert not Entry.objects.filter(text=LINES[0]).exists()
    remove = ilan.locator("#not-recorded").get_by_role("button", name="Remove")
    remove.click()
    expect(ilan.locator("#not-recorded .tray-item")).to_have_count(1)  # one click is not enough to lose it
    ilan.locator("#not-recorded").get_by_role("button", name="Remove for good? It is in no record.").click()
    expect(ilan.locator("#not-recorded")).to_be_hidden()
