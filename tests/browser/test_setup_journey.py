"""Issue 14's journey, pages only, in English and in French: from an empty database with one staff user,
records staff create the first head's account, party and delegation; the head opens a negotiation with a new
counterpart, invites their note-taker and the other party's head by link and schedules two sessions with
agendas; the other head accepts and invites their own note-taker; both note-takers capture the first session,
each seeing the other's line arrive."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Browser, Page, expect

from negotiations.models import Membership, Negotiation
from sessions.models import Entry, Session

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PASSWORD = "lantern-quay-4417"
WORDS = {
    "en": {
        "people": "People",
        "agenda": "Agenda of session 1",
        "invited": "You are invited",
        "staff": "People and delegations",
    },
    "fr": {
        "people": "Personnes",
        "agenda": "Ordre du jour de la séance 1",
        "invited": "Vous êtes invité",
        "staff": "Personnes et délégations",
    },
}


def new_page(browser: Browser, server, lang: str) -> Page:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_cookies([{"name": "verbatim_language", "value": lang, "url": server.url}])
    return context.new_page()


def sign_in(browser: Browser, server, lang: str, username: str, password: str) -> Page:
    page = new_page(browser, server, lang)
    page.goto(f"{server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{server.url}/")
    return page


def shot(page: Page, name: str, lang: str) -> None:
    page.screenshot(path=str(SHOTS / f"setup-{name}-{lang}.png"), full_page=True)


def create_link(page: Page, role: str, party: str | None = None) -> str:
    form = page.locator("#link-form")
    form.locator("select[name=role]").select_option(role)
    if party is not None:
        form.locator("select[name=party]").select_option(label=party)
    form.locator("button[type=submit]").click()
    link = page.locator("#invitation-link")
    expect(link).to_be_visible()
    return link.input_value()


def accept(browser: Browser, server, lang: str, link: str, username: str, words: dict) -> Page:
    page = new_page(browser, server, lang)
    page.goto(link)
    expect(page.locator("h1")).to_have_text(words["invited"])
    page.fill("input[name=username]", username)
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/negotiations/*/")
    return page


def schedule(page: Page, server, negotiation: Negotiation, title: str, day: str, items: list[str]) -> None:
    page.goto(f"{server.url}{negotiation.get_absolute_url()}")
    page.click(f"a[href='/negotiations/{negotiation.public_id}/schedule']")
    page.fill("input[name=title]", title)
    page.fill("input[name=date]", day)
    page.fill("input[name=time]", "09:30")
    page.fill("input[name=place]", "Port Calder")
    page.select_option("select[name=time_zone]", "Europe/Paris")
    page.click("main button[type=submit]")
    page.wait_for_url("**/agenda/*/")
    for item in items:
        page.fill("input[name=title]", item)
        page.click("main form.stack button[type=submit]")
        expect(page.locator("#agenda-items")).to_contain_text(item)


def capture(page: Page, text: str) -> None:
    box = page.locator("#capture-text")
    box.click()
    box.press_sequentially(text)
    box.press("Enter")


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_head_sets_up_talks_alone_and_both_note_takers_capture_the_first_session(asgi_server, browser, lang):
    words = WORDS[lang]
    server = asgi_server
    get_user_model().objects.create_user(username="records", password=PASSWORD, is_staff=True)

    # Records staff: the first head's party, delegation and account.
    staff = sign_in(browser, server, lang, "records", PASSWORD)
    staff.goto(f"{server.url}/people/")
    expect(staff.locator("h1")).to_have_text(words["staff"])
    staff.fill("#party-form input[name=name]", "Republic of Aurelia")
    staff.fill("#party-form input[name=short_name]", "Aurelia")
    staff.click("#party-form button[type=submit]")
    staff.fill("#delegation-form input[name=name]", "Aurelian delegation")
    staff.select_option("#delegation-form select[name=party]", label="Republic of Aurelia")
    staff.click("#delegation-form button[type=submit]")
    staff.fill("#user-form input[name=username]", "amara")
    staff.fill("#user-form input[name=full_name]", "Amara Lind")
    staff.fill("#user-form input[name=password]", PASSWORD)
    staff.select_option("#user-form select[name=delegation]", label="Aurelian delegation")
    staff.click("#user-form button[type=submit]")
    expect(staff.locator("main table")).to_contain_text("amara")
    shot(staff, "staff", lang)

    # The head opens a negotiation with a counterpart nobody has entered yet.
    amara = sign_in(browser, server, lang, "amara", PASSWORD)
    amara.click("a[href='/negotiations/new']")
    amara.fill("input[name=title]", "Veldrin Strait talks")
    amara.fill("textarea[name=other_parties]", "Severian Federation")
    amara.fill("input[name=working_languages]", "en, fr")
    amara.click("main button[type=submit]")
    amara.wait_for_url("**/people/")
    expect(amara.locator("h1")).to_have_text(words["people"])
    negotiation = Negotiation.objects.get(title="Veldrin Strait talks")
    ilan_link = create_link(amara, "note_taker")
    yelena_link = create_link(amara, "head", party="Severian Federation")
    shot(amara, "people", lang)

    schedule(
        amara, server, negotiation, "Opening round", "2026-12-03", ["Opening statements", "Fisheries", "Lighthouse"]
    )
    amara.locator("#agenda-items li", has_text="Lighthouse").locator("form").first.locator("button").click()  # move up
    expect(amara.locator("#agenda-items li").nth(1)).to_contain_text("Lighthouse")
    expect(amara.locator("h1")).to_contain_text(words["agenda"])
    shot(amara, "agenda", lang)
    schedule(amara, server, negotiation, "Second round", "2026-12-10", ["Lighthouse names", "Next steps"])
    sessions = list(negotiation.sessions.order_by("number"))
    assert [s.title for s in sessions] == ["Opening round", "Second round"]
    assert [i.title for i in sessions[0].agenda_items.order_by("position")] == [
        "Opening statements",
        "Lighthouse",
        "Fisheries",
    ]
    assert all(s.current_agenda_item_id is None and s.status == Session.Status.SCHEDULED for s in sessions)

    # The invited: the Aurelian note-taker, then the Severian head, who invites their own note-taker.
    ilan = accept(browser, server, lang, ilan_link, "ilan", words)
    yelena = accept(browser, server, lang, yelena_link, "yelena", words)
    yelena.goto(f"{server.url}/negotiations/{negotiation.public_id}/people/")
    dmitri_link = create_link(yelena, "note_taker")
    dmitri = accept(browser, server, lang, dmitri_link, "dmitri", words)
    roles = {
        m.user.username: (m.delegation.party.name, m.role)
        for m in negotiation.memberships.select_related("user", "delegation__party")
    }
    assert roles == {
        "amara": ("Republic of Aurelia", Membership.Role.HEAD),
        "ilan": ("Republic of Aurelia", Membership.Role.NOTE_TAKER),
        "yelena": ("Severian Federation", Membership.Role.HEAD),
        "dmitri": ("Severian Federation", Membership.Role.NOTE_TAKER),
    }
    shot(dmitri, "negotiation", lang)

    # Both note-takers open the first session's console from the negotiation page and capture a line each.
    for page in (ilan, dmitri):
        page.click(f"a[href='{sessions[0].get_absolute_url()}']")
        expect(page.locator("#connection")).to_have_attribute("data-state", "live")
    capture(ilan, "Aurelia opens: the strait stays open to all ships.")
    expect(dmitri.locator("#timeline")).to_contain_text("Aurelia opens: the strait stays open to all ships.")
    capture(dmitri, "Северия согласна обсудить маяк.")
    expect(ilan.locator("#timeline")).to_contain_text("Северия согласна обсудить маяк.")
    shot(ilan, "console", lang)
    texts = set(Entry.objects.filter(session=sessions[0]).values_list("text", flat=True))
    assert texts == {"Aurelia opens: the strait stays open to all ships.", "Северия согласна обсудить маяк."}
    for page in (staff, amara, ilan, yelena, dmitri):
        page.context.close()
