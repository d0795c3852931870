"""Every URL x every kind of user. Members see their negotiation, outsiders
get 404 (never 403, so existence does not leak), anonymous API callers get
401 and anonymous page visitors are sent to the login page; a delegation's
internal entries are a 404 for everyone outside it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import get_resolver

from config.api import api
from sessions.models import Corrigendum, Participant, Session, Summary
from sessions.services import summary_build
from tests.scene import build_scene

pytestmark = pytest.mark.django_db

ACTORS = ["head", "note_taker", "reviewer", "other_head", "other_note_taker", "outsider", "anonymous"]
AURELIANS = {"head", "note_taker", "reviewer"}
MEMBERS = {"head", "note_taker", "reviewer", "other_head", "other_note_taker"}
CAPTURERS = {"head", "note_taker", "other_head", "other_note_taker"}
HEADS = {"head", "other_head"}

OK = "2xx"


def members_read(actor: str) -> Any:
    return OK if actor in MEMBERS else (401 if actor == "anonymous" else 404)


def capture(actor: str) -> Any:
    if actor == "anonymous":
        return 401
    if actor not in MEMBERS:
        return 404
    return OK if actor in CAPTURERS else 403


def heads_only(actor: str) -> Any:
    if actor == "anonymous":
        return 401
    if actor not in MEMBERS:
        return 404
    return OK if actor in HEADS else 403


def aurelian_internal_capture(actor: str) -> Any:
    if actor == "anonymous":
        return 401
    if actor not in AURELIANS:
        return 404
    return OK if actor in CAPTURERS else 403


def recording_delegation_capture(actor: str) -> Any:
    """Only the delegation that recorded an entry accepts another
    delegation's reading of it (the Aurelians recorded the scene's entry)."""
    if actor == "anonymous":
        return 401
    if actor not in MEMBERS:
        return 404
    return OK if actor in CAPTURERS & AURELIANS else 403


def aurelian_internal_read(actor: str) -> Any:
    if actor == "anonymous":
        return 401
    return OK if actor in AURELIANS else 404


def staff_only(actor: str) -> Any:
    return 401 if actor == "anonymous" else 403


def any_user(actor: str) -> Any:
    return 401 if actor == "anonymous" else OK


@dataclass
class Case:
    method: str
    route: str
    url: Any
    expect: Any
    payload: Any = None


def cid() -> str:
    return str(uuid.uuid4())


API_CASES = [
    Case("POST", "/delegations", lambda w: "/delegations", staff_only, lambda w, a: {"name": "X", "party": "Y"}),
    Case(
        "POST",
        "/delegations/{delegation_id}/members",
        lambda w: f"/delegations/{w.aurelian.public_id}/members",
        staff_only,
        lambda w, a: {"username": "reviewer"},
    ),
    Case(
        "POST",
        "/negotiations",
        lambda w: "/negotiations",
        any_user,
        lambda w, a: {
            "title": "New talks",
            "parties": [w.aurelia.name, w.severia.name, w.borealis.name],
            "format": "multilateral",
        },
    ),
    Case("GET", "/negotiations", lambda w: "/negotiations", any_user),
    Case("GET", "/auth/tokens", lambda w: "/auth/tokens", any_user),
    Case(
        "POST",
        "/negotiations/{negotiation_id}/two-factor",
        lambda w: f"/negotiations/{w.negotiation.public_id}/two-factor",
        heads_only,
        lambda w, a: {"required": False},
    ),
    Case("GET", "/negotiations/{negotiation_id}", lambda w: f"/negotiations/{w.negotiation.public_id}", members_read),
    Case(
        "POST",
        "/negotiations/{negotiation_id}/members",
        lambda w: f"/negotiations/{w.negotiation.public_id}/members",
        heads_only,
        lambda w, a: {"username": "new_s" if a.startswith("other") else "new_a", "role": "reviewer"},
    ),
    Case(
        "POST",
        "/negotiations/{negotiation_id}/sessions",
        lambda w: f"/negotiations/{w.negotiation.public_id}/sessions",
        capture,
        lambda w, a: {"title": "Second round"},
    ),
    Case(
        "GET",
        "/negotiations/{negotiation_id}/sessions",
        lambda w: f"/negotiations/{w.negotiation.public_id}/sessions",
        members_read,
    ),
    Case("GET", "/sessions/{session_id}", lambda w: f"/sessions/{w.session.public_id}", members_read),
    Case("POST", "/sessions/{session_id}/start", lambda w: f"/sessions/{w.session.public_id}/start", capture),
    Case("POST", "/sessions/{session_id}/close", lambda w: f"/sessions/{w.session.public_id}/close", heads_only),
    Case(
        "POST",
        "/sessions/{session_id}/reopen",
        lambda w: f"/sessions/{w.s_ready.public_id}/reopen",
        heads_only,
        lambda w, a: {"reason": "A statement was left out."},
    ),
    Case(
        "POST",
        "/negotiations/{negotiation_id}/participants",
        lambda w: f"/negotiations/{w.negotiation.public_id}/participants",
        capture,
        lambda w, a: {"name": "Oleg Karpov", "party": w.severia.name},
    ),
    Case(
        "GET",
        "/negotiations/{negotiation_id}/participants",
        lambda w: f"/negotiations/{w.negotiation.public_id}/participants",
        members_read,
    ),
    Case(
        "POST",
        "/sessions/{session_id}/entries",
        lambda w: f"/sessions/{w.session.public_id}/entries",
        capture,
        lambda w, a: {"client_id": cid(), "text": "A note."},
    ),
    Case("GET", "/sessions/{session_id}/entries", lambda w: f"/sessions/{w.session.public_id}/entries", members_read),
    Case(
        "POST",
        "/entries/{entry_id}/corrections",
        lambda w: f"/entries/{w.entry.public_id}/corrections",
        capture,
        lambda w, a: {"client_id": cid(), "text": "Opening remarks, corrected."},
    ),
    Case(
        "POST",
        "/entries/{entry_id}/corrections",
        lambda w: f"/entries/{w.internal_a.public_id}/corrections",
        aurelian_internal_capture,
        lambda w, a: {"client_id": cid(), "text": "Aurelian eyes only, corrected."},
    ),
    Case(
        "POST",
        "/entries/{entry_id}/accept",
        lambda w: f"/entries/{w.reading.public_id}/accept",
        recording_delegation_capture,
        lambda w, a: {"client_id": cid()},
    ),
    Case(
        "POST",
        "/negotiations/{negotiation_id}/points",
        lambda w: f"/negotiations/{w.negotiation.public_id}/points",
        capture,
        lambda w, a: {"title": "Flags"},
    ),
    Case(
        "GET",
        "/negotiations/{negotiation_id}/points",
        lambda w: f"/negotiations/{w.negotiation.public_id}/points",
        members_read,
    ),
    Case(
        "POST",
        "/points/{point_id}/formulations",
        lambda w: f"/points/{w.point.public_id}/formulations",
        capture,
        lambda w, a: {"text": "Ships pass.", "party": w.severia.name},
    ),
    Case("GET", "/formulations/{formulation_id}", lambda w: f"/formulations/{w.formulation.public_id}", members_read),
    Case(
        "POST",
        "/formulations/{formulation_id}/agree",
        lambda w: f"/formulations/{w.formulation.public_id}/agree",
        capture,
        lambda w, a: {"parties": [w.aurelia.name, w.severia.name]},
    ),
    Case(
        "POST",
        "/formulations/{formulation_id}/confirm",
        lambda w: f"/formulations/{w.adref.public_id}/confirm",
        capture,
        lambda w, a: {"parties": [w.aurelia.name, w.severia.name]},
    ),
    Case(
        "POST",
        "/formulations/{formulation_id}/reopen",
        lambda w: f"/formulations/{w.agreed.public_id}/reopen",
        heads_only,
        lambda w, a: {"reason": "Capital withdrew consent."},
    ),
    Case("GET", "/points/{point_id}/history", lambda w: f"/points/{w.point.public_id}/history", members_read),
    Case(
        "GET",
        "/sessions/{session_id}/minutes.{fmt}",
        lambda w: f"/sessions/{w.s_ready.public_id}/minutes.md",
        members_read,
    ),
    Case(
        "GET",
        "/negotiations/{negotiation_id}/agreed-text.{fmt}",
        lambda w: f"/negotiations/{w.negotiation.public_id}/agreed-text.json",
        members_read,
    ),
    Case("GET", "/sessions/{session_id}/summary", lambda w: f"/sessions/{w.s_ready.public_id}/summary", members_read),
    Case(
        "POST",
        "/sessions/{session_id}/summary/retry",
        lambda w: f"/sessions/{w.s_failed.public_id}/summary/retry",
        heads_only,
    ),
    Case(
        "POST",
        "/sessions/{session_id}/minutes/narrative",
        lambda w: f"/sessions/{w.s_ready.public_id}/minutes/narrative",
        heads_only,
        lambda w, a: {"narrative": "Edited.", "version": w.s_ready.summary.narrative_version},
    ),
    Case(
        "POST",
        "/sessions/{session_id}/minutes/approve",
        lambda w: f"/sessions/{w.s_ready.public_id}/minutes/approve",
        heads_only,
        lambda w, a: {"fingerprint": w.s_ready.summary.current_fingerprint()},
    ),
    Case(
        "POST",
        "/sessions/{session_id}/minutes/corrigenda",
        lambda w: f"/sessions/{w.s_approved.public_id}/minutes/corrigenda",
        heads_only,
        lambda w, a: {"text": "Read 'two' for 'three'."},
    ),
    Case(
        "POST",
        "/sessions/{session_id}/minutes/corrigenda/{number}/approve",
        lambda w: f"/sessions/{w.s_approved.public_id}/minutes/corrigenda/1/approve",
        heads_only,
    ),
    Case(
        "GET",
        "/negotiations/{negotiation_id}/acts",
        lambda w: f"/negotiations/{w.negotiation.public_id}/acts",
        members_read,
    ),
]


def page_read(actor: str) -> Any:
    return 302 if actor == "anonymous" else (200 if actor in MEMBERS else 404)


def page_capture(actor: str) -> Any:
    if actor == "anonymous":
        return 302
    if actor not in MEMBERS:
        return 404
    return OK if actor in CAPTURERS else 403


def page_aurelian_internal_capture(actor: str) -> Any:
    if actor == "anonymous":
        return 302
    if actor not in AURELIANS:
        return 404
    return OK if actor in CAPTURERS else 403


def page_heads_then_redirect(actor: str) -> Any:
    if actor == "anonymous":
        return 302
    if actor not in MEMBERS:
        return 404
    return "redirect-to-minutes" if actor in HEADS else 403


def page_heads(actor: str) -> Any:
    if actor == "anonymous":
        return 302
    if actor not in MEMBERS:
        return 404
    return OK if actor in HEADS else 403


def page_heads_then_redirect_to_console(actor: str) -> Any:
    """A plain form post by a head: success redirects back to the console."""
    expected = page_heads_then_redirect(actor)
    return "redirect-to-console" if expected == "redirect-to-minutes" else expected


def sid(w) -> str:
    return str(w.session.public_id)


@dataclass
class Page:
    name: str
    method: str
    url: Any
    expect: Any
    data: Any = None
    data_for_actor: Any = None  # (world, actor) -> form data, where it depends on who posts


def own_party_pk(w, actor: str) -> int:
    return w.severia.pk if actor.startswith("other") else w.aurelia.pk


def page_recording_delegation_capture(actor: str) -> Any:
    if actor == "anonymous":
        return 302
    return recording_delegation_capture(actor)


PAGE_CASES = [
    Page("negotiations:index", "GET", lambda w: "/", lambda a: 302 if a == "anonymous" else 200),
    Page("exports:verify", "GET", lambda w: "/verify", lambda a: 302 if a == "anonymous" else 200),
    Page("negotiations:detail", "GET", lambda w: w.negotiation.get_absolute_url(), page_read),
    Page("sessions:detail", "GET", lambda w: w.session.get_absolute_url(), page_read),
    Page("sessions:panel", "GET", lambda w: f"/sessions/{sid(w)}/panels/agenda", page_read),
    Page("sessions:earlier", "GET", lambda w: f"/sessions/{sid(w)}/earlier?before={w.entry.public_id}", page_read),
    Page("sessions:add_agenda_item", "POST", lambda w: f"/sessions/{sid(w)}/agenda", page_capture, {"title": "AOB"}),
    Page("sessions:take_up", "POST", lambda w: f"/sessions/{sid(w)}/agenda/current", page_capture, {"item": ""}),
    Page(
        "sessions:attendance",
        "POST",
        lambda w: f"/sessions/{sid(w)}/attendance",
        page_capture,
        lambda w: {"participant": str(w.participant.public_id), "present": "1"},
    ),
    Page(
        "sessions:add_participant",
        "POST",
        lambda w: f"/sessions/{sid(w)}/participants",
        page_capture,
        lambda w: {"name": "Nadia Haddad", "party": w.severia.pk, "function": "interpreter"},
    ),
    Page("sessions:close", "GET", lambda w: f"/sessions/{sid(w)}/close", page_heads),  # the confirmation
    Page("sessions:close", "POST", lambda w: f"/sessions/{sid(w)}/close", page_heads_then_redirect_to_console),
    Page(
        "sessions:reopen",
        "POST",
        lambda w: f"/sessions/{w.s_ready.public_id}/reopen",
        lambda a: "redirect-to-reopened-console" if a in HEADS else page_heads_then_redirect(a),
        {"reason": "A statement was left out."},
    ),
    Page(
        "sessions:pending",
        "POST",
        lambda w: f"/sessions/{sid(w)}/pending",
        page_capture,
        {"console": "6f1c1b8e-5d7a-4a0e-9f55-0c1d2e3f4a5b", "count": "2"},
    ),
    Page("sessions:correct", "GET", lambda w: f"/sessions/entries/{w.entry.public_id}/correct", page_capture),
    Page(
        "sessions:correct",
        "POST",
        lambda w: f"/sessions/entries/{w.internal_a.public_id}/correct",
        page_aurelian_internal_capture,
        lambda w: {"client_id": str(uuid.uuid4()), "text": "Aurelian eyes only (corrected)."},
    ),
    Page(
        "sessions:accept_reading",
        "POST",
        lambda w: f"/sessions/entries/{w.reading.public_id}/accept",
        page_recording_delegation_capture,
    ),
    Page("sessions:minutes", "GET", lambda w: f"/sessions/{w.s_ready.public_id}/minutes", page_read),
    Page(
        "sessions:minutes_narrative",
        "POST",
        lambda w: f"/sessions/{w.s_ready.public_id}/minutes/narrative",
        page_heads_then_redirect,
        {"narrative": "Edited.", "narrative_version": "0"},
    ),
    Page(
        "sessions:minutes_approve",
        "POST",
        lambda w: f"/sessions/{w.s_ready.public_id}/minutes/approve",
        page_heads_then_redirect,
    ),
    Page(
        "sessions:minutes_corrigendum",
        "POST",
        lambda w: f"/sessions/{w.s_approved.public_id}/minutes/corrigenda",
        page_heads_then_redirect,
        {"text": "Read 'two' for 'three'."},
    ),
    Page(
        "sessions:corrigendum_approve",
        "POST",
        lambda w: f"/sessions/{w.s_approved.public_id}/minutes/corrigenda/1/approve",
        page_heads_then_redirect,
    ),
    Page(
        "sessions:retry_summary",
        "POST",
        lambda w: f"/sessions/{w.s_failed.public_id}/summary/retry",
        page_heads_then_redirect,
    ),
    Page("negotiations:search", "GET", lambda w: "/search?q=Opening", lambda a: 302 if a == "anonymous" else 200),
    Page("agreements:point", "GET", lambda w: w.point.get_absolute_url(), page_read),
    Page(
        "agreements:reopen",
        "POST",
        lambda w: f"/record/formulations/{w.agreed.public_id}/reopen",
        lambda a: "redirect-to-point" if a in HEADS else page_heads_then_redirect(a),
        {"reason": "Capital withdrew consent."},
    ),
    Page(
        "agreements:add_version",
        "POST",
        lambda w: f"/record/formulations/{w.formulation.public_id}/versions",
        lambda a: "redirect-to-point" if a in CAPTURERS else page_capture(a),
        {"language": "ru", "text": "Суда проходят свободно."},
    ),
    Page(
        "agreements:consent",
        "POST",
        lambda w: f"/record/formulations/{w.formulation.public_id}/consent",
        lambda a: "redirect-to-negotiation" if a in CAPTURERS else page_capture(a),
        data_for_actor=lambda w, a: {"parties": [own_party_pk(w, a)], "action": "agree"},
    ),
    Page("agreements:new_formulation", "GET", lambda w: f"/record/sessions/{sid(w)}/formulations/new", page_capture),
    Page(
        "agreements:propose",
        "POST",
        lambda w: f"/record/sessions/{sid(w)}/formulations",
        page_capture,
        lambda w: {"point": str(w.point.public_id), "party": w.severia.pk, "text": "Ships pass.", "language": "en"},
    ),
    Page(
        "agreements:agree",
        "POST",
        lambda w: f"/record/sessions/{sid(w)}/formulations/{w.formulation.public_id}/agree",
        page_capture,
        lambda w: {"parties": [w.aurelia.pk, w.severia.pk]},
    ),
]


@pytest.fixture
def scene(world, make_user):
    make_user("new_a", delegation=world.aurelian)
    make_user("new_s", delegation=world.severian)
    world = build_scene(world)
    m = world.membership
    # Severia records its own reading of the Aurelians' opening entry.
    world.reading, _ = world.entry.correct(
        membership=m(world.other_note_taker), client_id=uuid.uuid4(), text="Opening remarks by both heads."
    )
    world.participant = Participant.objects.create(
        negotiation=world.negotiation, party=world.aurelia, name="Tomas Reyes"
    )
    head = m(world.head)

    def closed_with_summary(title: str) -> Session:
        session = Session.schedule(negotiation=world.negotiation, title=title)
        session.close(by=head)
        summary_build(summary=Summary.objects.create(session=session))
        return session

    world.s_ready = closed_with_summary("Ready")
    world.s_approved = closed_with_summary("Approved")
    world.s_approved.summary.approve(membership=head, fingerprint=world.s_approved.summary.current_fingerprint())
    world.s_approved.summary.approve(
        membership=m(world.other_head), fingerprint=world.s_approved.summary.current_fingerprint()
    )
    # A corrigendum neither party has approved yet, so that either head may approve it here.
    Corrigendum.objects.create(summary=world.s_approved.summary, number=1, text="Read 'two'.", issued_by=world.head)
    world.s_failed = Session.schedule(negotiation=world.negotiation, title="Failed")
    world.s_failed.close(by=head)
    Summary.objects.create(session=world.s_failed, status=Summary.Status.FAILED, error="Worker lost.")
    return world


def actor_user(scene, actor: str):
    return None if actor == "anonymous" else getattr(scene, actor)


def check(status: int, expected: Any, body: bytes) -> None:
    if expected == OK:
        assert 200 <= status < 300, body
    else:
        assert status == expected, body


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("case", API_CASES, ids=lambda c: f"{c.method} {c.route}")
def test_api_answers_each_kind_of_user_as_the_access_rules_say(scene, api, actor, case):
    api.as_user(actor_user(scene, actor))
    url = case.url(scene)
    if case.method == "GET":
        response = api.get(url)
    else:
        response = api.post(url, case.payload(scene, actor) if case.payload else {})
    check(response.status_code, case.expect(actor), response.content)
    if response.status_code >= 400:
        assert "detail" in response.json()


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("case", PAGE_CASES, ids=lambda c: f"{c.method} {c.name}")
def test_pages_answer_each_kind_of_user_as_the_access_rules_say(scene, client, actor, case):
    user = actor_user(scene, actor)
    if user is not None:
        client.force_login(user)
    url = case.url(scene)
    if case.method == "GET":
        response = client.get(url, headers={"HX-Request": "true"})
    else:
        if case.data_for_actor is not None:
            data = case.data_for_actor(scene, actor)
        else:
            data = case.data(scene) if callable(case.data) else (case.data or {})
        response = client.post(url, data, headers={"HX-Request": "true"})
    expected = case.expect(actor)
    if expected == "redirect-to-console":
        assert response.status_code == 302 and response.url == scene.session.get_absolute_url()
        return
    if expected == "redirect-to-reopened-console":
        assert response.status_code == 302 and response.url == scene.s_ready.get_absolute_url()
        return
    if expected == "redirect-to-negotiation":
        assert response.status_code == 302 and response.url == scene.negotiation.get_absolute_url()
        return
    if expected == "redirect-to-point":
        assert response.status_code == 302 and "/record/points/" in response.url
        return
    if expected == "redirect-to-minutes":
        assert response.status_code == 302 and response.url.endswith("/minutes")
        return
    check(response.status_code, expected, response.content)
    if response.status_code == 302:
        assert response.url.startswith("/login/")


@pytest.mark.parametrize(
    "case",
    [c for c in PAGE_CASES if c.method == "POST" and c.name not in {"sessions:correct", "sessions:close"}],
    ids=lambda c: c.name,
)
def test_post_only_pages_refuse_get(scene, client, case):
    client.force_login(scene.head)
    assert client.get(case.url(scene)).status_code == 405


def test_the_matrix_covers_every_api_route():
    routes = {
        (method, path)
        for _prefix, router in api._routers
        for path, view in router.path_operations.items()
        for operation in view.operations
        for method in operation.methods
    }
    # issuing and revoking tokens: tests/accounts/test_api_tokens.py
    from tests.negotiations.test_setup_access_matrix import API_ROUTES as SETUP_ROUTES

    # the set-up routes (issue 14): tests/negotiations/test_setup_access_matrix.py
    covered = (
        {(c.method, c.route) for c in API_CASES}
        | {("POST", "/auth/token"), ("DELETE", "/auth/tokens/{token_id}")}
        | SETUP_ROUTES
    )
    assert routes == covered


def test_the_matrix_covers_every_page():
    names = set()
    for pattern in get_resolver().url_patterns:
        namespace = getattr(pattern, "namespace", None)
        if namespace in {"negotiations", "sessions", "agreements", "exports"}:
            names |= {f"{namespace}:{p.name}" for p in pattern.url_patterns}
    names.discard("sessions:stream")  # a stream: covered in tests/sessions/test_live_streams.py
    # the console's service worker script: public like a static file, holds no record;
    # covered in tests/sessions/test_console_offline_worker.py
    names.discard("sessions:service_worker")
    from tests.negotiations.test_setup_access_matrix import PAGE_NAMES as SETUP_PAGES

    assert names == {case.name for case in PAGE_CASES} | SETUP_PAGES


def test_a_session_page_shows_internal_entries_only_to_their_own_delegation(scene, client):
    client.force_login(scene.other_head)
    body = client.get(scene.session.get_absolute_url()).content.decode()
    assert "Severian eyes only." in body
    assert "Aurelian eyes only." not in body
    client.force_login(scene.reviewer)
    body = client.get(scene.session.get_absolute_url()).content.decode()
    assert "Aurelian eyes only." in body
    assert "Severian eyes only." not in body


def test_the_entry_list_never_carries_another_delegations_internal_entries(scene, api):
    texts = [
        e["text"]
        for e in api.as_user(scene.other_note_taker)
        .get(f"/sessions/{scene.session.public_id}/entries")
        .json()["entries"]
    ]
    assert texts == ["Opening remarks.", "Severian eyes only.", "Opening remarks by both heads."]


def test_the_shared_numbering_has_no_gap_where_internal_entries_were_written(scene, api):
    entries = api.as_user(scene.other_head).get(f"/sessions/{scene.session.public_id}/entries").json()["entries"]
    assert [(e["stream"], e["seq"]) for e in entries] == [("record", 1), ("internal", 1), ("record", 2)]


def test_an_outsider_lists_no_negotiations_of_others(scene, api):
    assert api.as_user(scene.outsider).get("/negotiations").json() == []


def test_a_staff_user_who_is_not_a_member_gets_404_too(scene, api):
    assert api.as_user(scene.staff).get(f"/negotiations/{scene.negotiation.public_id}").status_code == 404


def test_an_invalid_or_unknown_token_is_401(scene, client):
    response = client.get("/api/v1/negotiations", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401
    assert "Bearer" in response.json()["detail"]
