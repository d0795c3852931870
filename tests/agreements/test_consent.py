"""Each party binds only itself: consent to a formulation and capitals'
confirmation are noted when another delegation records them, and count only
once the party's own delegation (or the secretariat keeping the record)
confirms them."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction

from agreements.models import Agreement, AgreementRefused, Formulation, Point
from sessions.models import Act, SessionClosed

pytestmark = pytest.mark.django_db


@pytest.fixture
def text(world):
    point = Point.open(negotiation=world.negotiation, title="Right to choose alliances")
    return point.propose(
        text="Each Party shall remain free to choose its alliances.",
        party=world.severia,
        membership=world.membership(world.other_note_taker),
        session=world.session,
    )


def test_a_note_taker_noting_both_consents_confirms_only_their_own_party(world, text):
    text.agree(parties=[world.aurelia, world.severia], membership=world.membership(world.other_note_taker))
    text.refresh_from_db()
    consents = text.consents()
    assert consents[world.severia.pk].consent == "confirmed"
    assert consents[world.aurelia.pk].consent == "noted"
    assert text.status == Formulation.Status.AWAITING_CONSENT
    assert not text.is_agreed


def test_a_noted_consent_does_not_freeze_the_text_and_the_other_party_can_still_propose(world, text):
    text.agree(parties=[world.aurelia, world.severia], membership=world.membership(world.other_note_taker))
    counter = text.point.propose(
        text="Each Party shall remain free to choose its alliances, with due regard to the other.",
        party=world.aurelia,
        membership=world.membership(world.head),
    )
    assert counter.status == Formulation.Status.PROPOSED
    text.refresh_from_db()
    assert text.status == Formulation.Status.AWAITING_CONSENT


def test_the_text_is_agreed_once_the_other_party_confirms_its_own_consent(world, text):
    text.agree(parties=[world.aurelia, world.severia], membership=world.membership(world.other_note_taker))
    text.agree(parties=[world.aurelia], membership=world.membership(world.head))
    text.refresh_from_db()
    assert text.status == Formulation.Status.AGREED
    assert {s.consent for s in text.consents().values()} == {"confirmed"}


def test_words_recorded_as_proposed_by_the_other_party_do_not_bind_it(world, text):
    aurelian_words = text.point.propose(
        text="Alliances are a sovereign choice.",
        party=world.aurelia,
        membership=world.membership(world.other_note_taker),
    )
    aurelian_words.agree(parties=[world.aurelia], membership=world.membership(world.other_note_taker))
    assert aurelian_words.consents()[world.aurelia.pk].consent == "noted"


def test_recording_the_same_consent_twice_is_refused_in_words(world, text):
    text.agree(parties=[world.severia], membership=world.membership(world.other_head))
    with pytest.raises(ValidationError, match="Already recorded"):
        text.agree(parties=[world.severia], membership=world.membership(world.other_note_taker))


def test_a_consent_needs_a_party(world, text):
    with pytest.raises(ValidationError, match="at least one"):
        text.agree(parties=[], membership=world.membership(world.head))


def test_capitals_confirmation_is_party_by_party(world, text):
    text.agree(parties=[world.severia], membership=world.membership(world.other_head), ad_referendum=True)
    text.agree(parties=[world.aurelia], membership=world.membership(world.head), ad_referendum=True)
    text.refresh_from_db()
    assert text.status == Formulation.Status.AGREED_AD_REFERENDUM
    text.confirm(parties=[world.aurelia, world.severia], membership=world.membership(world.head))
    text.refresh_from_db()
    assert text.status == Formulation.Status.AGREED_AD_REFERENDUM  # Severia's capital only noted
    assert text.consents()[world.severia.pk].capitals == "noted"
    text.confirm(parties=[world.severia], membership=world.membership(world.other_head))
    text.refresh_from_db()
    assert text.status == Formulation.Status.AGREED


def test_capitals_of_only_the_party_that_agreed_ad_referendum_are_awaited(world, text):
    text.agree(parties=[world.severia], membership=world.membership(world.other_head), ad_referendum=True)
    text.agree(parties=[world.aurelia], membership=world.membership(world.head))
    text.refresh_from_db()
    assert text.status == Formulation.Status.AGREED_AD_REFERENDUM
    text.confirm(parties=[world.severia], membership=world.membership(world.other_note_taker))
    text.refresh_from_db()
    assert text.status == Formulation.Status.AGREED


def test_a_secretariat_that_keeps_the_record_binds_every_party(secretariat, text):
    world = secretariat
    world.negotiation.secretariat_keeps_record = True
    world.negotiation.save(update_fields=["secretariat_keeps_record"])
    text.agree(parties=[world.aurelia, world.severia], membership=world.membership(world.scribe))
    text.refresh_from_db()
    assert text.status == Formulation.Status.AGREED


def test_a_secretariat_that_does_not_keep_the_record_only_notes(secretariat, text):
    world = secretariat
    text.agree(parties=[world.aurelia, world.severia], membership=world.membership(world.scribe))
    text.refresh_from_db()
    assert text.status == Formulation.Status.AWAITING_CONSENT
    assert {s.consent for s in text.consents().values()} == {"noted"}


def test_each_consent_is_an_act_in_the_negotiations_chain(world, text):
    text.agree(parties=[world.aurelia, world.severia], membership=world.membership(world.other_note_taker))
    acts = list(Act.objects.filter(negotiation=world.negotiation).order_by("seq"))
    assert [a.kind for a in acts] == [Act.Kind.CONSENT_CONFIRMED, Act.Kind.CONSENT_NOTED]
    assert "awaiting Republic of Aurelia's confirmation" in acts[1].text
    assert Act.broken_links(world.negotiation) == []


def test_an_altered_act_breaks_the_chain(world, text):
    from django.db import connection

    text.agree(parties=[world.aurelia, world.severia], membership=world.membership(world.other_note_taker))
    act = Act.objects.filter(negotiation=world.negotiation).order_by("seq").first()
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")  # what someone with superuser rights could do
        cursor.execute("UPDATE negotiation_sessions_act SET text = %s WHERE id = %s", ["Consent of nobody.", act.pk])
        cursor.execute("SET session_replication_role = DEFAULT")
    assert [a.pk for a in Act.broken_links(world.negotiation)] == [act.pk]


def test_the_database_refuses_to_rewrite_an_act(world, text):
    text.agree(parties=[world.severia], membership=world.membership(world.other_head))
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Act.objects.filter(negotiation=world.negotiation).update(text="rewritten")


def test_no_formulation_or_agreement_is_added_to_a_closed_session(world, text):
    from sessions.services import session_close

    session_close(session=world.session, by=world.membership(world.head))
    with pytest.raises(SessionClosed, match="closed"):
        text.agree(parties=[world.aurelia], membership=world.membership(world.head), session=world.session)
    with pytest.raises(SessionClosed, match="closed"):
        text.point.propose(
            text="Late words.", party=world.aurelia, membership=world.membership(world.head), session=world.session
        )
    with pytest.raises(DatabaseError, match="frozen"), transaction.atomic():
        Agreement.objects.create(
            formulation=text, kind=Agreement.Kind.AGREED, session=world.session, recorded_by=world.head
        )
    with pytest.raises(DatabaseError, match="frozen"), transaction.atomic():
        Formulation.objects.create(
            point=text.point,
            text="Sneaked in.",
            party=world.aurelia,
            session=world.session,
            proposed_by=world.head,
            status=Formulation.Status.PROPOSED,
        )


def test_a_reopened_point_needs_every_partys_consent_again(world, text):
    text.agree(parties=[world.severia], membership=world.membership(world.other_head))
    text.agree(parties=[world.aurelia], membership=world.membership(world.head))
    text.reopen(reason="Capital objects.", membership=world.membership(world.other_head))
    text.refresh_from_db()
    assert text.status == Formulation.Status.PROPOSED
    text.agree(parties=[world.severia, world.aurelia], membership=world.membership(world.other_head))
    text.refresh_from_db()
    assert text.status == Formulation.Status.AWAITING_CONSENT
    with pytest.raises(AgreementRefused):
        text.confirm(parties=[world.severia], membership=world.membership(world.other_head))
