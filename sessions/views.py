from __future__ import annotations

import uuid
from uuid import UUID

from asgiref.sync import sync_to_async
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import trigger_client_event

from negotiations.access import CAPTURE_ROLES, get_for_user
from negotiations.models import Membership
from sessions import live
from sessions.live import Cursor
from sessions.models import Attendance, CorrectionConflict, Entry, Participant, Session, SessionClosed, Summary
from sessions.services import session_close
from sessions.streams import ENTRY_RELATED, SessionReader

KEYS = [
    ("Enter", "store the line as an entry"),
    ("Shift+Enter", "new line inside the entry"),
    ("/s /p /q /a /d /o /n", "statement, proposal, question, action item, decision, observation, note"),
    ("/i", "internal: only your delegation sees it"),
    ("@kar", "speaker: the participant whose name starts with kar (Tab cycles)"),
    ("@-", "no speaker"),
    ("Esc", "clear kind and speaker"),
]


def _panels_context(session: Session, membership: Membership) -> dict:
    from agreements.views import formulations_context

    participants = session.negotiation.participants.select_related("party")
    present = set(session.attendance.values_list("participant_id", flat=True))
    return {
        "session": session,
        "negotiation": session.negotiation,
        "membership": membership,
        "can_capture": membership.can_capture and session.accepts_entries,
        "can_edit": membership.can_capture,
        "agenda": session.agenda_items.all(),
        "participants": [(p, p.pk in present) for p in participants],
        "parties": session.negotiation.parties.all(),
        "functions": Participant.Function.choices,
        "summary": Summary.objects.filter(session=session).first(),
        **formulations_context(session, membership),
    }


@require_GET
def detail(request: HttpRequest, session_id: UUID) -> HttpResponse:
    """The session's console: the live record, capture, and side panels."""
    session, access = get_for_user(request.user, Session, session_id)
    membership = access.membership
    entries = list(
        session.visible_entries(membership)
        .select_related(*ENTRY_RELATED)
        .prefetch_related("corrections", "formulations__point", "formulations__party")
        .order_by("pk")
    )
    record = max((e.seq for e in entries if e.stream == Entry.RECORD_STREAM), default=0)
    internal = max((e.seq for e in entries if e.stream != Entry.RECORD_STREAM), default=0)
    participants = [
        {"name": p.name, "party": p.party.name, "label": p.party.label}
        for p in session.negotiation.participants.select_related("party")
    ]
    context = {
        **_panels_context(session, membership),
        "entries": entries,
        "cursor": Cursor(record, internal),
        "participants_json": participants,
        "keys": KEYS,
        "kinds": Entry.Kind.choices,
    }
    return render(request, "sessions/console.html", context)


@require_GET
def panel(request: HttpRequest, session_id: UUID, name: str) -> HttpResponse:
    session, access = get_for_user(request.user, Session, session_id)
    if name not in {"agenda", "attendance", "formulations", "status", "summary"}:
        return HttpResponse(status=404)
    return render(request, f"sessions/console.html#{name}-panel", _panels_context(session, access.membership))


def render_row(entry: Entry, original: Entry | None, can_edit: bool) -> str:
    """The HTML a console receives for a new entry. A correction also
    carries the corrected entry's row, swapped in place out of band."""
    html = render_to_string("sessions/console.html#entry-row", {"entry": entry, "can_edit": can_edit})
    if original is not None:
        html += render_to_string(
            "sessions/console.html#entry-row", {"entry": original, "can_edit": can_edit, "oob": True}
        )
    return html


def render_rows_in_place(entries: list[Entry], can_edit: bool) -> str:
    return "".join(
        render_to_string("sessions/console.html#entry-row", {"entry": e, "can_edit": can_edit, "oob": True})
        for e in entries
    )


def _who(request_user, membership: Membership) -> str:
    name = request_user.get_full_name() or request_user.get_username()
    return f"{name} ({membership.delegation.label})\x1f{uuid.uuid4().hex}"


def render_presence(here: list[str]) -> str:
    names = sorted({who.split("\x1f")[0] for who in here})
    return live.sse("presence", render_to_string("sessions/console.html#presence", {"here": names}))


async def stream(request: HttpRequest, session_id: UUID) -> StreamingHttpResponse:
    """Server-Sent Events for an open console: rendered rows of new entries
    (event id = cursor, for Last-Event-ID replay), presence, and nudges for
    the side panels."""
    user = await request.auser()
    session, access = await sync_to_async(get_for_user)(user, Session, session_id)
    await sync_to_async(_close_database_connection)()  # the open stream must not hold this request's connection
    header = Cursor.parse(request.headers.get("Last-Event-ID"))
    cursor = header or Cursor.parse(request.GET.get("cursor")) or Cursor()
    membership = access.membership
    reader = SessionReader(
        session_id=session.pk,
        session_key=str(session.public_id),
        membership=membership,
        cursor=cursor,
        render=render_row,
        kind="html",
        panels=True,
        resumed=header is not None,
        render_in_place=render_rows_in_place,
    )
    body = live.stream(
        str(session.public_id),
        who=_who(user, membership),
        read=reader.read,
        here=reader.here,
        show_presence=render_presence,
        close=reader.close,
    )
    response = StreamingHttpResponse(body, content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response


def _entry_row(request: HttpRequest, entry: Entry, membership: Membership) -> HttpResponse:
    entry = (
        Entry.objects.select_related(*ENTRY_RELATED)
        .prefetch_related("corrections", "formulations__point", "formulations__party")
        .get(pk=entry.pk)
    )
    return render(request, "sessions/console.html#entry-row", {"entry": entry, "can_edit": membership.can_capture})


@require_http_methods(["GET", "POST"])
def correct(request: HttpRequest, entry_id: UUID) -> HttpResponse:
    """Correct an entry: a new entry supersedes it. If somebody corrected it
    first, show both texts instead of overwriting theirs."""
    entry, access = get_for_user(
        request.user, Entry, entry_id, roles=CAPTURE_ROLES, queryset=Entry.objects.select_related(*ENTRY_RELATED)
    )
    membership = access.membership
    if request.method == "GET":
        if request.GET.get("cancel"):
            return _entry_row(request, entry, membership)
        return render(
            request,
            "sessions/console.html#correction-form",
            {"entry": entry, "client_id": uuid.uuid4(), "text": entry.text},
        )
    text = request.POST.get("text", "").replace("\r\n", "\n")
    try:
        client_id = uuid.UUID(request.POST.get("client_id", ""))
    except ValueError:
        client_id = uuid.uuid4()
    context = {"entry": entry, "client_id": client_id, "text": text}
    try:
        entry.correct(membership=membership, client_id=client_id, text=text)
    except CorrectionConflict as conflict:
        context |= {"conflict": conflict, "client_id": uuid.uuid4()}
        return render(request, "sessions/console.html#correction-form", context, status=409)
    except (ValidationError, SessionClosed) as error:
        context["error"] = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        return render(request, "sessions/console.html#correction-form", context, status=400)
    return _entry_row(request, entry, membership)


def _capture_access(request: HttpRequest, session_id: UUID) -> tuple[Session, Membership]:
    session, access = get_for_user(request.user, Session, session_id, roles=CAPTURE_ROLES)
    return session, access.membership


def _panel_response(request: HttpRequest, session: Session, membership: Membership, name: str) -> HttpResponse:
    if not request.htmx:
        return redirect(session.get_absolute_url())
    response = render(request, f"sessions/console.html#{name}-panel", _panels_context(session, membership))
    return trigger_client_event(response, "panelSaved", {"panel": name})


def _refused(request: HttpRequest, session: Session, error: ValidationError) -> HttpResponse:
    message = " ".join(error.messages)
    if request.htmx:
        return HttpResponse(format_html('<p class="error" role="alert">{}</p>', message), status=400)
    messages.error(request, message)
    return redirect(session.get_absolute_url())


@require_POST
def add_agenda_item(request: HttpRequest, session_id: UUID) -> HttpResponse:
    session, membership = _capture_access(request, session_id)
    try:
        item = session.add_agenda_item(request.POST.get("title", ""))
    except ValidationError as error:
        return _refused(request, session, error)
    if request.POST.get("take_up"):
        session.take_up(item)
    return _panel_response(request, session, membership, "agenda")


@require_POST
def take_up(request: HttpRequest, session_id: UUID) -> HttpResponse:
    session, membership = _capture_access(request, session_id)
    raw = request.POST.get("item", "")
    item = session.agenda_items.filter(pk=int(raw)).first() if raw.isdigit() else None
    session.take_up(item)
    return _panel_response(request, session, membership, "agenda")


@require_POST
def attendance(request: HttpRequest, session_id: UUID) -> HttpResponse:
    """Mark a participant present or absent."""
    session, membership = _capture_access(request, session_id)
    participant = session.negotiation.participants.filter(public_id=request.POST.get("participant")).first()
    if participant is None:
        return _refused(request, session, ValidationError("That participant is not part of this negotiation."))
    if request.POST.get("present") == "1":
        Attendance.objects.get_or_create(session=session, participant=participant)
    else:
        Attendance.objects.filter(session=session, participant=participant).delete()
    session.changed()
    return _panel_response(request, session, membership, "attendance")


@require_POST
def add_participant(request: HttpRequest, session_id: UUID) -> HttpResponse:
    session, membership = _capture_access(request, session_id)
    negotiation = session.negotiation
    name = request.POST.get("name", "").strip()
    party = negotiation.parties.filter(pk=request.POST.get("party") or 0).first()
    function = request.POST.get("function", Participant.Function.MEMBER)
    if not name or party is None or function not in Participant.Function.values:
        return _refused(request, session, ValidationError("Give the participant's name, party and function."))
    if negotiation.participants.filter(name=name).exists():
        return _refused(request, session, ValidationError(f"{name} is already a participant."))
    participant = Participant.objects.create(negotiation=negotiation, party=party, name=name, function=function)
    Attendance.objects.create(session=session, participant=participant)
    session.changed()
    return _panel_response(request, session, membership, "attendance")


@require_POST
def close(request: HttpRequest, session_id: UUID) -> HttpResponse:
    session, membership = _capture_access(request, session_id)
    session_close(session=session, by=membership)
    messages.success(
        request, f"Session {session.number} is closed. It accepts no more entries; its summary is being built."
    )
    return redirect(session.get_absolute_url())


def _close_database_connection() -> None:
    connection.close()


def render_json(entry: Entry, original: Entry | None, can_edit: bool) -> str:
    from sessions.api import entry_out
    from sessions.live import json_dumps

    return json_dumps(entry_out(entry))


@csrf_exempt
async def api_events(request: HttpRequest, session_id: UUID) -> HttpResponse:
    """GET /api/v1/sessions/{id}/events: the live record for API clients,
    one JSON entry per event, event id = cursor ("<record seq>.<internal
    seq>"); send it back as Last-Event-ID to resume."""
    from negotiations.models import ApiToken

    if request.method != "GET":
        return JsonResponse({"detail": "Use GET."}, status=405)
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    user = await sync_to_async(ApiToken.user_for)(token) if scheme.lower() == "bearer" and token else None
    if user is None:
        return JsonResponse(
            {"detail": "Authentication required: send 'Authorization: Bearer <token>' from POST /api/v1/auth/token."},
            status=401,
        )
    try:
        session, access = await sync_to_async(get_for_user)(user, Session, session_id)
    except Http404:
        return JsonResponse({"detail": "Not found."}, status=404)
    finally:
        await sync_to_async(_close_database_connection)()  # the open stream must not hold this request's connection
    cursor = Cursor.parse(request.headers.get("Last-Event-ID")) or Cursor.parse(request.GET.get("after")) or Cursor()
    reader = SessionReader(
        session_id=session.pk,
        session_key=str(session.public_id),
        membership=access.membership,
        cursor=cursor,
        render=render_json,
        kind="json",
        panels=False,
        resumed=False,
    )
    # API clients are not people in the console: they are not shown as present
    body = live.stream(str(session.public_id), who=None, read=reader.read, close=reader.close)
    response = StreamingHttpResponse(body, content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response
