"""A long session's console shows its latest entries and loads earlier ones on demand."""

from __future__ import annotations

import uuid

import pytest

from sessions import views
from tests.scene import build_scene

pytestmark = pytest.mark.django_db

PAGE = 5


@pytest.fixture
def long_scene(world, monkeypatch):
    """The scene's three opening lines, then 12 shared lines, Aurelian
    internal lines early on, and one Severian internal line at the end."""
    monkeypatch.setattr(views, "CONSOLE_PAGE", PAGE)
    monkeypatch.setattr(views, "AROUND_BEFORE", 2)
    monkeypatch.setattr(views, "AROUND_AFTER", 2)
    w = build_scene(world)
    m = w.membership
    w.lines = []
    for n in range(1, 13):
        entry, _ = w.session.record_entry(membership=m(w.note_taker), client_id=uuid.uuid4(), text=f"Shared line {n}.")
        w.lines.append(entry)
        if n == 2:
            w.secret, _ = w.session.record_entry(
                membership=m(w.note_taker),
                client_id=uuid.uuid4(),
                text="Aurelian fallback position.",
                visibility="internal",
            )
    w.severian_last, _ = w.session.record_entry(
        membership=m(w.other_note_taker), client_id=uuid.uuid4(), text="Severian aside.", visibility="internal"
    )
    return w


def earlier_url(w, before) -> str:
    return f"/sessions/{w.session.public_id}/earlier?before={before.public_id}"


def test_the_console_of_a_long_session_shows_only_its_latest_entries_and_a_way_to_earlier_ones(long_scene, client):
    w = long_scene
    client.force_login(w.note_taker)
    body = client.get(w.session.get_absolute_url()).content.decode()
    assert "Shared line 12." in body and "Shared line 8." in body
    assert "Shared line 7." not in body and "Opening remarks." not in body
    assert "Severian aside." not in body
    assert "Show earlier entries" in body
    assert earlier_url(w, w.lines[7]) in body
    # the stream resumes after the newest entry of each stream, even one not on the page
    assert f"?cursor=13.{w.secret.seq}" in body


def test_a_short_session_offers_no_earlier_entries(world, client):
    w = build_scene(world)
    client.force_login(w.note_taker)
    body = client.get(w.session.get_absolute_url()).content.decode()
    assert "Opening remarks." in body
    assert "Show earlier entries" not in body


def test_show_earlier_entries_brings_the_page_before_then_the_first_one_without_a_further_control(long_scene, client):
    w = long_scene
    client.force_login(w.note_taker)
    body = client.get(earlier_url(w, w.lines[7])).content.decode()
    assert [f"Shared line {n}." in body for n in (2, 3, 4, 5, 6, 7, 8)] == [False, True, True, True, True, True, False]
    assert "Aurelian fallback position." not in body  # older than these five
    assert earlier_url(w, w.lines[2]) in body
    body = client.get(earlier_url(w, w.lines[2])).content.decode()
    assert "Aurelian fallback position." in body and "Opening remarks." in body and "Shared line 1." in body
    assert "Show earlier entries" not in body


def test_the_other_delegation_never_receives_an_internal_entry_through_earlier_pages(long_scene, client):
    w = long_scene
    client.force_login(w.other_note_taker)
    body = client.get(w.session.get_absolute_url()).content.decode()
    assert "Severian aside." in body
    before = w.lines[8]
    seen = body
    while True:
        page = client.get(earlier_url(w, before))
        assert page.status_code == 200
        seen += page.content.decode()
        if "Show earlier entries" not in page.content.decode():
            break
        before = w.session.entries.get(public_id=page.content.decode().split("?before=")[1][:36])
    assert "Opening remarks." in seen and "Shared line 1." in seen
    assert "Aurelian fallback position." not in seen and "Aurelian eyes only." not in seen
    # and an Aurelian internal entry is no place to start from: it does not exist for them
    assert client.get(earlier_url(w, w.secret)).status_code == 404


def test_earlier_entries_are_a_404_for_a_member_of_no_party_to_the_negotiation(long_scene, client):
    w = long_scene
    client.force_login(w.outsider)
    assert client.get(earlier_url(w, w.lines[8])).status_code == 404
    client.logout()
    assert client.get(earlier_url(w, w.lines[8])).status_code in (302, 404)


def test_a_link_to_an_old_entry_renders_the_console_around_it_and_the_latest_entries(long_scene, client):
    w = long_scene
    client.force_login(w.reviewer)
    body = client.get(f"{w.session.get_absolute_url()}?around={w.lines[3].public_id}").content.decode()
    assert f'id="entry-{w.lines[3].public_id}"' in body
    # two before it (one is the delegation's internal line), it and one after
    assert "Aurelian fallback position." in body and "Shared line 3." in body and "Shared line 5." in body
    assert "Shared line 2." not in body and "Shared line 6." not in body
    assert "Later entries are not all shown here." in body
    assert "Shared line 12." in body  # the live end of the record is still there
    assert earlier_url(w, w.secret) in body


def test_around_an_entry_the_member_may_not_see_shows_the_latest_entries_only(long_scene, client):
    w = long_scene
    client.force_login(w.other_head)
    body = client.get(f"{w.session.get_absolute_url()}?around={w.secret.public_id}").content.decode()
    assert "Aurelian fallback position." not in body
    assert "Later entries are not all shown here." not in body
    assert client.get(f"{w.session.get_absolute_url()}?around=not-an-id").status_code == 200


def test_a_correction_of_an_entry_off_the_page_still_shows_what_it_replaced(long_scene, client):
    w = long_scene
    w.lines[0].correct(
        membership=w.membership(w.note_taker), client_id=uuid.uuid4(), text="Shared line one, corrected."
    )
    client.force_login(w.other_head)
    body = client.get(w.session.get_absolute_url()).content.decode()
    assert "Shared line one, corrected." in body
    assert "What this replaced" in body and "Shared line 1." in body
