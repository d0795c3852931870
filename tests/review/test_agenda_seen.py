"""Both parties' heads prepare the agenda ahead of the session, each from a page (or an API client) showing it
as it was when loaded. A button names the item it acts on ("Remove: Fisheries"), and an API call may name it
too (``seen``): if another head reordered the agenda meanwhile, it must not remove or move whichever item now
sits at that place."""

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
    assert "place 2 no longer holds “Fisheries”. Reload the agenda" in response.content.decode()
    assert titles(agenda.session) == ["Borders", "Opening", "Fisheries"]


def test_moving_an_item_after_another_head_reordered_the_agenda_moves_nothing_else(agenda, client):
    data = form_for(agenda.page, "move", "Move down: Opening")
    response = client.post(f"/agenda/{agenda.session.public_id}/move", data, follow=True)
    assert "place 1 no longer holds “Opening”. Reload the agenda" in response.content.decode()
    assert titles(agenda.session) == ["Borders", "Opening", "Fisheries"]


def test_the_item_seen_is_removed_when_the_agenda_did_not_change(world, client):
    for title in ["Opening", "Fisheries"]:
        world.session.prepare_agenda_item(title)
    client.force_login(world.head)
    page = client.get(f"/agenda/{world.session.public_id}/").content.decode()
    client.post(f"/agenda/{world.session.public_id}/remove", form_for(page, "remove", "Remove: Fisheries"))
    assert titles(world.session) == ["Opening"]


@pytest.fixture
def reordered(world):
    """The Aurelian head read the agenda as Opening, Fisheries, Borders; the Severian head then put Borders first."""
    for title in ["Opening", "Fisheries", "Borders"]:
        world.session.prepare_agenda_item(title)
    world.session.move_agenda_item(3, 1)
    assert titles(world.session) == ["Borders", "Opening", "Fisheries"]
    return world


def test_an_api_removal_naming_the_item_seen_is_refused_with_409_after_another_head_reordered(reordered, api):
    sid = reordered.session.public_id
    response = api.as_user(reordered.head).delete(f"/sessions/{sid}/agenda/2?seen=Fisheries")
    assert response.status_code == 409
    assert "no longer holds “Fisheries”" in response.json()["detail"]
    assert titles(reordered.session) == ["Borders", "Opening", "Fisheries"]


def test_an_api_move_naming_the_item_seen_is_refused_with_409_after_another_head_reordered(reordered, api):
    sid = reordered.session.public_id
    response = api.as_user(reordered.head).post(f"/sessions/{sid}/agenda/1/move", {"to": 2, "seen": "Opening"})
    assert response.status_code == 409
    assert titles(reordered.session) == ["Borders", "Opening", "Fisheries"]


def test_an_api_change_naming_the_item_still_at_its_place_is_made(reordered, api):
    sid = reordered.session.public_id
    moved = api.as_user(reordered.head).post(f"/sessions/{sid}/agenda/3/move", {"to": 1, "seen": "Fisheries"})
    assert moved.status_code == 200
    assert [i["title"] for i in moved.json()["items"]] == ["Fisheries", "Borders", "Opening"]
    removed = api.delete(f"/sessions/{sid}/agenda/2?seen=Borders")
    assert removed.status_code == 200
    assert titles(reordered.session) == ["Fisheries", "Opening"]


def test_an_api_removal_naming_a_place_now_empty_is_refused_with_409(reordered, api):
    sid = reordered.session.public_id
    api.as_user(reordered.other_head).delete(f"/sessions/{sid}/agenda/3?seen=Fisheries")
    response = api.as_user(reordered.head).delete(f"/sessions/{sid}/agenda/3?seen=Fisheries")
    assert response.status_code == 409
    assert titles(reordered.session) == ["Borders", "Opening"]
