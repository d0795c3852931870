from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from negotiations.access import CAPTURE_ROLES, HEAD_ROLES, Access, get_for_user
from negotiations.models import Negotiation, Party
from sessions.models import Entry, Participant, Session
from sessions.services import session_close, summary_retry

router = Router(tags=["sessions"])


class SessionIn(Schema):
    title: str = Field(min_length=1, max_length=300)
    place: str = ""
    scheduled_for: datetime | None = None


class SessionOut(Schema):
    id: UUID
    negotiation: UUID
    number: int
    title: str
    place: str
    status: str
    scheduled_for: datetime | None
    started_at: datetime | None
    ended_at: datetime | None


class ParticipantIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    party: str
    function: Participant.Function = Participant.Function.MEMBER
    title: str = ""


class ParticipantOut(Schema):
    id: UUID
    name: str
    party: str
    function: str
    title: str


class EntryIn(Schema):
    client_id: UUID
    text: str
    kind: Entry.Kind = Entry.Kind.NOTE
    speaker: str | None = None
    party: str | None = None
    visibility: Entry.Visibility = Entry.Visibility.RECORD


class CorrectionIn(Schema):
    client_id: UUID
    text: str


class EntryOut(Schema):
    id: UUID
    session: UUID
    seq: int
    stream: str
    kind: str
    visibility: str
    text: str
    speaker: str | None
    party: str | None
    author: str
    delegation: str
    supersedes: UUID | None
    created_at: datetime
    digest: str


class EntryList(Schema):
    entries: list[EntryOut]


def session_out(session: Session) -> dict:
    return {
        "id": session.public_id,
        "negotiation": session.negotiation.public_id,
        "number": session.number,
        "title": session.title,
        "place": session.place,
        "status": session.status,
        "scheduled_for": session.scheduled_for,
        "started_at": session.started_at,
        "ended_at": session.ended_at,
    }


def entry_out(entry: Entry) -> dict:
    return {
        "id": entry.public_id,
        "session": entry.session.public_id,
        "seq": entry.seq,
        "stream": "record" if entry.stream == Entry.RECORD_STREAM else "internal",
        "kind": entry.kind,
        "visibility": entry.visibility,
        "text": entry.text,
        "speaker": entry.speaker.name if entry.speaker else None,
        "party": entry.party.name if entry.party else None,
        "author": entry.author.get_username(),
        "delegation": entry.delegation.name,
        "supersedes": entry.supersedes.public_id if entry.supersedes else None,
        "created_at": entry.created_at,
        "digest": entry.digest,
    }


def participant_out(participant: Participant) -> dict:
    return {
        "id": participant.public_id,
        "name": participant.name,
        "party": participant.party.name,
        "function": participant.function,
        "title": participant.title,
    }


def party_named(negotiation: Negotiation, name: str) -> Party:
    party = negotiation.parties.filter(name=name).first()
    if party is None:
        names = ", ".join(negotiation.parties.values_list("name", flat=True))
        raise ValidationError(f"{name!r} is not a party to this negotiation; the parties are {names}.")
    return party


def resolve_speaker(access: Access, speaker: str | None, party: Party | None) -> Participant | None:
    """Find the speaker by name; a name not yet known becomes a participant of
    the given party, so capture never stops to fill in a form."""
    if not speaker:
        return None
    negotiation = access.negotiation
    participant = negotiation.participants.filter(name=speaker.strip()).select_related("party").first()
    if participant is not None:
        return participant
    if party is None:
        raise ValidationError(
            f"{speaker!r} is not yet a participant of this negotiation; send their party too, and they will be added."
        )
    return Participant.objects.create(negotiation=negotiation, party=party, name=speaker.strip())


@router.post("/negotiations/{negotiation_id}/sessions", response={201: SessionOut})
def create_session(request: HttpRequest, negotiation_id: UUID, payload: SessionIn):
    negotiation, _ = get_for_user(request.user, Negotiation, negotiation_id, roles=CAPTURE_ROLES)
    session = Session.schedule(
        negotiation=negotiation, title=payload.title, place=payload.place, scheduled_for=payload.scheduled_for
    )
    return Status(201, session_out(session))


@router.get("/negotiations/{negotiation_id}/sessions", response=list[SessionOut])
def list_sessions(request: HttpRequest, negotiation_id: UUID):
    negotiation, _ = get_for_user(request.user, Negotiation, negotiation_id)
    return [session_out(s) for s in negotiation.sessions.select_related("negotiation")]


@router.get("/sessions/{session_id}", response=SessionOut)
def session_detail(request: HttpRequest, session_id: UUID):
    session, _ = get_for_user(request.user, Session, session_id)
    return session_out(session)


@router.post("/sessions/{session_id}/start", response=SessionOut)
def start_session(request: HttpRequest, session_id: UUID):
    session, _ = get_for_user(request.user, Session, session_id, roles=CAPTURE_ROLES)
    session.start()
    return session_out(session)


@router.post("/sessions/{session_id}/close", response=SessionOut)
def close_session(request: HttpRequest, session_id: UUID):
    session, access = get_for_user(request.user, Session, session_id, roles=CAPTURE_ROLES)
    session_close(session=session, by=access.membership)
    session.refresh_from_db()
    return session_out(session)


@router.post("/negotiations/{negotiation_id}/participants", response={201: ParticipantOut})
def add_participant(request: HttpRequest, negotiation_id: UUID, payload: ParticipantIn):
    negotiation, _ = get_for_user(request.user, Negotiation, negotiation_id, roles=CAPTURE_ROLES)
    party = party_named(negotiation, payload.party)
    if negotiation.participants.filter(name=payload.name.strip()).exists():
        raise ValidationError(f"{payload.name!r} is already a participant of this negotiation.")
    participant = Participant.objects.create(
        negotiation=negotiation, party=party, name=payload.name.strip(), function=payload.function, title=payload.title
    )
    return Status(201, participant_out(participant))


@router.get("/negotiations/{negotiation_id}/participants", response=list[ParticipantOut])
def list_participants(request: HttpRequest, negotiation_id: UUID):
    negotiation, _ = get_for_user(request.user, Negotiation, negotiation_id)
    return [participant_out(p) for p in negotiation.participants.select_related("party")]


ENTRY_RELATED = ("session", "speaker", "party", "author", "delegation", "supersedes")


@router.post("/sessions/{session_id}/entries", response={200: EntryOut, 201: EntryOut})
def create_entry(request: HttpRequest, session_id: UUID, payload: EntryIn):
    session, access = get_for_user(request.user, Session, session_id, roles=CAPTURE_ROLES)
    party = party_named(access.negotiation, payload.party) if payload.party else None
    entry, created = session.record_entry(
        membership=access.membership,
        client_id=payload.client_id,
        text=payload.text,
        kind=payload.kind,
        visibility=payload.visibility,
        speaker=resolve_speaker(access, payload.speaker, party),
        party=party,
    )
    return Status(201 if created else 200, entry_out(entry))


@router.get("/sessions/{session_id}/entries", response=EntryList)
def list_entries(request: HttpRequest, session_id: UUID, after: int = 0, after_internal: int = 0):
    """Entries in the order they were recorded. ``after`` skips shared-record
    entries up to that sequence number, ``after_internal`` your delegation's
    internal ones."""
    session, access = get_for_user(request.user, Session, session_id)
    entries = (
        session.visible_entries(access.membership)
        .filter(
            Q(stream=Entry.RECORD_STREAM, seq__gt=after) | (~Q(stream=Entry.RECORD_STREAM) & Q(seq__gt=after_internal))
        )
        .select_related(*ENTRY_RELATED)
        .order_by("pk")
    )
    return {"entries": [entry_out(e) for e in entries]}


@router.post("/entries/{entry_id}/corrections", response={200: EntryOut, 201: EntryOut})
def correct_entry(request: HttpRequest, entry_id: UUID, payload: CorrectionIn):
    original, access = get_for_user(
        request.user, Entry, entry_id, roles=CAPTURE_ROLES, queryset=Entry.objects.select_related(*ENTRY_RELATED)
    )
    entry, created = original.correct(membership=access.membership, client_id=payload.client_id, text=payload.text)
    return Status(201 if created else 200, entry_out(entry))


class CorrigendumOut(Schema):
    number: int
    text: str
    issued_by: str
    issued_at: datetime


class SummaryOut(Schema):
    status: str
    error: str | None = None
    attempts: int
    requested_at: datetime | None = None
    finished_at: datetime | None = None
    content: dict | None = None
    narrative: str | None = None
    approved: bool = False
    approved_by: str | None = None
    approved_at: datetime | None = None
    corrigenda: list[CorrigendumOut] = []


class NarrativeIn(Schema):
    narrative: str


class CorrigendumIn(Schema):
    text: str


def summary_out(session: Session) -> dict:
    from sessions.models import Summary

    summary = Summary.objects.filter(session=session).select_related("approved_by").first()
    if summary is None:
        return {"status": "not_requested", "attempts": 0}
    ready = summary.status == Summary.Status.READY
    return {
        "status": summary.status,
        "error": summary.error or None,
        "attempts": summary.attempts,
        "requested_at": summary.requested_at,
        "finished_at": summary.finished_at,
        "content": summary.content if ready else None,
        "narrative": summary.narrative if ready else None,
        "approved": summary.is_approved,
        "approved_by": summary.approved_by.get_username() if summary.approved_by else None,
        "approved_at": summary.approved_at,
        "corrigenda": [
            {"number": c.number, "text": c.text, "issued_by": c.issued_by.get_username(), "issued_at": c.issued_at}
            for c in summary.corrigenda.select_related("issued_by")
        ],
    }


def _summary(session: Session):
    from sessions.models import Summary

    summary = Summary.objects.filter(session=session).first()
    if summary is None:
        raise ValidationError("This session has no summary yet: close the session first.")
    return summary


@router.get("/sessions/{session_id}/summary", response=SummaryOut)
def session_summary(request: HttpRequest, session_id: UUID):
    """The end-of-session summary: pending, running, ready (with its content) or failed (with the reason)."""
    session, _ = get_for_user(request.user, Session, session_id)
    return summary_out(session)


@router.post("/sessions/{session_id}/summary/retry", response=SummaryOut)
def retry_summary(request: HttpRequest, session_id: UUID):
    session, access = get_for_user(request.user, Session, session_id, roles=HEAD_ROLES)
    summary_retry(summary=_summary(session), by=access.membership)
    return summary_out(session)


@router.post("/sessions/{session_id}/minutes/narrative", response=SummaryOut)
def edit_narrative(request: HttpRequest, session_id: UUID, payload: NarrativeIn):
    session, access = get_for_user(request.user, Session, session_id, roles=HEAD_ROLES)
    _summary(session).edit_narrative(text=payload.narrative, membership=access.membership)
    return summary_out(session)


@router.post("/sessions/{session_id}/minutes/approve", response=SummaryOut)
def approve_minutes(request: HttpRequest, session_id: UUID):
    session, access = get_for_user(request.user, Session, session_id, roles=HEAD_ROLES)
    _summary(session).approve(membership=access.membership)
    return summary_out(session)


@router.post("/sessions/{session_id}/minutes/corrigenda", response={201: SummaryOut})
def add_corrigendum(request: HttpRequest, session_id: UUID, payload: CorrigendumIn):
    session, access = get_for_user(request.user, Session, session_id, roles=HEAD_ROLES)
    _summary(session).add_corrigendum(text=payload.text, membership=access.membership)
    return Status(201, summary_out(session))


@router.get("/sessions/{session_id}/minutes.{fmt}", response={200: None, 202: dict}, tags=["exports"])
def session_minutes_export(request: HttpRequest, session_id: UUID, fmt: str, version: str = "shared"):
    """Official minutes as pdf (PDF/A-2b), docx, md or json. `version=internal`
    adds your own delegation's internal entries, for your delegation only."""
    from negotiations.exporting import export_response
    from negotiations.exports import minutes_record

    session, access = get_for_user(request.user, Session, session_id)
    internal_for = access.membership.delegation if version == "internal" else None
    if version not in {"shared", "internal"}:
        raise ValidationError("version is 'shared' (default) or 'internal' (your delegation's own version).")
    suffix = "-internal" if internal_for else ""
    return export_response(
        request,
        fmt,
        lambda: minutes_record(session, internal_for=internal_for),
        stem=f"minutes-session-{session.number}{suffix}",
        size=session.entries.count(),
    )
