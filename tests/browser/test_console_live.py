"""Two real Chromium pages on one session's console, against uvicorn in
another process: what one note-taker types appears in the other's console,
and what is typed while the server is down arrives once when it is back."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from agreements.models import Formulation
from sessions.models import Entry
from tests.browser.pages import open_console as open_session_console
from tests.browser.pages import sign_in, type_entry
from tests.scene import build_scene

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def scene(world):
    return build_scene(world)


def open_console(page: Page, server, scene) -> None:
    open_session_console(page, server, scene.session)


def test_an_entry_typed_in_one_console_appears_in_the_other(asgi_server, scene, browser):
    ilan = sign_in(browser, asgi_server, scene.note_taker)
    dmitri = sign_in(browser, asgi_server, scene.other_note_taker)
    open_console(ilan, asgi_server, scene)
    open_console(dmitri, asgi_server, scene)
    expect(ilan.locator("#presence")).to_contain_text("other_note_taker")

    type_entry(ilan, "/s Ships may pass, in principle.")
    expect(dmitri.locator("#timeline")).to_contain_text("Ships may pass, in principle.")
    row = dmitri.locator("#timeline li", has_text="Ships may pass, in principle.")
    expect(row.locator(".kind")).to_have_text("Statement")
    expect(ilan.locator("#timeline li", has_text="Ships may pass")).to_have_count(1)
    expect(ilan.locator("#pending li")).to_have_count(0)
    # the other delegation's internal note stays with its delegation
    type_entry(dmitri, "/i Их делегация торопится.")
    expect(dmitri.locator("#timeline")).to_contain_text("Их делегация торопится.")
    type_entry(dmitri, "Marker after the internal note.")
    expect(ilan.locator("#timeline")).to_contain_text("Marker after the internal note.")
    expect(ilan.locator("#timeline")).not_to_contain_text("Их делегация торопится.")


def test_an_entry_typed_while_the_server_is_down_arrives_once_when_it_is_back(asgi_server, scene, browser):
    ilan = sign_in(browser, asgi_server, scene.note_taker)
    dmitri = sign_in(browser, asgi_server, scene.other_note_taker)
    open_console(ilan, asgi_server, scene)
    open_console(dmitri, asgi_server, scene)

    asgi_server.stop()
    type_entry(ilan, "Typed during the outage — «не потеряно».")
    expect(ilan.locator("#pending")).to_contain_text("Typed during the outage")
    expect(ilan.locator("#queue-status")).to_contain_text("1 waiting to be sent")
    asgi_server.start()

    expect(dmitri.locator("#timeline li", has_text="Typed during the outage")).to_have_count(1, timeout=30_000)
    expect(ilan.locator("#timeline li", has_text="Typed during the outage")).to_have_count(1, timeout=30_000)
    expect(ilan.locator("#pending li")).to_have_count(0)
    assert Entry.objects.filter(text="Typed during the outage — «не потеряно».").count() == 1


def test_a_draft_survives_a_reload(asgi_server, scene, browser):
    ilan = sign_in(browser, asgi_server, scene.note_taker)
    open_console(ilan, asgi_server, scene)
    box = ilan.locator("#capture-text")
    box.click()
    box.press_sequentially("Half a sentence")
    ilan.reload()
    expect(ilan.locator("#capture-text")).to_have_value("Half a sentence")


def test_the_speaker_is_picked_with_an_at_sign_and_a_few_letters(asgi_server, scene, browser):
    from sessions.models import Participant

    Participant.objects.create(negotiation=scene.negotiation, party=scene.severia, name="Oleg Karpov")
    ilan = sign_in(browser, asgi_server, scene.note_taker)
    open_console(ilan, asgi_server, scene)
    type_entry(ilan, "/p @kar We propose a joint commission.")
    row = ilan.locator("#timeline li", has_text="We propose a joint commission.")
    expect(row.locator(".speaker")).to_have_text("Oleg Karpov")
    expect(row.locator(".kind")).to_have_text("Proposal")
    entry = Entry.objects.get(text="We propose a joint commission.")
    assert (entry.kind, entry.speaker.name, entry.party.name) == ("proposal", "Oleg Karpov", scene.severia.name)


def test_a_proposal_recorded_and_agreed_as_a_formulation_shows_in_both_timelines(asgi_server, scene, browser):
    ilan = sign_in(browser, asgi_server, scene.note_taker)
    dmitri = sign_in(browser, asgi_server, scene.other_note_taker)
    open_console(ilan, asgi_server, scene)
    open_console(dmitri, asgi_server, scene)
    type_entry(ilan, "/p Warships give 48 hours' notice.")
    row = ilan.locator("#timeline li", has_text="Warships give 48 hours")
    expect(row).to_have_count(1)
    row.hover()
    row.get_by_role("button", name="Record as formulation").click()
    form = ilan.locator(".formulation-form")
    expect(form.locator("textarea[name=text]")).to_have_value("Warships give 48 hours' notice.")
    form.locator("input[name=point_search]").fill("Warships")
    form.get_by_role("button", name="Record formulation").click()

    other_row = dmitri.locator("#timeline li", has_text="Warships give 48 hours")
    expect(other_row.locator("figure.formulation")).to_contain_text("Proposed")
    # each delegation consents for its own party: Severia first, then Aurelia
    dmitri.locator("#formulations-panel .point-block", has_text="Warships").get_by_role("button", name="Agreed").click()
    expect(row.locator("figure.formulation")).to_contain_text("Awaiting consent")
    ilan.locator("#formulations-panel .point-block", has_text="Warships").get_by_role("button", name="Agreed").click()
    expect(other_row.locator("figure.formulation")).to_contain_text("Agreed")
    expect(row.locator("figure.formulation")).to_contain_text("Agreed")
    assert Formulation.objects.get(point__title="Warships").status == "agreed"
