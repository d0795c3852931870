"""The statements of the capture path, written out once per process.

Recording a line is the hottest path Verbatim has: every line of every note-taker, several consoles
and API clients at once. Compiled through the ORM on every call, its three statements (lock the
session, find the entry already stored under the client id or else the last of the stream, insert)
cost more CPU than the rest of the request (docs/PERFORMANCE.md, "The write path"). Here they are
built once, from the models' own metadata (tables and columns, so a renamed field cannot drift
from them), and their rows read back into instances by negotiations/rows.py.

What they do is what the ORM did: ``Session.record_entry`` keeps the rules (the lock, gap-free
numbering, the hash chain, idempotency by client id). The insert sends ``pre_save`` and
``post_save`` as ``Model.save`` does, so the record's text rules (negotiations/apps.py) still check
every text field before it is stored."""

from __future__ import annotations

import uuid
from functools import cache
from typing import TYPE_CHECKING

from django.db import connections, router
from django.db.models.signals import post_save, pre_save

from negotiations import rows

if TYPE_CHECKING:
    from sessions.models import Entry, Session


@cache
def _sql(alias: str) -> dict[str, str]:
    from sessions.models import Entry, Session

    connection = connections[alias]
    quote = connection.ops.quote_name

    def column(model, name: str) -> str:
        return quote(model._meta.get_field(name).column)

    session_table, entry_table = quote(Session._meta.db_table), quote(Entry._meta.db_table)
    entry_pk, session_of_entry = column(Entry, "id"), column(Entry, "session")
    inserted = [f for f in Entry._meta.concrete_fields if not f.primary_key]
    for_update = " FOR UPDATE" if connection.features.has_select_for_update else ""
    returning = f" RETURNING {entry_pk}" if connection.features.can_return_columns_from_insert else ""
    return {
        "lock": f"SELECT {rows.columns(Session, alias)} FROM {session_table} WHERE {column(Session, 'id')} = %s{for_update}",
        "found": (
            f"SELECT {rows.columns(Entry, alias)} FROM {entry_table} WHERE {session_of_entry} = %s AND "
            f"({column(Entry, 'client_id')} = %s OR {entry_pk} = (SELECT {entry_pk} FROM {entry_table} "
            f"WHERE {session_of_entry} = %s AND {column(Entry, 'stream')} = %s "
            f"ORDER BY {column(Entry, 'seq')} DESC LIMIT 1))"
        ),
        "insert": (
            f"INSERT INTO {entry_table} ({', '.join(quote(f.column) for f in inserted)}) "
            f"VALUES ({', '.join(['%s'] * len(inserted))}){returning}"
        ),
    }


def locked_session(pk: int) -> Session:
    """The session's row, locked until the transaction ends (``select_for_update().get(pk=…)``)."""
    from sessions.models import Session

    alias = router.db_for_write(Session)
    return rows.instances(Session, alias, _sql(alias)["lock"], [pk])[0]


def stored_or_last(session: Session, stream: str, client_id: uuid.UUID) -> list[Entry]:
    """In one round trip: the entry of the session already stored under ``client_id`` (if any), and
    the last entry of ``stream`` (whose number and digest a new entry continues)."""
    from sessions.models import Entry

    alias = router.db_for_write(Entry)
    client = Entry._meta.get_field("client_id").get_db_prep_value(client_id, connections[alias])
    return rows.instances(Entry, alias, _sql(alias)["found"], [session.pk, client, session.pk, stream])


def insert_entry(entry: Entry) -> None:
    """Store a new entry, as ``entry.save(force_insert=True)`` does, signals included."""
    model = type(entry)
    alias = router.db_for_write(model, instance=entry)
    connection = connections[alias]
    pre_save.send(sender=model, instance=entry, raw=False, using=alias, update_fields=None)
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    values = [f.get_db_prep_save(f.pre_save(entry, True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(_sql(alias)["insert"], values)
        entry.pk = cursor.fetchone()[0] if connection.features.can_return_columns_from_insert else cursor.lastrowid
    entry._state.adding, entry._state.db = False, alias
    post_save.send(sender=model, instance=entry, created=True, update_fields=None, raw=False, using=alias)
