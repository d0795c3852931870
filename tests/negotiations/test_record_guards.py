"""The database guards the record on its own, tried in SQL as someone with
the owner's rights would: TRUNCATE is refused on every record table, with or
without CASCADE; a formulation's status moves only on the event that
justifies it; an agreement event's parties cannot be added afterwards. Each
statement runs in its own committed transaction, as an attacker's would."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from agreements.models import Agreement, Formulation
from negotiations.dbguards import RECORD_TABLES
from tests.scene import build_scene

pytestmark = pytest.mark.django_db(transaction=True)


def sql(statement: str, params: list | None = None) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, params or [])


@pytest.fixture
def scene(world):
    return build_scene(world)


@pytest.mark.parametrize("table", RECORD_TABLES)
def test_truncate_is_refused_on_every_record_table(scene, table):
    with pytest.raises(IntegrityError, match=f"TRUNCATE on {table} is refused"):
        sql(f"TRUNCATE {table} CASCADE")


def test_truncating_the_negotiations_with_cascade_leaves_every_entry(scene):
    entries = scene.session.entries.count()
    with pytest.raises(IntegrityError, match="is refused: the record is append-only"):
        sql("TRUNCATE negotiations_negotiation, negotiations_party CASCADE")
    assert scene.session.entries.count() == entries > 0


def status_of(formulation: Formulation) -> str:
    return Formulation.objects.get(pk=formulation.pk).status


def set_status(formulation: Formulation, status: str) -> None:
    sql("UPDATE agreements_formulation SET status = %s WHERE id = %s", [status, formulation.pk])


def test_an_agreed_formulation_cannot_be_set_back_to_proposed_in_sql(scene):
    with pytest.raises(IntegrityError, match="cannot go from agreed to proposed"):
        set_status(scene.agreed, "proposed")
    assert status_of(scene.agreed) == "agreed"


def test_a_proposed_formulation_cannot_be_set_to_agreed_in_sql(scene):
    with pytest.raises(IntegrityError, match="cannot go from proposed to agreed"):
        set_status(scene.formulation, "agreed")
    assert status_of(scene.formulation) == "proposed"


def test_a_capital_s_confirmation_cannot_be_skipped_in_sql(scene):
    """The last event is a consent, recorded in an earlier transaction."""
    with pytest.raises(IntegrityError, match="cannot go from agreed_ad_referendum to agreed"):
        set_status(scene.adref, "agreed")


def test_a_superseded_formulation_stays_superseded(scene):
    newer = scene.point.propose(
        text="Ships pass freely and safely.", party=scene.aurelia, membership=scene.membership(scene.note_taker)
    )
    assert status_of(scene.formulation) == "superseded"
    with pytest.raises(IntegrityError, match="cannot go from superseded to proposed"):
        set_status(scene.formulation, "proposed")
    assert status_of(newer) == "proposed"


def test_the_models_own_moves_still_pass(scene):
    m = scene.membership
    scene.adref.confirm(parties=[scene.aurelia], membership=m(scene.head))
    scene.adref.confirm(parties=[scene.severia], membership=m(scene.other_head))
    assert status_of(scene.adref) == "agreed"
    scene.adref.reopen(reason="A capital withdrew.", membership=m(scene.head))
    assert status_of(scene.adref) == "proposed"
    scene.adref.agree(parties=[scene.aurelia], membership=m(scene.head))
    assert status_of(scene.adref) == "awaiting_consent"


def test_a_party_cannot_be_added_to_an_agreement_event_afterwards(scene):
    event = Agreement.objects.filter(formulation=scene.adref, binding=True).order_by("pk").last()
    assert [p.pk for p in event.parties.all()] == [scene.severia.pk]
    with pytest.raises(
        IntegrityError, match=f"the parties of agreement event {event.pk} were named when it was recorded"
    ):
        sql(
            "INSERT INTO agreements_agreement_parties (agreement_id, party_id) VALUES (%s, %s)",
            [event.pk, scene.aurelia.pk],
        )
    with pytest.raises(IntegrityError, match="append-only"):
        sql("DELETE FROM agreements_agreement_parties WHERE agreement_id = %s", [event.pk])
    with pytest.raises(IntegrityError, match="append-only"):
        sql(
            "UPDATE agreements_agreement_parties SET party_id = %s WHERE agreement_id = %s",
            [scene.aurelia.pk, event.pk],
        )
    assert [p.pk for p in event.parties.all()] == [scene.severia.pk]


def test_the_stamp_of_an_event_s_transaction_cannot_be_forged(scene):
    """The column that remembers the recording transaction is set by the
    database, whatever an INSERT says, and never changes."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT txid_current() + 1000")
        forged = cursor.fetchone()[0]
        cursor.execute(
            "INSERT INTO agreements_agreement (public_id, formulation_id, kind, ad_referendum, binding, reason, "
            "recorded_by_id, recorded_at, recorded_in_xact) "
            "VALUES (gen_random_uuid(), %s, 'agreed', false, true, '', %s, now(), %s) RETURNING recorded_in_xact, "
            "txid_current()",
            [scene.formulation.pk, scene.head.pk, forged],
        )
        stamped, current = cursor.fetchone()
    assert stamped == current != forged
