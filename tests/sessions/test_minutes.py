from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from sessions.models import Corrigendum, Session, Summary
from sessions.services import summary_build
from tests.conftest import minutes_fingerprint
from tests.scene import build_scene

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(world):
    scene = build_scene(world)
    scene.session.close(by=scene.membership(scene.head))
    scene.summary = Summary.objects.create(session=scene.session)
    summary_build(summary=scene.summary)
    scene.summary.refresh_from_db()
    return scene


def url(scene, tail: str) -> str:
    return f"/sessions/{scene.session.public_id}/{tail}"


def test_the_summary_is_not_requested_before_the_session_closes(world, api):
    body = api.as_user(world.reviewer).get(f"/sessions/{world.session.public_id}/summary").json()
    assert body["status"] == "not_requested"


def test_a_ready_summary_carries_its_content_and_a_drafted_narrative(scene, api):
    body = api.as_user(scene.reviewer).get(url(scene, "summary")).json()
    assert body["status"] == "ready" and body["approved"] is False
    assert body["content"]["header"]["session_number"] == 1
    assert body["narrative"].startswith("Session 1 (Opening round) of Strait talks")


def test_a_head_edits_the_narrative_but_a_note_taker_cannot(scene, api):
    assert api.as_user(scene.note_taker).post(url(scene, "minutes/narrative"), {"narrative": "x"}).status_code == 403
    unversioned = api.as_user(scene.head).post(url(scene, "minutes/narrative"), {"narrative": "Talks were frank."})
    assert unversioned.status_code == 400 and "narrative_version" in unversioned.json()["detail"]
    version = api.get(url(scene, "summary")).json()["narrative_version"]
    response = api.post(
        url(scene, "minutes/narrative"), {"narrative": "Talks were frank.\nЛёд тронулся.", "version": version}
    )
    assert response.json()["narrative"] == "Talks were frank.\nЛёд тронулся."


def test_approval_freezes_the_minutes_once_every_party_approved_with_who_and_when(scene, api):
    first = api.as_user(scene.head).post(url(scene, "minutes/approve"), minutes_fingerprint(scene.session)).json()
    assert first["approved"] is False and first["approved_at"] is None
    assert Session.objects.get(pk=scene.session.pk).status == Session.Status.CLOSED
    body = api.as_user(scene.other_head).post(url(scene, "minutes/approve"), minutes_fingerprint(scene.session)).json()
    assert body["approved"] is True and body["approved_by"] == "other_head" and body["approved_at"]
    assert Session.objects.get(pk=scene.session.pk).status == Session.Status.MINUTES_APPROVED
    edit = api.post(
        url(scene, "minutes/narrative"), {"narrative": "Rewritten later.", "version": body["narrative_version"]}
    )
    assert edit.status_code == 400
    assert "add a corrigendum instead" in edit.json()["detail"]
    assert api.post(url(scene, "minutes/approve"), minutes_fingerprint(scene.session)).status_code == 400


def approve_by_both(scene):
    scene.summary.approve(membership=scene.membership(scene.head), fingerprint=scene.summary.current_fingerprint())
    scene.summary.approve(
        membership=scene.membership(scene.other_head), fingerprint=scene.summary.current_fingerprint()
    )


def test_the_database_refuses_to_change_approved_minutes(scene):
    approve_by_both(scene)
    with pytest.raises(DatabaseError, match="frozen"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {Summary._meta.db_table} SET narrative = 'tampered' WHERE id = %s", [scene.summary.pk])


def test_after_approval_changes_are_numbered_corrigenda_kept_beside_the_original(scene, api):
    api.as_user(scene.head)
    early = api.post(url(scene, "minutes/corrigenda"), {"text": "Too early."})
    assert early.status_code == 400 and "still a draft" in early.json()["detail"]
    approve_by_both(scene)
    api.post(url(scene, "minutes/corrigenda"), {"text": "Read “two” for “three” in point 2."})
    body = api.post(url(scene, "minutes/corrigenda"), {"text": "Add Oleg Karpov to the attendance."}).json()
    assert [(c["number"], c["text"]) for c in body["corrigenda"]] == [
        (1, "Read “two” for “three” in point 2."),
        (2, "Add Oleg Karpov to the attendance."),
    ]
    assert body["narrative"] == scene.summary.narrative  # the original stays as approved
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {Corrigendum._meta.db_table}")


def test_the_minutes_page_shows_a_draft_with_the_verbatim_texts_outside_any_form(scene, client):
    client.force_login(scene.head)
    body = client.get(url(scene, "minutes")).content.decode()
    assert "DRAFT — awaiting Aurelia, Severia" in body
    assert "Quotas are set yearly." in body
    form_part = body.split('<form method="post" action="/sessions/')[1].split("</form>")[0]
    assert "Quotas are set yearly." not in form_part
    assert "Approve the minutes for Aurelia" in body


def approve_on_the_page(client, scene, user):
    client.force_login(user)
    page = client.get(url(scene, "minutes"))
    return client.post(
        url(scene, "minutes/approve"),
        {"confirm": "yes", "fingerprint": page.context["fingerprint"]},
        follow=True,
    )


def test_approving_from_the_minutes_page_redirects_with_a_message(scene, client):
    body = approve_on_the_page(client, scene, scene.head).content.decode()
    assert "You approved the minutes for Aurelia. They now await Severia." in body
    body = approve_on_the_page(client, scene, scene.other_head).content.decode()
    assert "Every party has now approved: the minutes are binding" in body
    assert "Approved by every party" in body and "Propose a corrigendum" in body


def test_the_console_of_a_closed_session_links_to_its_draft_minutes(scene, client):
    client.force_login(scene.reviewer)
    body = client.get(scene.session.get_absolute_url()).content.decode()
    assert "Review the draft minutes" in body
