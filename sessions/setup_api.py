"""Setting up sessions ahead of time: scheduling with a date, a time, a place and a time zone, and preparing
the agenda (ordered, never taken up). The console's own endpoints stay in sessions/api.py."""

from __future__ import annotations

from datetime import UTC, datetime
from datetime import date as Date
from datetime import time as Time
from uuid import UUID
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, Query, Router, Schema, Status

from negotiations.access import HEAD_ROLES, get_for_user
from negotiations.models import Negotiation
from negotiations.text import Line, validate_time_zone
from sessions.models import Session

router = Router(tags=["sessions"])

Title = Line(gettext_lazy("title"), 300)
Place = Line(gettext_lazy("place"), 200, required=False)
ZoneName = Line(gettext_lazy("time zone"), 64)


class ScheduleIn(Schema):
    title: Title
    date: Date
    time: Time = Field(description="The time at the place, without an offset, e.g. 09:30")
    place: Place = ""
    time_zone: ZoneName = Field("UTC", description="An IANA time zone, e.g. Europe/Paris; date and time are in it")


class ScheduledOut(Schema):
    id: UUID
    number: int
    title: str
    place: str
    status: str
    scheduled_for: datetime | None = Field(description="The scheduled moment, in UTC")
    time_zone: str
    local_date: Date | None = Field(description="The date in the session's time zone")
    local_time: str | None = Field(description="The time in the session's time zone, as HH:MM", examples=["09:30"])


class AgendaItemIn(Schema):
    title: Line(gettext_lazy("agenda item"), 300)  # type: ignore[valid-type]


SEEN = (
    "The title you saw at that place. When given, the change is refused with 409 if another head has "
    "reordered or removed items since, rather than applied to whichever item now sits there"
)


class AgendaMoveIn(Schema):
    to: int = Field(description="The new place of the item, 1 for first")
    seen: str | None = Field(None, max_length=300, description=SEEN)


class AgendaItemOut(Schema):
    position: int
    title: str


class AgendaOut(Schema):
    session: UUID
    status: str
    items: list[AgendaItemOut]


def local_moment(day: Date, at: Time, zone: str) -> datetime:
    """The moment at which it is ``day`` ``at`` o'clock in ``zone``."""
    validate_time_zone(zone)
    if at.tzinfo is not None:
        raise ValidationError(
            _("Give the time without an offset: it is the time at the place, in the session's time zone.")
        )
    return datetime.combine(day, at.replace(tzinfo=None), tzinfo=ZoneInfo(zone))


def scheduled_out(session: Session) -> dict:
    local = session.local_start
    return {
        "id": session.public_id,
        "number": session.number,
        "title": session.title,
        "place": session.place,
        "status": session.status,
        "scheduled_for": session.scheduled_for.astimezone(UTC) if session.scheduled_for else None,
        "time_zone": session.time_zone,
        "local_date": local.date() if local else None,
        "local_time": f"{local:%H:%M}" if local else None,
    }


def agenda_out(session: Session) -> dict:
    return {
        "session": session.public_id,
        "status": session.status,
        "items": [{"position": i.position, "title": i.title} for i in session.agenda_items.order_by("position")],
    }


@router.post("/negotiations/{negotiation_id}/schedule", response={201: ScheduledOut})
def schedule_session(request: HttpRequest, negotiation_id: UUID, payload: ScheduleIn):
    """A head schedules a session: the date and time are those of the place, in its time zone."""
    negotiation, _access = get_for_user(request.user, Negotiation, negotiation_id, roles=HEAD_ROLES)
    session = Session.schedule(
        negotiation=negotiation,
        title=payload.title,
        place=payload.place.strip(),
        scheduled_for=local_moment(payload.date, payload.time, payload.time_zone),
        time_zone=payload.time_zone,
    )
    return Status(201, scheduled_out(session))


@router.get("/sessions/{session_id}/schedule", response=ScheduledOut)
def session_schedule(request: HttpRequest, session_id: UUID):
    session, _access = get_for_user(request.user, Session, session_id)
    return scheduled_out(session)


@router.get("/sessions/{session_id}/agenda", response=AgendaOut)
def session_agenda(request: HttpRequest, session_id: UUID):
    session, _access = get_for_user(request.user, Session, session_id)
    return agenda_out(session)


@router.post("/sessions/{session_id}/agenda", response={201: AgendaOut})
def prepare_agenda_item(request: HttpRequest, session_id: UUID, payload: AgendaItemIn):
    """A head adds an item at the end of the agenda of a session not yet started; it is not taken up."""
    session, _access = get_for_user(request.user, Session, session_id, roles=HEAD_ROLES)
    session.prepare_agenda_item(payload.title)
    return Status(201, agenda_out(session))


@router.post("/sessions/{session_id}/agenda/{position}/move", response=AgendaOut)
def move_agenda_item(request: HttpRequest, session_id: UUID, position: int, payload: AgendaMoveIn):
    session, _access = get_for_user(request.user, Session, session_id, roles=HEAD_ROLES)
    session.move_agenda_item(position, payload.to, seen=payload.seen)
    return agenda_out(session)


@router.delete("/sessions/{session_id}/agenda/{position}", response=AgendaOut)
def remove_agenda_item(
    request: HttpRequest,
    session_id: UUID,
    position: int,
    seen: str | None = Query(None, max_length=300, description=SEEN),
):
    session, _access = get_for_user(request.user, Session, session_id, roles=HEAD_ROLES)
    session.remove_agenda_item(position, seen=seen)
    return agenda_out(session)
