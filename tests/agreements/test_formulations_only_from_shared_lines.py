"""Only shared lines become formulations or sources of shared texts: an
Aurelian internal proposal never reaches the shared record, by any path."""

from __future__ import annotations

import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from agreements.models import Formulation, Point
from sessions.services import session_close, summary_build
from sessions.summary import build_session_summary

pytestmark = pytest.mark.django_db

SECRET = "Concede the lighthouse if they push"


@pytest.fixture
def internal_proposal(world):
    world.session.start()
    world.point = Point.open(negotiation=world.negotiation, title="Lighthouse")
    world.shared, _ = world.session.record_entry(
        membership=world.membership(world.note_taker),
        client_id=uuid.uuid4(),
        text="Kel Light stays dark.",
        kind="proposal",
    )
    world.internal, _ = world.session.record_entry(
        membership=world.membership(world.note_taker),
        client_id=uuid.uuid4(),
        text=SECRET,
        kind="proposal",
        visibility="internal",
    )
    return world


def test_an_internal_line_cannot_be_proposed_as_a_formulation(internal_proposal):
    w = internal_proposal
    with pytest.raises(ValidationError, match="internal to your delegation"):
        w.point.propose(
            text=SECRET, party=w.aurelia, membership=w.membership(w.note_taker), session=w.session, entry=w.internal
        )
    assert not Formulation.objects.exists()


def test_a_formulation_saved_by_hand_cannot_cite_an_internal_line(internal_proposal):
    w = internal_proposal
    with pytest.raises(ValidationError, match="internal to your delegation"):
        Formulation.objects.create(
            point=w.point, text=SECRET, party=w.aurelia, entry=w.internal, proposed_by=w.note_taker, status="proposed"
        )


def test_the_database_refuses_a_formulation_from_an_internal_line(internal_proposal):
    w = internal_proposal
    row = Formulation(
        point=w.point, text=SECRET, party=w.aurelia, entry=w.internal, proposed_by=w.note_taker, status="proposed"
    )
    with pytest.raises(IntegrityError, match="only from a shared line"), transaction.atomic():
        Formulation.objects.bulk_create([row])  # bulk_create skips save(): only the trigger stands in the way


def test_a_shared_line_still_becomes_a_formulation(internal_proposal):
    w = internal_proposal
    formulation = w.point.propose(
        text=w.shared.text, party=w.aurelia, membership=w.membership(w.note_taker), session=w.session, entry=w.shared
    )
    assert formulation.entry == w.shared


def test_the_console_offers_record_as_formulation_only_on_shared_proposals(internal_proposal, client):
    w = internal_proposal
    client.force_login(w.note_taker)
    page = client.get(w.session.get_absolute_url()).content.decode()
    assert f"?entry={w.shared.public_id}" in page
    assert f"?entry={w.internal.public_id}" not in page


def test_the_formulation_form_refuses_to_prefill_an_internal_line(internal_proposal, client):
    w = internal_proposal
    client.force_login(w.note_taker)
    response = client.get(
        f"/record/sessions/{w.session.public_id}/formulations/new",
        {"entry": str(w.internal.public_id)},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert SECRET not in page
    assert "internal to your delegation" in page


def test_posting_record_as_formulation_on_an_internal_line_is_refused(internal_proposal, client):
    w = internal_proposal
    client.force_login(w.note_taker)
    response = client.post(
        f"/record/sessions/{w.session.public_id}/formulations",
        {"entry": str(w.internal.public_id), "text": SECRET, "party": w.aurelia.pk, "point": str(w.point.public_id)},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 400
    assert "internal to your delegation" in response.content.decode()
    assert not Formulation.objects.exists()


@pytest.fixture
def old_formulation_from_an_internal_line(internal_proposal):
    """A formulation stored before the guards existed, citing the internal line."""
    w = internal_proposal
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE agreements_formulation DISABLE TRIGGER agreements_formulation_shared_source")
    Formulation.objects.bulk_create(
        [
            Formulation(
                point=w.point,
                text="Kel Light stays dark.",
                party=w.aurelia,
                session=w.session,
                entry=w.internal,
                proposed_by=w.note_taker,
                status="proposed",
            )
        ]
    )
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE agreements_formulation ENABLE TRIGGER agreements_formulation_shared_source")
    return w


def test_the_summary_never_cites_an_internal_line_as_a_source(old_formulation_from_an_internal_line):
    w = old_formulation_from_an_internal_line
    content = build_session_summary(w.session)
    positions = [p for point in content["discussed"] for p in point["positions"]]
    assert [p["text"] for p in positions] == ["Kel Light stays dark."]
    assert positions[0]["sources"] == []
    assert str(w.internal.public_id) not in str(content)


def test_minutes_page_and_minutes_json_never_cite_an_internal_line(old_formulation_from_an_internal_line, client, api):
    w = old_formulation_from_an_internal_line
    summary = session_close(session=w.session, by=w.membership(w.head))
    summary_build(summary=summary)
    for user in (w.other_head, w.head):
        client.force_login(user)
        page = client.get(f"/sessions/{w.session.public_id}/minutes").content.decode()
        assert "Kel Light stays dark." in page
        assert str(w.internal.public_id) not in page
        exported = api.as_user(user).get(f"/sessions/{w.session.public_id}/minutes.json")
        assert exported.status_code == 200
        assert str(w.internal.public_id) not in exported.content.decode()
        assert SECRET not in exported.content.decode()


def test_another_delegations_internal_line_is_no_such_line_on_the_form(internal_proposal, client):
    w = internal_proposal
    client.force_login(w.other_note_taker)  # the other side: a Severian tries the Aurelian internal line
    response = client.get(
        f"/record/sessions/{w.session.public_id}/formulations/new",
        {"entry": str(w.internal.public_id)},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 400
    assert "No such line in this negotiation" in response.content.decode()
    assert SECRET not in response.content.decode()
    response = client.post(
        f"/record/sessions/{w.session.public_id}/formulations",
        {"entry": str(w.internal.public_id), "text": "x", "party": w.severia.pk, "point": str(w.point.public_id)},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 400
    assert "No such line in this negotiation" in response.content.decode()
    assert not Formulation.objects.exists()


def test_minutes_page_and_json_drop_an_internal_source_of_a_summary_stored_before_the_guard(
    internal_proposal, client, api
):
    w = internal_proposal
    w.point.propose(
        text=w.shared.text, party=w.aurelia, membership=w.membership(w.note_taker), session=w.session, entry=w.shared
    )
    summary = session_close(session=w.session, by=w.membership(w.head))
    summary_build(summary=summary)
    summary.refresh_from_db()
    content = summary.content
    (position,) = [p for point in content["discussed"] for p in point["positions"]]
    assert position["sources"] == [{"entry": str(w.shared.public_id), "seq": w.shared.seq}]
    position["sources"].append({"entry": str(w.internal.public_id), "seq": w.internal.seq})  # as an old build wrote it
    type(summary).objects.filter(pk=summary.pk).update(content=content)
    client.force_login(w.other_head)
    page = client.get(f"/sessions/{w.session.public_id}/minutes").content.decode()
    assert f"#entry-{w.shared.public_id}" in page
    assert str(w.internal.public_id) not in page
    exported = api.as_user(w.other_head).get(f"/sessions/{w.session.public_id}/minutes.json").content.decode()
    assert str(w.shared.public_id) in exported
    assert str(w.internal.public_id) not in exported
