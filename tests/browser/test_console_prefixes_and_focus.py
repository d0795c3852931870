"""The console under real typing, in Chromium: an "@word" that names nobody
stays in the text, the speaker never carries into internal or observation
lines, prefilled forms carry the text byte for byte, and after every action
(and Esc) the note-taker is back in the input."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Page, expect

from agreements.models import Formulation
from sessions.models import Entry, Participant
from tests.browser.pages import open_console, sign_in, type_entry
from tests.scene import build_scene

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def scene(world):
    scene = build_scene(world)
    Participant.objects.create(negotiation=scene.negotiation, party=scene.aurelia, name="Amara Lind")
    Participant.objects.create(negotiation=scene.negotiation, party=scene.severia, name="Oleg Karpov")
    return scene


def focused_id(page: Page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def expect_in_input(page: Page) -> None:
    expect(page.locator("#capture-text")).to_be_focused()


def row(page: Page, text: str):
    return page.locator("#timeline li", has_text=text)


def test_an_at_word_that_names_nobody_stays_in_the_text_with_a_quiet_hint(asgi_server, scene, browser):
    ilan = sign_in(browser, asgi_server, scene.note_taker)
    open_console(ilan, asgi_server, scene.session)
    box = ilan.locator("#capture-text")
    box.click()
    box.press_sequentially("@UN Secretary-General")
    expect(box).to_have_value("@UN Secretary-General")
    expect(ilan.locator("#speaker-hint")).to_have_text('no participant matches "@UN": kept in the text')
    box.press_sequentially("'s note")
    box.press("Enter")
    type_entry(ilan, "@Home secretariat will circulate the text.")
    expect(row(ilan, "@Home secretariat will circulate the text.")).to_have_count(1)
    expect(row(ilan, "@UN Secretary-General's note")).to_have_count(1)
    expect(ilan.locator("#speaker-hint")).to_have_text("")
    note = Entry.objects.get(text="@UN Secretary-General's note")
    home = Entry.objects.get(text="@Home secretariat will circulate the text.")
    assert (note.speaker, home.speaker) == (None, None)


def test_an_at_name_that_matches_sets_the_speaker_and_leaves_the_text(asgi_server, scene, browser):
    ilan = sign_in(browser, asgi_server, scene.note_taker)
    open_console(ilan, asgi_server, scene.session)
    type_entry(ilan, "@lind We welcome the text.")
    expect(row(ilan, "We welcome the text.").locator(".speaker")).to_have_text("Amara Lind")
    entry = Entry.objects.get(text="We welcome the text.")
    assert (entry.speaker.name, entry.party) == ("Amara Lind", scene.aurelia)


def test_the_speaker_of_a_shared_line_is_not_given_to_internal_or_observation_lines(asgi_server, scene, browser):
    ilan = sign_in(browser, asgi_server, scene.note_taker)
    open_console(ilan, asgi_server, scene.session)
    type_entry(ilan, "@kar Severia cannot accept the second sentence.")
    expect(row(ilan, "Severia cannot accept")).to_have_count(1)
    type_entry(ilan, "/i They will give way by Friday.")
    type_entry(ilan, "/o The Severian head leaves the room.")
    type_entry(ilan, "And the first sentence neither.")
    type_entry(ilan, "/o @lind Amara Lind nods.")  # a line that names its own speaker has it
    expect(row(ilan, "And the first sentence neither.")).to_have_count(1)
    expect(row(ilan, "They will give way by Friday.").locator(".speaker")).to_have_count(0)
    expect(row(ilan, "The Severian head leaves the room.").locator(".speaker")).to_have_count(0)
    # the picker kept the speaker for the next shared line
    expect(row(ilan, "And the first sentence neither.").locator(".speaker")).to_have_text("Oleg Karpov")
    expect(row(ilan, "Amara Lind nods.").locator(".speaker")).to_have_text("Amara Lind")
    internal = Entry.objects.get(text="They will give way by Friday.")
    observation = Entry.objects.get(text="The Severian head leaves the room.")
    assert (internal.visibility, internal.speaker, internal.party) == ("internal", None, None)
    assert (observation.kind, observation.speaker, observation.party) == ("observation", None, None)
    assert Entry.objects.get(text="And the first sentence neither.").speaker.name == "Oleg Karpov"
    assert Entry.objects.get(text="Amara Lind nods.").speaker.name == "Amara Lind"


def test_an_unchanged_correction_of_a_text_that_starts_with_a_line_feed_stores_it_byte_for_byte(
    asgi_server, scene, browser
):
    original = "\n  Article 2, as read:\n\tships pass."
    scene.session.record_entry(membership=scene.membership(scene.note_taker), client_id=uuid.uuid4(), text=original)
    ilan = sign_in(browser, asgi_server, scene.note_taker)
    open_console(ilan, asgi_server, scene.session)
    line = row(ilan, "Article 2, as read:")
    line.get_by_role("button", name="Correct").click()
    box = ilan.locator("li.editing textarea[name=text]")
    expect(box).to_have_value(original)
    expect(box).to_be_focused()
    ilan.get_by_role("button", name="Save correction").click()
    expect(ilan.locator("#timeline li.editing")).to_have_count(0)
    expect_in_input(ilan)
    correction = Entry.objects.get(supersedes__text=original)
    assert correction.text == original


def test_the_formulation_form_starts_with_the_whole_entry_exactly(asgi_server, scene, browser):
    words = "\nSeveria proposes: vessels  give notice."
    scene.session.record_entry(
        membership=scene.membership(scene.note_taker), client_id=uuid.uuid4(), text=words, kind="proposal"
    )
    ilan = sign_in(browser, asgi_server, scene.note_taker)
    open_console(ilan, asgi_server, scene.session)
    row(ilan, "Severia proposes").get_by_role("button", name="Record as formulation").click()
    expect(ilan.locator(".formulation-form textarea[name=text]")).to_have_value(words)


def test_the_words_selected_in_a_proposal_become_the_formulation_exactly(asgi_server, scene, browser):
    scene.session.record_entry(
        membership=scene.membership(scene.note_taker),
        client_id=uuid.uuid4(),
        text="Severia proposes: vessels  give notice\tat Kel.",
        kind="proposal",
    )
    ilan = sign_in(browser, asgi_server, scene.note_taker)
    open_console(ilan, asgi_server, scene.session)
    line = row(ilan, "Severia proposes")
    # select "vessels  give notice\tat Kel." inside the entry's text, as a mouse drag would
    line.locator(".text").evaluate(
        """(p) => {
            const node = p.firstChild;
            const start = node.textContent.indexOf("vessels");
            const range = document.createRange();
            range.setStart(node, start);
            range.setEnd(node, node.textContent.length);
            const selection = window.getSelection();
            selection.removeAllRanges();
            selection.addRange(range);
        }"""
    )
    line.get_by_role("button", name="Record as formulation").click()
    form = ilan.locator(".formulation-form")
    expect(form.locator("textarea[name=text]")).to_have_value("vessels  give notice\tat Kel.")
    form.locator("input[name=point_search]").fill("Notice")
    form.get_by_role("button", name="Record formulation").click()
    expect_in_input(ilan)
    # typed straight afterwards, without touching the mouse
    line_150 = "After the formulation the head of the Aurelian delegation asks for the floor and reads "
    line_150 += "out the whole of the second paragraph again, very slowly, once."
    assert len(line_150) == 150
    ilan.keyboard.type(line_150)
    ilan.keyboard.press("Enter")
    expect(row(ilan, line_150)).to_have_count(1)
    assert Entry.objects.filter(text=line_150).count() == 1
    assert Formulation.objects.get(point__title="Notice").text == "vessels  give notice\tat Kel."


def test_a_selection_that_is_not_in_the_entry_is_not_used_as_its_words(asgi_server, scene, browser):
    scene.session.record_entry(
        membership=scene.membership(scene.note_taker),
        client_id=uuid.uuid4(),
        text="Severia proposes: a joint commission.",
        kind="proposal",
    )
    ilan = sign_in(browser, asgi_server, scene.note_taker)
    open_console(ilan, asgi_server, scene.session)
    # selected words elsewhere on the page (the first entry) are not this proposal's
    row(ilan, "Opening remarks.").locator(".text").select_text()
    row(ilan, "Severia proposes").get_by_role("button", name="Record as formulation").click()
    expect(ilan.locator(".formulation-form textarea[name=text]")).to_have_value("Severia proposes: a joint commission.")


def test_focus_is_back_in_the_input_after_each_action_in_the_side_panels(asgi_server, scene, browser):
    ilan = sign_in(browser, asgi_server, scene.note_taker)
    dmitri = sign_in(browser, asgi_server, scene.other_note_taker)
    open_console(ilan, asgi_server, scene.session)
    open_console(dmitri, asgi_server, scene.session)

    # first, while no live update redraws the panel under the open form (a part of issue 15 of its own)
    ilan.locator("#attendance-panel summary", has_text="Add a participant").click()
    ilan.locator("#attendance-panel input[name=name]").fill("Rami Haddad")
    ilan.locator("#attendance-panel select[name=function]").select_option(label="Advisor")
    ilan.get_by_role("button", name="Add as present").click()
    expect(ilan.locator("#attendance-panel")).to_contain_text("Rami Haddad")
    expect_in_input(ilan)
    # the other panels are drawn again by the live update of that change: let it land before typing there
    expect(dmitri.locator("#attendance-panel")).to_contain_text("Rami Haddad")
    ilan.wait_for_timeout(500)

    agenda = ilan.locator("#agenda-panel input[name=title]")
    agenda.fill("Fishing quotas")
    agenda.press("Enter")
    expect(ilan.locator("#agenda-panel")).to_contain_text("Fishing quotas")
    expect_in_input(ilan)

    ilan.locator("#attendance-panel label", has_text="Amara Lind").locator("input").check()
    expect(ilan.locator("#attendance-panel label", has_text="Amara Lind").locator("input")).to_be_checked()
    expect_in_input(ilan)

    # the view stayed on the record: the input is on screen, not scrolled away to the panels
    assert ilan.evaluate("window.scrollX") == 0
    expect(ilan.locator("#capture-text")).to_be_in_viewport()

    # what is typed now goes into the record, and the other console sees it
    ilan.keyboard.type("Typed straight after adding a participant.")
    ilan.keyboard.press("Enter")
    expect(row(dmitri, "Typed straight after adding a participant.")).to_have_count(1)


def test_every_console_form_closes_with_esc_back_to_the_input(asgi_server, scene, browser):
    scene.session.record_entry(
        membership=scene.membership(scene.note_taker),
        client_id=uuid.uuid4(),
        text="We propose a buoy.",
        kind="proposal",
    )
    ilan = sign_in(browser, asgi_server, scene.note_taker)
    open_console(ilan, asgi_server, scene.session)
    line = row(ilan, "We propose a buoy.")

    line.get_by_role("button", name="Correct").click()
    box = ilan.locator("li.editing textarea[name=text]")
    expect(box).to_be_focused()
    box.press("Escape")
    expect(ilan.locator("#timeline li.editing")).to_have_count(0)
    expect_in_input(ilan)

    line.get_by_role("button", name="Record as formulation").click()
    expect(ilan.locator(".formulation-form input[name=point_search]")).to_be_focused()
    ilan.keyboard.press("Escape")
    expect(ilan.locator(".formulation-form")).to_have_count(0)
    expect_in_input(ilan)
    # the button is back and opens the form again
    ilan.locator("#formulation-form-slot").get_by_role("button", name="Record a formulation").click()
    expect(ilan.locator(".formulation-form")).to_have_count(1)
    ilan.locator(".formulation-form").get_by_role("button", name="Cancel").click()
    expect(ilan.locator(".formulation-form")).to_have_count(0)
    expect_in_input(ilan)

    ilan.locator("#agenda-panel input[name=title]").click()
    ilan.keyboard.press("Escape")
    expect_in_input(ilan)

    ilan.locator("#attendance-panel summary", has_text="Add a participant").click()
    ilan.locator("#attendance-panel input[name=name]").click()
    ilan.keyboard.press("Escape")
    expect(ilan.locator("#attendance-panel details")).not_to_have_attribute("open", "")
    expect_in_input(ilan)
    assert focused_id(ilan) == "capture-text"
