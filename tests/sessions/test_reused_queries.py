"""A feed's read of new lines is compiled once (negotiations/rows.py, ``Reused``) and reads its rows'
corrections, readings and formulations by id (``prefetch_rows``): each must give what the ORM gave."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agreements.models import Point
from negotiations.rows import Reused
from sessions.models import Entry, Participant
from sessions.streams import ENTRY_PREFETCH, ENTRY_RELATED, _new_entries, prefetch_rows

pytestmark = pytest.mark.django_db


def values(obj) -> dict:
    return {field.attname: getattr(obj, field.attname) for field in type(obj)._meta.concrete_fields}


def related(entry: Entry, path: str):
    target = entry
    for name in path.split("__"):
        target = getattr(target, name)
        if target is None:
            return None
    return values(target)


def a_session_with_every_kind_of_line(world) -> list[Entry]:
    """Lines with a speaker, a party, an agenda item, a correction, another delegation's reading
    and a formulation: every relation a row shows."""
    world.session.start()
    head, other = world.membership(world.head), world.membership(world.other_head)
    minister = Participant.objects.create(negotiation=world.negotiation, party=world.aurelia, name="A. Minister")
    item = world.session.add_agenda_item("Fisheries")
    world.session.take_up(item)
    first, _ = world.session.record_entry(
        membership=head, client_id=uuid.uuid4(), text="We open the talks.", speaker=minister, party=world.aurelia
    )
    first.correct(membership=head, client_id=uuid.uuid4(), text="We open the talks today.")
    reading, _ = first.correct(membership=other, client_id=uuid.uuid4(), text="They opened the talks.")
    reading.accept_reading(membership=head, client_id=uuid.uuid4())
    point = Point.open(negotiation=world.negotiation, title="Fisheries")
    proposal, _ = world.session.record_entry(
        membership=head, client_id=uuid.uuid4(), text="The Parties shall cooperate.", kind=Entry.Kind.PROPOSAL
    )
    point.propose(
        text="The Parties shall cooperate.", party=world.aurelia, membership=head, session=world.session, entry=proposal
    )
    return list(Entry.objects.filter(session=world.session).order_by("pk"))


def test_the_feeds_read_of_new_lines_gives_what_the_orm_gave_with_every_relation(world):
    lines = a_session_with_every_kind_of_line(world)
    after = lines[0].pk - 1
    orm = list(
        Entry.objects.filter(session_id=world.session.pk, pk__gt=after)
        .select_related(*ENTRY_RELATED)
        .prefetch_related(*ENTRY_PREFETCH)
        .order_by("pk")
    )
    ours = _new_entries(world.session.pk, after)
    assert [values(e) for e in ours] == [values(e) for e in orm]
    paths = ["session", "speaker__party", "party", "author", "delegation__party", "supersedes", "agenda_item"]
    paths += ["disputes__delegation__party", "accepts__delegation__party"]
    for mine, theirs in zip(ours, orm, strict=True):
        for path in paths:
            assert related(mine, path) == related(theirs, path), path
        for name in ("corrections", "readings", "formulations"):
            assert [values(x) for x in getattr(mine, name).all()] == [values(x) for x in getattr(theirs, name).all()]
        for mine_f, their_f in zip(mine.formulations.all(), theirs.formulations.all(), strict=True):
            assert (values(mine_f.point), values(mine_f.party)) == (values(their_f.point), values(their_f.party))
        for mine_r, their_r in zip(mine.readings.all(), theirs.readings.all(), strict=True):
            assert values(mine_r.delegation.party) == values(their_r.delegation.party)
            assert values(mine_r.author) == values(their_r.author)
    assert any(e.formulations.all() for e in ours) and any(e.corrections.all() for e in ours)
    assert any(e.readings.all() for e in ours) and any(e.accepts_id for e in ours)


def test_one_new_line_is_read_with_what_its_row_shows_the_same_as_many(world):
    lines = a_session_with_every_kind_of_line(world)
    for line in lines:
        alone = Entry.objects.select_related(*ENTRY_RELATED).get(pk=line.pk)
        prefetch_rows([alone])
        among = next(e for e in _new_entries(world.session.pk, lines[0].pk - 1) if e.pk == line.pk)
        for name in ("corrections", "readings", "formulations"):
            assert [values(x) for x in getattr(alone, name).all()] == [values(x) for x in getattr(among, name).all()]


def test_a_reused_query_runs_with_each_calls_values_without_compiling_again(world):
    lines = a_session_with_every_kind_of_line(world)
    reused = Reused(
        Entry, lambda session, after: Entry.objects.filter(session_id=session, pk__gt=after), "session", "after"
    )
    assert [e.pk for e in reused(session=world.session.pk, after=0)] == [e.pk for e in lines]
    with CaptureQueriesContext(connection) as queries:
        later = reused(session=world.session.pk, after=lines[-2].pk)
    assert [e.pk for e in later] == [lines[-1].pk]
    assert len(queries.captured_queries) == 1
    assert len(reused._compiled) == 1  # one compiled statement, run with other values
    assert reused(session=world.session.pk + 1000, after=0) == []


def test_a_reused_query_refuses_a_value_that_does_not_reach_the_sql_as_its_own_parameter(world):
    reused = Reused(Entry, lambda session, after: Entry.objects.filter(session_id=session), "session", "after")
    with pytest.raises(ValueError, match="must reach the SQL once"):
        reused(session=world.session.pk, after=0)
