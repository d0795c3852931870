"""Every set-up route (issue 14) x every kind of user: anonymous, a member of another negotiation, the other
delegation's head and note-taker, a note-taker, a reviewer, a member who was removed, and records staff who
are not members. Outside the negotiation is a 404; a member without the role gets a 403 with the reason."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from negotiations.models import Invitation, Membership, Negotiation

pytestmark = pytest.mark.django_db

ACTORS = [
    "head",
    "note_taker",
    "reviewer",
    "other_head",
    "other_note_taker",
    "outsider",
    "removed",
    "staff",
    "anonymous",
]
MEMBERS = {"head", "note_taker", "reviewer", "other_head", "other_note_taker"}
HEADS = {"head", "other_head"}
OK = "2xx"
STRONG = "lantern-quay-4417"


def api_read(actor: str) -> Any:
    return 401 if actor == "anonymous" else (OK if actor in MEMBERS else 404)


def api_heads(actor: str) -> Any:
    if actor == "anonymous":
        return 401
    if actor not in MEMBERS:
        return 404
    return OK if actor in HEADS else 403


def api_staff(actor: str) -> Any:
    return 401 if actor == "anonymous" else (OK if actor == "staff" else 403)


def page_read(actor: str) -> Any:
    return "login" if actor == "anonymous" else (200 if actor in MEMBERS else 404)


def page_heads(actor: str) -> Any:
    if actor == "anonymous":
        return "login"
    if actor not in MEMBERS:
        return 404
    return OK if actor in HEADS else 403


def page_staff(actor: str) -> Any:
    return "login" if actor == "anonymous" else (OK if actor == "staff" else 403)


def page_signed_in(actor: str) -> Any:
    return "login" if actor == "anonymous" else 200


def own_member(actor: str) -> str:
    return "other_note_taker" if actor.startswith("other") else "note_taker"


@dataclass
class Case:
    method: str
    route: str
    url: Any  # (world, actor) -> path
    expect: Any
    payload: Any = None  # (world, actor) -> body


def nid(w) -> str:
    return str(w.negotiation.public_id)


def sid(w) -> str:
    return str(w.session.public_id)


API_CASES = [
    Case("POST", "/users", lambda w, a: "/users", api_staff, lambda w, a: {"username": "vera", "password": STRONG}),
    Case("POST", "/parties", lambda w, a: "/parties", api_staff, lambda w, a: {"name": "Kestrel"}),
    Case("GET", "/negotiations/{negotiation_id}/members", lambda w, a: f"/negotiations/{nid(w)}/members", api_read),
    Case(
        "DELETE",
        "/negotiations/{negotiation_id}/members/{username}",
        lambda w, a: f"/negotiations/{nid(w)}/members/{own_member(a)}",
        api_heads,
    ),
    Case(
        "POST",
        "/negotiations/{negotiation_id}/invitations",
        lambda w, a: f"/negotiations/{nid(w)}/invitations",
        api_heads,
        lambda w, a: {"role": "reviewer"},
    ),
    Case(
        "GET",
        "/negotiations/{negotiation_id}/invitations",
        lambda w, a: f"/negotiations/{nid(w)}/invitations",
        api_heads,
    ),
    Case(
        "POST",
        "/negotiations/{negotiation_id}/invitations/{invitation_id}/revoke",
        lambda w, a: f"/negotiations/{nid(w)}/invitations/{w.link_of(a).public_id}/revoke",
        api_heads,
    ),
    Case(
        "POST",
        "/invitations/accept",
        lambda w, a: "/invitations/accept",
        lambda a: OK,
        lambda w, a: {"link": w.raw_link, "username": "newcomer", "password": STRONG},
    ),
    Case(
        "POST",
        "/negotiations/{negotiation_id}/schedule",
        lambda w, a: f"/negotiations/{nid(w)}/schedule",
        api_heads,
        lambda w, a: {"title": "Next", "date": "2026-12-03", "time": "10:00", "time_zone": "Europe/Paris"},
    ),
    Case("GET", "/sessions/{session_id}/schedule", lambda w, a: f"/sessions/{sid(w)}/schedule", api_read),
    Case("GET", "/sessions/{session_id}/agenda", lambda w, a: f"/sessions/{sid(w)}/agenda", api_read),
    Case(
        "POST",
        "/sessions/{session_id}/agenda",
        lambda w, a: f"/sessions/{sid(w)}/agenda",
        api_heads,
        lambda w, a: {"title": "Any other business"},
    ),
    Case(
        "POST",
        "/sessions/{session_id}/agenda/{position}/move",
        lambda w, a: f"/sessions/{sid(w)}/agenda/1/move",
        api_heads,
        lambda w, a: {"to": 2},
    ),
    Case("DELETE", "/sessions/{session_id}/agenda/{position}", lambda w, a: f"/sessions/{sid(w)}/agenda/1", api_heads),
]


@dataclass
class Page:
    name: str
    method: str
    url: Any  # (world, actor) -> path
    expect: Any
    data: Any = None  # (world, actor) -> form data


PAGE_CASES = [
    Page("negotiations:new", "GET", lambda w, a: "/negotiations/new", page_signed_in),
    Page(
        "negotiations:new",
        "POST",
        lambda w, a: "/negotiations/new",
        lambda a: "login" if a == "anonymous" else (400 if a == "staff" else OK),  # staff are in no delegation
        lambda w, a: {"title": "Talks", "other_parties": "Ostria", "format": "bilateral", "classification": "U"},
    ),
    Page("negotiations:people", "GET", lambda w, a: f"/negotiations/{nid(w)}/people/", page_read),
    Page(
        "negotiations:add_member",
        "POST",
        lambda w, a: f"/negotiations/{nid(w)}/people/add",
        page_heads,
        lambda w, a: {"username": own_member(a), "role": "reviewer"},
    ),
    Page(
        "negotiations:change_role",
        "POST",
        lambda w, a: f"/negotiations/{nid(w)}/people/role",
        page_heads,
        lambda w, a: {"username": own_member(a), "role": "reviewer"},
    ),
    Page(
        "negotiations:remove_member",
        "POST",
        lambda w, a: f"/negotiations/{nid(w)}/people/remove",
        page_heads,
        lambda w, a: {"username": own_member(a)},
    ),
    Page(
        "negotiations:create_link",
        "POST",
        lambda w, a: f"/negotiations/{nid(w)}/people/links",
        page_heads,
        lambda w, a: {"role": "reviewer"},
    ),
    Page(
        "negotiations:revoke_link",
        "POST",
        lambda w, a: f"/negotiations/{nid(w)}/people/links/{w.link_of(a).public_id}/revoke",
        page_heads,
    ),
    Page("negotiations:schedule", "GET", lambda w, a: f"/negotiations/{nid(w)}/schedule", page_heads),
    Page(
        "negotiations:schedule",
        "POST",
        lambda w, a: f"/negotiations/{nid(w)}/schedule",
        page_heads,
        lambda w, a: {"title": "Next", "date": "2026-12-03", "time": "10:00", "time_zone": "Europe/Paris"},
    ),
    Page("negotiations:agenda", "GET", lambda w, a: f"/agenda/{sid(w)}/", page_read),
    Page(
        "negotiations:agenda_add",
        "POST",
        lambda w, a: f"/agenda/{sid(w)}/add",
        page_heads,
        lambda w, a: {"title": "AOB"},
    ),
    Page(
        "negotiations:agenda_move",
        "POST",
        lambda w, a: f"/agenda/{sid(w)}/move",
        page_heads,
        lambda w, a: {"position": 1, "to": 2},
    ),
    Page(
        "negotiations:agenda_remove",
        "POST",
        lambda w, a: f"/agenda/{sid(w)}/remove",
        page_heads,
        lambda w, a: {"position": 1},
    ),
    Page("negotiations:staff_people", "GET", lambda w, a: "/people/", page_staff),
    Page(
        "negotiations:staff_create_user",
        "POST",
        lambda w, a: "/people/users",
        page_staff,
        lambda w, a: {"username": "vera", "password": STRONG},
    ),
    Page(
        "negotiations:staff_create_party",
        "POST",
        lambda w, a: "/people/parties",
        page_staff,
        lambda w, a: {"name": "Kestrel"},
    ),
    Page(
        "negotiations:staff_create_delegation",
        "POST",
        lambda w, a: "/people/delegations",
        page_staff,
        lambda w, a: {"name": "Table secretariat", "party": ""},
    ),
    Page(
        "negotiations:staff_place_user",
        "POST",
        lambda w, a: "/people/placements",
        page_staff,
        lambda w, a: {"username": "lonely", "delegation": w.aurelian.pk},
    ),
    Page("accounts:invitation", "GET", lambda w, a: f"/invitations/{w.raw_link}", lambda a: OK),
]


@pytest.fixture
def setup_world(world, make_user):
    """The world's negotiation with an agenda of two items, a link of each delegation, a removed Aurelian
    note-taker, and the outsider heading a negotiation of their own."""
    w = world
    head_m, other_m = w.membership(w.head), w.membership(w.other_head)
    w.removed = make_user("removed", delegation=w.aurelian)
    w.negotiation.remove_member(
        membership=w.negotiation.add_member(user=w.removed, role=Membership.Role.NOTE_TAKER, by=head_m), by=head_m
    )
    Negotiation.start(title="Northern talks", parties=[w.borealis.name, "Ostria"], by=w.outsider)
    make_user("lonely")
    w.session.prepare_agenda_item("Opening")
    w.session.prepare_agenda_item("Fisheries")
    links = {
        "aurelian": Invitation.issue(negotiation=w.negotiation, by=head_m, role=Membership.Role.REVIEWER)[0],
        "severian": Invitation.issue(negotiation=w.negotiation, by=other_m, role=Membership.Role.REVIEWER)[0],
    }
    w.link_of = lambda actor: links["severian" if actor.startswith("other") else "aurelian"]
    _, w.raw_link = Invitation.issue(negotiation=w.negotiation, by=head_m, role=Membership.Role.NOTE_TAKER)
    return w


def actor_user(w, actor: str):
    return None if actor == "anonymous" else getattr(w, actor)


def check(status: int, expected: Any, body: bytes) -> None:
    if expected == OK:
        assert 200 <= status < 400, body
    else:
        assert status == expected, body


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("case", API_CASES, ids=lambda c: f"{c.method} {c.route}")
def test_setup_api_answers_each_kind_of_user_as_the_access_rules_say(setup_world, api, actor, case):
    w = setup_world
    api.as_user(actor_user(w, actor))
    url = case.url(w, actor)
    if case.method == "GET":
        response = api.get(url)
    elif case.method == "DELETE":
        response = api.delete(url)
    else:
        response = api.post(url, case.payload(w, actor) if case.payload else {})
    check(response.status_code, case.expect(actor), response.content)
    if response.status_code >= 400:
        assert response.json()["detail"]


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("case", PAGE_CASES, ids=lambda c: f"{c.method} {c.name}")
def test_setup_pages_answer_each_kind_of_user_as_the_access_rules_say(setup_world, client, actor, case):
    w = setup_world
    user = actor_user(w, actor)
    if user is not None:
        client.force_login(user)
    url = case.url(w, actor)
    data = case.data(w, actor) if case.data else {}
    response = client.get(url) if case.method == "GET" else client.post(url, data)
    expected = case.expect(actor)
    if expected == "login":
        assert response.status_code == 302 and response.url.startswith("/login/")
        return
    check(response.status_code, expected, response.content)
    if response.status_code == 302:
        assert not response.url.startswith("/login/")
    if response.status_code == 403:
        assert "Only" in response.content.decode()  # the reason, in words


@pytest.mark.parametrize("case", [c for c in PAGE_CASES if c.method == "POST"], ids=lambda c: c.name)
def test_setup_post_only_pages_refuse_get(setup_world, client, case):
    if case.name == "negotiations:new" or case.name == "negotiations:schedule":
        pytest.skip("a page with its form: GET shows the form")
    client.force_login(setup_world.staff if case.name.startswith("negotiations:staff") else setup_world.head)
    assert client.get(case.url(setup_world, "head")).status_code == 405


def test_a_removed_member_can_no_longer_read_the_people_page_or_the_agenda(setup_world, client):
    client.force_login(setup_world.removed)
    assert client.get(f"/negotiations/{nid(setup_world)}/people/").status_code == 404
    assert client.get(f"/agenda/{sid(setup_world)}/").status_code == 404


API_ROUTES = {(c.method, c.route) for c in API_CASES}
PAGE_NAMES = {c.name for c in PAGE_CASES if c.name.startswith("negotiations:")}
