"""One negotiation's record as a self-contained archive, and back.

An archive is a zip holding ``record.json`` (everything the record is made
of, as canonical JSON: parties, delegations, people without passwords,
memberships, sessions with their agenda, attendance, entries of every stream
with their digests, summaries, corrigenda and approvals, points,
formulations, agreement events and the chained acts), each session's
minutes and the agreed text as PDF and JSON, and ``manifest.json`` with the
SHA-256 of every other member and the fingerprint of every record version.

Restoring inserts rows and never updates an append-only one: public ids,
timestamps and digests are kept exactly, so the restored record verifies
with the chains and fingerprints it had."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from exports import records
from negotiations.models import Delegation, DelegationMember, Membership, Negotiation, Party

SCHEMA = "verbatim.archive/1"
RECORD_SCHEMA = "verbatim.record/1"
MANIFEST = "manifest.json"
RECORD = "record.json"
# What a restore compares with the archive once loaded: the parts that belong
# to the negotiation alone (people, parties and delegations may already exist).
OWN_PARTS = ("negotiation", "memberships", "participants", "sessions", "points", "formulations", "agreements", "acts")


class ArchiveError(Exception):
    """The archive cannot be read or restored; the message says why."""


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _id(obj) -> str | None:
    return str(obj.public_id) if obj is not None else None


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ---- the record ---------------------------------------------------------------------


def record_of(negotiation: Negotiation) -> dict[str, Any]:
    """The whole record of a negotiation, in the order it was written (by
    primary key), with nothing that belongs to one instance (no primary keys,
    no password hashes, no tokens, no export jobs)."""
    from agreements.models import Agreement, Formulation
    from sessions.models import Act, Participant

    User = get_user_model()
    memberships = list(
        negotiation.memberships.select_related("user", "delegation").order_by("pk"),
    )
    acts = list(
        Act.objects.filter(negotiation=negotiation)
        .select_related("session", "party", "delegation", "by")
        .order_by("seq")
    )
    formulations = list(
        Formulation.objects.filter(point__negotiation=negotiation)
        .select_related("point", "party", "session", "entry", "revises", "version_of", "proposed_by")
        .order_by("pk")
    )
    agreements = list(
        Agreement.objects.filter(formulation__point__negotiation=negotiation)
        .select_related("formulation", "session", "delegation", "recorded_by")
        .prefetch_related("parties")
        .order_by("pk")
    )
    sessions = [_session(s) for s in negotiation.sessions.order_by("number")]
    participants = list(Participant.objects.filter(negotiation=negotiation).select_related("party").order_by("pk"))

    usernames = {m.user.get_username() for m in memberships} | {negotiation.created_by.get_username()}
    usernames |= {a.by.get_username() for a in acts} | {f.proposed_by.get_username() for f in formulations}
    usernames |= {a.recorded_by.get_username() for a in agreements}
    for s in sessions:
        usernames |= {e["author"] for e in s["entries"]}
        usernames |= {c["issued_by"] for c in s["corrigenda"]} | {a["by"] for a in s["approvals"]}
        if s["summary"]:
            usernames |= {s["summary"]["narrative_edited_by"], s["summary"]["approved_by"]} - {None}
    people = User.objects.filter(username__in=usernames).order_by("username")
    member_of = {
        m.user.get_username(): str(m.delegation.public_id)
        for m in DelegationMember.objects.filter(user__in=people).select_related("user", "delegation")
    }
    delegation_ids = {m.delegation_id for m in memberships} | {negotiation.owner_id}
    delegation_ids |= set(DelegationMember.objects.filter(user__in=people).values_list("delegation_id", flat=True))
    delegation_ids |= {a.delegation_id for a in acts} | {a.delegation_id for a in agreements if a.delegation_id}
    delegations = Delegation.objects.filter(pk__in=delegation_ids).select_related("party").order_by("pk")
    parties = Party.objects.filter(pk__in={p.pk for p in negotiation.parties.all()} | {d.party_id for d in delegations})

    return {
        "schema": RECORD_SCHEMA,
        "negotiation": {
            "id": str(negotiation.public_id),
            "title": negotiation.title,
            "format": negotiation.format,
            "status": negotiation.status,
            "working_languages": negotiation.working_languages,
            "package_rule": negotiation.package_rule,
            "classification": negotiation.classification,
            "secretariat_keeps_record": negotiation.secretariat_keeps_record,
            "parties": [p.name for p in negotiation.parties.order_by("name")],
            "owner": str(negotiation.owner.public_id),
            "created_by": negotiation.created_by.get_username(),
            "created_at": _iso(negotiation.created_at),
        },
        "parties": [{"id": str(p.public_id), "name": p.name, "short_name": p.short_name} for p in parties],
        "delegations": [
            {
                "id": str(d.public_id),
                "name": d.name,
                "party": d.party.name if d.party else None,
                "created_at": _iso(d.created_at),
            }
            for d in delegations
        ],
        "people": [
            {
                "username": u.get_username(),
                "first_name": u.first_name,
                "last_name": u.last_name,
                "email": u.email,
                "is_active": u.is_active,
                "delegation": member_of.get(u.get_username()),
            }
            for u in people
        ],
        "memberships": [
            {
                "user": m.user.get_username(),
                "delegation": str(m.delegation.public_id),
                "role": m.role,
                "joined_at": _iso(m.joined_at),
            }
            for m in memberships
        ],
        "participants": [
            {"id": str(p.public_id), "party": p.party.name, "name": p.name, "function": p.function, "title": p.title}
            for p in participants
        ],
        "sessions": sessions,
        "points": [
            {"id": str(p.public_id), "number": p.number, "title": p.title, "created_at": _iso(p.created_at)}
            for p in negotiation.points.order_by("pk")
        ],
        "formulations": [
            {
                "id": str(f.public_id),
                "point": str(f.point.public_id),
                "text": f.text,
                "language": f.language,
                "party": f.party.name,
                "session": _id(f.session),
                "entry": _id(f.entry),
                "revises": _id(f.revises),
                "version_of": _id(f.version_of),
                "proposed_by": f.proposed_by.get_username(),
                "status": f.status,
                "created_at": _iso(f.created_at),
            }
            for f in formulations
        ],
        "agreements": [
            {
                "id": str(a.public_id),
                "formulation": str(a.formulation.public_id),
                "kind": a.kind,
                "parties": sorted(p.name for p in a.parties.all()),
                "session": _id(a.session),
                "ad_referendum": a.ad_referendum,
                "binding": a.binding,
                "delegation": _id(a.delegation),
                "reason": a.reason,
                "recorded_by": a.recorded_by.get_username(),
                "recorded_at": _iso(a.recorded_at),
            }
            for a in agreements
        ],
        "acts": [
            {
                "id": str(a.public_id),
                "session": _id(a.session),
                "seq": a.seq,
                "kind": a.kind,
                "party": a.party.name if a.party else None,
                "delegation": str(a.delegation.public_id),
                "by": a.by.get_username(),
                "subject": a.subject,
                "text": a.text,
                "created_at": _iso(a.created_at),
                "digest": a.digest,
            }
            for a in acts
        ],
    }


def _session(session) -> dict[str, Any]:
    from sessions.models import Summary

    agenda = {item.pk: item.position for item in session.agenda_items.all()}
    entries = session.entries.select_related("speaker", "party", "author", "delegation", "supersedes").order_by("pk")
    entries = list(entries)
    by_pk = {e.pk: str(e.public_id) for e in entries}
    rows = []
    for e in entries:
        rows.append(
            {
                "id": str(e.public_id),
                "stream": e.stream,
                "seq": e.seq,
                "client_id": str(e.client_id),
                "kind": e.kind,
                "visibility": e.visibility,
                "text": e.text,
                "speaker": _id(e.speaker),
                "party": e.party.name if e.party else None,
                "agenda_item": agenda.get(e.agenda_item_id),
                "author": e.author.get_username(),
                "delegation": str(e.delegation.public_id),
                "supersedes": by_pk.get(e.supersedes_id),
                "disputes": by_pk.get(e.disputes_id),
                "accepts": by_pk.get(e.accepts_id),
                "captured_at": _iso(e.captured_at),
                "recorded_late": e.recorded_late,
                "created_at": _iso(e.created_at),
                "digest": e.digest,
            }
        )
    summary = Summary.objects.filter(session=session).select_related("narrative_edited_by", "approved_by").first()
    corrigenda, approvals = [], []
    if summary is not None:
        corrigenda = [
            {
                "number": c.number,
                "text": c.text,
                "issued_by": c.issued_by.get_username(),
                "issued_at": _iso(c.issued_at),
            }
            for c in summary.corrigenda.select_related("issued_by").order_by("pk")
        ]
        approvals = [
            {
                "corrigendum": a.corrigendum.number if a.corrigendum else None,
                "party": a.party.name,
                "delegation": str(a.delegation.public_id),
                "by": a.by.get_username(),
                "at": _iso(a.at),
                "fingerprint": a.fingerprint,
            }
            for a in summary.approvals.select_related("corrigendum", "party", "delegation", "by").order_by("pk")
        ]
    return {
        "id": str(session.public_id),
        "number": session.number,
        "title": session.title,
        "place": session.place,
        "scheduled_for": _iso(session.scheduled_for),
        "status": session.status,
        "started_at": _iso(session.started_at),
        "ended_at": _iso(session.ended_at),
        "current_agenda_item": agenda.get(session.current_agenda_item_id),
        "created_at": _iso(session.created_at),
        "agenda": [{"position": i.position, "title": i.title} for i in session.agenda_items.order_by("position")],
        "attendance": [
            str(a.participant.public_id) for a in session.attendance.select_related("participant").order_by("pk")
        ],
        "entries": rows,
        "summary": {
            "id": str(summary.public_id),
            "status": summary.status,
            "content": summary.content,
            "narrative": summary.narrative,
            "narrative_edited_by": summary.narrative_edited_by.get_username() if summary.narrative_edited_by else None,
            "narrative_version": summary.narrative_version,
            "error": summary.error,
            "attempts": summary.attempts,
            "requested_at": _iso(summary.requested_at),
            "started_at": _iso(summary.started_at),
            "finished_at": _iso(summary.finished_at),
            "approved_by": summary.approved_by.get_username() if summary.approved_by else None,
            "approved_at": _iso(summary.approved_at),
        }
        if summary
        else None,
        "corrigenda": corrigenda,
        "approvals": approvals,
    }


def record_versions(negotiation: Negotiation) -> list[tuple[str, str, str, dict[str, Any]]]:
    """Every version of the record an export can show: each session's shared
    minutes and each delegation's internal minutes, and the agreed text, as
    ``(kind, id, version, record)``."""
    versions = []
    delegations = Delegation.objects.filter(negotiation_memberships__negotiation=negotiation).distinct().order_by("pk")
    for session in negotiation.sessions.order_by("number"):
        versions.append(("minutes", str(session.public_id), "shared", records.minutes_record(session)))
        for d in delegations:
            record = records.minutes_record(session, internal_for=d)
            versions.append(("minutes", str(session.public_id), f"internal:{d.public_id}", record))
    versions.append(("agreed-text", str(negotiation.public_id), "shared", records.agreed_text_record(negotiation)))
    return versions


# ---- writing ------------------------------------------------------------------------


@dataclass
class Written:
    path: Path
    size: int
    sessions: int
    entries: int
    acts: int
    files: int


def write(negotiation: Negotiation, path: Path) -> Written:
    """Write the archive of ``negotiation`` to ``path``, read from one
    consistent snapshot of the database."""
    outer = connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and not outer:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        record = record_of(negotiation)
        versions = record_versions(negotiation)
    members: dict[str, bytes] = {RECORD: records.canonical_json(record).encode()}
    listed = []
    for kind, object_id, version, body in versions:
        export = records.prepare(body, "")
        files = []
        if version == "shared":
            number = next((s["number"] for s in record["sessions"] if s["id"] == object_id), None)
            stem = f"minutes/session-{number:02d}" if kind == "minutes" else "agreed-text"
            for fmt in ("json", "pdf"):
                members[f"{stem}.{fmt}"] = records.render(export, fmt)
                files.append(f"{stem}.{fmt}")
        listed.append(
            {"kind": kind, "id": object_id, "version": version, "fingerprint": export.fingerprint, "files": files}
        )
    manifest = {
        "schema": SCHEMA,
        "negotiation": {"id": record["negotiation"]["id"], "title": record["negotiation"]["title"]},
        "written_at": timezone.now().isoformat(),
        "files": {name: _sha256(data) for name, data in members.items()},
        "records": listed,
        "chains": _chain_heads(record),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True))
        for name, data in members.items():
            zf.writestr(name, data)
    path.write_bytes(buffer.getvalue())
    return Written(
        path=path,
        size=len(buffer.getvalue()),
        sessions=len(record["sessions"]),
        entries=sum(len(s["entries"]) for s in record["sessions"]),
        acts=len(record["acts"]),
        files=len(members) + 1,
    )


def _chain_heads(record: dict[str, Any]) -> dict[str, Any]:
    """The last digest of every chain: each session's streams, and the acts."""
    heads: dict[str, Any] = {"sessions": {}, "acts": record["acts"][-1]["digest"] if record["acts"] else None}
    for s in record["sessions"]:
        streams: dict[str, tuple[int, str]] = {}
        for e in s["entries"]:
            if e["stream"] not in streams or e["seq"] > streams[e["stream"]][0]:
                streams[e["stream"]] = (e["seq"], e["digest"])
        heads["sessions"][s["id"]] = {stream: digest for stream, (_, digest) in sorted(streams.items())}
    return heads


# ---- reading ------------------------------------------------------------------------


@dataclass
class Archive:
    manifest: dict[str, Any]
    record: dict[str, Any]
    problems: list[str] = field(default_factory=list)

    @property
    def negotiation_id(self) -> str:
        return self.record["negotiation"]["id"]


def read(path: Path) -> Archive:
    """Open an archive and check it against its own manifest: every member
    present with the SHA-256 the manifest gives, nothing added, and each JSON
    export carrying the fingerprint of its record."""
    if not path.exists():
        raise ArchiveError(f"{path}: no such file.")
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise ArchiveError(f"{path.name} is not a Verbatim archive (not a zip file).") from None
    with zf:
        names = set(zf.namelist())
        if MANIFEST not in names or RECORD not in names:
            raise ArchiveError(f"{path.name} is not a Verbatim archive: it has no {MANIFEST} or no {RECORD}.")
        try:
            manifest = json.loads(zf.read(MANIFEST))
        except ValueError:
            raise ArchiveError(f"{path.name}: {MANIFEST} is not valid JSON.") from None
        if manifest.get("schema") != SCHEMA:
            raise ArchiveError(
                f"{path.name}: the manifest is {manifest.get('schema')!r}; this Verbatim reads {SCHEMA}."
            )
        listed = manifest.get("files", {})
        problems = []
        for name in sorted(names - {MANIFEST} - set(listed)):
            problems.append(f"{name} is in the archive but not in its manifest.")
        for name, digest in sorted(listed.items()):
            if name not in names:
                problems.append(f"{name} is listed in the manifest but missing from the archive.")
            elif _sha256(zf.read(name)) != digest:
                problems.append(f"{name} differs from the SHA-256 its manifest gives: the file was changed.")
        if problems:
            raise ArchiveError(" ".join(problems))
        try:
            record = json.loads(zf.read(RECORD))
        except ValueError:
            raise ArchiveError(f"{path.name}: {RECORD} is not valid JSON.") from None
        for item in manifest.get("records", []):
            for name in item["files"]:
                if name.endswith(".json"):
                    body = json.loads(zf.read(name))
                    if (
                        body.get("fingerprint") != f"sha256:{item['fingerprint']}"
                        or records.fingerprint(body.get("record", {})) != item["fingerprint"]
                    ):
                        problems.append(f"{name} does not carry the fingerprint the manifest gives for it.")
        if problems:
            raise ArchiveError(" ".join(problems))
    if record.get("schema") != RECORD_SCHEMA or record["negotiation"]["id"] != manifest["negotiation"]["id"]:
        raise ArchiveError(f"{path.name}: {RECORD} is not the record its manifest names.")
    return Archive(manifest=manifest, record=record)


# ---- restoring ----------------------------------------------------------------------


@dataclass
class Restored:
    negotiation: Negotiation
    people_created: int
    people_reused: int
    entries: int
    streams: int
    acts: int


class Mismatch(Exception):
    """The restored record differs from the archive; nothing was kept."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(" ".join(problems))


def restore(archive: Archive) -> Restored:
    """Load the archive into this database and verify it, in one
    transaction: on any mismatch nothing is kept (``Mismatch``)."""
    if Negotiation.objects.filter(public_id=archive.negotiation_id).exists():
        title = Negotiation.objects.get(public_id=archive.negotiation_id).title
        raise ArchiveError(
            f"This database already holds the negotiation '{title}' ({archive.negotiation_id}); "
            "a restore goes into an instance that does not hold it. Nothing was restored."
        )
    with transaction.atomic():
        loader = _Loader(archive.record)
        negotiation = loader.load()
        problems = verify(archive, negotiation)
        if problems:
            raise Mismatch(problems)
    return Restored(
        negotiation=negotiation,
        people_created=loader.people_created,
        people_reused=loader.people_reused,
        entries=sum(len(s["entries"]) for s in archive.record["sessions"]),
        streams=sum(len({e["stream"] for e in s["entries"]}) for s in archive.record["sessions"]),
        acts=len(archive.record["acts"]),
    )


def verify(archive: Archive, negotiation: Negotiation) -> list[str]:
    """What differs between the record this database holds and the archive:
    broken links in an entry or act chain, a record version whose fingerprint
    is not the archived one, or any other difference in the record. Empty
    when they are the same."""
    from sessions.models import Act

    problems = []
    for session in negotiation.sessions.order_by("number"):
        for entry in session.broken_links():
            problems.append(
                f"Session {session.number}, stream {entry.stream}, entry {entry.seq}: its digest does not follow "
                "from its content and the entry before it."
            )
    for act in Act.broken_links(negotiation):
        problems.append(f"Act {act.seq}: its digest does not follow from its content and the act before it.")
    expected = {(r["kind"], r["id"], r["version"]): r["fingerprint"] for r in archive.manifest["records"]}
    actual = {(k, i, v): records.fingerprint(body) for k, i, v, body in record_versions(negotiation)}
    for key in sorted(expected.keys() | actual.keys()):
        kind, object_id, version = key
        if key not in actual:
            problems.append(f"The {kind} {object_id} ({version}) is in the archive but not in this database.")
        elif key not in expected:
            problems.append(f"The {kind} {object_id} ({version}) is in this database but not in the archive.")
        elif expected[key] != actual[key]:
            problems.append(
                f"The {kind} {object_id} ({version}) gives sha256:{actual[key]} here; the archive holds "
                f"sha256:{expected[key]}."
            )
    held = record_of(negotiation)
    for part in OWN_PARTS:
        where = _first_difference(archive.record[part], held[part], part)
        if where:
            problems.append(f"The record differs from the archive at {where}.")
    return problems


def _first_difference(a: Any, b: Any, path: str) -> str | None:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(a.keys() | b.keys()):
            found = _first_difference(a.get(key), b.get(key), f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(a, list) and isinstance(b, list):
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            found = _first_difference(x, y, f"{path}[{i}]")
            if found:
                return found
        return None if len(a) == len(b) else f"{path} ({len(a)} in the archive, {len(b)} here)"
    return None if a == b else path


class _Loader:
    """Insert an archived record, oldest row first, keeping public ids,
    timestamps and digests. Rows guarded as append-only are only inserted;
    a session is inserted open and takes its archived status once its agenda,
    attendance, entries, formulations and agreements are in."""

    def __init__(self, record: dict[str, Any]) -> None:
        self.r = record
        self.people_created = 0
        self.people_reused = 0

    def load(self) -> Negotiation:
        self._parties()
        self._delegations()
        self._people()
        negotiation = self._negotiation()
        self._participants(negotiation)
        sessions = [self._session(negotiation, s) for s in self.r["sessions"]]
        self._points(negotiation)
        self._formulations()
        self._agreements()
        for session, s in zip(sessions, self.r["sessions"], strict=True):
            self._minutes(session, s)
        self._acts(negotiation)
        self._settle_sessions(sessions)
        negotiation.refresh_from_db()
        return negotiation

    def _parties(self) -> None:
        self.party = {}
        for p in self.r["parties"]:
            party = Party.objects.filter(public_id=p["id"]).first()
            if party is None:
                if Party.objects.filter(name=p["name"]).exists():  # the chains name parties by id
                    raise ArchiveError(
                        f"This database has another party named '{p['name']}' (not the archived one: its id "
                        "differs); rename it or restore into an empty instance. Nothing was restored."
                    )
                party = Party.objects.create(public_id=p["id"], name=p["name"], short_name=p["short_name"])
            self.party[p["name"]] = party

    def _delegations(self) -> None:
        self.delegation = {}
        for d in self.r["delegations"]:
            delegation = Delegation.objects.filter(public_id=d["id"]).first()
            if delegation is None:
                if Delegation.objects.filter(name=d["name"]).exists():
                    raise ArchiveError(
                        f"This database has another delegation named '{d['name']}'; rename it or restore into "
                        "an empty instance. Nothing was restored."
                    )
                delegation = Delegation.objects.create(
                    public_id=d["id"], name=d["name"], party=self.party[d["party"]] if d["party"] else None
                )
                Delegation.objects.filter(pk=delegation.pk).update(created_at=_when(d["created_at"]))
            self.delegation[d["id"]] = delegation

    def _people(self) -> None:
        User = get_user_model()
        self.user = {}
        for p in self.r["people"]:
            user = User.objects.filter(username=p["username"]).first()
            if user is None:
                user = User(
                    username=p["username"],
                    first_name=p["first_name"],
                    last_name=p["last_name"],
                    email=p["email"],
                    is_active=p["is_active"],
                )
                user.set_unusable_password()
                user.save()
                self.people_created += 1
                if p["delegation"]:
                    DelegationMember.objects.create(user=user, delegation=self.delegation_or_new(p["delegation"]))
            else:
                self.people_reused += 1
            self.user[p["username"]] = user

    def delegation_or_new(self, public_id: str) -> Delegation:
        found = self.delegation.get(public_id) or Delegation.objects.filter(public_id=public_id).first()
        if found is None:
            raise ArchiveError(
                f"The archive names a delegation {public_id} it does not describe. Nothing was restored."
            )
        return found

    def _negotiation(self) -> Negotiation:
        n = self.r["negotiation"]
        negotiation = Negotiation.objects.create(
            public_id=n["id"],
            title=n["title"],
            format=n["format"],
            status=n["status"],
            working_languages=n["working_languages"],
            package_rule=n["package_rule"],
            classification=n["classification"],
            secretariat_keeps_record=n["secretariat_keeps_record"],
            owner=self.delegation[n["owner"]],
            created_by=self.user[n["created_by"]],
        )
        Negotiation.objects.filter(pk=negotiation.pk).update(created_at=_when(n["created_at"]))
        negotiation.parties.add(*[self.party[name] for name in n["parties"]])
        for m in self.r["memberships"]:
            membership = Membership.objects.create(
                negotiation=negotiation,
                user=self.user[m["user"]],
                delegation=self.delegation[m["delegation"]],
                role=m["role"],
            )
            Membership.objects.filter(pk=membership.pk).update(joined_at=_when(m["joined_at"]))
        return negotiation

    def _participants(self, negotiation: Negotiation) -> None:
        from sessions.models import Participant

        self.participant = {
            p["id"]: Participant.objects.create(
                public_id=p["id"],
                negotiation=negotiation,
                party=self.party[p["party"]],
                name=p["name"],
                function=p["function"],
                title=p["title"],
            )
            for p in self.r["participants"]
        }

    def _session(self, negotiation: Negotiation, s: dict[str, Any]):
        from sessions.models import AgendaItem, Attendance, Entry, Session

        session = Session.objects.create(
            public_id=s["id"],
            negotiation=negotiation,
            number=s["number"],
            title=s["title"],
            place=s["place"],
            scheduled_for=_when(s["scheduled_for"]),
            status=Session.Status.IN_PROGRESS,
            started_at=_when(s["started_at"]),
            ended_at=_when(s["ended_at"]),
        )
        agenda = {
            a["position"]: AgendaItem.objects.create(session=session, position=a["position"], title=a["title"])
            for a in s["agenda"]
        }
        session.restored_agenda = agenda
        for participant in s["attendance"]:
            Attendance.objects.create(session=session, participant=self.participant[participant])
        self.entry = getattr(self, "entry", {})
        for e in s["entries"]:
            entry = Entry(
                public_id=e["id"],
                session=session,
                stream=e["stream"],
                seq=e["seq"],
                client_id=e["client_id"],
                kind=e["kind"],
                visibility=e["visibility"],
                text=e["text"],
                speaker=self.participant[e["speaker"]] if e["speaker"] else None,
                party=self.party[e["party"]] if e["party"] else None,
                agenda_item=agenda[e["agenda_item"]] if e["agenda_item"] else None,
                author=self.user[e["author"]],
                delegation=self.delegation_or_new(e["delegation"]),
                supersedes=self.entry[e["supersedes"]] if e["supersedes"] else None,
                disputes=self.entry[e["disputes"]] if e["disputes"] else None,
                accepts=self.entry[e["accepts"]] if e["accepts"] else None,
                captured_at=_when(e["captured_at"]),
                recorded_late=e["recorded_late"],
                created_at=_when(e["created_at"]),
                digest=e["digest"],
            )
            entry.save(force_insert=True)
            self.entry[e["id"]] = entry
        return session

    def _points(self, negotiation: Negotiation) -> None:
        from agreements.models import Point

        self.point = {}
        for p in self.r["points"]:
            point = Point.objects.create(
                public_id=p["id"], negotiation=negotiation, number=p["number"], title=p["title"]
            )
            Point.objects.filter(pk=point.pk).update(created_at=_when(p["created_at"]))
            self.point[p["id"]] = point
        from sessions.models import Session

        self.session = {str(s.public_id): s for s in Session.objects.filter(negotiation=negotiation)}

    def _formulations(self) -> None:
        from agreements.models import Formulation

        self.formulation = {}
        for f in self.r["formulations"]:
            formulation = Formulation(
                public_id=f["id"],
                point=self.point[f["point"]],
                text=f["text"],
                language=f["language"],
                party=self.party[f["party"]],
                session=self.session[f["session"]] if f["session"] else None,
                entry=self.entry[f["entry"]] if f["entry"] else None,
                revises=self.formulation[f["revises"]] if f["revises"] else None,
                version_of=self.formulation[f["version_of"]] if f["version_of"] else None,
                proposed_by=self.user[f["proposed_by"]],
                status=f["status"],
                created_at=_when(f["created_at"]),
            )
            formulation.save(force_insert=True)
            self.formulation[f["id"]] = formulation

    def _agreements(self) -> None:
        from agreements.models import Agreement

        for a in self.r["agreements"]:
            event = Agreement(
                public_id=a["id"],
                formulation=self.formulation[a["formulation"]],
                kind=a["kind"],
                session=self.session[a["session"]] if a["session"] else None,
                ad_referendum=a["ad_referendum"],
                binding=a["binding"],
                delegation=self.delegation_or_new(a["delegation"]) if a["delegation"] else None,
                reason=a["reason"],
                recorded_by=self.user[a["recorded_by"]],
                recorded_at=_when(a["recorded_at"]),
            )
            event.save(force_insert=True)
            event.parties.add(*[self.party[name] for name in a["parties"]])

    def _minutes(self, session, s: dict[str, Any]) -> None:
        from sessions.models import Corrigendum, MinutesApproval, Summary

        m = s["summary"]
        if m is None:
            return
        summary = Summary(
            public_id=m["id"],
            session=session,
            status=m["status"],
            content=m["content"],
            narrative=m["narrative"],
            narrative_edited_by=self.user[m["narrative_edited_by"]] if m["narrative_edited_by"] else None,
            narrative_version=m["narrative_version"],
            error=m["error"],
            attempts=m["attempts"],
            requested_at=_when(m["requested_at"]),
            started_at=_when(m["started_at"]),
            finished_at=_when(m["finished_at"]),
            approved_by=self.user[m["approved_by"]] if m["approved_by"] else None,
            approved_at=_when(m["approved_at"]),
        )
        summary.save(force_insert=True)
        corrigenda = {}
        for c in s["corrigenda"]:
            corrigendum = Corrigendum(
                summary=summary,
                number=c["number"],
                text=c["text"],
                issued_by=self.user[c["issued_by"]],
                issued_at=_when(c["issued_at"]),
            )
            corrigendum.save(force_insert=True)
            corrigenda[c["number"]] = corrigendum
        for a in s["approvals"]:
            MinutesApproval(
                summary=summary,
                corrigendum=corrigenda[a["corrigendum"]] if a["corrigendum"] else None,
                party=self.party[a["party"]],
                delegation=self.delegation_or_new(a["delegation"]),
                by=self.user[a["by"]],
                at=_when(a["at"]),
                fingerprint=a["fingerprint"],
            ).save(force_insert=True)

    def _acts(self, negotiation: Negotiation) -> None:
        from sessions.models import Act

        for a in self.r["acts"]:
            Act(
                public_id=a["id"],
                negotiation=negotiation,
                session=self.session[a["session"]] if a["session"] else None,
                seq=a["seq"],
                kind=a["kind"],
                party=self.party[a["party"]] if a["party"] else None,
                delegation=self.delegation_or_new(a["delegation"]),
                by=self.user[a["by"]],
                subject=a["subject"],
                text=a["text"],
                created_at=_when(a["created_at"]),
                digest=a["digest"],
            ).save(force_insert=True)

    def _settle_sessions(self, sessions) -> None:
        """Give each session its archived status last: a closed session
        accepts no agenda, attendance, formulation or agreement, and an
        approved one no entry, so they went in while it was open."""
        from sessions.models import Session

        for session, s in zip(sessions, self.r["sessions"], strict=True):
            Session.objects.filter(pk=session.pk).update(
                status=s["status"],
                current_agenda_item=session.restored_agenda.get(s["current_agenda_item"]),
                created_at=_when(s["created_at"]),
            )
