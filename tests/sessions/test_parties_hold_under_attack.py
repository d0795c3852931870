"""What the other side tried after the first pass, refused or turned into a
state that binds nobody else: words recorded in another party's name,
forged capture times, approvals of unseen text, a secretariat invited by one
side, readings corrected and accepted out of order."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from agreements.models import Formulation, Point
from negotiations.models import Delegation, Membership
from sessions.models import ApprovalStale, ClientIdReused, Entry, Summary
from sessions.services import session_close, session_reopen, summary_build

pytestmark = pytest.mark.django_db


def test_words_recorded_in_the_other_partys_name_do_not_replace_its_own(world):
    point = Point.open(negotiation=world.negotiation, title="Fishing quotas")
    own = point.propose(
        text="Aurelia will not accept any fishing quota.", party=world.aurelia, membership=world.membership(world.head)
    )
    theirs = point.propose(
        text="Aurelia will accept any fishing quota.",
        party=world.aurelia,
        membership=world.membership(world.other_note_taker),
    )
    own.refresh_from_db()
    assert own.status == Formulation.Status.PROPOSED and theirs.status == Formulation.Status.PROPOSED
    newer = point.propose(
        text="Aurelia accepts a quota review.", party=world.aurelia, membership=world.membership(world.note_taker)
    )
    own.refresh_from_db()
    theirs.refresh_from_db()
    assert (own.status, theirs.status, newer.status) == ("superseded", "superseded", "proposed")


def test_a_capture_time_in_the_future_or_before_the_session_is_refused(world):
    world.session.start()
    world.session.refresh_from_db()
    for captured in (timezone.now() + timedelta(hours=1), world.session.started_at - timedelta(days=1)):
        with pytest.raises(ValidationError, match="captured_at"):
            world.session.record_entry(
                membership=world.membership(world.note_taker),
                client_id=uuid.uuid4(),
                text="Forged.",
                captured_at=captured,
            )


def test_a_forged_old_capture_time_does_not_get_a_line_in_after_the_close(world):
    world.session.start()
    session_close(session=world.session, by=world.membership(world.head))
    with pytest.raises(ValidationError, match="before session 1 started"):
        world.session.record_entry(
            membership=world.membership(world.other_note_taker),
            client_id=uuid.uuid4(),
            text="Aurelia withdrew its objection.",
            captured_at=timezone.now() - timedelta(days=365),
        )


def test_approving_needs_the_fingerprint_of_the_text_read(world):
    world.session.record_entry(membership=world.membership(world.note_taker), client_id=uuid.uuid4(), text="Opening.")
    summary = session_close(session=world.session, by=world.membership(world.head))
    summary_build(summary=summary)
    summary.refresh_from_db()
    read = summary.current_fingerprint()
    with pytest.raises(ValidationError, match="fingerprint"):
        summary.approve(membership=world.membership(world.head))
    summary.edit_narrative(text="Severia's account.", membership=world.membership(world.other_head), version=0)
    with pytest.raises(ApprovalStale):
        summary.approve(membership=world.membership(world.head), fingerprint=read)
    assert not summary.approvals.exists()


def test_one_party_cannot_bring_in_a_secretariat(world, make_user):
    neutral = Delegation.objects.create(name="Friends of Aurelia Mediation", party=None)
    clerk = make_user("mediator", delegation=neutral)
    # refused like any user a head may not add, without saying who the user is
    with pytest.raises(ValidationError, match="No user can be added"):
        world.negotiation.add_member(user=clerk, role=Membership.Role.HEAD, by=world.membership(world.head))
    assert not Membership.objects.filter(user=clerk).exists()


def test_a_secretariat_that_does_not_keep_the_record_cannot_close_reopen_or_edit(secretariat):
    world = secretariat
    clerk = world.membership(world.clerk)
    world.session.start()
    with pytest.raises(PermissionDenied, match="does not keep the record"):
        session_close(session=world.session, by=clerk)
    summary = session_close(session=world.session, by=world.membership(world.head))
    summary_build(summary=summary)
    summary.refresh_from_db()
    with pytest.raises(PermissionDenied, match="does not keep the record"):
        session_reopen(session=world.session, by=clerk, reason="Because.")
    with pytest.raises(PermissionDenied, match="does not keep the record"):
        summary.edit_narrative(text="Severia conceded everything.", membership=clerk, version=0)
    world.negotiation.secretariat_keeps_record = True
    world.negotiation.save(update_fields=["secretariat_keeps_record"])
    clerk = world.membership(world.clerk)
    session_reopen(session=world.session, by=clerk, reason="The secretariat keeps the record.")


def test_a_secretariat_that_does_not_keep_the_record_cannot_reopen_an_agreed_point(secretariat):
    world = secretariat
    point = Point.open(negotiation=world.negotiation, title="Navigation")
    text = point.propose(text="Ships pass.", party=world.aurelia, membership=world.membership(world.head))
    text.agree(parties=[world.aurelia], membership=world.membership(world.head))
    text.agree(parties=[world.severia], membership=world.membership(world.other_head))
    with pytest.raises(PermissionDenied, match="does not keep the record"):
        text.reopen(reason="Unfreeze.", membership=world.membership(world.clerk))


def test_a_reading_corrected_by_its_delegation_stays_a_reading_and_only_the_latest_is_accepted(world):
    original, _ = world.session.record_entry(
        membership=world.membership(world.head), client_id=uuid.uuid4(), text="A 12-mile zone."
    )
    first, _ = original.correct(
        membership=world.membership(world.other_note_taker), client_id=uuid.uuid4(), text="A 10-mile zone."
    )
    second, _ = first.correct(
        membership=world.membership(world.other_note_taker), client_id=uuid.uuid4(), text="A 10-nautical-mile zone."
    )
    assert second.supersedes == first and second.disputes == original
    with pytest.raises(ValidationError, match="accept that one"):
        first.accept_reading(membership=world.membership(world.note_taker), client_id=uuid.uuid4())
    accepted, _ = second.accept_reading(membership=world.membership(world.note_taker), client_id=uuid.uuid4())
    assert accepted.text == "A 10-nautical-mile zone." and accepted.supersedes == original


def test_an_internal_line_cannot_become_the_source_of_a_shared_formulation(world):
    internal, _ = world.session.record_entry(
        membership=world.membership(world.note_taker),
        client_id=uuid.uuid4(),
        text="Our fallback.",
        visibility="internal",
    )
    point = Point.open(negotiation=world.negotiation, title="Quotas")
    with pytest.raises(ValidationError, match="internal"):
        point.propose(
            text="Our fallback.", party=world.aurelia, membership=world.membership(world.note_taker), entry=internal
        )


def test_a_client_id_reused_for_a_reading_or_another_visibility_is_a_conflict(world):
    client_id = uuid.uuid4()
    plain, _ = world.session.record_entry(
        membership=world.membership(world.other_note_taker), client_id=client_id, text="Same words."
    )
    original, _ = world.session.record_entry(
        membership=world.membership(world.head), client_id=uuid.uuid4(), text="Other words."
    )
    with pytest.raises(ClientIdReused):
        original.correct(membership=world.membership(world.other_note_taker), client_id=client_id, text="Same words.")
    with pytest.raises(ClientIdReused):
        world.session.record_entry(
            membership=world.membership(world.other_note_taker),
            client_id=client_id,
            text="Same words.",
            visibility="internal",
        )
    assert Entry.objects.filter(client_id=client_id).count() == 1


def test_a_refusal_on_a_page_says_why_in_words(world, client):
    world.session.start()
    client.force_login(world.other_note_taker)
    response = client.post(f"/sessions/{world.session.public_id}/reopen", {"reason": "x"})
    assert response.status_code == 403
    assert "head of delegation" in response.content.decode()
    assert Summary.objects.count() == 0


def test_the_same_corrigendum_sent_twice_is_recorded_once(world):
    world.session.record_entry(membership=world.membership(world.note_taker), client_id=uuid.uuid4(), text="Opening.")
    summary = session_close(session=world.session, by=world.membership(world.head))
    summary_build(summary=summary)
    summary.refresh_from_db()
    for head in (world.head, world.other_head):
        summary.approve(membership=world.membership(head), fingerprint=summary.current_fingerprint())
    summary.add_corrigendum(text="Read 'two' for 'three'.", membership=world.membership(world.head))
    with pytest.raises(ValidationError, match="already awaits approval"):
        summary.add_corrigendum(text="Read 'two' for 'three'.", membership=world.membership(world.head))
    assert summary.corrigenda.count() == 1
