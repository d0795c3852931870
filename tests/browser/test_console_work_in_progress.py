"""Two or three consoles on one session, in Chromium: what one member is
typing in a form beside the record survives every live update another
console causes in the same panel, keystroke for keystroke, and two
corrections of one line end in the view of both texts."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Page, expect

from agreements.models import Formulation
from sessions.models import Attendance, Entry, Participant
from tests.browser.pages import open_console, sign_in
from tests.scene import build_scene

pytestmark = pytest.mark.django_db(transaction=True)

PEOPLE = ["Amara Lind", "Oleg Karpov", "Rami Haddad", "Lena Varga"]


@pytest.fixture
def scene(world):
    scene = build_scene(world)
    for name in PEOPLE:
        party = scene.aurelia if name in {"Amara Lind", "Lena Varga"} else scene.severia
        Participant.objects.create(negotiation=scene.negotiation, party=party, name=name)
    return scene


def tick(page: Page, name: str) -> None:
    """Tick a participant present, and wait until the server's answer is in."""
    box = page.locator("#attendance-panel label", has_text=name).locator("input")
    box.check()
    expect(box).to_be_checked()


def seen_present(page: Page, name: str) -> None:
    expect(page.locator("#attendance-panel label", has_text=name).locator("input")).to_be_checked()


def test_a_half_typed_participant_survives_another_console_ticking_attendance(asgi_server, scene, browser):
    ilan = sign_in(browser, asgi_server, scene.note_taker)
    dmitri = sign_in(browser, asgi_server, scene.other_note_taker)
    open_console(ilan, asgi_server, scene.session)
    open_console(dmitri, asgi_server, scene.session)

    ilan.locator("#attendance-panel summary", has_text="Add a participant").click()
    name = ilan.locator("#attendance-panel input[name=name]")
    name.click()
    name.press_sequentially("Yusuf Ba")
    tick(dmitri, "Oleg Karpov")
    seen_present(ilan, "Oleg Karpov")  # the panel was redrawn under the form, which kept focus and text
    expect(name).to_be_focused()
    name.press_sequentially("kr")
    ilan.locator("#attendance-panel select[name=party]").select_option(label=scene.severia.name)
    # the member looks at the record for a moment: the typed form is kept without focus too
    ilan.locator("#capture-text").click()
    tick(dmitri, "Rami Haddad")
    seen_present(ilan, "Rami Haddad")
    expect(ilan.locator("#attendance-panel details")).to_have_attribute("open", "")
    expect(name).to_have_value("Yusuf Bakr")
    expect(ilan.locator("#attendance-panel select[name=party] option:checked")).to_have_text(scene.severia.name)
    ilan.locator("#attendance-panel select[name=function]").select_option(label="Advisor")
    ilan.get_by_role("button", name="Add as present").click()
    expect(dmitri.locator("#attendance-panel")).to_contain_text("Yusuf Bakr")
    added = Participant.objects.get(name="Yusuf Bakr")
    assert (added.party, added.function) == (scene.severia, "advisor")
    # sent: the form is empty again and its details closed
    expect(name).to_have_value("")
    expect(ilan.locator("#attendance-panel details")).not_to_have_attribute("open", "")


def test_a_tick_on_its_way_to_the_server_is_not_undone_by_a_redraw_that_left_before_it(asgi_server, scene, browser):
    dmitri = sign_in(browser, asgi_server, scene.other_note_taker)
    amara = sign_in(browser, asgi_server, scene.head)
    open_console(dmitri, asgi_server, scene.session)
    open_console(amara, asgi_server, scene.session)
    held = []
    dmitri.route(
        "**/sessions/*/attendance", lambda route: held.append(route)
    )  # dmitri's tick stays on its way until released

    box = dmitri.locator("#attendance-panel label", has_text="Rami Haddad").locator("input")
    box.check()
    for _ in range(100):  # the route's handler runs when Playwright next hears from the browser
        if held:
            break
        dmitri.wait_for_timeout(50)
    assert len(held) == 1
    # meanwhile amara ticks someone: dmitri's panel is redrawn from a server that has not seen his tick
    tick(amara, "Lena Varga")
    seen_present(dmitri, "Lena Varga")
    expect(box).to_be_checked()

    held[0].continue_()
    seen_present(amara, "Rami Haddad")
    expect(box).to_be_checked()
    assert Attendance.objects.filter(session=scene.session, participant__name="Rami Haddad").exists()


def test_every_keystroke_of_an_agenda_item_survives_attendance_ticks_in_between(asgi_server, scene, browser):
    ilan = sign_in(browser, asgi_server, scene.note_taker)
    dmitri = sign_in(browser, asgi_server, scene.other_note_taker)
    amara = sign_in(browser, asgi_server, scene.head)
    for page in (ilan, dmitri, amara):
        open_console(page, asgi_server, scene.session)

    title = ilan.locator("#agenda-panel input[name=title]")
    title.click()
    chunks = ["Fish", "ing q", "uotas ", "— квоты"]
    ticking = [(dmitri, "Oleg Karpov"), (amara, "Amara Lind"), (dmitri, "Rami Haddad"), (amara, "Lena Varga")]
    for chunk, (other, name) in zip(chunks, ticking, strict=True):
        title.press_sequentially(chunk)
        tick(other, name)
        seen_present(ilan, name)
        expect(title).to_be_focused()
    expect(title).to_have_value("Fishing quotas — квоты")
    title.press("Enter")
    expect(dmitri.locator("#agenda-panel")).to_contain_text("Fishing quotas — квоты")
    expect(title).to_have_value("")


def test_an_unsaved_formulation_survives_the_other_delegation_recording_one(asgi_server, scene, browser):
    ilan = sign_in(browser, asgi_server, scene.note_taker)
    dmitri = sign_in(browser, asgi_server, scene.other_note_taker)
    open_console(ilan, asgi_server, scene.session)
    open_console(dmitri, asgi_server, scene.session)

    ilan.locator("#formulation-form-slot").get_by_role("button", name="Record a formulation").click()
    form = ilan.locator(".formulation-form")
    words = form.locator("textarea[name=text]")
    words.click()
    words.press_sequentially("Pilots are [optional]")

    dmitri.locator("#formulation-form-slot").get_by_role("button", name="Record a formulation").click()
    other = dmitri.locator(".formulation-form")
    other.locator("textarea[name=text]").fill("Лоцманы обязательны.")
    other.locator("[name=point_search]").fill(f"1. {scene.point.title}")
    other.get_by_role("button", name="Record formulation").click()
    expect(ilan.locator("#formulations-panel")).to_contain_text("Лоцманы обязательны.")

    expect(form).to_have_count(1)
    expect(words).to_be_focused()
    words.press_sequentially(" in the strait.")
    expect(words).to_have_value("Pilots are [optional] in the strait.")
    form.locator("[name=point_search]").fill(f"1. {scene.point.title}")
    form.get_by_role("button", name="Record formulation").click()
    expect(ilan.locator(".formulation-form")).to_have_count(0)
    expect(dmitri.locator("#formulations-panel")).to_contain_text("Pilots are [optional] in the strait.")
    assert Formulation.objects.get(text="Pilots are [optional] in the strait.").point == scene.point


def test_two_corrections_of_one_line_end_in_the_view_of_both_texts(asgi_server, scene, browser):
    scene.session.record_entry(
        membership=scene.membership(scene.note_taker), client_id=uuid.uuid4(), text="The light burns all nigth."
    )
    ilan = sign_in(browser, asgi_server, scene.note_taker)
    amara = sign_in(browser, asgi_server, scene.head)  # a second member of the same delegation
    dmitri = sign_in(browser, asgi_server, scene.other_note_taker)
    for page in (ilan, amara, dmitri):
        open_console(page, asgi_server, scene.session)

    for page in (ilan, amara):
        page.locator("#timeline li", has_text="all nigth").get_by_role("button", name="Correct").click()
    amara_box = amara.locator("li.editing textarea[name=text]")
    amara_box.press("End")
    amara_box.press_sequentially(" (sic)")
    ilan_box = ilan.locator("li.editing textarea[name=text]")
    ilan_box.fill("The light burns all night.")
    ilan.get_by_role("button", name="Save correction").click()
    expect(dmitri.locator("#timeline")).to_contain_text("The light burns all night.")
    expect(amara.locator("#timeline")).to_contain_text("The light burns all night.")

    # amara's form and text are still there, and she is told what happened meanwhile
    expect(amara_box).to_have_value("The light burns all nigth. (sic)")
    expect(amara_box).to_be_focused()
    expect(amara.locator("li.editing .changed-meanwhile")).to_be_visible()
    amara_box.press_sequentially("!")
    amara.get_by_role("button", name="Save correction").click()
    conflict = amara.locator("li.editing .conflict")
    expect(conflict).to_contain_text("Someone corrected this entry first.")
    expect(conflict.locator("blockquote")).to_have_text("The light burns all night.")
    expect(amara.locator("li.editing textarea[name=text]")).to_have_value("The light burns all nigth. (sic)!")
    assert Entry.objects.filter(text__startswith="The light burns").count() == 2
