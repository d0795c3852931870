"""verify_record walks the stored record's hash chains and cross-checks
agreement events and approvals against their acts: it names a row changed in
SQL behind the triggers' back and exits 1, passes a rich record and the
demo, and does not mistake a rename for tampering. The minutes refuse to be
built on a broken chain, and the negotiation page says when the record was
last verified, or what is broken."""

from __future__ import annotations

import html
import io
import re
import uuid

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from negotiations.models import Negotiation, RecordCheck
from negotiations.tasks import verify_record as verify_record_task
from sessions.models import Act, Entry, MinutesApproval, Summary
from sessions.services import summary_build
from tests.scene import build_scene

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("verify_record", *args, stdout=out)
    except CommandError as error:
        return error.returncode, out.getvalue() + str(error)
    return 0, out.getvalue()


def behind_the_guards(sql: str, params: list, *, table: str) -> None:
    """What an attacker with the owner's rights does: switch the append-only
    trigger off, change a row, switch it on again."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only")
        cursor.execute(sql, params)
        cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {table}_append_only")


def alter_entry_text(entry: Entry) -> None:
    """One character of the stored text changed."""
    text = entry.text.replace("e", "3", 1)
    assert text != entry.text
    behind_the_guards(
        "UPDATE negotiation_sessions_entry SET text = %s WHERE id = %s",
        [text, entry.pk],
        table="negotiation_sessions_entry",
    )


@pytest.fixture
def rich(world):
    """Shared and internal entries of both delegations, a reading disputed,
    points agreed, agreed ad referendum and reopened, minutes approved by
    both parties and a corrigendum in force."""
    w = build_scene(world)
    m = w.membership
    w.session.record_entry(membership=m(w.other_note_taker), client_id=uuid.uuid4(), text="Ответ: согласны.")
    w.entry.correct(membership=m(w.other_note_taker), client_id=uuid.uuid4(), text="Opening remarks, briefly.")
    w.agreed.reopen(reason="Capitals asked for a review.", membership=m(w.head), session=w.session)
    w.session.close(by=m(w.head))
    w.summary = Summary.objects.create(session=w.session)
    summary_build(summary=w.summary)
    w.summary.refresh_from_db()
    w.summary.approve(membership=m(w.head), fingerprint=w.summary.current_fingerprint())
    w.summary.approve(membership=m(w.other_head), fingerprint=w.summary.current_fingerprint())
    w.summary.refresh_from_db()
    corrigendum = w.summary.add_corrigendum(text="For «Quotas» read «Catch quotas».", membership=m(w.head))
    corrigendum.approve(membership=m(w.other_head))
    return w


def test_a_rich_record_verifies_and_the_command_exits_0(rich):
    assert Act.objects.filter(negotiation=rich.negotiation).count() >= 8
    status, out = run()
    assert status == 0, out
    assert f"verified: 'Strait talks' ({rich.negotiation.public_id})" in out


def test_the_demo_record_verifies(db):
    call_command("seed_demo", stdout=io.StringIO())
    status, out = run()
    assert status == 0, out
    assert out.count("verified:") == Negotiation.objects.count() >= 1


def test_an_entry_changed_by_one_character_in_sql_is_named_and_the_command_exits_1(rich):
    alter_entry_text(rich.entry)
    status, out = run("--negotiation", str(rich.negotiation.public_id))
    assert status == 1
    assert (
        f"session 1, Entry #1 {rich.entry.public_id} (shared record): its stored digest is not the SHA-256 of its "
        "content" in out
    )
    assert out.count("BROKEN:") == 1
    assert "1 finding(s)" in out


def test_an_act_changed_in_sql_is_named(rich):
    act = Act.objects.filter(negotiation=rich.negotiation, kind=Act.Kind.CONSENT_CONFIRMED).order_by("seq").first()
    behind_the_guards(
        "UPDATE negotiation_sessions_act SET text = replace(text, 'confirmed', 'conf1rmed') WHERE id = %s",
        [act.pk],
        table="negotiation_sessions_act",
    )
    status, out = run()
    assert status == 1
    assert f"Act #{act.seq} {act.public_id}: its stored digest is not the SHA-256" in out


def test_a_removed_entry_is_named_by_the_gap_it_leaves(rich):
    assert rich.session.entries.filter(stream=Entry.RECORD_STREAM).count() == 3
    second = rich.session.entries.get(stream=Entry.RECORD_STREAM, seq=2)
    behind_the_guards(
        "DELETE FROM negotiation_sessions_entry WHERE id = %s", [second.pk], table="negotiation_sessions_entry"
    )
    status, out = run()
    assert status == 1
    assert "Entry #3" in out
    assert "the chain jumps from #1 to #3: #2 was removed" in out


def test_a_party_slipped_into_an_agreement_event_is_named(rich):
    event = rich.adref.events.filter(binding=True).order_by("pk").last()
    assert list(event.parties.all()) == [rich.severia]
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE agreements_agreement_parties DISABLE TRIGGER USER")
        cursor.execute(
            "INSERT INTO agreements_agreement_parties (agreement_id, party_id) VALUES (%s, %s)",
            [event.pk, rich.aurelia.pk],
        )
        cursor.execute("ALTER TABLE agreements_agreement_parties ENABLE TRIGGER USER")
    status, out = run()
    assert status == 1
    assert f"Agreement {event.public_id}: it names other parties than its act" in out


@pytest.mark.parametrize("removed", [0, 2])
def test_a_removed_agreement_event_is_named_by_its_act(rich, removed):
    first = rich.agreed.events.order_by("pk")[removed]
    acts = Act.objects.filter(subject=str(rich.agreed.public_id)).order_by("seq")
    assert rich.agreed.events.count() == acts.count() == 4
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table in ("agreements_agreement_parties", "agreements_agreement"):
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        cursor.execute("DELETE FROM agreements_agreement_parties WHERE agreement_id = %s", [first.pk])
        cursor.execute("DELETE FROM agreements_agreement WHERE id = %s", [first.pk])
        for table in ("agreements_agreement_parties", "agreements_agreement"):
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
    status, out = run()
    assert status == 1
    act = acts[removed]
    assert f"Act #{act.seq} {act.public_id}: it records an event of point 3 that is not stored" in out


def test_the_removed_end_of_a_stream_is_named_against_the_last_passing_check(rich):
    verify_record_task()
    last = rich.session.entries.filter(stream=Entry.RECORD_STREAM).order_by("seq").last()
    behind_the_guards(
        "DELETE FROM negotiation_sessions_entry WHERE id = %s", [last.pk], table="negotiation_sessions_entry"
    )
    assert rich.session.broken_links() == []  # what remains still chains
    status, out = run()
    assert status == 1
    assert (
        f"session 1, Entry #{last.seq} (removed) (shared record): #{last.seq}, the last of its chain when the " in out
    )
    assert "is gone: the end was removed" in out


def test_a_stream_end_rewritten_with_a_fresh_digest_is_named_against_the_last_passing_check(rich):
    verify_record_task()
    last = rich.session.entries.filter(stream=Entry.RECORD_STREAM).order_by("seq").last()
    before = rich.session.entries.get(stream=Entry.RECORD_STREAM, seq=last.seq - 1)
    last.text = last.text.replace("e", "3", 1)
    behind_the_guards(
        "UPDATE negotiation_sessions_entry SET text = %s, digest = %s WHERE id = %s",
        [last.text, last.compute_digest(before.digest), last.pk],
        table="negotiation_sessions_entry",
    )
    assert rich.session.broken_links() == []  # a careful forger's chain holds
    status, out = run()
    assert status == 1
    assert f"Entry #{last.seq} {last.public_id} (shared record): its digest is not the one seen when" in out


def test_an_approval_inserted_without_its_act_is_named(rich):
    forged = MinutesApproval.objects.create(
        summary=rich.summary,
        party=rich.severia,
        delegation=rich.severian,
        by=rich.other_note_taker,
        fingerprint="0" * 64,
    )
    status, out = run()
    assert status == 1
    assert f"session 1, MinutesApproval {forged.pk}: this approval has no act in the chain" in out


def test_a_corrigendum_changed_in_sql_is_named(rich):
    corrigendum = rich.summary.corrigenda.get()
    behind_the_guards(
        "UPDATE negotiation_sessions_corrigendum SET text = replace(text, 'Catch', 'Fish') WHERE id = %s",
        [corrigendum.pk],
        table="negotiation_sessions_corrigendum",
    )
    status, out = run()
    assert status == 1
    assert "session 1, Corrigendum #1" in out
    assert "its text no longer has the fingerprint its approvals were given" in out


def test_approved_minutes_changed_in_sql_are_named(rich):
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE negotiation_sessions_summary DISABLE TRIGGER USER")
        cursor.execute(
            "UPDATE negotiation_sessions_summary SET narrative = narrative || '.' WHERE id = %s", [rich.summary.pk]
        )
        cursor.execute("ALTER TABLE negotiation_sessions_summary ENABLE TRIGGER USER")
    status, out = run()
    assert status == 1
    assert "the approved minutes of session 1 no longer have the fingerprint every party approved" in out


def test_a_session_reopened_in_sql_is_named(world):
    w = build_scene(world)
    w.session.close(by=w.membership(w.head))
    with connection.cursor() as cursor:
        cursor.execute("UPDATE negotiation_sessions_session SET status = 'in_progress' WHERE id = %s", [w.session.pk])
    status, out = run()
    assert status == 1
    assert f"session 1, Session #1 {w.session.public_id}: its status says in progress, but act #" in out


def test_renaming_people_parties_delegations_and_speakers_does_not_break_the_chain(rich):
    rich.note_taker.first_name, rich.note_taker.last_name = "Ilse", "Varga"
    rich.note_taker.save()
    for party in (rich.aurelia, rich.severia):
        party.name += " (renamed)"
        party.save()
    for delegation in (rich.aurelian, rich.severian):
        delegation.name += " (renamed)"
        delegation.save()
    rich.negotiation.participants.update(name="Renamed")
    status, out = run()
    assert status == 0, out


def test_the_summary_refuses_to_build_on_a_broken_chain_and_says_why(world, client):
    w = build_scene(world)
    alter_entry_text(w.entry)
    w.session.close(by=w.membership(w.head))
    summary = Summary.objects.get_or_create(session=w.session)[0]
    Summary.objects.filter(pk=summary.pk).update(status=Summary.Status.PENDING)
    assert summary_build(summary=summary) == "refused"
    summary.refresh_from_db()
    assert summary.status == Summary.Status.FAILED
    assert summary.content is None
    assert f"Entry #1 {w.entry.public_id}" in summary.error
    assert "manage.py verify_record" in summary.error
    client.force_login(w.other_head)
    page = client.get(f"/sessions/{w.session.public_id}/minutes")
    assert "The summary could not be built: The stored record does not verify" in html.unescape(page.content.decode())


def page_text(client, user, negotiation) -> str:
    client.force_login(user)
    response = client.get(negotiation.get_absolute_url())
    assert response.status_code == 200
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", response.content.decode())).split())


def test_the_negotiation_page_shows_when_the_record_was_verified(rich, client):
    assert "verified at" not in page_text(client, rich.head, rich.negotiation)
    verify_record_task()
    check = RecordCheck.latest_for(rich.negotiation)
    assert check.ok
    assert "Record verified at" in page_text(client, rich.other_head, rich.negotiation)


def test_the_negotiation_page_says_when_the_record_has_not_been_verified_yet(rich, client):
    """Without a scheduler (the embedded default) the check may never have run: the page says so rather than
    saying nothing, so that a missing line is not read as a verified record."""
    text = page_text(client, rich.head, rich.negotiation)
    assert "Record not verified yet" in text and "manage.py verify_record" in text


def test_the_negotiation_page_shows_the_break_and_hides_another_delegations_internal_rows(rich, client):
    alter_entry_text(rich.internal_a)
    alter_entry_text(rich.entry)
    assert verify_record_task() == 1
    aurelian = page_text(client, rich.head, rich.negotiation)
    severian = page_text(client, rich.other_head, rich.negotiation)
    assert "The stored record does not verify" in aurelian
    assert str(rich.internal_a.public_id) in aurelian
    assert str(rich.entry.public_id) in severian
    assert str(rich.internal_a.public_id) not in severian
    assert "another delegation's internal entries do not verify" in severian


def test_an_outsider_sees_no_record_check(rich, client):
    verify_record_task()
    client.force_login(rich.outsider)
    assert client.get(rich.negotiation.get_absolute_url()).status_code == 404


def test_a_passing_check_replaces_the_passing_ones_before_it_and_a_failing_one_is_kept(rich):
    verify_record_task()
    verify_record_task()
    assert RecordCheck.objects.filter(negotiation=rich.negotiation).count() == 1
    alter_entry_text(rich.entry)
    verify_record_task()
    verify_record_task()
    assert list(RecordCheck.objects.filter(negotiation=rich.negotiation).values_list("ok", flat=True)) == [
        False,
        False,
        True,
    ]


def test_the_beat_runs_the_check_every_verbatim_verify_record_seconds():
    entry = settings.CELERY_BEAT_SCHEDULE["verify-record"]
    assert entry["task"] == "negotiations.tasks.verify_record"
    assert entry["task"] == verify_record_task.name
    assert entry["schedule"] == float(settings.VERBATIM_VERIFY_RECORD_SECONDS) == 3600.0
