"""The minutes page shows recorded texts as recorded: line breaks, tabs
and runs of spaces stay, a 5,000-character word wraps inside the page, and
statements and questions have their own sections. A screenshot of the page
is left in var/test-artifacts/ to look at."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import expect

from sessions.models import Participant, Summary
from sessions.services import summary_build
from tests.browser.pages import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

ARTIFACTS = Path(settings.BASE_DIR) / "var" / "test-artifacts"
LONG_WORD = "Schifffahrtsabkommen" * 250  # 5,000 characters, no place to break
TEXTS = {
    "action_item": f"Col1\tCol2\t\tCol4\nsecond line   three spaces\n{LONG_WORD}",
    "decision": "Decided:\n\n  - indented after a blank line",
    "statement": "2024 هو عام الملاحة الحرة.\nAnd a second line.",
    "question": "Who keeps the light?\tAnd   when?",
}


@pytest.fixture
def closed(world):
    s = world.session
    s.start()
    lind = Participant.objects.create(negotiation=world.negotiation, party=world.aurelia, name="Amara Lind")
    for kind, text in TEXTS.items():
        s.record_entry(
            membership=world.membership(world.note_taker), client_id=uuid.uuid4(), text=text, kind=kind, speaker=lind
        )
    s.close(by=world.membership(world.head))
    summary_build(summary=Summary.objects.create(session=s))
    return world


def test_the_minutes_page_keeps_whitespace_and_wraps_a_long_word(asgi_server, closed, browser):
    page = sign_in(browser, asgi_server, closed.other_head)  # the other delegation reads the same minutes
    page.goto(f"{asgi_server.url}{reverse('sessions:minutes', args=[closed.session.public_id])}")
    expect(page.get_by_role("heading", name="Questions")).to_be_visible()
    expect(page.get_by_role("heading", name="Statements on the record")).to_be_visible()
    recorded = page.locator(".minutes .recorded")
    shown = [recorded.nth(i).evaluate("e => e.innerText") for i in range(recorded.count())]
    assert shown == [TEXTS["action_item"], TEXTS["decision"], TEXTS["statement"], TEXTS["question"]]
    for i in range(recorded.count()):
        assert recorded.nth(i).evaluate("e => getComputedStyle(e).whiteSpace") == "pre-wrap"
    box = page.locator(".minutes").bounding_box()
    action = recorded.first.bounding_box()
    assert action["x"] + action["width"] <= box["x"] + box["width"]
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    assert recorded.nth(2).evaluate("e => getComputedStyle(e).direction") == "rtl"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "minutes-whitespace.png", full_page=True)
