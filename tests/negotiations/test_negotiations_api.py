from __future__ import annotations

import pytest

from negotiations.models import Delegation, Membership, Negotiation

pytestmark = pytest.mark.django_db


def test_a_token_is_issued_for_the_right_password_only(client, django_user_model):
    django_user_model.objects.create_user("ilan", password="right-password")
    ok = client.post(
        "/api/v1/auth/token", {"username": "ilan", "password": "right-password"}, content_type="application/json"
    )
    assert ok.status_code == 200 and len(ok.json()["token"]) > 30
    bad = client.post("/api/v1/auth/token", {"username": "ilan", "password": "nope"}, content_type="application/json")
    assert bad.status_code == 401
    assert bad.json()["detail"].startswith("Wrong username, password or code")


def test_a_malformed_request_is_400_in_json_naming_the_field(world, api):
    response = api.as_user(world.head).post("/negotiations", {"title": "No parties"})
    assert response.status_code == 400
    assert response.json()["detail"] == "parties: Field required"
    assert response.json()["errors"] == [{"field": "parties", "message": "Field required"}]


def test_staff_create_a_delegation_and_add_a_member(world, api, make_user):
    newcomer = make_user("newcomer")
    api.as_user(world.staff)
    created = api.post("/delegations", {"name": "Zephyrian delegation", "party": "Zephyria"})
    assert created.status_code == 201
    added = api.post(f"/delegations/{created.json()['id']}/members", {"username": "newcomer"})
    assert added.status_code == 201
    assert Delegation.objects.get(name="Zephyrian delegation").party.name == "Zephyria"
    assert newcomer.delegation_member.delegation.name == "Zephyrian delegation"


def test_a_user_belongs_to_one_delegation(world, api):
    response = api.as_user(world.staff).post(f"/delegations/{world.severian.public_id}/members", {"username": "head"})
    assert response.status_code == 400
    assert "already belongs" in response.json()["detail"]


def test_a_negotiation_is_created_owned_by_the_creators_delegation_with_the_creator_as_head(world, api):
    response = api.as_user(world.outsider).post(
        "/negotiations",
        {
            "title": "Borealis–Aurelia fisheries",
            "parties": [world.aurelia.name],
            "format": "bilateral",
            "package_rule": True,
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert body["id"] and body["owner"] == "Borealian delegation"
    assert body["parties"] == ["Borealis", "Republic of Aurelia"]
    assert (body["my_role"], body["package_rule"]) == ("head", True)
    assert [n["title"] for n in api.get("/negotiations").json()] == ["Borealis–Aurelia fisheries"]


def test_a_bilateral_negotiation_has_exactly_two_parties(world, api):
    response = api.as_user(world.head).post(
        "/negotiations", {"title": "Three", "parties": [world.severia.name, world.borealis.name], "format": "bilateral"}
    )
    assert response.status_code == 400
    assert "multilateral" in response.json()["detail"]


def test_a_user_without_a_delegation_cannot_open_a_negotiation(world, api):
    response = api.as_user(world.staff).post("/negotiations", {"title": "T", "parties": ["A", "B"]})
    assert response.status_code == 400
    assert "delegation" in response.json()["detail"]


def test_a_head_adds_a_member_of_their_own_delegation(world, api, make_user):
    make_user("new_a", delegation=world.aurelian)
    response = api.as_user(world.head).post(
        f"/negotiations/{world.negotiation.public_id}/members", {"username": "new_a", "role": "note_taker"}
    )
    assert response.status_code == 201
    assert Membership.objects.get(user__username="new_a").role == "note_taker"


def test_a_head_cannot_manage_the_members_of_another_delegation_already_taking_part(world, api, make_user):
    make_user("new_s", delegation=world.severian)
    response = api.as_user(world.head).post(
        f"/negotiations/{world.negotiation.public_id}/members", {"username": "new_s", "role": "head"}
    )
    assert response.status_code == 400
    assert response.json()["detail"] == Negotiation.CANNOT_ADD


def test_a_member_of_a_party_outside_the_negotiation_cannot_be_added(world, api):
    response = api.as_user(world.head).post(
        f"/negotiations/{world.negotiation.public_id}/members", {"username": "outsider", "role": "reviewer"}
    )
    assert response.status_code == 400
    assert response.json()["detail"] == Negotiation.CANNOT_ADD


def test_the_openapi_document_is_served(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert "/api/v1/sessions/{session_id}/entries" in response.json()["paths"]


def test_a_negotiation_shows_whether_the_secretariat_keeps_the_record_and_whom_my_acts_bind(secretariat, api):
    w = secretariat
    url = f"/negotiations/{w.negotiation.public_id}"
    body = api.as_user(w.other_note_taker).get(url).json()
    assert (body["secretariat_keeps_record"], body["my_acts_bind"]) == (False, [w.severia.name])
    assert api.as_user(w.clerk).get(url).json()["my_acts_bind"] == []
    w.negotiation.secretariat_keeps_record = True
    w.negotiation.save()
    body = api.as_user(w.scribe).get(url).json()
    assert (body["secretariat_keeps_record"], body["my_acts_bind"]) == (True, [w.aurelia.name, w.severia.name])
    assert api.as_user(w.head).get("/negotiations").json()[0]["my_acts_bind"] == [w.aurelia.name]


class TestActs:
    @pytest.fixture
    def scene(self, world):
        from tests.scene import build_scene

        scene = build_scene(world)
        scene.session.close(by=scene.membership(scene.other_head))
        return scene

    def test_every_member_reads_the_chain_of_acts(self, scene, api):
        url = f"/negotiations/{scene.negotiation.public_id}/acts"
        acts = api.as_user(scene.reviewer).get(url).json()["acts"]
        assert [a["seq"] for a in acts] == list(range(1, len(acts) + 1))
        assert [(a["kind"], a["party"], a["delegation"], a["by"]) for a in acts] == [
            ("consent_confirmed", scene.aurelia.name, scene.aurelian.name, "note_taker"),
            ("consent_noted", scene.severia.name, scene.aurelian.name, "note_taker"),
            ("consent_confirmed", scene.severia.name, scene.severian.name, "other_note_taker"),
            ("consent_confirmed", scene.aurelia.name, scene.aurelian.name, "note_taker"),
            ("consent_noted", scene.severia.name, scene.aurelian.name, "note_taker"),
            ("consent_confirmed", scene.severia.name, scene.severian.name, "other_head"),
            ("session_closed", None, scene.severian.name, "other_head"),
        ]
        assert acts[1]["subject"] == str(scene.adref.public_id)
        assert acts[1]["session"] == str(scene.session.public_id)
        assert "awaiting Severian Federation's confirmation" in acts[1]["text"]
        assert api.as_user(scene.other_note_taker).get(url).json()["acts"] == acts

    def test_the_chain_read_through_the_api_is_the_stored_one(self, scene, api):
        from sessions.models import Act

        acts = api.as_user(scene.head).get(f"/negotiations/{scene.negotiation.public_id}/acts").json()["acts"]
        stored = list(Act.objects.filter(negotiation=scene.negotiation).order_by("seq"))
        assert [a["digest"] for a in acts] == [s.digest for s in stored]
        assert Act.broken_links(scene.negotiation) == []

    def test_after_skips_the_acts_already_read(self, scene, api):
        acts = api.as_user(scene.head).get(f"/negotiations/{scene.negotiation.public_id}/acts", after=5).json()
        assert [(a["seq"], a["kind"]) for a in acts["acts"]] == [(6, "consent_confirmed"), (7, "session_closed")]
