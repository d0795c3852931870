"""The console in Chromium: the newest entry stays in view above the capture
box (and a button brings it back after reading further up), a participant
added in one console can be picked as speaker in another at once, and the
formulation form finds its point by typing and its language by script."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from agreements.models import Formulation
from sessions.models import Entry, Participant
from tests.browser.pages import open_console, sign_in, type_entry
from tests.scene import build_scene

pytestmark = pytest.mark.django_db(transaction=True)

# pictures of what these tests see, to look at
ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts" / "screenshots"


@pytest.fixture
def scene(world):
    scene = build_scene(world)
    scene.negotiation.working_languages = ["en", "fr"]
    scene.negotiation.save(update_fields=["working_languages"])
    return scene


def record(scene, text: str, user=None) -> None:
    """A line stored by another member's console, arriving live."""
    scene.session.record_entry(
        membership=scene.membership(user or scene.other_note_taker), client_id=uuid.uuid4(), text=text
    )


def newest_is_above_the_input(page: Page, text: str) -> None:
    row = page.locator("#timeline li", has_text=text)
    expect(row).to_be_in_viewport()
    box = row.bounding_box()
    capture = page.locator("#capture").bounding_box()
    assert box["y"] + box["height"] <= capture["y"] + 1, (box, capture)


@pytest.mark.parametrize("size", [(1440, 900), (390, 844)])
def test_after_fifty_entries_the_newest_row_is_above_the_input(asgi_server, scene, browser, size):
    for n in range(1, 41):
        record(scene, f"Earlier line {n}.")
    ilan = sign_in(browser, asgi_server, scene.note_taker)
    ilan.set_viewport_size({"width": size[0], "height": size[1]})
    open_console(ilan, asgi_server, scene.session)
    newest_is_above_the_input(ilan, "Earlier line 40.")  # the console opens at the end of the record
    for n in range(41, 46):
        record(scene, f"Line {n} from the other console.")
        expect(ilan.locator("#timeline li", has_text=f"Line {n} from")).to_have_count(1)
    newest_is_above_the_input(ilan, "Line 45 from the other console.")
    for n in range(46, 51):
        type_entry(ilan, f"Own line {n}.")
        expect(ilan.locator("#timeline li", has_text=f"Own line {n}.")).to_have_count(1)
    newest_is_above_the_input(ilan, "Own line 50.")
    assert Entry.objects.filter(session=scene.session, visibility="record").count() >= 50


def test_a_member_reading_further_up_is_not_moved_and_a_button_brings_the_new_entries(asgi_server, scene, browser):
    for n in range(1, 31):
        record(scene, f"Earlier line {n}.")
    ilan = sign_in(browser, asgi_server, scene.note_taker)
    open_console(ilan, asgi_server, scene.session)
    ilan.mouse.wheel(0, -5000)
    ilan.wait_for_function("() => window.scrollY === 0")
    button = ilan.locator("#new-entries")
    expect(button).to_be_hidden()
    for n in range(1, 4):
        record(scene, f"Arrived while reading {n}.")
    expect(button).to_have_text("3 new entries ↓")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    ilan.screenshot(path=ARTIFACTS / "console-new-entries.png")
    expect(ilan.locator(".new-entries")).to_have_attribute("aria-live", "polite")
    assert ilan.evaluate("window.scrollY") == 0  # the page did not jump under the reader
    button.click()
    newest_is_above_the_input(ilan, "Arrived while reading 3.")
    expect(button).to_be_hidden()
    expect(ilan.locator("#capture-text")).to_be_focused()
    # back at the end, the record follows again
    record(scene, "And one more.")
    expect(ilan.locator("#timeline li", has_text="And one more.")).to_have_count(1)
    newest_is_above_the_input(ilan, "And one more.")
    expect(button).to_be_hidden()


def test_a_participant_added_in_one_console_is_a_speaker_in_the_other_without_reload(asgi_server, scene, browser):
    ilan = sign_in(browser, asgi_server, scene.note_taker)
    dmitri = sign_in(browser, asgi_server, scene.other_note_taker)
    open_console(ilan, asgi_server, scene.session)
    open_console(dmitri, asgi_server, scene.session)

    ilan.locator("#attendance-panel summary", has_text="Add a participant").click()
    function = ilan.locator("#attendance-panel select[name=function]")
    expect(function).to_have_value("")  # no silent "Head of delegation"
    ilan.locator("#attendance-panel input[name=name]").fill("Yusuf Bakr")
    ilan.locator("#attendance-panel select[name=party]").select_option(label=scene.severia.name)
    ilan.get_by_role("button", name="Add as present").click()
    assert not Participant.objects.filter(name="Yusuf Bakr").exists()  # the function must be chosen
    function.select_option(label="Advisor")
    ilan.get_by_role("button", name="Add as present").click()
    expect(dmitri.locator("#attendance-panel")).to_contain_text("Yusuf Bakr")

    box = dmitri.locator("#capture-text")
    box.click()
    box.press_sequentially("@yus")
    expect(dmitri.locator("#speaker-hint")).to_contain_text("Yusuf Bakr")
    box.press_sequentially(" We can accept the pilots.")
    box.press("Enter")
    row = dmitri.locator("#timeline li", has_text="We can accept the pilots.")
    expect(row.locator(".speaker")).to_have_text("Yusuf Bakr")
    expect(dmitri.locator("#capture-speaker option", has_text="Yusuf Bakr")).to_have_count(1)
    entry = Entry.objects.get(text="We can accept the pilots.")
    assert (entry.speaker.name, entry.party) == ("Yusuf Bakr", scene.severia)
    assert Participant.objects.get(name="Yusuf Bakr").function == "advisor"


def open_formulation_form(page: Page):
    page.locator("#formulation-form-slot").get_by_role("button", name="Record a formulation").click()
    form = page.locator(".formulation-form")
    expect(form.locator("input[name=point_search]")).to_be_focused()
    return form


def test_the_point_of_a_formulation_is_found_by_typing_and_none_is_picked_silently(asgi_server, scene, browser):
    ilan = sign_in(browser, asgi_server, scene.note_taker)
    open_console(ilan, asgi_server, scene.session)
    form = open_formulation_form(ilan)
    search = form.locator("input[name=point_search]")
    expect(search).to_have_value("")
    expect(form.locator("#point-choices option")).to_have_count(3)
    form.locator("textarea[name=text]").fill("Lights burn at Kel Point.")
    form.get_by_role("button", name="Record formulation").click()
    assert not Formulation.objects.filter(text="Lights burn at Kel Point.").exists()  # no point, nothing stored

    search.fill("2")
    expect(form.locator("#point-hint")).to_have_text("Point 2: Lighthouse")
    search.fill("navigation")
    expect(form.locator("#point-hint")).to_have_text("Point 1: Navigation")
    search.fill("Navigation lights")
    expect(form.locator("#point-hint")).to_contain_text("a new point “Navigation lights” will be opened")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    ilan.locator("#formulations-panel").screenshot(path=ARTIFACTS / "console-formulation-form.png")
    search.fill("1. Navigation")
    form.get_by_role("button", name="Record formulation").click()
    expect(ilan.locator(".formulation-form")).to_have_count(0)
    assert Formulation.objects.get(text="Lights burn at Kel Point.").point == scene.point

    form = open_formulation_form(ilan)
    form.locator("input[name=point_search]").fill("Pilotage")
    form.locator("textarea[name=text]").fill("Pilots are optional.")
    form.get_by_role("button", name="Record formulation").click()
    expect(ilan.locator("#formulations-panel .point-block h3", has_text="Pilotage")).to_have_count(1)
    assert Formulation.objects.get(text="Pilots are optional.").point.title == "Pilotage"


def test_the_language_of_a_formulation_follows_the_script_of_its_words(asgi_server, scene, browser):
    ilan = sign_in(browser, asgi_server, scene.note_taker)
    open_console(ilan, asgi_server, scene.session)
    form = open_formulation_form(ilan)
    words, language = form.locator("textarea[name=text]"), form.locator("input[name=language]")
    for text, expected in [
        ("Маяк горит всю ночь.", "ru"),
        ("يضاء المنار طوال الليل.", "ar"),
        ("灯塔彻夜长明。", "zh"),
        ("The light burns all night.", "en"),  # Latin: the negotiation's first working language
    ]:
        words.fill(text)
        expect(language).to_have_value(expected)
    language.fill("fr")
    words.fill("Le phare brûle toute la nuit.")
    expect(language).to_have_value("fr")  # typed by the member: kept
    form.locator("input[name=point_search]").fill("1")
    form.get_by_role("button", name="Record formulation").click()
    expect(ilan.locator(".formulation-form")).to_have_count(0)
    assert Formulation.objects.get(text="Le phare brûle toute la nuit.").language == "fr"

    # the last language used for Latin words in this console comes first next time
    form = open_formulation_form(ilan)
    form.locator("textarea[name=text]").fill("Les pilotes sont facultatifs.")
    expect(form.locator("input[name=language]")).to_have_value("fr")
    form.locator("textarea[name=text]").fill("Лоцманы обязательны.")
    expect(form.locator("input[name=language]")).to_have_value("ru")


def test_a_point_opened_in_another_console_is_found_by_an_open_formulation_form(asgi_server, scene, browser):
    ilan = sign_in(browser, asgi_server, scene.note_taker)
    dmitri = sign_in(browser, asgi_server, scene.other_note_taker)
    open_console(ilan, asgi_server, scene.session)
    open_console(dmitri, asgi_server, scene.session)
    form = open_formulation_form(ilan)
    form.locator("textarea[name=text]").fill("Pilots are optional.")

    other = open_formulation_form(dmitri)
    other.locator("input[name=point_search]").fill("Pilotage")
    other.locator("textarea[name=text]").fill("Лоцманы обязательны.")
    other.get_by_role("button", name="Record formulation").click()
    expect(ilan.locator("#formulations-panel .point-block h3", has_text="Pilotage")).to_have_count(1)

    form.locator("input[name=point_search]").fill("pilotage")
    expect(form.locator("#point-hint")).to_have_text("Point 4: Pilotage")
    form.get_by_role("button", name="Record formulation").click()
    expect(ilan.locator(".formulation-form")).to_have_count(0)
    ours = Formulation.objects.get(text="Pilots are optional.")
    assert ours.point == Formulation.objects.get(text="Лоцманы обязательны.").point
    assert ours.point.negotiation.points.filter(title__iexact="pilotage").count() == 1


def test_a_reviewer_who_reads_without_capturing_also_follows_the_newest_entry(asgi_server, scene, browser):
    for n in range(1, 31):
        record(scene, f"Earlier line {n}.")
    lucas = sign_in(browser, asgi_server, scene.reviewer)
    errors = []
    lucas.on("pageerror", lambda error: errors.append(str(error)))
    open_console(lucas, asgi_server, scene.session)
    expect(lucas.locator("#capture")).to_have_count(0)
    record(scene, "The newest line, for a reader.")
    row = lucas.locator("#timeline li", has_text="The newest line, for a reader.")
    expect(row).to_be_in_viewport()
    assert row.bounding_box()["y"] + row.bounding_box()["height"] <= 900
    lucas.mouse.wheel(0, -5000)
    lucas.wait_for_function("() => window.scrollY === 0")
    record(scene, "Another line.")
    expect(lucas.locator("#new-entries")).to_have_text("1 new entry ↓")
    lucas.locator("#new-entries").click()
    expect(lucas.locator("#timeline li", has_text="Another line.")).to_be_in_viewport()
    assert errors == []
