"""What the set-up pages do, the API does too: scheduling with a time zone, the agenda ahead, members,
invitation links, and records staff's accounts, parties and delegations."""

from __future__ import annotations

import pytest

from negotiations.models import Delegation, Invitation, Membership

pytestmark = pytest.mark.django_db

STRONG = "lantern-quay-4417"


def test_a_head_schedules_a_session_with_its_local_date_time_and_zone(world, api):
    response = api.as_user(world.head).post(
        f"/negotiations/{world.negotiation.public_id}/schedule",
        {"title": "Second round", "date": "2026-07-01", "time": "10:00", "place": "Paris", "time_zone": "Europe/Paris"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["scheduled_for"] == "2026-07-01T08:00:00Z"
    assert (body["local_date"], body["local_time"], body["time_zone"]) == ("2026-07-01", "10:00", "Europe/Paris")
    again = api.get(f"/sessions/{body['id']}/schedule").json()
    assert again == body


def test_a_time_with_an_offset_is_refused_because_the_zone_says_where(world, api):
    response = api.as_user(world.head).post(
        f"/negotiations/{world.negotiation.public_id}/schedule",
        {"title": "R", "date": "2026-07-01", "time": "10:00:00Z", "time_zone": "Europe/Paris"},
    )
    assert response.status_code == 400
    assert "without an offset" in response.json()["detail"]


def test_an_unknown_time_zone_is_a_400_that_says_what_to_pick(world, api):
    response = api.as_user(world.head).post(
        f"/negotiations/{world.negotiation.public_id}/schedule",
        {"title": "R", "date": "2026-07-01", "time": "10:00", "time_zone": "Atlantis/Capital"},
    )
    assert response.status_code == 400
    assert "pick one from the list" in response.json()["detail"]


def test_the_agenda_ahead_through_the_api(world, api):
    api.as_user(world.head)
    url = f"/sessions/{world.session.public_id}/agenda"
    for title in ("Opening", "Fisheries", "Lighthouse"):
        assert api.post(url, {"title": title}).status_code == 201
    assert api.post(f"{url}/1/move", {"to": 3}).status_code == 200
    assert [i["title"] for i in api.delete(f"{url}/1").json()["items"]] == ["Lighthouse", "Opening"]
    assert api.get(url).json()["items"] == [{"position": 1, "title": "Lighthouse"}, {"position": 2, "title": "Opening"}]
    world.session.refresh_from_db()
    assert world.session.current_agenda_item is None


def test_the_agenda_ahead_refuses_changes_once_the_session_started_with_409(world, api):
    world.session.start()
    response = api.as_user(world.head).post(f"/sessions/{world.session.public_id}/agenda", {"title": "Late"})
    assert response.status_code == 409
    assert "kept in the console" in response.json()["detail"]


def test_moving_an_item_outside_the_agenda_is_refused_in_words(world, api):
    api.as_user(world.head)
    api.post(f"/sessions/{world.session.public_id}/agenda", {"title": "Only"})
    response = api.post(f"/sessions/{world.session.public_id}/agenda/1/move", {"to": 5})
    assert (response.status_code, response.json()["detail"]) == (
        400,
        "An agenda item moves to a place between 1 and 1.",
    )


def test_members_are_listed_by_delegation_and_a_head_removes_their_own(world, api):
    api.as_user(world.reviewer)
    members = api.get(f"/negotiations/{world.negotiation.public_id}/members").json()
    assert {(m["username"], m["delegation"], m["role"]) for m in members} >= {
        ("other_head", "Severian delegation", "head"),
        ("note_taker", "Aurelian delegation", "note_taker"),
    }
    api.as_user(world.head)
    assert api.delete(f"/negotiations/{world.negotiation.public_id}/members/other_note_taker").status_code == 400
    assert api.delete(f"/negotiations/{world.negotiation.public_id}/members/note_taker").status_code == 204
    assert not world.negotiation.memberships.filter(user=world.note_taker).exists()


def test_a_link_through_the_api_is_shown_once_then_listed_without_its_secret(world, api):
    api.as_user(world.head)
    created = api.post(f"/negotiations/{world.negotiation.public_id}/invitations", {"role": "reviewer"})
    assert created.status_code == 201
    link = created.json()["link"]
    listed = api.get(f"/negotiations/{world.negotiation.public_id}/invitations").json()
    assert [i["state"] for i in listed] == ["open"] and "link" not in listed[0]
    assert link.rsplit("/", 1)[1] not in str(listed)
    api.as_user(None)
    joined = api.post("/invitations/accept", {"link": link, "username": "newcomer", "password": STRONG})
    assert joined.json() == {"username": "newcomer", "delegation": "Aurelian delegation", "role": "reviewer"}
    again = api.post("/invitations/accept", {"link": link, "username": "second", "password": STRONG})
    assert again.status_code == 400 and "cannot be used" in again.json()["detail"]


def test_a_head_revokes_a_link_through_the_api(world, api):
    api.as_user(world.head)
    created = api.post(f"/negotiations/{world.negotiation.public_id}/invitations", {"role": "reviewer"}).json()
    revoked = api.post(f"/negotiations/{world.negotiation.public_id}/invitations/{created['id']}/revoke")
    assert revoked.json()["state"] == "revoked"
    api.as_user(None)
    response = api.post("/invitations/accept", {"link": created["link"], "username": "late", "password": STRONG})
    assert response.status_code == 400


def test_the_other_partys_head_cannot_list_or_revoke_the_aurelians_links(world, api):
    created = (
        api.as_user(world.head)
        .post(f"/negotiations/{world.negotiation.public_id}/invitations", {"role": "reviewer"})
        .json()
    )
    api.as_user(world.other_head)
    assert api.get(f"/negotiations/{world.negotiation.public_id}/invitations").json() == []
    response = api.post(f"/negotiations/{world.negotiation.public_id}/invitations/{created['id']}/revoke")
    assert response.status_code == 400
    assert Invitation.objects.get().revoked_at is None


def test_records_staff_create_a_user_a_party_and_a_neutral_delegation(api, make_user):
    api.as_user(make_user("records", staff=True))
    assert api.post("/users", {"username": "vera", "password": STRONG, "full_name": "Vera Ost"}).status_code == 201
    assert api.post("/users", {"username": "weak", "password": "123"}).status_code == 400
    assert api.post("/parties", {"name": "Ostria"}).status_code == 201
    neutral = api.post("/delegations", {"name": "Table secretariat"})
    assert neutral.status_code == 201 and neutral.json()["party"] is None
    assert Delegation.objects.get(name="Table secretariat").is_neutral


def test_a_head_creates_a_negotiation_with_a_secretariat_keeping_the_record(world, api):
    response = api.as_user(world.head).post(
        "/negotiations",
        {"title": "Table talks", "parties": [world.severia.name], "secretariat_keeps_record": True},
    )
    assert response.status_code == 201 and response.json()["secretariat_keeps_record"] is True
    assert Membership.objects.filter(negotiation__title="Table talks", user=world.head, role="head").exists()


def test_the_sessions_endpoint_takes_and_returns_the_places_time_zone_and_refuses_an_unknown_one(world, api):
    url = f"/negotiations/{world.negotiation.public_id}/sessions"
    created = api.as_user(world.head).post(
        url, {"title": "Third round", "place": "Geneva", "time_zone": "Europe/Zurich"}
    )
    assert created.status_code == 201, created.content
    assert created.json()["time_zone"] == "Europe/Zurich"
    plain = api.post(url, {"title": "Fourth round"})
    assert plain.json()["time_zone"] == "UTC"
    refused = api.post(url, {"title": "Fifth round", "time_zone": "Mars/Olympus"})
    assert refused.status_code == 400
    assert "Mars/Olympus" in refused.json()["detail"]
