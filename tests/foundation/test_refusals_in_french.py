"""A refusal names the field it refuses in the reader's language: the API's rules of the record put the
field's name into the sentence, and a French sentence with an English field name in it reads as a bug."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db
FRENCH = {"Accept-Language": "fr"}


def test_an_empty_agenda_item_is_refused_naming_the_field_in_french(world, client):
    from negotiations.models import ApiToken

    headers = {"Authorization": f"Bearer {ApiToken.issue(world.head)}", **FRENCH}
    response = client.post(
        f"/api/v1/sessions/{world.session.public_id}/agenda",
        {"title": "   "},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert "« point de l’ordre du jour »" in detail and "agenda item" not in detail


def test_a_session_title_with_a_control_character_is_refused_naming_the_field_in_french(world, client):
    from negotiations.models import ApiToken

    headers = {"Authorization": f"Bearer {ApiToken.issue(world.head)}", **FRENCH}
    response = client.post(
        f"/api/v1/negotiations/{world.negotiation.public_id}/schedule",
        {"title": "Round\u0007two", "place": "Geneva", "date": "2027-01-11", "time": "10:00", "time_zone": "UTC"},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert "titre" in detail and "U+0007" in detail and "The title" not in detail


def test_the_same_refusal_stays_english_for_an_english_reader(world, api):
    response = api.as_user(world.head).post(f"/sessions/{world.session.public_id}/agenda", {"title": "   "})
    assert response.status_code == 400 and "agenda item" in response.json()["detail"]
