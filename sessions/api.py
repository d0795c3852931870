from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy
from ninja import Field, Router, Schema, Status

from negotiations.access import CAPTURE_ROLES, HEAD_ROLES, Access, get_for_user
from negotiations.models import Negotiation, Party
from negotiations.text import Line, Paragraphs
from sessions.models import Act, Corrigendum, Entry, MinutesApproval, Participant, Session, Summary
from sessions.services import session_close, session_reopen, summary_retry

router = Router(tags=["sessions"])

Title = Line(gettext_lazy("title"), 300)
Place = Line(gettext_lazy("place"), 200, required=False)
Name = Line(gettext_lazy("name"), 200)
PartyName = Line(gettext_lazy("party"), 200)
Position = Line(gettext_lazy("position or title"), 200, required=False)
TimeZoneName = Line(gettext_lazy("time zone"), 64)
Text = Paragraphs(gettext_lazy("text"))
Reason = Paragraphs(gettext_lazy("reason"), required=False)  # the model asks for one, in its own words
Narrative = Paragraphs(gettext_lazy("narrative"), required=False)


class SessionIn(Schema):
    title: Title
    place: Place = ""
    scheduled_for: datetime | None = None
    time_zone: TimeZoneName = Field(
        "UTC",
        description="The IANA time zone of the place (e.g. Europe/Paris), in which the session's times are shown.",
    )


class SessionOut(Schema):
    id: UUID
    negotiation: UUID
    number: int
    title: str
    place: str
    status: str
    scheduled_for: datetime | None
    time_zone: str
    started_at: datetime | None
    ended_at: datetime | None
    grace_ends_at: datetime | None = Field(
        description="While closed: until when lines captured before the close are still accepted (marked late)."
    )


class SessionReopenIn(Schema):
    reason: Reason


class ParticipantIn(Schema):
    name: Name
    party: PartyName
    function: Participant.Function = Participant.Function.MEMBER
    title: Position = ""


class ParticipantOut(Schema):
    id: UUID
    name: str
    party: str
    function: str
    title: str


class EntryIn(Schema):
    client_id: UUID
    text: Text
    kind: Entry.Kind = Entry.Kind.NOTE
    speaker: Name | None = None
    party: PartyName | None = None
    visibility: Entry.Visibility = Entry.Visibility.RECORD
    captured_at: datetime | None = Field(
        None,
        description="When the console captured the line, by its own clock, with a time zone. A line captured "
        "before the close is accepted during the grace period after it and marked recorded_late.",
    )


class CorrectionIn(Schema):
    client_id: UUID
    text: Text
    captured_at: datetime | None = None


class AcceptIn(Schema):
    client_id: UUID


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
    disputes: UUID | None = Field(
        description="Set on another delegation's reading of an entry: both stay in the record until the "
        "recording delegation accepts this reading."
    )
    accepts: UUID | None = Field(description="The other delegation's reading that this correction accepts")
    captured_at: datetime | None
    recorded_late: bool
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
        "time_zone": session.time_zone,
        "started_at": session.started_at,
        "ended_at": session.ended_at,
        "grace_ends_at": session.grace_ends_at,
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
        "disputes": entry.disputes.public_id if entry.disputes_id else None,
        "accepts": entry.accepts.public_id if entry.accepts_id else None,
        "captured_at": entry.captured_at,
        "recorded_late": entry.recorded_late,
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


OFFSETS_IN_USE = (timedelta(hours=-12), timedelta(hours=14))  # time zones run from UTC-12:00 to UTC+14:00


def moment(value: datetime | None, what: str) -> datetime | None:
    """A time sent by a client: its offset must be a real time zone's, and
    the moment must convert to UTC (PostgreSQL stores it so)."""
    if value is None or timezone.is_naive(value):
        return value
    offset = value.utcoffset()
    if offset is not None and not OFFSETS_IN_USE[0] <= offset <= OFFSETS_IN_USE[1]:
        sign, rest = ("-", -offset) if offset < timedelta(0) else ("+", offset)
        hours, minutes = divmod(int(rest.total_seconds()) // 60, 60)
        raise ValidationError(
            f"The time zone offset {sign}{hours:02d}:{minutes:02d} of {what} is not one in use: offsets run from "
            "-12:00 to +14:00. Send the time with its real offset, or in UTC (ending in Z)."
        )
    try:
        value.astimezone(UTC)
    except OverflowError:
        raise ValidationError(f"{what} is out of the range of dates the record keeps; check the year.") from None
    return value


def console_clock(captured_at: datetime | None) -> datetime | None:
    if captured_at is not None and timezone.is_naive(captured_at):
        raise ValidationError("captured_at needs a time zone, e.g. 2026-03-14T10:02:07Z or 2026-03-14T13:02:07+03:00.")
    return moment(captured_at, "captured_at")


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
        negotiation=negotiation,
        title=payload.title,
        place=payload.place,
        scheduled_for=moment(payload.scheduled_for, "scheduled_for"),
        time_zone=payload.time_zone,
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
    """A head of delegation (or the secretariat's head) closes the session.
    Lines captured before the close still arrive until `grace_ends_at`."""
    session, access = get_for_user(request.user, Session, session_id)
    session_close(session=session, by=access.membership)
    session.refresh_from_db()
    return session_out(session)


@router.post("/sessions/{session_id}/reopen", response=SessionOut)
def reopen_session(request: HttpRequest, session_id: UUID, payload: SessionReopenIn):
    """A head takes a closed session up again, with a reason that goes into
    the record, until its minutes are approved; the summary is built again
    at the next close."""
    session, access = get_for_user(request.user, Session, session_id)
    session_reopen(session=session, by=access.membership, reason=payload.reason)
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


ENTRY_RELATED = ("session", "speaker", "party", "author", "delegation", "supersedes", "disputes", "accepts")


@router.post("/sessions/{session_id}/entries", response={200: EntryOut, 201: EntryOut})
def create_entry(request: HttpRequest, session_id: UUID, payload: EntryIn):
    """Append one line. Send the console's `captured_at`: after a close, a
    line captured before it is still accepted during the grace period and
    marked `recorded_late`; later it is refused with 409 (keep the text)."""
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
        captured_at=console_clock(payload.captured_at),
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
    """Correct an entry. Your own delegation's entry: the correction
    supersedes it. Another delegation's: your reading is recorded beside it
    (`disputes` names the original, which stays) until that delegation
    accepts it."""
    original, access = get_for_user(
        request.user, Entry, entry_id, roles=CAPTURE_ROLES, queryset=Entry.objects.select_related(*ENTRY_RELATED)
    )
    entry, created = original.correct(
        membership=access.membership,
        client_id=payload.client_id,
        text=payload.text,
        captured_at=console_clock(payload.captured_at),
    )
    return Status(201 if created else 200, entry_out(entry))


@router.post("/entries/{entry_id}/accept", response={200: EntryOut, 201: EntryOut})
def accept_reading(request: HttpRequest, entry_id: UUID, payload: AcceptIn):
    """The delegation that recorded an entry accepts another delegation's
    reading of it (`entry_id` is the reading): a correction with the
    reading's text supersedes the entry as it now reads."""
    reading, access = get_for_user(
        request.user, Entry, entry_id, roles=CAPTURE_ROLES, queryset=Entry.objects.select_related(*ENTRY_RELATED)
    )
    entry, created = reading.accept_reading(membership=access.membership, client_id=payload.client_id)
    return Status(201 if created else 200, entry_out(entry))


class ApprovalOut(Schema):
    party: str
    by: str
    delegation: str
    at: datetime
    fingerprint: str


class CorrigendumOut(Schema):
    number: int
    text: str
    issued_by: str
    issued_at: datetime
    fingerprint: str
    approvals: list[ApprovalOut]
    awaiting: list[str]
    in_force: bool = Field(description="True once every party has approved the corrigendum")


class SummaryOut(Schema):
    status: str
    error: str | None = None
    attempts: int
    requested_at: datetime | None = None
    finished_at: datetime | None = None
    content: dict | None = None
    narrative: str | None = None
    narrative_version: int = Field(0, description="Send it back with a narrative edit; a stale one gets 409")
    fingerprint: str | None = Field(None, description="SHA-256 of exactly what is approved: content and narrative")
    approved: bool = Field(False, description="True only when every party has approved the current text")
    approved_by: str | None = Field(None, description="Whose approval, the last one needed, made them binding")
    approved_at: datetime | None = None
    approvals: list[ApprovalOut] = Field([], description="Each party's approval of the current text")
    awaiting: list[str] = Field([], description="Parties whose approval of the current text is still needed")
    voided: list[str] = Field([], description="Parties among those whose earlier approval a later change voided")
    corrigenda: list[CorrigendumOut] = []


class NarrativeIn(Schema):
    narrative: Narrative
    version: int | None = Field(
        None, description="The narrative_version you loaded; a save against a stale version answers 409."
    )


class CorrigendumIn(Schema):
    text: Text


def approval_out(approval: MinutesApproval) -> dict:
    return {
        "party": approval.party.name,
        "by": approval.by.get_username(),
        "delegation": approval.delegation.name,
        "at": approval.at,
        "fingerprint": approval.fingerprint,
    }


def corrigendum_out(corrigendum: Corrigendum) -> dict:
    rows = corrigendum.approval_state()
    return {
        "number": corrigendum.number,
        "text": corrigendum.text,
        "issued_by": corrigendum.issued_by.get_username(),
        "issued_at": corrigendum.issued_at,
        "fingerprint": corrigendum.fingerprint(),
        "approvals": [approval_out(row["approval"]) for row in rows if row["approval"] is not None],
        "awaiting": [row["party"].name for row in rows if row["state"] != "approved"],
        "in_force": all(row["state"] == "approved" for row in rows),
    }


def summary_out(session: Session) -> dict:
    summary = Summary.objects.filter(session=session).select_related("session", "approved_by").first()
    if summary is None:
        return {"status": "not_requested", "attempts": 0}
    ready = summary.status == Summary.Status.READY
    rows = summary.approval_state()
    return {
        "status": summary.status,
        "error": summary.error or None,
        "attempts": summary.attempts,
        "requested_at": summary.requested_at,
        "finished_at": summary.finished_at,
        "content": summary.content if ready else None,
        "narrative": summary.narrative if ready else None,
        "narrative_version": summary.narrative_version,
        "fingerprint": summary.fingerprint() if ready else None,
        "approved": summary.is_approved,
        "approved_by": summary.approved_by.get_username() if summary.approved_by else None,
        "approved_at": summary.approved_at,
        "approvals": [approval_out(row["approval"]) for row in rows if row["approval"] is not None],
        "awaiting": [row["party"].name for row in rows if row["state"] != "approved"],
        "voided": [row["party"].name for row in rows if row["state"] == "voided"],
        "corrigenda": [corrigendum_out(c) for c in summary.corrigenda.select_related("summary__session", "issued_by")],
    }


def _summary(session: Session) -> Summary:
    summary = Summary.objects.filter(session=session).first()
    if summary is None:
        raise ValidationError("This session has no summary yet: close the session first.")
    return summary


@router.get("/sessions/{session_id}/summary", response=SummaryOut)
def session_summary(request: HttpRequest, session_id: UUID):
    """The end-of-session summary: pending, running, ready (with its content)
    or failed (with the reason), and which parties have approved it."""
    session, _ = get_for_user(request.user, Session, session_id)
    return summary_out(session)


@router.post("/sessions/{session_id}/summary/retry", response=SummaryOut)
def retry_summary(request: HttpRequest, session_id: UUID):
    session, access = get_for_user(request.user, Session, session_id, roles=HEAD_ROLES)
    summary_retry(summary=_summary(session), by=access.membership)
    return summary_out(session)


@router.post("/sessions/{session_id}/minutes/narrative", response=SummaryOut)
def edit_narrative(request: HttpRequest, session_id: UUID, payload: NarrativeIn):
    """Save the narrative against the `version` you loaded: if somebody saved
    since, 409 with both texts (`current`, `attempted`) and who saved. A
    change voids the approvals given to the earlier text."""
    session, access = get_for_user(request.user, Session, session_id, roles=HEAD_ROLES)
    _summary(session).edit_narrative(text=payload.narrative, membership=access.membership, version=payload.version)
    return summary_out(session)


class ApproveIn(Schema):
    fingerprint: str | None = Field(
        None, description="The `fingerprint` of the minutes you read (from GET summary); required."
    )


@router.post("/sessions/{session_id}/minutes/approve", response=SummaryOut)
def approve_minutes(request: HttpRequest, session_id: UUID, payload: ApproveIn | None = None):
    """Record your party's approval of the minutes you read, named by their
    `fingerprint` (every party's, for the secretariat that keeps the record):
    409 if they changed since. They are approved once every party has
    approved the same text."""
    session, access = get_for_user(request.user, Session, session_id, roles=HEAD_ROLES)
    _summary(session).approve(membership=access.membership, fingerprint=payload.fingerprint if payload else None)
    return summary_out(session)


@router.post("/sessions/{session_id}/minutes/corrigenda", response={201: SummaryOut})
def add_corrigendum(request: HttpRequest, session_id: UUID, payload: CorrigendumIn):
    """Propose a numbered corrigendum to approved minutes; it counts as your
    party's approval and is in force once every party has approved it."""
    session, access = get_for_user(request.user, Session, session_id, roles=HEAD_ROLES)
    _summary(session).add_corrigendum(text=payload.text, membership=access.membership)
    return Status(201, summary_out(session))


@router.post("/sessions/{session_id}/minutes/corrigenda/{number}/approve", response=SummaryOut)
def approve_corrigendum(request: HttpRequest, session_id: UUID, number: int):
    session, access = get_for_user(request.user, Session, session_id, roles=HEAD_ROLES)
    corrigendum = _summary(session).corrigenda.filter(number=number).first()
    if corrigendum is None:
        raise Http404("No such corrigendum.")
    corrigendum.approve(membership=access.membership)
    return summary_out(session)


class ActOut(Schema):
    seq: int
    kind: str
    party: str | None = Field(description="The party the act is for, when it is one party")
    delegation: str
    by: str
    session: UUID | None
    subject: str = Field(description="Public id of the formulation, or fingerprint of the minutes, it concerns")
    text: str
    created_at: datetime
    digest: str


class ActList(Schema):
    acts: list[ActOut]


@router.get("/negotiations/{negotiation_id}/acts", response=ActList)
def list_acts(request: HttpRequest, negotiation_id: UUID, after: int = 0):
    """The chain of acts, oldest first: consents and capitals' confirmations
    noted or confirmed, sessions closed and reopened, narratives changed,
    minutes and corrigenda approved, points reopened. Each act's digest
    chains it to the one before. `after` skips acts up to that number."""
    negotiation, _ = get_for_user(request.user, Negotiation, negotiation_id)
    acts = Act.objects.filter(negotiation=negotiation, seq__gt=after).select_related(
        "session", "party", "delegation", "by"
    )
    return {"acts": [act_out(a) for a in acts.order_by("seq")]}


def act_out(act: Act) -> dict:
    return {
        "seq": act.seq,
        "kind": act.kind,
        "party": act.party.name if act.party_id else None,
        "delegation": act.delegation.name,
        "by": act.by.get_username(),
        "session": act.session.public_id if act.session_id else None,
        "subject": act.subject,
        "text": act.text,
        "created_at": act.created_at,
        "digest": act.digest,
    }
