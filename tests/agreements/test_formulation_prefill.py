"""The "record a formulation" form starts with exact words: the entry's whole
text, or the part of it the note-taker selected, byte for byte; a textarea
swallows the first line feed after its tag, so one is always written before
the words."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from tests.scene import build_scene

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
TEXT = "\nSeveria proposes: vessels  give notice\tat Kel."


@pytest.fixture
def scene(world):
    scene = build_scene(world)
    scene.proposal, _ = scene.session.record_entry(
        membership=scene.membership(scene.note_taker), client_id=uuid.uuid4(), text=TEXT, kind="proposal"
    )
    return scene


def form(client, scene, **params) -> str:
    client.force_login(scene.note_taker)
    url = reverse("agreements:new_formulation", args=[scene.session.public_id])
    response = client.get(url, {"entry": scene.proposal.public_id, **params}, headers=HTMX)
    assert response.status_code == 200
    return response.content.decode()


def words_in(body: str) -> str:
    start = body.index(">", body.index('<textarea name="text"')) + 1
    raw = body[start : body.index("</textarea>", start)]
    assert raw.startswith("\n"), "the line feed a textarea swallows must be written"
    return raw[1:]


def test_the_form_starts_with_the_whole_text_of_the_entry_exactly(scene, client):
    assert words_in(form(client, scene)) == TEXT


def test_the_selected_part_of_the_entry_becomes_the_words(scene, client):
    assert words_in(form(client, scene, words="vessels  give notice\tat Kel.")) == "vessels  give notice\tat Kel."


def test_words_that_are_not_in_the_entry_are_not_prefilled(scene, client):
    assert words_in(form(client, scene, words="Aurelia proposes nothing.")) == TEXT


def test_a_correction_form_writes_the_swallowed_line_feed_before_the_text(scene, client):
    client.force_login(scene.note_taker)
    body = client.get(reverse("sessions:correct", args=[scene.proposal.public_id]), headers=HTMX).content.decode()
    assert words_in(body.replace('<textarea name="text" dir="auto" rows="3"', '<textarea name="text"')) == TEXT
