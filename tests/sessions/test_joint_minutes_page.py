"""The minutes page as two heads use it: each approves for their own party
only, after ticking a box that names it; the page says who approved and
who is awaited; a change voids earlier approvals; a stale narrative save
shows both texts and overwrites nothing; corrigenda need every party."""

from __future__ import annotations

import html
import re

import pytest

from sessions.models import MinutesApproval, Session, Summary
from sessions.services import summary_build
from tests.scene import build_scene

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(world):
    scene = build_scene(world)
    scene.session.close(by=scene.membership(scene.head))
    scene.summary = Summary.objects.create(session=scene.session)
    summary_build(summary=scene.summary)
    scene.summary.refresh_from_db()
    return scene


def url(scene, tail: str = "") -> str:
    return f"/sessions/{scene.session.public_id}/minutes{tail}"


def page(client, scene, user):
    client.force_login(user)
    response = client.get(url(scene))
    assert response.status_code == 200
    return response


def text_of(response) -> str:
    """The page as a reader sees it: tags dropped, entities and spaces plain."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", response.content.decode())).split())


def approve(client, scene, user, **overrides):
    """Approve as the page offers it: the box ticked, the fingerprint of the
    text on screen."""
    fingerprint = page(client, scene, user).context["fingerprint"]
    data = {"confirm": "yes", "fingerprint": fingerprint} | overrides
    return client.post(url(scene, "/approve"), {k: v for k, v in data.items() if v is not None}, follow=True)


def approved_parties(scene) -> list[str]:
    return sorted(a.party.label for a in Summary.objects.get(pk=scene.summary.pk).valid_approvals())


def test_after_one_heads_approval_the_page_says_approved_by_aurelia_awaiting_severia(scene, client):
    response = approve(client, scene, scene.head)
    assert "You approved the minutes for Aurelia. They now await Severia." in text_of(response)
    severian_view = text_of(page(client, scene, scene.other_head))
    assert "DRAFT — approved by Aurelia, awaiting Severia" in severian_view
    assert "Aurelia: approved by head (Aurelia)" in severian_view
    assert "I approve this text for Severia" in severian_view
    aurelian_view = text_of(page(client, scene, scene.head))
    assert "Aurelia has approved this text." in aurelian_view
    assert "I approve this text for" not in aurelian_view
    assert Session.objects.get(pk=scene.session.pk).status == Session.Status.CLOSED


def test_the_minutes_are_approved_once_both_heads_have_approved(scene, client):
    approve(client, scene, scene.head)
    body = text_of(approve(client, scene, scene.other_head))
    assert "Every party has now approved: the minutes are binding" in body
    assert "Approved by every party; binding since" in body and "Propose a corrigendum" in body
    assert Session.objects.get(pk=scene.session.pk).status == Session.Status.MINUTES_APPROVED


def test_the_other_partys_head_cannot_approve_for_aurelia(scene, client):
    aurelia = str(scene.aurelia.public_id)
    response = approve(client, scene, scene.other_head, party=aurelia)
    assert response.status_code == 403
    assert "You approve for Severia only" in text_of(response)
    assert approved_parties(scene) == []
    approve(client, scene, scene.other_head)  # the plain form approves for Severia, and only for Severia
    assert approved_parties(scene) == ["Severia"]
    assert "DRAFT — approved by Severia, awaiting Aurelia" in text_of(page(client, scene, scene.head))


@pytest.mark.parametrize("who", ["note_taker", "reviewer", "other_note_taker"])
def test_a_member_who_is_not_a_head_cannot_approve(scene, client, who):
    user = getattr(scene, who)
    client.force_login(user)
    fingerprint = client.get(url(scene)).context["fingerprint"]
    response = client.post(url(scene, "/approve"), {"confirm": "yes", "fingerprint": fingerprint})
    assert response.status_code == 403
    assert "Only a head of delegation can do this" in text_of(response)
    assert not MinutesApproval.objects.exists()
    assert "I approve this text for" not in text_of(client.get(url(scene)))


def test_nothing_is_approved_unless_the_box_naming_the_party_is_ticked(scene, client):
    body = text_of(approve(client, scene, scene.head, confirm=None))
    assert "Nothing was approved: tick “I approve this text for Aurelia” to approve." in body
    assert approved_parties(scene) == []


def test_a_text_that_changed_since_the_page_was_opened_is_not_approved(scene, client):
    stale = page(client, scene, scene.head).context["fingerprint"]
    scene.summary.edit_narrative(
        text="Changed meanwhile.",
        membership=scene.membership(scene.other_head),
        version=scene.summary.narrative_version,
    )
    body = text_of(approve(client, scene, scene.head, fingerprint=stale))
    assert "Nothing was approved: the minutes changed after you opened them." in body
    assert approved_parties(scene) == []


def test_a_narrative_change_after_one_approval_shows_that_aurelia_must_approve_again(scene, client):
    approve(client, scene, scene.head)
    version = page(client, scene, scene.other_head).context["summary"].narrative_version
    response = client.post(
        url(scene, "/narrative"), {"narrative": "Severia's wording.", "narrative_version": version}, follow=True
    )
    assert "The narrative is saved. Aurelia must approve the minutes again: the text changed." in text_of(response)
    body = text_of(page(client, scene, scene.head))
    assert "DRAFT — awaiting Aurelia (again), Severia" in body
    assert "Aurelia must approve again: the text changed after head approved it" in body
    assert "I approve this text for Aurelia" in body
    assert approved_parties(scene) == []


def test_a_stale_narrative_save_shows_both_texts_with_409_and_overwrites_nothing(scene, client):
    loaded = page(client, scene, scene.head).context["summary"].narrative_version
    client.force_login(scene.other_head)
    client.post(
        url(scene, "/narrative"), {"narrative": "Severian text: talks were constructive.", "narrative_version": loaded}
    )
    client.force_login(scene.head)
    response = client.post(
        url(scene, "/narrative"), {"narrative": "Aurelian <b>text</b>: talks were frank.", "narrative_version": loaded}
    )
    assert response.status_code == 409
    raw = response.content.decode()
    assert "Aurelian &lt;b&gt;text&lt;/b&gt;: talks were frank." in raw  # escaped, never markup
    body = text_of(response)
    assert "Your change was not saved" in body
    assert "other_head saved the narrative after you opened it. Nothing was overwritten" in body
    assert "Severian text: talks were constructive." in body
    assert Summary.objects.get(pk=scene.summary.pk).narrative == "Severian text: talks were constructive."
    # the form on the conflict page saves against the version now stored
    assert response.context["summary"].narrative_version == loaded + 1


def test_a_narrative_save_without_the_version_it_was_loaded_at_changes_nothing(scene, client):
    client.force_login(scene.head)
    before = scene.summary.narrative
    body = text_of(client.post(url(scene, "/narrative"), {"narrative": "Blind save."}, follow=True))
    assert "This form is out of date: reload the page" in body
    assert Summary.objects.get(pk=scene.summary.pk).narrative == before


def test_a_corrigendum_is_in_force_only_once_every_party_has_approved_it(scene, client):
    approve(client, scene, scene.head)
    approve(client, scene, scene.other_head)
    client.force_login(scene.head)
    body = text_of(client.post(url(scene, "/corrigenda"), {"text": "Read “yearly” for “annually”."}, follow=True))
    assert "Corrigendum 1 is proposed and counts as Aurelia's approval; approved by Aurelia, awaiting Severia." in body
    assert "not in force: approved by Aurelia, awaiting Severia" in body
    assert "Approve corrigendum 1 for" not in body  # Aurelia has approved it already

    severian = text_of(page(client, scene, scene.other_head))
    assert "Approve corrigendum 1 for Severia" in severian
    refused = client.post(
        url(scene, "/corrigenda/1/approve"), {"party": str(scene.aurelia.public_id), "confirm": "yes"}
    )
    assert refused.status_code == 403
    unticked = text_of(client.post(url(scene, "/corrigenda/1/approve"), {}, follow=True))
    assert "Nothing was approved" in unticked and not scene.summary.corrigenda.get().in_force
    done = text_of(client.post(url(scene, "/corrigenda/1/approve"), {"confirm": "yes"}, follow=True))
    assert "Corrigendum 1 is approved for Severia and now in force" in done
    assert scene.summary.corrigenda.get().in_force


def test_a_note_taker_cannot_approve_a_corrigendum(scene, client):
    approve(client, scene, scene.head)
    approve(client, scene, scene.other_head)
    scene.summary.refresh_from_db()
    scene.summary.add_corrigendum(text="Fix.", membership=scene.membership(scene.head))
    client.force_login(scene.other_note_taker)
    assert client.post(url(scene, "/corrigenda/1/approve"), {"confirm": "yes"}).status_code == 403
    assert not scene.summary.corrigenda.get().in_force


def test_the_secretariat_approves_for_every_party_where_it_keeps_the_record(secretariat, client):
    scene = build_scene(secretariat)
    scene.negotiation.secretariat_keeps_record = True
    scene.negotiation.save()
    scene.session.close(by=scene.membership(scene.clerk))
    scene.summary = Summary.objects.create(session=scene.session)
    summary_build(summary=scene.summary)
    body = text_of(page(client, scene, scene.clerk))
    assert "I approve this text for Aurelia, Severia" in body
    assert "The secretariat keeps the record for the table" in body
    approve(client, scene, scene.clerk)
    assert approved_parties(scene) == ["Aurelia", "Severia"]
    assert Session.objects.get(pk=scene.session.pk).status == Session.Status.MINUTES_APPROVED


def test_a_secretariat_that_does_not_keep_the_record_approves_for_nobody(secretariat, client):
    scene = build_scene(secretariat)
    scene.session.close(by=scene.membership(scene.head))
    scene.summary = Summary.objects.create(session=scene.session)
    summary_build(summary=scene.summary)
    body = text_of(page(client, scene, scene.clerk))
    assert "I approve this text for" not in body
    assert "The secretariat does not approve minutes for the parties in this negotiation" in body
    scene.summary.refresh_from_db()
    response = client.post(url(scene, "/approve"), {"confirm": "yes", "fingerprint": scene.summary.fingerprint()})
    assert response.status_code == 403
    assert "each party's head approves" in text_of(response)
    assert not MinutesApproval.objects.exists()


@pytest.mark.parametrize("tail", ["/approve", "/narrative", "/corrigenda", "/corrigenda/1/approve"])
def test_the_minutes_actions_refuse_get_and_are_404_for_outsiders(scene, client, tail):
    client.force_login(scene.head)
    assert client.get(url(scene, tail)).status_code == 405
    client.force_login(scene.outsider)
    assert client.post(url(scene, tail), {"confirm": "yes"}).status_code == 404
    assert client.get(url(scene)).status_code == 404
