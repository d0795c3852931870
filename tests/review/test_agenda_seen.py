"""Both parties' heads prepare the agenda ahead of the session, each from a page showing it as it was when
loaded. A button names the item it acts on ("Remove: Fisheries"): if another head reordered the agenda
meanwhile, it must not remove or move whichever item now sits at that place."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db


def form_for(page: str, action: str, label: str) -> dict:
    """The fields of the form whose button carries this aria-label, as the browser would send them."""
    for form in re.findall(r"<form method=\"post\" action=\"[^\"]*/" + action + r"\".*?</form>", page):
        if f'aria-label="{label}"' in form:
            return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form))
    raise AssertionError(f"no {action} form labelled {label}")


def titles(session) -> list[str]:
    return [i.title for i in session.agenda_items.order_by("position")]


@pytest.fixture
def agenda(world, client):
    for title in ["Opening", "Fisheries", "Borders"]:
        world.session.prepare_agenda_item(title)
    client.force_login(world.head)
    world.page = client.get(f"/agenda/{world.session.public_id}/").content.decode()
    world.session.move_agenda_item(3, 1)  # meanwhile the Severian head puts Borders first
    assert titles(world.session) == ["Borders", "Opening", "Fisheries"]
    return world


def test_removing_an_item_after_another_head_reordered_the_agenda_removes_nothing_else(agenda, client):
    data = form_for(agenda.page, "remove", "Remove: Fisheries")
    response = client.post(f"/agenda/{agenda.session.public_id}/remove", data, follow=True)
    assert "reload the agenda" in response.content.decode()
    assert titles(agenda.session) == ["Borders", "Opening", "Fisheries"]


def test_moving_an_item_after_another_head_reordered_the_agenda_moves_nothing_else(agenda, client):
    data = form_for(agenda.page, "move", "Move down: Opening")
    response = client.post(f"/agenda/{agenda.session.public_id}/move", data, follow=True)
    assert "reload the agenda" in response.content.decode()
    assert titles(agenda.session) == ["Borders", "Opening", "Fisheries"]


def test_the_item_seen_is_removed_when_the_agenda_did_not_change(world, client):
    for title in ["Opening", "Fisheries"]:
        world.session.prepare_agenda_item(title)
    client.force_login(world.head)
    page = client.get(f"/agenda/{world.session.public_id}/").content.decode()
    client.post(f"/agenda/{world.session.public_id}/remove", form_for(page, "remove", "Remove: Fisheries"))
    assert titles(world.session) == ["Opening"]
