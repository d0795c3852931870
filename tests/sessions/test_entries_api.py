from __future__ import annotations

import uuid

import pytest
from django.db import DatabaseError, connection, transaction

from sessions.models import Entry, Session
from tests.scene import build_scene

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(world):
    return build_scene(world)


def entries_url(scene) -> str:
    return f"/sessions/{scene.session.public_id}/entries"


def test_sending_the_same_client_id_twice_stores_one_entry(scene, api):
    api.as_user(scene.note_taker)
    payload = {"client_id": str(uuid.uuid4()), "text": "Delegations exchanged credentials.", "kind": "note"}
    first = api.post(entries_url(scene), payload)
    second = api.post(entries_url(scene), payload)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert first.json()["seq"] == second.json()["seq"]
    assert Entry.objects.filter(client_id=payload["client_id"]).count() == 1


def test_a_client_id_reused_for_different_words_is_a_conflict(scene, api):
    api.as_user(scene.note_taker)
    client_id = str(uuid.uuid4())
    api.post(entries_url(scene), {"client_id": client_id, "text": "First words."})
    response = api.post(entries_url(scene), {"client_id": client_id, "text": "Other words."})
    assert response.status_code == 409
    assert "new id for each entry" in response.json()["detail"]


def test_an_entry_returns_id_seq_and_the_exact_text(scene, api):
    response = api.as_user(scene.note_taker).post(
        entries_url(scene),
        {
            "client_id": str(uuid.uuid4()),
            "text": "  two  spaces\n\tand a tab  ",
            "kind": "statement",
            "speaker": "Oleg Karpov",
            "party": scene.severia.name,
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert body["seq"] == 2  # the scene already holds one shared entry
    assert body["text"] == "  two  spaces\n\tand a tab  "
    assert (body["speaker"], body["party"], body["kind"]) == ("Oleg Karpov", scene.severia.name, "statement")


def test_an_unknown_speaker_without_a_party_is_refused_with_a_way_forward(scene, api):
    response = api.as_user(scene.note_taker).post(
        entries_url(scene), {"client_id": str(uuid.uuid4()), "text": "Hi.", "speaker": "Nobody Known"}
    )
    assert response.status_code == 400
    assert "send their party too" in response.json()["detail"]


def test_a_closed_session_accepts_no_more_entries(scene, api):
    api.as_user(scene.note_taker)
    kept = {"client_id": str(uuid.uuid4()), "text": "Stored before the close."}
    assert api.post(entries_url(scene), kept).status_code == 201
    assert api.as_user(scene.head).post(f"/sessions/{scene.session.public_id}/close").json()["status"] == "closed"
    api.as_user(scene.note_taker)
    late = api.post(entries_url(scene), {"client_id": str(uuid.uuid4()), "text": "Too late."})
    assert late.status_code == 409
    assert "accepts no more entries" in late.json()["detail"]
    # a retry of something stored before the close still gets its answer
    assert api.post(entries_url(scene), kept).status_code == 200


def test_closing_twice_is_harmless(scene, api):
    api.as_user(scene.head)
    first = api.post(f"/sessions/{scene.session.public_id}/close").json()
    second = api.post(f"/sessions/{scene.session.public_id}/close").json()
    assert first["ended_at"] == second["ended_at"]


def test_the_first_entry_starts_a_scheduled_session(world, api):
    session = Session.schedule(negotiation=world.negotiation, title="Another round")
    response = api.as_user(world.note_taker).post(
        f"/sessions/{session.public_id}/entries", {"client_id": str(uuid.uuid4()), "text": "We begin."}
    )
    assert response.status_code == 201
    session.refresh_from_db()
    assert session.status == Session.Status.IN_PROGRESS and session.started_at is not None


def test_listing_after_a_sequence_number_returns_only_later_entries_in_order(scene, api):
    api.as_user(scene.note_taker)
    for n in range(3):
        api.post(entries_url(scene), {"client_id": str(uuid.uuid4()), "text": f"Line {n}"})
    entries = api.get(entries_url(scene), after=2, after_internal=1).json()["entries"]
    assert [e["seq"] for e in entries] == [3, 4]
    assert [e["text"] for e in entries] == ["Line 1", "Line 2"]


def test_a_correction_is_a_new_entry_and_the_original_stays(scene, api):
    api.as_user(scene.note_taker)
    response = api.post(
        f"/entries/{scene.entry.public_id}/corrections",
        {"client_id": str(uuid.uuid4()), "text": "Opening remarks by both heads."},
    )
    assert response.status_code == 201
    assert response.json()["supersedes"] == str(scene.entry.public_id)
    assert response.json()["disputes"] is None
    scene.entry.refresh_from_db()
    assert scene.entry.text == "Opening remarks."
    texts = [e["text"] for e in api.get(entries_url(scene)).json()["entries"]]
    assert "Opening remarks." in texts and "Opening remarks by both heads." in texts


def test_the_second_of_two_concurrent_corrections_gets_a_conflict_with_both_texts(scene, api):
    url = f"/entries/{scene.entry.public_id}/corrections"
    first = api.as_user(scene.note_taker).post(url, {"client_id": str(uuid.uuid4()), "text": "Version by Ilan."})
    second = api.as_user(scene.head).post(url, {"client_id": str(uuid.uuid4()), "text": "Version by Amara."})
    assert first.status_code == 201
    assert second.status_code == 409
    body = second.json()
    assert body["original"]["text"] == "Opening remarks."
    assert body["current"]["text"] == "Version by Ilan."
    assert body["yours"]["text"] == "Version by Amara."
    assert "already corrected" in body["detail"]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "empty"),
        ("   \n\t ", "empty"),
        ("bad\x00byte", "U+0000"),
        ("carriage\r\nreturn", "U+000D"),
        ("escape \x1b[31m", "U+001B"),
        ("x" * 20_001, "limit is 20,000"),
    ],
)
def test_text_that_cannot_be_a_record_is_refused_with_a_clear_400(scene, api, text, words):
    response = api.as_user(scene.note_taker).post(entries_url(scene), {"client_id": str(uuid.uuid4()), "text": text})
    assert response.status_code == 400
    assert words in response.json()["detail"]


def test_an_unpaired_surrogate_is_refused_with_a_clear_400(scene, client):
    from negotiations.models import ApiToken

    token = ApiToken.issue(scene.note_taker)
    body = '{"client_id": "' + str(uuid.uuid4()) + '", "text": "half \\ud800 a character"}'
    response = client.post(
        f"/api/v1{entries_url(scene)}",
        body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 400
    assert "surrogate" in response.json()["detail"]


def test_the_database_refuses_to_update_or_delete_an_entry(scene):
    table = Entry._meta.db_table
    for statement in (f"UPDATE {table} SET text = 'rewritten' WHERE id = %s", f"DELETE FROM {table} WHERE id = %s"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [scene.entry.pk])
    scene.entry.refresh_from_db()
    assert scene.entry.text == "Opening remarks."


def test_each_stream_is_a_hash_chain_that_a_reader_can_verify(scene):
    for _ in range(3):
        scene.session.record_entry(membership=scene.membership(scene.note_taker), client_id=uuid.uuid4(), text="More.")
    assert scene.session.broken_links() == []
    entries = list(scene.session.entries.filter(stream="record").order_by("seq"))
    assert entries[1].digest == entries[1].compute_digest(entries[0].digest)
