"""The head of delegation's desk against the demo scenario, whose state is
known: point 1 agreed (with a Russian version not yet agreed), point 2
bracketed with 4 open brackets, point 3 agreed ad referendum."""

from __future__ import annotations

import io
import uuid

import pytest
from django.core.management import call_command

from agreements.diff import tokens, word_diff
from agreements.models import Agreement, Formulation, Point
from agreements.standing import point_standings, progress_by_session
from negotiations.models import Membership, Negotiation
from sessions.models import Session

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(django_user_model):
    call_command("seed_demo", stdout=io.StringIO())
    negotiation = Negotiation.objects.get()
    users = {u.username: u for u in django_user_model.objects.all()}
    return negotiation, users


def test_the_dashboard_counts_points_by_status_and_open_brackets(demo, client):
    negotiation, users = demo
    client.force_login(users["amara"])
    response = client.get(negotiation.get_absolute_url())
    context = response.context
    assert context["counts"]["agreed"] == 1
    assert context["counts"]["agreed_ad_referendum"] == 1
    assert context["counts"]["bracketed"] == 1
    assert context["open_brackets"] == 4
    assert context["awaiting_confirmation"] == 2
    body = response.content.decode()
    assert "language versions not all agreed" in body
    assert "Квоты на вылов устанавливаются Совместной комиссией [ежегодно] [раз в три года]." in body


def test_the_acceptance_grid_shows_who_consented_to_the_current_text(demo):
    negotiation, _ = demo
    grid = {s.point.number: [(c.party.short_name, c.state) for c in s.consents] for s in point_standings(negotiation)}
    assert grid[1] == [("Aurelia", "agreed"), ("Severia", "agreed")]
    assert grid[2] == [("Aurelia", "none"), ("Severia", "none")]
    assert grid[3] == [("Aurelia", "ad_referendum"), ("Severia", "ad_referendum")]


def test_the_dashboard_filters_by_status_party_and_session_and_answers_htmx_with_the_table_only(demo, client):
    negotiation, users = demo
    client.force_login(users["lucas"])
    url = negotiation.get_absolute_url()
    bracketed = client.get(url, {"status": "bracketed"}).context["standings"]
    assert [s.point.number for s in bracketed] == [2]
    severia = negotiation.parties.get(short_name="Severia")
    by_party = client.get(url, {"party": str(severia.public_id)}).context["standings"]
    assert [s.point.number for s in by_party] == [2, 3]
    second = Session.objects.get(number=2)
    assert client.get(url, {"session": str(second.public_id)}).context["standings"] == []
    partial = client.get(url, {"status": "agreed"}, headers={"HX-Request": "true"}).content.decode()
    assert partial.startswith('\n<div id="points">') or partial.lstrip().startswith('<div id="points">')
    assert "<html" not in partial


def test_progress_is_replayed_session_by_session(demo):
    negotiation, users = demo
    (row,) = progress_by_session(negotiation)
    assert (row["session"].number, row["agreed"], row["bracketed"], row["open"]) == (1, 2, 1, 0)


def test_the_progress_chart_is_inline_svg_without_inline_styles(demo, client):
    negotiation, users = demo
    client.force_login(users["amara"])
    body = client.get(negotiation.get_absolute_url()).content.decode()
    svg = body.split("<svg")[1].split("</svg>")[0]
    assert 'class="seg-agreed"' in svg and "style=" not in svg


def test_words_are_tokens_in_every_script():
    assert tokens("Ships pass, freely.") == ["Ships", " ", "pass", ",", " ", "freely", "."]
    assert tokens("捕鱼配额") == ["捕", "鱼", "配", "额"]
    assert tokens("حصص الصيد") == ["حصص", " ", "الصيد"]
    assert tokens("تُحدَّد") == ["تُحدَّد"]  # combining marks stay with their letters


@pytest.mark.parametrize(
    ("old", "new", "removed", "added"),
    [
        ("Ships pass freely.", "Ships pass freely at all times.", [], [" at all times"]),
        ("Квоты устанавливаются ежегодно.", "Квоты устанавливаются раз в два года.", ["ежегодно"], ["раз в два года"]),
        ("配额由委员会每年确定。", "配额由委员会每两年确定。", [], ["两"]),
        ("تحدد الحصص سنويا", "تحدد الحصص كل سنتين", ["سنويا"], ["كل سنتين"]),
    ],
)
def test_the_word_diff_marks_additions_and_removals(old, new, removed, added):
    pieces = word_diff(old, new)
    assert [p.text for p in pieces if p.op == "removed"] == removed
    assert [p.text for p in pieces if p.op == "added"] == added
    assert "".join(p.text for p in pieces if p.op != "added") == old
    assert "".join(p.text for p in pieces if p.op != "removed") == new


def test_a_points_history_lists_formulations_and_events_and_diffs_any_two(demo, client):
    negotiation, users = demo
    quotas = Point.objects.get(number=2)
    ru, en = quotas.formulations.order_by("created_at")
    client.force_login(users["yelena"])
    response = client.get(quotas.get_absolute_url(), {"a": str(ru.public_id), "b": str(en.public_id)})
    body = response.content.decode()
    assert ru.text in body and en.text in body
    assert "<del>" in body and "<ins>" in body
    diff_only = client.get(
        quotas.get_absolute_url(),
        {"a": str(en.public_id), "b": str(ru.public_id), "part": "diff"},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert 'id="diff"' in diff_only and "History" not in diff_only


def test_a_head_reopens_an_agreed_point_from_its_page_and_the_agreed_text_stays_in_the_history(demo, client):
    negotiation, users = demo
    navigation = Point.objects.get(number=1)
    agreed = navigation.formulations.get(status="agreed")
    client.force_login(users["ilan"])
    assert client.post(f"/record/formulations/{agreed.public_id}/reopen", {"reason": "x"}).status_code == 403
    client.force_login(users["yelena"])
    response = client.post(
        f"/record/formulations/{agreed.public_id}/reopen", {"reason": "Moscow asks for a review."}, follow=True
    )
    body = response.content.decode()
    assert "The point is reopened." in body
    assert agreed.text in body and "Moscow asks for a review." in body
    event = Agreement.objects.get(formulation=agreed, kind="reopened")
    assert event.recorded_by == users["yelena"]
    agreed.refresh_from_db()
    assert agreed.status == "proposed"


def test_a_reopening_without_a_reason_is_refused_in_words(demo, client):
    negotiation, users = demo
    agreed = Formulation.objects.get(status="agreed", version_of=None)
    client.force_login(users["amara"])
    body = client.post(f"/record/formulations/{agreed.public_id}/reopen", {"reason": " "}, follow=True).content.decode()
    assert "Say why the point is reopened" in body


def test_a_language_version_is_linked_agreed_on_its_own_and_not_swept_away_by_agreement(world):
    w = world
    m = Membership.objects.get(user=w.note_taker, negotiation=w.negotiation)
    point = Point.open(negotiation=w.negotiation, title="Flags")
    original = point.propose(text="Flags are flown side by side.", party=w.aurelia, membership=m, language="en")
    version = original.add_version(text="Флаги поднимаются рядом.", language="ru", membership=m)
    assert version.version_of == original and version.party == w.aurelia
    with pytest.raises(Exception, match="already has a version in ru"):
        original.add_version(text="Другой текст.", language="ru", membership=m)
    severian = Membership.objects.get(user=w.other_note_taker, negotiation=w.negotiation)
    original.agree(parties=[w.aurelia, w.severia], membership=m)
    original.agree(parties=[w.severia], membership=severian)
    version.refresh_from_db()
    assert version.status == "proposed"
    (standing,) = [s for s in point_standings(w.negotiation) if s.point == point]
    assert standing.versions == [version] and standing.versions_disagree
    version.agree(parties=[w.aurelia, w.severia], membership=m)
    version.agree(parties=[w.severia], membership=severian)
    (standing,) = [s for s in point_standings(w.negotiation) if s.point == point]
    assert not standing.versions_disagree


def test_a_version_added_from_the_point_page(demo, client):
    negotiation, users = demo
    quotas = Point.objects.get(number=2)
    en = quotas.formulations.get(language="en")
    client.force_login(users["petra"])
    client.post(f"/record/formulations/{en.public_id}/versions", {"language": "ar", "text": "تحدد الحصص [سنويا]."})
    assert en.versions.get().text == "تحدد الحصص [سنويا]."


def test_search_finds_and_highlights_within_what_the_user_may_see(demo, client):
    negotiation, users = demo
    client.force_login(users["dmitri"])
    hits = client.get("/search", {"q": "Karpov"}).context["hits"]
    texts = [h.text for h in hits]
    # the Aurelian internal observation mentions Karpov; a Severian must not find it
    assert not any("hesitated" in t for t in texts)
    client.force_login(users["petra"])
    hits = client.get("/search", {"q": "Karpov"}).context["hits"]
    assert any("hesitated" in h.text for h in hits)
    body = client.get("/search", {"q": "karpov"}).content.decode()
    assert "<mark>Karpov</mark>" in body


def test_search_covers_formulations_summaries_and_chinese_text(demo, client):
    negotiation, users = demo
    client.force_login(users["lucas"])
    kinds = {h.kind for h in client.get("/search", {"q": "lighthouse"}).context["hits"]}
    assert {"entry", "formulation"} <= kinds
    assert "summary" in {h.kind for h in client.get("/search", {"q": "Opening round"}).context["hits"]}
    chinese = client.get("/search", {"q": "灯塔"}).context["hits"]
    assert any(h.kind == "formulation" and "克尔灯塔" in h.text for h in chinese)


def test_search_finds_nothing_outside_the_users_negotiations(demo, client, make_user):
    from negotiations.models import Delegation, Party

    stranger = make_user(
        "stranger", delegation=Delegation.objects.create(name="Other", party=Party.objects.create(name="Elsewhere"))
    )
    client.force_login(stranger)
    assert client.get("/search", {"q": "Karpov"}).context["hits"] == []
    assert client.get("/search", {"q": "lighthouse"}).context["hits"] == []


def test_search_escapes_what_it_shows(world, client):
    m = Membership.objects.get(user=world.note_taker, negotiation=world.negotiation)
    world.session.record_entry(membership=m, client_id=uuid.uuid4(), text="<script>alert(1)</script> quotas")
    client.force_login(world.reviewer)
    body = client.get("/search", {"q": "quotas"}).content.decode()
    assert "&lt;script&gt;" in body and "<script>alert" not in body


def cell(body: str, point: Point, party_label: str) -> str:
    """The grid cell of one party on one point's row."""
    row = body[body.index(f'id="point-{point.public_id}"') :]
    row = row[: row.index("</tr>")]
    cells = row.split('<td class="consent ')[1:]
    labels = [p.label for p in point.negotiation.parties.all()]
    return cells[labels.index(party_label)]


def test_the_grid_shows_noted_and_confirmed_consent_with_a_symbol_and_words(world, client):
    m = Membership.objects.get(user=world.note_taker, negotiation=world.negotiation)
    point = Point.open(negotiation=world.negotiation, title="Flags")
    point.propose(text="Flags side by side.", party=world.aurelia, membership=m).agree(
        parties=[world.aurelia, world.severia], membership=m
    )
    client.force_login(world.reviewer)
    response = client.get(world.negotiation.get_absolute_url())
    assert response.context["counts"]["awaiting_consent"] == 1 and response.context["noted_consents"] == 1
    body = response.content.decode()
    aurelia, severia = cell(body, point, "Aurelia"), cell(body, point, "Severia")
    assert aurelia.startswith("consent-agreed") and '✓</span> <span class="word">confirmed</span>' in aurelia
    assert severia.startswith("consent-noted") and '○</span> <span class="word">noted</span>' in severia
    assert "by Aurelia, awaiting Severia's confirmation" in severia
    assert "<form" not in severia  # a reviewer records nothing


def test_the_grid_offers_the_confirmation_to_the_awaited_party_only(world, client):
    m = Membership.objects.get(user=world.note_taker, negotiation=world.negotiation)
    point = Point.open(negotiation=world.negotiation, title="Flags")
    formulation = point.propose(text="Flags side by side.", party=world.aurelia, membership=m)
    formulation.agree(parties=[world.aurelia, world.severia], membership=m, ad_referendum=True)
    client.force_login(world.head)
    assert "Confirm Severia" not in cell(
        client.get(world.negotiation.get_absolute_url()).content.decode(), point, "Severia"
    )
    client.force_login(world.other_note_taker)
    severia = cell(client.get(world.negotiation.get_absolute_url()).content.decode(), point, "Severia")
    assert f'action="/record/formulations/{formulation.public_id}/consent"' in severia
    assert f'name="parties" value="{world.severia.pk}"' in severia and 'name="ad_referendum" value="1"' in severia
    response = client.post(
        f"/record/formulations/{formulation.public_id}/consent",
        {"parties": [world.severia.pk], "ad_referendum": "1", "next": world.negotiation.get_absolute_url()},
        follow=True,
    )
    formulation.refresh_from_db()
    assert formulation.status == "agreed_ad_referendum"
    severia = cell(response.content.decode(), point, "Severia")
    assert "ad ref." in severia and "capital awaited" in severia and "Capital confirmed</button>" in severia


def test_the_desk_answers_htmx_with_the_grid_and_its_consent_cells(demo, client):
    negotiation, users = demo
    client.force_login(users["amara"])
    partial = client.get(negotiation.get_absolute_url(), headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in partial and 'class="consent consent-agreed"' in partial
    assert "Capital confirmed</button>" in partial  # point 3 awaits Aurelia's capital


def test_a_points_history_says_who_confirmed_and_who_only_noted_each_consent(demo, client):
    negotiation, users = demo
    navigation = Point.objects.get(number=1)
    client.force_login(users["dmitri"])
    body = client.get(navigation.get_absolute_url()).content.decode()
    assert "Consent of Republic of Aurelia confirmed</strong> by Ilan Morel (Aurelia)" in body
    noted = body[body.index("Consent of Severian Federation noted</strong>") :]
    assert noted.startswith("Consent of Severian Federation noted</strong> by Ilan Morel (Aurelia)\n")
    assert "— Severia confirmed it on" in noted and "by Yelena Sorokina (Severia)" in noted
    assert "Consent of Severian Federation confirmed</strong> by Yelena Sorokina (Severia)" in body
    assert "event-noted" in body and "event-binding" in body

    flags = Point.open(negotiation=negotiation, title="Flags")
    ilan = Membership.objects.get(user=users["ilan"], negotiation=negotiation)
    flags.propose(
        text="Flags side by side.", party=flags.negotiation.parties.get(short_name="Aurelia"), membership=ilan
    ).agree(parties=negotiation.parties.all(), membership=ilan)
    body = client.get(flags.get_absolute_url()).content.decode()
    assert "noted</strong> by Ilan Morel (Aurelia), awaiting Severia's own confirmation" in body
    assert "on Aurelia's text" in body and "confirmed it on" not in body


def test_the_negotiation_page_tells_everyone_who_binds_whom(secretariat, client):
    world = secretariat
    client.force_login(world.other_note_taker)
    page = client.get(world.negotiation.get_absolute_url()).content.decode()
    assert "each party binds only itself" in page
    world.negotiation.secretariat_keeps_record = True
    world.negotiation.save(update_fields=["secretariat_keeps_record"])
    page = client.get(world.negotiation.get_absolute_url()).content.decode()
    assert "the neutral secretariat keeps the record" in page


def test_the_desk_says_each_points_open_brackets_in_the_readers_language_and_links_each_point(demo, client):
    from accounts.models import Preference

    negotiation, users = demo
    client.force_login(users["amara"])
    point = negotiation.points.get(number=2)
    body = client.get(negotiation.get_absolute_url()).content.decode()
    row = body.split(f'<tr id="point-{point.public_id}">')[1].split("</tr>")[0]
    assert f'<a href="/record/points/{point.public_id}/">2. {point.title}</a>' in row
    assert '<span class="muted small">4 open brackets</span>' in row
    Preference.choose(users["amara"], time_zone="", language="fr")
    body = client.get(negotiation.get_absolute_url()).content.decode()
    row = body.split(f'<tr id="point-{point.public_id}">')[1].split("</tr>")[0]
    assert '<span class="muted small">4 crochets ouverts</span>' in row
    assert '<span class="visually-hidden">aucun consentement</span>' in row


def test_the_desk_marks_which_of_several_texts_the_consents_are_for(world, client):
    point = Point.open(negotiation=world.negotiation, title="Fishing")
    m = world.membership(world.note_taker)
    point.propose(text="Nets [are] allowed.", party=world.aurelia, membership=m)
    point.propose(text="Nets are banned.", party=world.severia, membership=m)
    client.force_login(world.head)
    body = client.get(world.negotiation.get_absolute_url()).content.decode()
    row = body.split(f'<tr id="point-{point.public_id}">')[1].split("</tr>")[0]
    assert row.count("consented-text") == 1
    assert row.count("the consents shown are for this text") == 1
    assert '<span class="muted small">1 open bracket</span>' in row
