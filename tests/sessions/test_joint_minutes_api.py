"""Joint minutes through the API: approved only when every party's head has
approved the same text (or the secretariat that keeps the record); a
change voids earlier approvals; a stale narrative save is a conflict with
both texts, never an overwrite; corrigenda need every party too."""

from __future__ import annotations

import uuid

import pytest

from sessions.models import Act, Session, Summary
from sessions.services import summary_build
from tests.conftest import minutes_fingerprint

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(world):
    world.session.start()
    world.session.record_entry(
        membership=world.membership(world.note_taker), client_id=uuid.uuid4(), text="Both heads opened the round."
    )
    world.session.close(by=world.membership(world.head))
    summary_build(summary=Summary.objects.create(session=world.session))
    return world.session


def url(session, action: str) -> str:
    return f"/sessions/{session.public_id}{action}"


def approved_parties(body) -> list[tuple[str, str]]:
    return [(a["party"], a["by"]) for a in body["approvals"]]


def test_one_heads_approval_leaves_the_minutes_awaiting_the_other_party(world, session, api):
    response = api.as_user(world.head).post(url(session, "/minutes/approve"), minutes_fingerprint(session))
    assert response.status_code == 200
    body = response.json()
    assert body["approved"] is False
    assert approved_parties(body) == [(world.aurelia.name, "head")]
    assert body["approvals"][0]["fingerprint"] == body["fingerprint"]
    assert body["awaiting"] == [world.severia.name]
    assert body["voided"] == []
    session.refresh_from_db()
    assert session.status == Session.Status.CLOSED
    assert api.as_user(world.other_note_taker).get(url(session, "/summary")).json() == body


def test_both_heads_approvals_approve_the_minutes(world, session, api):
    api.as_user(world.head).post(url(session, "/minutes/approve"), minutes_fingerprint(session))
    body = api.as_user(world.other_head).post(url(session, "/minutes/approve"), minutes_fingerprint(session)).json()
    assert body["approved"] is True
    assert body["awaiting"] == []
    assert approved_parties(body) == [(world.aurelia.name, "head"), (world.severia.name, "other_head")]
    assert body["approved_by"] == "other_head"
    session.refresh_from_db()
    assert session.status == Session.Status.MINUTES_APPROVED
    kinds = Act.objects.filter(session=session, kind=Act.Kind.MINUTES_APPROVED).values_list("party__name", flat=True)
    assert list(kinds) == [world.aurelia.name, world.severia.name]


def test_a_head_approves_for_their_own_party_once(world, session, api):
    api.as_user(world.head).post(url(session, "/minutes/approve"), minutes_fingerprint(session))
    again = api.post(url(session, "/minutes/approve"), minutes_fingerprint(session))
    assert again.status_code == 400
    assert "already approved" in again.json()["detail"]
    assert api.get(url(session, "/summary")).json()["approved"] is False


def test_a_note_taker_does_not_approve_minutes(world, session, api):
    response = api.as_user(world.other_note_taker).post(url(session, "/minutes/approve"), minutes_fingerprint(session))
    assert response.status_code == 403
    assert "head of delegation" in response.json()["detail"]


def test_a_narrative_change_after_one_approval_voids_it(world, session, api):
    first = api.as_user(world.head).post(url(session, "/minutes/approve"), minutes_fingerprint(session)).json()
    edited = api.as_user(world.other_head).post(
        url(session, "/minutes/narrative"),
        {"narrative": "The heads opened the round and agreed nothing.", "version": first["narrative_version"]},
    )
    assert edited.status_code == 200
    body = edited.json()
    assert body["narrative_version"] == first["narrative_version"] + 1
    assert body["fingerprint"] != first["fingerprint"]
    assert (body["approvals"], body["voided"]) == ([], [world.aurelia.name])
    assert body["awaiting"] == [world.aurelia.name, world.severia.name]
    # Severia's approval now does not make the minutes approved: Aurelia must approve again.
    after = api.post(url(session, "/minutes/approve"), minutes_fingerprint(session)).json()
    assert (after["approved"], after["awaiting"], after["voided"]) == (
        False,
        [world.aurelia.name],
        [world.aurelia.name],
    )
    final = api.as_user(world.head).post(url(session, "/minutes/approve"), minutes_fingerprint(session)).json()
    assert (final["approved"], final["voided"]) == (True, [])


def test_a_stale_narrative_save_is_a_conflict_with_both_texts(world, session, api):
    loaded = api.as_user(world.head).get(url(session, "/summary")).json()
    version = loaded["narrative_version"]
    saved = api.post(url(session, "/minutes/narrative"), {"narrative": "Aurelia's account.", "version": version})
    assert saved.status_code == 200
    stale = api.as_user(world.other_head).post(
        url(session, "/minutes/narrative"), {"narrative": "Severia's account.", "version": version}
    )
    assert stale.status_code == 409
    body = stale.json()
    assert (body["current"], body["attempted"], body["edited_by"]) == (
        "Aurelia's account.",
        "Severia's account.",
        "head",
    )
    assert "Both texts are shown" in body["detail"]
    assert Summary.objects.get(session=session).narrative == "Aurelia's account."


def test_the_secretariat_that_keeps_the_record_approves_for_every_party(secretariat, session, api):
    secretariat.negotiation.secretariat_keeps_record = True
    secretariat.negotiation.save()
    body = api.as_user(secretariat.clerk).post(url(session, "/minutes/approve"), minutes_fingerprint(session)).json()
    assert body["approved"] is True
    assert approved_parties(body) == [(secretariat.aurelia.name, "clerk"), (secretariat.severia.name, "clerk")]
    assert {a["delegation"] for a in body["approvals"]} == {secretariat.secretariat.name}


def test_a_secretariat_that_does_not_keep_the_record_cannot_approve(secretariat, session, api):
    response = api.as_user(secretariat.clerk).post(url(session, "/minutes/approve"), minutes_fingerprint(session))
    assert response.status_code == 403
    assert "each party's head approves them" in response.json()["detail"]
    body = api.get(url(session, "/summary")).json()
    assert (body["approved"], body["approvals"]) == (False, [])


class TestCorrigenda:
    @pytest.fixture
    def approved(self, world, session, api):
        api.as_user(world.head).post(url(session, "/minutes/approve"), minutes_fingerprint(session))
        api.as_user(world.other_head).post(url(session, "/minutes/approve"), minutes_fingerprint(session))
        return session

    def test_a_corrigendum_is_in_force_once_every_party_approved_it(self, world, approved, api):
        issued = api.as_user(world.head).post(url(approved, "/minutes/corrigenda"), {"text": "Read 'both heads'."})
        assert issued.status_code == 201
        corrigendum = issued.json()["corrigenda"][0]
        assert (corrigendum["number"], corrigendum["in_force"]) == (1, False)
        assert [(a["party"], a["by"]) for a in corrigendum["approvals"]] == [(world.aurelia.name, "head")]
        assert corrigendum["awaiting"] == [world.severia.name]

        body = api.as_user(world.other_head).post(url(approved, "/minutes/corrigenda/1/approve")).json()
        corrigendum = body["corrigenda"][0]
        assert (corrigendum["in_force"], corrigendum["awaiting"]) == (True, [])
        assert corrigendum["approvals"][1]["fingerprint"] == corrigendum["fingerprint"]

    def test_a_party_approves_a_corrigendum_once(self, world, approved, api):
        api.as_user(world.head).post(url(approved, "/minutes/corrigenda"), {"text": "Read 'both heads'."})
        again = api.post(url(approved, "/minutes/corrigenda/1/approve"))
        assert again.status_code == 400
        assert "already approved corrigendum 1" in again.json()["detail"]

    def test_an_unknown_corrigendum_is_404(self, world, approved, api):
        response = api.as_user(world.other_head).post(url(approved, "/minutes/corrigenda/7/approve"))
        assert response.status_code == 404
