from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from agreements.models import Agreement, Formulation, Point
from tests.scene import build_scene

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(world):
    return build_scene(world)


def propose(api, point, text, party):
    response = api.post(f"/points/{point.public_id}/formulations", {"text": text, "party": party.name})
    assert response.status_code == 201, response.content
    return response.json()


def test_a_point_is_created_and_listed_in_order(scene, api):
    api.as_user(scene.note_taker)
    created = api.post(f"/negotiations/{scene.negotiation.public_id}/points", {"title": "Flags of convenience"})
    assert created.status_code == 201
    titles = [p["title"] for p in api.get(f"/negotiations/{scene.negotiation.public_id}/points").json()]
    assert titles == ["Navigation", "Lighthouse", "Quotas", "Flags of convenience"]


def test_text_with_brackets_is_bracketed_and_cannot_be_agreed(scene, api):
    api.as_user(scene.note_taker)
    body = propose(api, scene.point, "Quotas are set [annually] [every three years].", scene.severia)
    assert body["status"] == "bracketed"
    assert body["open_brackets"] == 2
    response = api.post(f"/formulations/{body['id']}/agree", {"parties": [scene.aurelia.name, scene.severia.name]})
    assert response.status_code == 409
    assert "bracketed passage" in response.json()["detail"]


def test_full_width_brackets_in_a_chinese_draft_count_as_open(scene, api):
    body = propose(api.as_user(scene.note_taker), scene.point, "配额由联合委员会［每年］确定。", scene.severia)
    assert body["status"] == "bracketed"


def test_consent_of_every_party_each_recorded_by_its_own_delegation_agrees_the_formulation(scene, api):
    url = f"/formulations/{scene.formulation.public_id}/agree"
    session = str(scene.session.public_id)
    api.as_user(scene.note_taker).post(url, {"parties": [scene.aurelia.name], "session": session})
    response = api.as_user(scene.other_note_taker).post(url, {"parties": [scene.severia.name], "session": session})
    assert response.status_code == 200
    assert response.json()["status"] == "agreed"
    events = Agreement.objects.filter(formulation=scene.formulation).order_by("pk")
    assert [(e.session, e.recorded_by, e.binding) for e in events] == [
        (scene.session, scene.note_taker, True),
        (scene.session, scene.other_note_taker, True),
    ]


def test_consent_of_one_party_is_recorded_but_does_not_agree_the_text(scene, api):
    url = f"/formulations/{scene.formulation.public_id}/agree"
    first = api.as_user(scene.note_taker).post(url, {"parties": [scene.aurelia.name]}).json()
    assert first["status"] == "awaiting_consent"
    assert first["awaiting"] == [scene.severia.name]
    assert api.as_user(scene.other_head).post(url, {"parties": [scene.severia.name]}).json()["status"] == "agreed"


def test_an_agreed_formulation_cannot_be_agreed_again(scene, api):
    response = api.as_user(scene.note_taker).post(
        f"/formulations/{scene.agreed.public_id}/agree", {"parties": [scene.aurelia.name, scene.severia.name]}
    )
    assert response.status_code == 409
    assert "already agreed" in response.json()["detail"]


def test_ad_referendum_agreement_awaits_confirmation_by_each_partys_capital(scene, api):
    url = f"/formulations/{scene.adref.public_id}/confirm"
    assert api.as_user(scene.note_taker).get(f"/formulations/{scene.adref.public_id}").json()["status"] == (
        "agreed_ad_referendum"
    )
    aurelia = api.as_user(scene.note_taker).post(url, {"parties": [scene.aurelia.name]}).json()
    assert aurelia["status"] == "agreed_ad_referendum"
    assert aurelia["awaiting"] == [scene.severia.name]
    assert api.as_user(scene.other_head).post(url, {"parties": [scene.severia.name]}).json()["status"] == "agreed"
    kinds = list(scene.adref.events.values_list("kind", "binding"))
    assert kinds[-2:] == [("confirmed", True), ("confirmed", True)]


def test_under_the_package_rule_agreement_is_provisional(scene, api):
    scene.negotiation.package_rule = True
    scene.negotiation.save()
    url = f"/formulations/{scene.formulation.public_id}/agree"
    api.as_user(scene.note_taker).post(url, {"parties": [scene.aurelia.name, scene.severia.name]})
    response = api.as_user(scene.other_note_taker).post(url, {"parties": [scene.severia.name]})
    assert response.json()["status"] == "provisionally_agreed"


def test_agreeing_one_formulation_supersedes_the_other_open_ones_of_the_point(scene, api):
    api.as_user(scene.note_taker)
    counter = propose(api, scene.point, "Ships pass freely, except warships.", scene.severia)
    api.post(f"/formulations/{counter['id']}/agree", {"parties": [scene.aurelia.name, scene.severia.name]})
    scene.formulation.refresh_from_db()
    assert scene.formulation.status == Formulation.Status.PROPOSED  # Severia's consent is only noted so far
    api.as_user(scene.other_note_taker).post(f"/formulations/{counter['id']}/agree", {"parties": [scene.severia.name]})
    scene.formulation.refresh_from_db()
    assert scene.formulation.status == Formulation.Status.SUPERSEDED


def test_a_partys_new_formulation_replaces_its_own_earlier_one_but_not_the_others(scene, api):
    api.as_user(scene.note_taker)
    severian = propose(api, scene.point, "Ships pass.", scene.severia)
    propose(api, scene.point, "Ships pass freely at all times.", scene.aurelia)
    scene.formulation.refresh_from_db()
    assert scene.formulation.status == "superseded"
    assert api.get(f"/formulations/{severian['id']}").json()["status"] == "proposed"


def test_nothing_new_is_proposed_on_an_agreed_point_until_it_is_reopened(scene, api):
    response = api.as_user(scene.note_taker).post(
        f"/points/{scene.point_agreed.public_id}/formulations",
        {"text": "Quotas every two years.", "party": scene.aurelia.name},
    )
    assert response.status_code == 409
    assert "reopen" in response.json()["detail"]


def test_a_head_reopens_an_agreed_point_with_a_reason_and_the_history_keeps_everything(scene, api):
    api.as_user(scene.head)
    assert api.post(f"/formulations/{scene.agreed.public_id}/reopen", {"reason": "  "}).status_code == 400
    reopened = api.post(f"/formulations/{scene.agreed.public_id}/reopen", {"reason": "Capital withdrew consent."})
    assert reopened.json()["status"] == "proposed"
    history = api.get(f"/points/{scene.point_agreed.public_id}/history").json()
    assert [(e["type"], e["binding"]) for e in history["events"]] == [
        ("formulation", None),
        ("agreed", True),  # Aurelia's consent, by its note-taker
        ("agreed", False),  # Severia's, noted by the Aurelian note-taker
        ("agreed", True),  # Severia's, confirmed by its own note-taker
        ("reopened", None),
    ]
    assert history["events"][0]["text"] == "Quotas are set yearly."
    assert history["events"][2]["delegation"] == scene.aurelian.name
    assert history["events"][4]["reason"] == "Capital withdrew consent."


def test_a_note_taker_cannot_reopen(scene, api):
    response = api.as_user(scene.note_taker).post(f"/formulations/{scene.agreed.public_id}/reopen", {"reason": "x"})
    assert response.status_code == 403
    assert "head of delegation" in response.json()["detail"]


def test_after_reopening_the_parties_must_consent_again(scene, api):
    api.as_user(scene.head).post(f"/formulations/{scene.agreed.public_id}/reopen", {"reason": "Rethink."})
    url = f"/formulations/{scene.agreed.public_id}/agree"
    reopened = api.get(f"/formulations/{scene.agreed.public_id}").json()
    assert (reopened["status"], reopened["consents"]) == ("proposed", [])
    assert api.post(url, {"parties": [scene.aurelia.name]}).json()["status"] == "awaiting_consent"
    assert api.as_user(scene.other_head).post(url, {"parties": [scene.severia.name]}).json()["status"] == "agreed"


def test_the_database_refuses_to_change_the_words_of_an_agreed_formulation(scene):
    table = Formulation._meta.db_table
    with pytest.raises(DatabaseError, match="frozen"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET text = 'Quotas are set yearly!' WHERE id = %s", [scene.agreed.pk])
    scene.agreed.refresh_from_db()
    assert scene.agreed.text == "Quotas are set yearly."


def test_the_database_refuses_to_delete_a_formulation_or_an_agreement_event(scene):
    for statement, pk in [
        (f"DELETE FROM {Formulation._meta.db_table} WHERE id = %s", scene.agreed.pk),
        (f"DELETE FROM {Agreement._meta.db_table} WHERE formulation_id = %s", scene.agreed.pk),
        (f"UPDATE {Agreement._meta.db_table} SET ad_referendum = true WHERE formulation_id = %s", scene.agreed.pk),
    ]:
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [pk])


def test_the_status_of_a_formulation_may_still_move(scene):
    Formulation.objects.filter(pk=scene.formulation.pk).update(status=Formulation.Status.WITHDRAWN)
    scene.formulation.refresh_from_db()
    assert scene.formulation.status == "withdrawn"


def test_a_party_outside_the_negotiation_cannot_propose_or_consent(scene, api):
    api.as_user(scene.note_taker)
    response = api.post(f"/points/{scene.point.public_id}/formulations", {"text": "x", "party": scene.borealis.name})
    assert response.status_code == 400
    response = api.post(f"/formulations/{scene.formulation.public_id}/agree", {"parties": [scene.borealis.name]})
    assert response.status_code == 400
    assert "Not parties" in response.json()["detail"]


def test_a_session_of_another_negotiation_is_refused(scene, api, make_user):
    from negotiations.models import Negotiation
    from sessions.models import Session

    other = Negotiation.start(title="Other", parties=[scene.aurelia.name, scene.severia.name], by=scene.head)
    foreign = Session.schedule(negotiation=other, title="Elsewhere")
    response = api.as_user(scene.note_taker).post(
        f"/formulations/{scene.formulation.public_id}/agree",
        {"parties": [scene.aurelia.name, scene.severia.name], "session": str(foreign.public_id)},
    )
    assert response.status_code == 400


def test_a_point_has_a_number_in_its_negotiation(scene):
    assert list(Point.objects.filter(negotiation=scene.negotiation).values_list("number", flat=True)) == [1, 2, 3]
