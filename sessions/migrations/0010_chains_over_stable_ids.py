"""The entry and act chains name people, parties and delegations by what
never changes (chain 2) instead of by display names (chain 1), so that a
renamed party or delegation no longer reads as tampering.

Each chain is first checked as it was sealed (chain 1, with today's names).
Only a chain that holds is sealed again under chain 2: a chain that is
already broken keeps its digests as they are, so the break stays visible to
``verify_record`` instead of being sealed over. The digests are computed
here, not by the models, so that this migration means the same thing forever."""

import hashlib
import json

from django.db import migrations

ENTRY = "negotiation_sessions_entry"
ACT = "negotiation_sessions_act"


def _json(data):
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _entry_extras(e):
    extras = {}
    if e.disputes_id:
        extras["disputes"] = str(e.disputes.public_id)
    if e.accepts_id:
        extras["accepts"] = str(e.accepts.public_id)
    if e.captured_at is not None:
        extras["captured_at"] = e.captured_at.isoformat()
    if e.recorded_late:
        extras["recorded_late"] = True
    return extras


def entry_v1(e):
    return {
        "session": str(e.session.public_id),
        "stream": e.stream,
        "seq": e.seq,
        "client_id": str(e.client_id),
        "kind": e.kind,
        "visibility": e.visibility,
        "text": e.text,
        "speaker": e.speaker.name if e.speaker_id else None,
        "party": e.party.name if e.party_id else None,
        "author": e.author.username,
        "supersedes": str(e.supersedes.public_id) if e.supersedes_id else None,
        "created_at": e.created_at.isoformat(),
    } | _entry_extras(e)


def entry_v2(e):
    return {
        "chain": 2,
        "session": str(e.session.public_id),
        "stream": e.stream,
        "seq": e.seq,
        "client_id": str(e.client_id),
        "kind": e.kind,
        "visibility": e.visibility,
        "text": e.text,
        "speaker": str(e.speaker.public_id) if e.speaker_id else None,
        "party": str(e.party.public_id) if e.party_id else None,
        "author": e.author.username,
        "delegation": str(e.delegation.public_id),
        "supersedes": str(e.supersedes.public_id) if e.supersedes_id else None,
        "created_at": e.created_at.isoformat(),
    } | _entry_extras(e)


def entry_digest(canonical, previous):
    return hashlib.sha256(f"{previous}\n{_json(canonical)}".encode()).hexdigest()


def act_v1(a):
    return {
        "negotiation": str(a.negotiation.public_id),
        "session": str(a.session.public_id) if a.session_id else None,
        "seq": a.seq,
        "kind": a.kind,
        "party": a.party.name if a.party_id else None,
        "delegation": a.delegation.name,
        "by": a.by.username,
        "subject": a.subject,
        "text": a.text,
        "created_at": a.created_at.isoformat(),
    }


def act_v2(a):
    return {
        "chain": 2,
        "negotiation": str(a.negotiation.public_id),
        "session": str(a.session.public_id) if a.session_id else None,
        "seq": a.seq,
        "kind": a.kind,
        "party": str(a.party.public_id) if a.party_id else None,
        "delegation": str(a.delegation.public_id),
        "by": a.by.username,
        "subject": a.subject,
        "text": a.text,
        "created_at": a.created_at.isoformat(),
    }


def act_digest(canonical, previous):
    inner = hashlib.sha256(_json(canonical).encode()).hexdigest()
    return hashlib.sha256(f"{previous}\n{inner}".encode()).hexdigest()


def _reseal(rows, old, new, digest):
    """New digests for one chain (rows in order), or None if the chain does
    not hold as it was sealed."""
    previous, resealed, updates = "", "", []
    for row in rows:
        if row.digest != digest(old(row), previous):
            return None
        previous = row.digest
        resealed = digest(new(row), resealed)
        updates.append((row.pk, resealed))
    return updates


def _guard(schema_editor, table, on):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        verb = "ENABLE" if on else "DISABLE"
        schema_editor.execute(f"ALTER TABLE {table} {verb} TRIGGER {table}_append_only;", params=None)
    elif on:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} BEGIN SELECT RAISE(ABORT, "
            f"'verbatim: UPDATE on {table} is refused: the record is append-only'); END;",
            params=None,
        )
    else:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update;", params=None)


def _seal(apps, schema_editor, old, new, *, entry_canonical, act_canonical):
    Session = apps.get_model("negotiation_sessions", "Session")
    Entry = apps.get_model("negotiation_sessions", "Entry")
    Act = apps.get_model("negotiation_sessions", "Act")
    Negotiation = apps.get_model("negotiations", "Negotiation")
    db = schema_editor.connection.alias  # the owner's connection, where migrations run as the owner
    related = ("session", "speaker", "party", "author", "delegation", "supersedes", "disputes", "accepts")
    entry_updates, act_updates, kept = [], [], []
    for session in Session.objects.using(db).order_by("pk"):
        streams = Entry.objects.using(db).filter(session=session).values_list("stream", flat=True).distinct()
        for stream in sorted(set(streams)):
            rows = (
                Entry.objects.using(db).filter(session=session, stream=stream).select_related(*related).order_by("seq")
            )
            updates = _reseal(rows, entry_canonical[old], entry_canonical[new], entry_digest)
            if updates is None:
                kept.append(f"session {session.public_id} stream {stream}")
            else:
                entry_updates += updates
    for negotiation in Negotiation.objects.using(db).order_by("pk"):
        rows = (
            Act.objects.using(db)
            .filter(negotiation=negotiation)
            .select_related("negotiation", "session", "party", "delegation", "by")
        )
        updates = _reseal(rows.order_by("seq"), act_canonical[old], act_canonical[new], act_digest)
        if updates is None:
            kept.append(f"acts of negotiation {negotiation.public_id}")
        else:
            act_updates += updates
    for table, model, updates in ((ENTRY, Entry, entry_updates), (ACT, Act, act_updates)):
        if not updates:
            continue
        _guard(schema_editor, table, on=False)
        for pk, digest in updates:
            model.objects.using(db).filter(pk=pk).update(digest=digest)
        _guard(schema_editor, table, on=True)
    for chain in kept:
        print(f"\n  verbatim: {chain} was already broken; its digests are kept as they were for verify_record")


ENTRY_CANONICAL = {1: entry_v1, 2: entry_v2}
ACT_CANONICAL = {1: act_v1, 2: act_v2}


def forwards(apps, schema_editor):
    _seal(apps, schema_editor, 1, 2, entry_canonical=ENTRY_CANONICAL, act_canonical=ACT_CANONICAL)


def backwards(apps, schema_editor):
    _seal(apps, schema_editor, 2, 1, entry_canonical=ENTRY_CANONICAL, act_canonical=ACT_CANONICAL)


class Migration(migrations.Migration):
    dependencies = [
        ("negotiation_sessions", "0009_record_text_rules"),
        ("negotiations", "0004_export_job_outbox"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
