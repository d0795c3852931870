"""Texts of the record are never translated: a member reading the interface in French sees every
title, entry, formulation, name and marking exactly as stored, and a summary built while someone
reads French is the same English record. The JSON API keeps its field names and codes; its
messages follow the request's Accept-Language."""

from __future__ import annotations

import uuid

import pytest
from django.utils import translation

from accounts.models import Preference
from sessions.models import Participant, Summary
from sessions.services import summary_build
from tests.scene import build_scene

pytestmark = pytest.mark.django_db


def test_a_member_reading_french_sees_the_record_exactly_as_stored(world, client):
    w = build_scene(world)
    Preference.choose(w.head, time_zone="", language="fr")
    client.force_login(w.head)
    desk = client.get(w.negotiation.get_absolute_url()).text
    assert '<html lang="fr">' in desk and "Texte agréé à ce jour" in desk
    for stored in ["Strait talks", "UNCLASSIFIED", "Ships pass freely.", "Kel Light.", "Quotas", "Opening round"]:
        assert stored in desk, stored
    assert "Port Calder" in desk and "Republic of Aurelia" in desk


def test_the_interface_follows_the_browsers_language_when_nothing_was_chosen(client):
    assert '<html lang="fr">' in client.get("/login/", headers={"accept-language": "fr-FR,fr;q=0.9"}).text
    assert '<html lang="en">' in client.get("/login/", headers={"accept-language": "de"}).text


def test_a_summary_built_while_a_viewer_reads_french_is_the_english_record(world):
    w = build_scene(world)
    Participant.objects.create(
        negotiation=w.negotiation, party=w.aurelia, name="Amara Lind", function=Participant.Function.HEAD
    )
    w.session.set_attendance(w.negotiation.participants.get(name="Amara Lind"), True)
    w.session.close(by=w.membership(w.head))
    summary = Summary.objects.create(session=w.session)
    with translation.override("fr"):
        summary_build(summary=summary)
    summary.refresh_from_db()
    functions = [p["function"] for group in summary.content["header"]["attendance"] for p in group["participants"]]
    assert functions == ["Head of delegation"]
    assert "Chef" not in str(summary.content) and "séance" not in summary.narrative


def test_the_api_keeps_its_fields_and_codes_and_answers_in_the_requests_language(world, client):
    from negotiations.models import ApiToken

    w = build_scene(world)
    token = ApiToken.issue(w.note_taker)
    url = f"/api/v1/sessions/{w.session.public_id}/entries"
    body = {"client_id": str(uuid.uuid4()), "text": ""}
    headers = {"Authorization": f"Bearer {token}"}
    english = client.post(url, body, content_type="application/json", headers=headers)
    french = client.post(url, body, content_type="application/json", headers={**headers, "accept-language": "fr"})
    assert english.status_code == french.status_code == 400
    assert english.json().keys() == french.json().keys()
    assert "empty" in english.json()["detail"]
    assert "vide" in french.json()["detail"]
