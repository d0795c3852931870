"""Each party binds only itself, through the API: a consent or a capital's
confirmation recorded for another party is only noted, awaiting that
party's own confirmation, and a text is agreed only when every party's own
consent is confirmed. Tried as the other side's note-taker would."""

from __future__ import annotations

import pytest

from agreements.models import Agreement, Formulation
from sessions.models import Act

pytestmark = pytest.mark.django_db


def propose(api, point, text, party):
    response = api.post(f"/points/{point.public_id}/formulations", {"text": text, "party": party.name})
    assert response.status_code == 201, response.content
    return response.json()


def agree(api, formulation_id, *parties, **extra):
    return api.post(f"/formulations/{formulation_id}/agree", {"parties": [p.name for p in parties], **extra})


def consents(body) -> dict[str, tuple[str, str, str]]:
    return {c["party"]: (c["state"], c["recorded_by"], c["delegation"]) for c in body["consents"]}


@pytest.fixture
def point(world):
    from agreements.models import Point

    world.session.start()
    return Point.open(negotiation=world.negotiation, title="Fishing quotas")


@pytest.mark.parametrize("proposed_by", ["severia", "aurelia"])
def test_the_other_sides_note_taker_agreeing_for_both_parties_only_notes_aurelias_consent(
    world, point, api, proposed_by
):
    """dmitri (Severian note-taker) agrees for both, on a Severian text and
    on words he recorded as proposed by Aurelia: Aurelia is noted, not bound."""
    api.as_user(world.other_note_taker)
    text = propose(api, point, "Quotas are set by the joint commission.", getattr(world, proposed_by))
    response = agree(api, text["id"], world.aurelia, world.severia, session=str(world.session.public_id))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "awaiting_consent"
    assert consents(body) == {
        world.aurelia.name: ("noted", "other_note_taker", world.severian.name),
        world.severia.name: ("confirmed", "other_note_taker", world.severian.name),
    }
    assert body["awaiting"] == [world.aurelia.name]
    formulation = Formulation.objects.get(public_id=text["id"])
    assert not formulation.is_agreed
    # Not frozen: Aurelia's head can still put other words on the table.
    counter = api.as_user(world.head).post(
        f"/points/{point.public_id}/formulations", {"text": "Quotas are set yearly.", "party": world.aurelia.name}
    )
    assert counter.status_code == 201, counter.content


def test_the_legitimate_path_aurelian_notes_both_and_the_severian_head_confirms(world, point, api):
    api.as_user(world.note_taker)
    text = propose(api, point, "Quotas are set by the joint commission.", world.severia)
    noted = agree(api, text["id"], world.aurelia, world.severia).json()
    assert noted["status"] == "awaiting_consent"
    assert noted["awaiting"] == [world.severia.name]
    assert consents(noted)[world.severia.name] == ("noted", "note_taker", world.aurelian.name)

    confirmed = agree(api.as_user(world.other_head), text["id"], world.severia)
    assert confirmed.status_code == 200
    body = confirmed.json()
    assert body["status"] == "agreed"
    assert body["awaiting"] == []
    assert consents(body) == {
        world.aurelia.name: ("confirmed", "note_taker", world.aurelian.name),
        world.severia.name: ("confirmed", "other_head", world.severian.name),
    }
    severia = next(c for c in body["consents"] if c["party"] == world.severia.name)
    assert severia["noted_by"] == world.aurelian.name
    assert api.as_user(world.reviewer).get(f"/formulations/{text['id']}").json() == body


def test_noting_the_same_partys_consent_twice_adds_nothing(world, point, api):
    api.as_user(world.note_taker)
    text = propose(api, point, "Quotas are set yearly.", world.aurelia)
    agree(api, text["id"], world.aurelia, world.severia)
    again = agree(api, text["id"], world.severia)  # noting Severia once more adds nothing
    assert again.status_code == 400
    assert "Already recorded" in again.json()["detail"]
    assert Agreement.objects.filter(formulation__public_id=text["id"]).count() == 2


def test_an_empty_party_list_is_refused_with_a_reason_and_records_nothing(world, point, api):
    api.as_user(world.note_taker)
    text = propose(api, point, "Quotas are set yearly.", world.aurelia)
    refused = api.post(f"/formulations/{text['id']}/agree", {"parties": []})
    assert refused.status_code == 400
    assert refused.json()["detail"] == "Name at least one consenting party."
    assert not Agreement.objects.filter(formulation__public_id=text["id"]).exists()


def test_confirming_capitals_for_nobody_is_refused(world, api):
    from tests.scene import build_scene

    scene = build_scene(world)
    refused = api.as_user(scene.head).post(f"/formulations/{scene.adref.public_id}/confirm", {"parties": []})
    assert refused.status_code == 400
    assert "capital confirmed" in refused.json()["detail"]


def test_capitals_confirmed_for_the_other_party_only_are_noted(world, api):
    from tests.scene import build_scene

    scene = build_scene(world)
    url = f"/formulations/{scene.adref.public_id}/confirm"
    before = api.as_user(scene.other_note_taker).get(f"/formulations/{scene.adref.public_id}").json()
    assert before["status"] == "agreed_ad_referendum"
    assert before["awaiting"] == [scene.aurelia.name, scene.severia.name]

    body = api.post(url, {"parties": [scene.aurelia.name]}).json()
    assert body["status"] == "agreed_ad_referendum"
    aurelia = next(c for c in body["consents"] if c["party"] == scene.aurelia.name)
    assert aurelia["ad_referendum"] is True
    assert aurelia["capitals"] == {
        "state": "noted",
        "recorded_by": "other_note_taker",
        "delegation": scene.severian.name,
    }
    assert body["awaiting"] == [scene.aurelia.name, scene.severia.name]

    body = api.post(url, {"parties": [scene.severia.name]}).json()
    assert body["status"] == "agreed_ad_referendum"
    assert body["awaiting"] == [scene.aurelia.name]
    body = api.as_user(scene.head).post(url, {"parties": [scene.aurelia.name]}).json()
    assert body["status"] == "agreed"
    assert {c["party"]: c["capitals"]["state"] for c in body["consents"]} == {
        scene.aurelia.name: "confirmed",
        scene.severia.name: "confirmed",
    }


def test_a_reviewer_records_no_consent(world, point, api):
    text = propose(api.as_user(world.note_taker), point, "Quotas are set yearly.", world.aurelia)
    response = agree(api.as_user(world.reviewer), text["id"], world.aurelia)
    assert response.status_code == 403
    assert "you are a reviewer" in response.json()["detail"]


def test_a_formulation_shows_no_consents_before_any_is_recorded(world, point, api):
    body = propose(api.as_user(world.note_taker), point, "Quotas are set yearly.", world.aurelia)
    assert (body["status"], body["consents"]) == ("proposed", [])
    assert body["awaiting"] == [world.aurelia.name, world.severia.name]


def test_nothing_is_agreed_or_proposed_in_a_closed_session(world, point, api):
    text = propose(api.as_user(world.note_taker), point, "Quotas are set yearly.", world.aurelia)
    api.as_user(world.head).post(f"/sessions/{world.session.public_id}/close")
    session = str(world.session.public_id)
    refused = agree(api, text["id"], world.aurelia, session=session)
    assert refused.status_code == 409
    assert "is closed" in refused.json()["detail"]
    refused = api.post(
        f"/points/{point.public_id}/formulations",
        {"text": "Quotas every two years.", "party": world.aurelia.name, "session": session},
    )
    assert refused.status_code == 409
    assert not Agreement.objects.filter(formulation__public_id=text["id"]).exists()


def test_each_consent_is_an_act_in_the_negotiations_chain(world, point, api):
    text = propose(api.as_user(world.note_taker), point, "Quotas are set yearly.", world.aurelia)
    agree(api, text["id"], world.aurelia, world.severia)
    agree(api.as_user(world.other_head), text["id"], world.severia)
    acts = Act.objects.filter(negotiation=world.negotiation, subject=text["id"]).order_by("seq")
    assert [(a.kind, a.party.name if a.party else None) for a in acts] == [
        ("consent_confirmed", world.aurelia.name),
        ("consent_noted", world.severia.name),
        ("consent_confirmed", world.severia.name),
    ]
    assert Act.broken_links(world.negotiation) == []


class TestSecretariat:
    def test_the_secretariat_that_keeps_the_record_binds_every_party(self, secretariat, point, api):
        w = secretariat
        w.negotiation.secretariat_keeps_record = True
        w.negotiation.save()
        api.as_user(w.scribe)
        text = propose(api, point, "Quotas are set by the joint commission.", w.severia)
        body = agree(api, text["id"], w.aurelia, w.severia).json()
        assert body["status"] == "agreed"
        assert consents(body) == {
            w.aurelia.name: ("confirmed", "scribe", w.secretariat.name),
            w.severia.name: ("confirmed", "scribe", w.secretariat.name),
        }

    def test_a_secretariat_that_does_not_keep_the_record_only_notes(self, secretariat, point, api):
        w = secretariat
        api.as_user(w.scribe)
        text = propose(api, point, "Quotas are set by the joint commission.", w.severia)
        body = agree(api, text["id"], w.aurelia, w.severia).json()
        assert body["status"] == "awaiting_consent"
        assert {c["state"] for c in body["consents"]} == {"noted"}
        assert body["awaiting"] == [w.aurelia.name, w.severia.name]
        # Each party then confirms for itself.
        agree(api.as_user(w.head), text["id"], w.aurelia)
        assert agree(api.as_user(w.other_note_taker), text["id"], w.severia).json()["status"] == "agreed"
