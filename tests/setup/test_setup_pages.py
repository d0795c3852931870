"""A head sets up talks in the pages: a new negotiation with a new counterpart, its people, sessions with a
date, time, place and time zone, and their agenda ahead of time, ordered and never taken up."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.utils.html import escape

from negotiations.models import Membership, Negotiation, Party
from sessions.models import AgendaItem, Session

pytestmark = pytest.mark.django_db


def test_a_head_opens_a_negotiation_with_a_new_counterpart(client, world):
    client.force_login(world.head)
    response = client.post(
        "/negotiations/new",
        {
            "title": "Talks on the Calder lighthouse",
            "other_parties": "Principality of Ostria\n",
            "format": "bilateral",
            "package_rule": "on",
            "working_languages": "en, fr",
            "classification": "CONFIDENTIAL",
            "secretariat_keeps_record": "",
        },
    )
    negotiation = Negotiation.objects.get(title="Talks on the Calder lighthouse")
    assert response.status_code == 302 and response.url == f"/negotiations/{negotiation.public_id}/people/"
    assert sorted(p.name for p in negotiation.parties.all()) == ["Principality of Ostria", "Republic of Aurelia"]
    assert (negotiation.package_rule, negotiation.working_languages, negotiation.classification) == (
        True,
        ["en", "fr"],
        "CONFIDENTIAL",
    )
    assert Membership.objects.get(negotiation=negotiation, user=world.head).is_head


def test_a_bilateral_negotiation_with_three_parties_is_refused_in_words(client, world):
    client.force_login(world.head)
    response = client.post(
        "/negotiations/new",
        {"title": "Too many", "other_parties": "Ostria\nBorealis", "format": "bilateral", "classification": "U"},
    )
    assert response.status_code == 400
    assert "multilateral" in response.content.decode()
    assert not Party.objects.filter(name="Ostria").exists()


def test_someone_in_no_delegation_is_told_to_ask_records_staff(client, make_user):
    client.force_login(make_user("loner"))
    page = client.get("/negotiations/new")
    assert "ask records staff" in page.content.decode()
    response = client.post(
        "/negotiations/new", {"title": "T", "other_parties": "X", "format": "bilateral", "classification": "U"}
    )
    assert response.status_code == 400 and not Negotiation.objects.filter(title="T").exists()


def test_the_people_page_lists_members_by_delegation(client, world):
    client.force_login(world.reviewer)
    body = client.get(f"/negotiations/{world.negotiation.public_id}/people/").content.decode()
    assert body.index("Aurelian delegation") < body.index("Severian delegation")
    assert "other_note_taker" in body and "Create a link" not in body  # a reviewer only reads


def test_a_head_changes_a_role_and_removes_a_member_of_their_own_delegation(client, world):
    client.force_login(world.head)
    url = f"/negotiations/{world.negotiation.public_id}/people"
    client.post(f"{url}/role", {"username": "reviewer", "role": "note_taker"})
    assert world.membership(world.reviewer).role == Membership.Role.NOTE_TAKER
    client.post(f"{url}/remove", {"username": "note_taker"})
    assert not world.negotiation.memberships.filter(user=world.note_taker).exists()


def test_a_head_cannot_change_or_remove_the_other_delegations_members_from_the_page(client, world):
    client.force_login(world.head)
    url = f"/negotiations/{world.negotiation.public_id}/people"
    client.post(f"{url}/role", {"username": "other_note_taker", "role": "reviewer"})
    response = client.post(f"{url}/remove", {"username": "other_note_taker"}, follow=True)
    assert "No member of your delegation has that name" in response.content.decode()
    assert world.membership(world.other_note_taker).role == Membership.Role.NOTE_TAKER


def test_adding_someone_the_head_may_not_add_reads_like_an_unknown_name(client, world):
    client.force_login(world.head)
    url = f"/negotiations/{world.negotiation.public_id}/people/add"
    outsider = client.post(url, {"username": "outsider", "role": "head"})
    nobody = client.post(url, {"username": "nobody-by-that-name", "role": "head"})
    assert outsider.status_code == nobody.status_code == 400
    assert escape(str(Negotiation.CANNOT_ADD)) in outsider.content.decode()
    assert outsider.content.decode().count("outsider") == nobody.content.decode().count("nobody-by-that-name")


def test_a_head_schedules_a_session_in_the_places_time_zone(client, world):
    client.force_login(world.head)
    response = client.post(
        f"/negotiations/{world.negotiation.public_id}/schedule",
        {
            "title": "Second round",
            "date": "2026-12-03",
            "time": "09:30",
            "place": "Geneva",
            "time_zone": "Europe/Paris",
        },
    )
    session = Session.objects.get(title="Second round")
    assert response.status_code == 302 and response.url == f"/agenda/{session.public_id}/"
    assert session.scheduled_for == datetime(2026, 12, 3, 8, 30, tzinfo=UTC)
    assert session.time_zone == "Europe/Paris"
    body = client.get(world.negotiation.get_absolute_url()).content.decode()
    assert "3 December 2026, 09:30 CET" in body and "Europe/Paris" in body and "Geneva" in body
    # the viewer's own zone (here the server's, UTC: no preference, no browser cookie) beside it
    assert "3 Dec 2026, 08:30 UTC your time" in body
    client.cookies["verbatim_tz"] = "Europe/Paris"
    assert "your time" not in client.get(world.negotiation.get_absolute_url()).content.decode()


def test_an_unknown_time_zone_is_refused_with_what_to_do(client, world):
    client.force_login(world.head)
    response = client.post(
        f"/negotiations/{world.negotiation.public_id}/schedule",
        {"title": "R", "date": "2026-12-03", "time": "09:30", "time_zone": "Mars/Olympus"},
    )
    assert response.status_code == 400
    assert "Pick a time zone from the list" in response.content.decode()


def test_the_agenda_is_prepared_ordered_and_nothing_is_taken_up(client, world):
    client.force_login(world.head)
    session = world.session
    url = f"/agenda/{session.public_id}"
    for title in ("Opening", "Fisheries", "Lighthouse"):
        client.post(f"{url}/add", {"title": title})
    client.post(f"{url}/move", {"position": 3, "to": 1})
    client.post(f"{url}/remove", {"position": 3})
    assert [i.title for i in session.agenda_items.order_by("position")] == ["Lighthouse", "Opening"]
    assert [i.position for i in session.agenda_items.order_by("position")] == [1, 2]
    session.refresh_from_db()
    assert session.current_agenda_item is None
    body = client.get(f"{url}/").content.decode()
    agenda = body[body.index('id="agenda-items"') :]
    assert agenda.index("Lighthouse") < agenda.index("Opening")


def test_the_agenda_page_stops_changing_once_the_session_has_started(client, world):
    client.force_login(world.head)
    world.session.start()
    response = client.post(f"/agenda/{world.session.public_id}/add", {"title": "Late item"}, follow=True)
    assert "its agenda is now kept in the console" in response.content.decode()
    assert not AgendaItem.objects.filter(title="Late item").exists()


def test_records_staff_create_a_user_a_party_and_a_delegation_and_place_the_user(client, make_user):
    client.force_login(make_user("records", staff=True))
    assert client.post("/people/parties", {"name": "Principality of Ostria", "short_name": "Ostria"}).status_code == 302
    ostria = Party.objects.get(name="Principality of Ostria")
    assert client.post("/people/delegations", {"name": "Ostrian delegation", "party": ostria.pk}).status_code == 302
    assert client.post("/people/delegations", {"name": "Table secretariat", "party": ""}).status_code == 302
    response = client.post(
        "/people/users",
        {"username": "vera", "full_name": "Vera Ost", "password": "lantern-quay-4417", "delegation": ""},
    )
    assert response.status_code == 302
    from negotiations.models import Delegation

    delegation = Delegation.objects.get(name="Ostrian delegation")
    assert client.post("/people/placements", {"username": "vera", "delegation": delegation.pk}).status_code == 302
    assert delegation.delegation_members.get().user.get_full_name() == "Vera Ost"
    assert Delegation.objects.get(name="Table secretariat").is_neutral


def test_records_staff_get_reasons_for_a_weak_password_or_a_taken_name(client, make_user):
    client.force_login(make_user("records", staff=True))
    weak = client.post("/people/users", {"username": "v", "password": "123"})
    taken = client.post("/people/users", {"username": "records", "password": "lantern-quay-4417"})
    assert weak.status_code == taken.status_code == 400
    assert "too short" in weak.content.decode()
    assert "That username is taken" in taken.content.decode()


def test_a_member_who_is_not_staff_is_told_who_manages_people(client, world):
    client.force_login(world.head)
    response = client.get("/people/")
    assert response.status_code == 403
    assert "Only records staff" in response.content.decode()


def test_the_set_up_pages_speak_french_and_keep_the_record_texts_as_typed(client, world):
    client.cookies["verbatim_language"] = "fr"
    client.force_login(world.head)
    client.post(
        f"/negotiations/{world.negotiation.public_id}/schedule",
        {
            "title": "Deuxième tour",
            "date": "2026-12-03",
            "time": "09:30",
            "place": "Port Calder",
            "time_zone": "Europe/Paris",
        },
    )
    people = client.get(f"/negotiations/{world.negotiation.public_id}/people/").content.decode()
    assert "Personnes" in people and "Chef de délégation" in people and "Inviter par lien" in people
    detail = client.get(world.negotiation.get_absolute_url()).content.decode()
    assert "3 décembre 2026, 09:30" in detail and "Europe/Paris" in detail
    session = Session.objects.get(title="Deuxième tour")
    agenda = client.get(f"/agenda/{session.public_id}/").content.decode()
    assert "Ordre du jour de la séance 2 : Deuxième tour" in agenda
    assert "Strait talks" in agenda  # the negotiation's title is the record's, never translated
