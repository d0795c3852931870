from __future__ import annotations

import uuid

import pytest

from agreements.models import Formulation, Point
from sessions.models import Attendance, Entry, Participant, Session
from tests.scene import build_scene

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def scene(world):
    return build_scene(world)


def console(scene) -> str:
    return scene.session.get_absolute_url()


def test_a_note_taker_gets_the_capture_box_with_the_keys_documented(scene, client):
    client.force_login(scene.note_taker)
    body = client.get(console(scene)).content.decode()
    assert 'id="capture-text"' in body
    assert "Shift+Enter" in body and "@kar" in body
    assert f'sse-connect="/sessions/{scene.session.public_id}/stream?cursor=1.1"' in body


def test_a_reviewer_reads_the_console_without_a_capture_box(scene, client):
    client.force_login(scene.reviewer)
    body = client.get(console(scene)).content.decode()
    assert "Opening remarks." in body
    assert 'id="capture-text"' not in body


def test_a_closed_session_says_so_instead_of_offering_capture(scene, client):
    scene.session.close(by=scene.membership(scene.head))
    client.force_login(scene.note_taker)
    body = client.get(console(scene)).content.decode()
    assert 'id="capture-text"' not in body
    assert "accepts no more entries" in body


def test_the_console_scripts_are_our_own_static_files_carrying_the_nonce(scene, client):
    client.force_login(scene.note_taker)
    response = client.get(console(scene))
    body = response.content.decode()
    nonce = response.headers["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    for script in ("vendor/htmx/htmx-2.0.11.min.js", "vendor/htmx/sse-2.2.4.min.js", "js/console.js"):
        assert f'src="/static/{script}" nonce="{nonce}"' in body
        assert client.get(f"/static/{script}").status_code == 200


def test_the_console_posts_entries_through_the_api_with_its_session_and_csrf(scene, client):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(scene.note_taker)
    url = f"/api/v1/sessions/{scene.session.public_id}/entries"
    payload = {"client_id": str(uuid.uuid4()), "text": "From the console."}
    assert browser.post(url, payload, content_type="application/json").status_code in {401, 403}
    browser.get(console(scene))  # sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    response = browser.post(url, payload, content_type="application/json", headers={"X-CSRFToken": token})
    assert response.status_code == 201


def test_a_correction_from_the_console_returns_the_row_marked_corrected(scene, client):
    client.force_login(scene.note_taker)
    url = f"/sessions/entries/{scene.entry.public_id}/correct"
    form = client.get(url, headers=HTMX).content.decode()
    assert 'name="client_id"' in form and "Opening remarks." in form
    response = client.post(
        url, {"client_id": str(uuid.uuid4()), "text": "Opening remarks\r\nby both heads."}, headers=HTMX
    )
    assert response.status_code == 200
    assert "corrected by 2" in response.content.decode()
    assert Entry.objects.get(supersedes=scene.entry).text == "Opening remarks\nby both heads."


def test_the_second_console_correction_shows_a_conflict_with_both_texts(scene, client):
    url = f"/sessions/entries/{scene.entry.public_id}/correct"
    client.force_login(scene.note_taker)
    client.post(url, {"client_id": str(uuid.uuid4()), "text": "Ilan's version."}, headers=HTMX)
    client.force_login(scene.head)  # of the same delegation: a correction, so it conflicts with the first
    response = client.post(url, {"client_id": str(uuid.uuid4()), "text": "Amara's version."}, headers=HTMX)
    assert response.status_code == 409
    body = response.content.decode()
    assert "Someone corrected this entry first." in body
    assert "Ilan&#x27;s version." in body and "Amara&#x27;s version." in body
    assert Entry.objects.filter(supersedes=scene.entry).count() == 1


def test_the_current_agenda_item_is_attached_to_new_entries(scene, client, api):
    client.force_login(scene.note_taker)
    response = client.post(
        f"/sessions/{scene.session.public_id}/agenda", {"title": "Fishing quotas", "take_up": "1"}, headers=HTMX
    )
    assert response.status_code == 200
    assert response.headers["HX-Trigger"] == '{"panelSaved": {"panel": "agenda"}}'
    assert 'aria-current="true"' in response.content.decode()
    created = api.as_user(scene.note_taker).post(
        f"/sessions/{scene.session.public_id}/entries", {"client_id": str(uuid.uuid4()), "text": "On quotas."}
    )
    entry = Entry.objects.get(public_id=created.json()["id"])
    assert entry.agenda_item.title == "Fishing quotas"
    client.post(f"/sessions/{scene.session.public_id}/agenda/current", {"item": ""}, headers=HTMX)
    scene.session.refresh_from_db()
    assert scene.session.current_agenda_item is None


def test_attendance_is_marked_and_unmarked_from_the_console(scene, client):
    participant = Participant.objects.create(negotiation=scene.negotiation, party=scene.severia, name="Oleg Karpov")
    client.force_login(scene.note_taker)
    url = f"/sessions/{scene.session.public_id}/attendance"
    client.post(url, {"participant": str(participant.public_id), "present": "1"}, headers=HTMX)
    assert Attendance.objects.filter(session=scene.session, participant=participant).exists()
    client.post(url, {"participant": str(participant.public_id), "present": "0"}, headers=HTMX)
    assert not Attendance.objects.filter(session=scene.session, participant=participant).exists()


def test_a_participant_added_from_the_console_is_marked_present(scene, client):
    client.force_login(scene.note_taker)
    response = client.post(
        f"/sessions/{scene.session.public_id}/participants",
        {"name": "Нина Орлова", "party": scene.severia.pk, "function": "advisor"},
        headers=HTMX,
    )
    assert "Нина Орлова" in response.content.decode()
    assert Attendance.objects.filter(session=scene.session, participant__name="Нина Орлова").exists()


def test_a_participant_without_a_name_is_refused_in_words(scene, client):
    client.force_login(scene.note_taker)
    response = client.post(
        f"/sessions/{scene.session.public_id}/participants", {"name": "", "party": scene.severia.pk}, headers=HTMX
    )
    assert response.status_code == 400
    assert "name, party and function" in response.content.decode()


def test_a_proposal_entry_is_recorded_as_a_formulation_of_a_new_point_verbatim(scene, client):
    proposal, _ = scene.session.record_entry(
        membership=scene.membership(scene.note_taker),
        client_id=uuid.uuid4(),
        text="Обе Стороны  воздерживаются от [военных] учений в проливе.",
        kind="proposal",
        party=scene.severia,
    )
    client.force_login(scene.note_taker)
    form = client.get(
        f"/record/sessions/{scene.session.public_id}/formulations/new?entry={proposal.public_id}", headers=HTMX
    )
    assert proposal.text in form.content.decode()
    response = client.post(
        f"/record/sessions/{scene.session.public_id}/formulations",
        {
            "entry": str(proposal.public_id),
            "point": "new",
            "point_title": "Exercises",
            "party": scene.severia.pk,
            "language": "ru",
            "text": proposal.text,
        },
        headers=HTMX,
    )
    assert response.status_code == 200
    formulation = Formulation.objects.get(point__title="Exercises")
    assert formulation.text == proposal.text
    assert (formulation.entry, formulation.session, formulation.status) == (proposal, scene.session, "bracketed")


def test_agreeing_from_the_console_freezes_the_formulation_once_each_party_confirmed(scene, client):
    url = f"/record/sessions/{scene.session.public_id}/formulations/{scene.formulation.public_id}/agree"
    client.force_login(scene.note_taker)
    response = client.post(url, {"parties": [scene.aurelia.pk, scene.severia.pk]}, headers=HTMX)
    assert response.status_code == 200
    assert "Awaiting consent" in response.content.decode()
    scene.formulation.refresh_from_db()
    assert scene.formulation.status == "awaiting_consent"
    client.force_login(scene.other_note_taker)
    response = client.post(url, {"parties": [scene.severia.pk]}, headers=HTMX)
    assert response.status_code == 200
    assert "🔒 Agreed" in response.content.decode()
    scene.formulation.refresh_from_db()
    assert scene.formulation.status == "agreed"


def test_agreeing_bracketed_text_from_the_console_explains_why_not(scene, client):
    bracketed = Point.objects.get(pk=scene.point.pk).propose(
        text="Ships pass [freely].", party=scene.severia, membership=scene.membership(scene.note_taker)
    )
    client.force_login(scene.note_taker)
    url = f"/record/sessions/{scene.session.public_id}/formulations/{bracketed.public_id}/agree"
    response = client.post(url, {"parties": [scene.aurelia.pk, scene.severia.pk]}, headers=HTMX)
    assert response.status_code == 409
    assert "bracketed passage" in response.content.decode()


def test_closing_from_the_console_stops_capture(scene, client, api):
    client.force_login(scene.note_taker)
    assert client.post(f"/sessions/{scene.session.public_id}/close").status_code == 403
    client.force_login(scene.head)
    response = client.post(f"/sessions/{scene.session.public_id}/close")
    assert response.status_code == 302
    scene.session.refresh_from_db()
    assert scene.session.status == Session.Status.CLOSED
    late = api.as_user(scene.note_taker).post(
        f"/sessions/{scene.session.public_id}/entries", {"client_id": str(uuid.uuid4()), "text": "Late."}
    )
    assert late.status_code == 409


def test_a_refusal_message_escapes_what_the_user_typed(scene, client):
    Participant.objects.create(negotiation=scene.negotiation, party=scene.severia, name="<b>Oleg</b>")
    client.force_login(scene.note_taker)
    response = client.post(
        f"/sessions/{scene.session.public_id}/participants",
        {"name": "<b>Oleg</b>", "party": scene.severia.pk, "function": "advisor"},
        headers=HTMX,
    )
    assert response.status_code == 400
    assert "&lt;b&gt;Oleg&lt;/b&gt; is already a participant." in response.content.decode()
