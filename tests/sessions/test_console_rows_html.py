"""The console's rows read the same however they are built: the page, the
"earlier" fragment and the live stream give each row the same HTML, and that
HTML is pinned, in English and in French, for every kind of row (speaker and
party, agenda item, correction, differing reading accepted and not, internal
entry, formulation recorded from a line)."""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path

import pytest
from django.utils import translation

from agreements.models import Point
from sessions import views
from sessions.models import Entry, Participant
from sessions.streams import ENTRY_PREFETCH, ENTRY_RELATED, Viewer
from tests.scene import build_scene

pytestmark = pytest.mark.django_db

GOLDEN = Path(__file__).parent / "golden" / "console_rows.html"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TIME = re.compile(r"\b\d\d:\d\d(:\d\d)?\b")
TIMELINE = re.compile(r'<ol id="timeline".*?</ol>', re.S)


def normalised(html: str) -> str:
    """Ids and clock times as the n-th one met, so that two runs compare."""
    seen: dict[str, str] = {}
    html = UUID.sub(lambda m: seen.setdefault(m.group(), f"uuid-{len(seen)}"), html)
    return TIME.sub("HH:MM", html)


@pytest.fixture
def rich(world):
    w = build_scene(world)
    m, s = w.membership, w.session
    lind = Participant.objects.create(negotiation=w.negotiation, party=w.aurelia, name="Amara Lind")
    haddad = Participant.objects.create(negotiation=w.negotiation, party=w.severia, name="Rami Haddad")
    s.take_up(s.add_agenda_item("Navigation in the strait"))

    def line(text, by=None, **extra):
        entry, _ = s.record_entry(membership=m(by or w.note_taker), client_id=uuid.uuid4(), text=text, **extra)
        return entry

    said = line('Ships <b>pass</b> freely & "always".', kind="statement", speaker=lind)
    line("Not in winter.", by=w.other_note_taker, kind="question", speaker=haddad)
    proposal = line("Pilots are optional.", kind="proposal", party=w.severia)
    Point.open(negotiation=w.negotiation, title="Pilotage").propose(
        text="Pilots are optional.", party=w.severia, membership=m(w.note_taker), session=s, entry=proposal
    )
    said.correct(membership=m(w.note_taker), client_id=uuid.uuid4(), text="Ships pass freely.")
    disputed = line("Aurelia accepts a quota.", kind="statement", speaker=lind)
    disputed.correct(membership=m(w.other_note_taker), client_id=uuid.uuid4(), text="Aurelia accepts no quota.")
    accepted = line("Fees are waived.", kind="decision")
    reading, _ = accepted.correct(membership=m(w.other_note_taker), client_id=uuid.uuid4(), text="Fees are halved.")
    reading.accept_reading(membership=m(w.note_taker), client_id=uuid.uuid4())
    line("Fallback: two pilots.", kind="note", visibility="internal")
    return w


def rows_of_page(client, w, user, language: str) -> str:
    client.force_login(user)
    body = client.get(w.session.get_absolute_url(), headers={"accept-language": language}).content.decode()
    return TIMELINE.search(body).group()


def test_every_kind_of_row_renders_as_pinned_in_english_and_french(rich, client):
    pages = []
    for user in (rich.note_taker, rich.other_note_taker, rich.reviewer):
        for language in ("en", "fr"):
            pages.append(
                f"<!-- {user.username} {language} -->\n{normalised(rows_of_page(client, rich, user, language))}"
            )
    got = "\n".join(pages) + "\n"
    if os.environ.get("VERBATIM_WRITE_GOLDEN"):
        GOLDEN.write_text(got, encoding="utf-8")
    assert "Lignes" in got or "interne" in got  # the French pages are in French
    assert got == GOLDEN.read_text(encoding="utf-8")


def test_the_page_the_earlier_fragment_and_the_stream_give_each_row_the_same_html(rich, client, monkeypatch):
    monkeypatch.setattr(views, "CONSOLE_PAGE", 4)
    for user in (rich.note_taker, rich.other_note_taker):
        client.force_login(user)
        membership = rich.membership(user)
        viewer = Viewer.of(membership)
        visible = list(rich.session.visible_entries(membership).order_by("pk"))
        for language in ("en", "fr"):
            body = client.get(rich.session.get_absolute_url(), headers={"accept-language": language}).content.decode()
            fragment = client.get(
                f"/sessions/{rich.session.public_id}/earlier?before={visible[-4].public_id}",
                headers={"accept-language": language},
            ).content.decode()
            with translation.override(language):
                for entry in visible[-8:]:
                    full = (
                        Entry.objects.select_related(*ENTRY_RELATED).prefetch_related(*ENTRY_PREFETCH).get(pk=entry.pk)
                    )
                    streamed = views.render_row(full, None, viewer).strip()
                    assert streamed in (body if entry.pk >= visible[-4].pk else fragment), (user, language, entry.seq)


def test_a_page_of_rows_reads_every_relation_the_streams_rows_read():
    shared = {f"{name}__{nested}" if nested else name for name, n in views.ROW_SHARED.items() for nested in n or ("",)}
    assert {*views.ROW_JOINED, *shared} == {*ENTRY_RELATED} - {"session"}
    assert {*views.ROW_PREFETCH} == {*ENTRY_PREFETCH}


def test_the_console_reads_as_many_rows_of_every_kind_in_the_same_number_of_queries(rich, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(rich.session.get_absolute_url()).status_code == 200
        return len(captured)

    client.force_login(rich.note_taker)
    m, s = rich.membership, rich.session
    before = queries()
    speaker = Participant.objects.create(negotiation=rich.negotiation, party=rich.severia, name="Ivo Petrov")
    for n in range(5):
        said, _ = s.record_entry(
            membership=m(rich.note_taker), client_id=uuid.uuid4(), text=f"Line {n}.", speaker=speaker
        )
        said.correct(membership=m(rich.note_taker), client_id=uuid.uuid4(), text=f"Line {n}, corrected.")
        read, _ = s.record_entry(membership=m(rich.note_taker), client_id=uuid.uuid4(), text=f"Claim {n}.")
        reading, _ = read.correct(membership=m(rich.other_note_taker), client_id=uuid.uuid4(), text=f"Not {n}.")
        reading.accept_reading(membership=m(rich.note_taker), client_id=uuid.uuid4())
    assert queries() == before
