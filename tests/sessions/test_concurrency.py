from __future__ import annotations

import threading
import uuid

import pytest
from django.db import connection

from sessions.models import Entry

pytestmark = pytest.mark.django_db(transaction=True)

WRITERS = 8
PER_WRITER = 25


def test_concurrent_writers_get_sequence_numbers_without_gaps_or_duplicates(world):
    session = world.session
    writers = [world.head, world.note_taker, world.other_head, world.other_note_taker]
    memberships = [world.membership(u) for u in writers]
    start = threading.Barrier(WRITERS)
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            start.wait()
            membership = memberships[n % len(memberships)]
            for i in range(PER_WRITER):
                visibility = "internal" if i % 5 == 0 else "record"
                session.record_entry(
                    membership=membership, client_id=uuid.uuid4(), text=f"writer {n} line {i}", visibility=visibility
                )
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert Entry.objects.filter(session=session).count() == WRITERS * PER_WRITER
    for stream in Entry.objects.filter(session=session).values_list("stream", flat=True).distinct():
        seqs = list(Entry.objects.filter(session=session, stream=stream).order_by("seq").values_list("seq", flat=True))
        assert seqs == list(range(1, len(seqs) + 1)), stream
    assert session.broken_links() == []


def test_the_same_client_id_sent_concurrently_is_stored_once(world):
    session = world.session
    membership = world.membership(world.note_taker)
    client_id = uuid.uuid4()
    start = threading.Barrier(6)
    results: list[bool] = []

    def send() -> None:
        try:
            start.wait()
            _entry, created = session.record_entry(membership=membership, client_id=client_id, text="Double click.")
            results.append(created)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 5 + [True]
    assert Entry.objects.filter(client_id=client_id).count() == 1
