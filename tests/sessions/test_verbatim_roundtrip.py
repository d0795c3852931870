"""Whatever a note-taker types comes back byte for byte: through the API,
from the database, in every script."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sessions.models import Entry
from tests.scene import build_scene

pytestmark = pytest.mark.django_db

SAMPLES = [
    "Merchant vessels of both Parties shall enjoy unimpeded passage.",
    "Квоты на вылов устанавливаются Совместной комиссией [ежегодно].",
    "تُحدَّد حصص الصيد من قِبَل اللجنة المشتركة.",
    "捕鱼配额由联合委员会确定。",
    "Agreed 🤝🏽 — family: 👩‍👩‍👧‍👦, flag: 🇦🇶",
    "  leading and trailing  spaces, two  inside,\n\nblank line,\ttab  ",
    "e\u0301 (decomposed) vs \u00e9 (composed), zero\u200bwidth, \u200fRLM",
]

record_text = st.text(
    alphabet=st.characters(exclude_categories=("Cc", "Cs"), include_characters="\t\n"),
    min_size=1,
    max_size=300,
).filter(lambda s: s.strip())


@pytest.fixture
def scene(world):
    return build_scene(world)


def roundtrip(api, scene, text: str) -> tuple[str, str]:
    created = api.post(f"/sessions/{scene.session.public_id}/entries", {"client_id": str(uuid.uuid4()), "text": text})
    assert created.status_code == 201, created.content
    listed = api.get(
        f"/sessions/{scene.session.public_id}/entries", after=created.json()["seq"] - 1, after_internal=10**6
    ).json()
    stored = Entry.objects.get(public_id=created.json()["id"]).text
    return listed["entries"][0]["text"], stored


@pytest.mark.parametrize("text", SAMPLES)
def test_known_hard_texts_come_back_exactly(scene, api, text):
    api.as_user(scene.note_taker)
    listed, stored = roundtrip(api, scene, text)
    assert listed.encode() == text.encode()
    assert stored.encode() == text.encode()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=record_text)
def test_any_acceptable_text_comes_back_byte_for_byte(scene, api, text):
    api.as_user(scene.note_taker)
    listed, stored = roundtrip(api, scene, text)
    assert listed.encode() == text.encode()
    assert stored.encode() == text.encode()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=record_text)
def test_any_acceptable_formulation_comes_back_byte_for_byte(scene, api, text):
    api.as_user(scene.note_taker)
    response = api.post(f"/points/{scene.point.public_id}/formulations", {"text": text, "party": scene.severia.name})
    assert response.status_code == 201, response.content
    fetched = api.get(f"/formulations/{response.json()['id']}").json()
    assert fetched["text"].encode() == text.encode()
