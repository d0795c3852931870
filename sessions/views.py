from __future__ import annotations

import uuid
from functools import partial
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.db.models import Max, Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.translation import gettext, gettext_lazy, ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import trigger_client_event

from accounts.middleware import browser_session_stands
from negotiations.access import CAPTURE_ROLES, HEAD_ROLES, get_for_user
from negotiations.models import Membership
from negotiations.rows import attach_related
from sessions import live, sse
from sessions.live import Cursor
from sessions.models import (
    ClientIdReused,
    CorrectionConflict,
    Entry,
    Participant,
    Session,
    SessionClosed,
    Summary,
)
from sessions.services import session_close, session_reopen
from sessions.streams import ENTRY_PREFETCH, ENTRY_RELATED, SessionReader, Viewer, pending_lines, prefetch_rows

KEYS = [
    ("Enter", gettext_lazy("store the line as an entry")),
    ("Shift+Enter", gettext_lazy("new line inside the entry")),
    (
        "/s /p /q /a /d /o /n",
        gettext_lazy("statement, proposal, question, action item, decision, observation, note"),
    ),
    ("/i", gettext_lazy("internal: only your delegation sees it")),
    (
        "@kar",
        gettext_lazy(
            "speaker: the participant whose name starts with kar (Tab cycles); an @word naming nobody stays in the text"
        ),
    ),
    ("@-", gettext_lazy("no speaker")),
    ("Esc", gettext_lazy("clear kind and speaker; in a form beside the record, close it and come back here")),
]


def grace_words(seconds: int | None = None) -> str:
    """The grace period after a close, in words: "10 minutes"."""
    seconds = settings.VERBATIM_CLOSE_GRACE_SECONDS if seconds is None else seconds
    if seconds % 60 == 0 and seconds:
        minutes = seconds // 60
        return ngettext("%(n)s minute", "%(n)s minutes", minutes) % {"n": minutes}
    return ngettext("%(n)s second", "%(n)s seconds", seconds) % {"n": seconds}


def _panels_context(session: Session, membership: Membership) -> dict:
    from agreements.views import formulations_context

    participants = list(session.negotiation.participants.select_related("party"))
    present = set(session.attendance.values_list("participant_id", flat=True))
    return {
        "session": session,
        "negotiation": session.negotiation,
        "membership": membership,
        "viewer": Viewer.of(membership),
        "can_capture": membership.can_capture and session.accepts_entries,
        # agenda, attendance and formulations are frozen once the session is closed
        "can_edit": membership.can_capture and not session.is_frozen,
        "can_close": Session.can_close(membership) and session.accepts_entries,
        "can_reopen": Session.can_close(membership) and session.status == Session.Status.CLOSED,
        "grace": grace_words(),
        "agenda": session.agenda_items.all(),
        "participants": [(p, p.pk in present) for p in participants],
        # for the console's speaker picker, redrawn with the attendance panel when someone is added
        "participants_json": [{"name": p.name, "party": p.party.name, "label": p.party.label} for p in participants],
        "parties": session.negotiation.parties.all(),
        "functions": Participant.Function.choices,
        "summary": Summary.objects.filter(session=session).first(),
        **formulations_context(session, membership),
    }


# How many rows the console shows at first, and loads at each "Show earlier
# entries": a long session's page stays small (10,000 rows made 8.8 MB of HTML).
CONSOLE_PAGE = 100
# Rows shown before and after an entry a link points at (``?around=``).
AROUND_BEFORE, AROUND_AFTER = 50, 150


@require_GET
def detail(request: HttpRequest, session_id: UUID) -> HttpResponse:
    """The session's console: the live record, capture, and side panels."""
    session, access = get_for_user(request.user, Session, session_id)
    return render(
        request,
        "sessions/console.html",
        _console_context(session, access.membership, around=request.GET.get("around")),
    )


# What a row shows (ENTRY_RELATED and ENTRY_PREFETCH, read for the stream), read
# for a page of rows. Its session is the page's. The rows shared by many entries
# (their authors, delegations, speakers, parties, agenda items) are read once each
# (attach_related) instead of joined into every row: 100 rows of one author were
# 100 author and 200 delegation and party instances. The lines an entry corrects,
# disputes or accepts are its own, and stay joined.
ROW_SHARED = {"speaker": ("party",), "party": (), "author": (), "delegation": ("party",), "agenda_item": ()}
ROW_JOINED = ("supersedes", "disputes__delegation__party", "accepts__delegation__party")
# what prefetch_rows reads: ENTRY_PREFETCH (tests/sessions/test_console_rows_html.py checks it)
ROW_PREFETCH = (
    "corrections",
    "formulations__point",
    "formulations__party",
    "readings__delegation__party",
    "readings__author",
    "readings__acceptances",
)


def _rows(qs, session: Session) -> list[Entry]:
    """The entries of ``qs`` (ordered and sliced), with what their rows show.
    Their ids come first and the joins follow for those rows only: joined
    before the LIMIT, PostgreSQL may join every entry of the session first."""
    ids = list(qs.values_list("pk", flat=True))
    rows = {e.pk: e for e in Entry.objects.filter(pk__in=ids).select_related(*ROW_JOINED)}
    for entry in rows.values():
        entry.session = session
    ordered = [rows[pk] for pk in ids]
    attach_related(ordered, ROW_SHARED)
    prefetch_rows(ordered)
    return ordered


def _visible_entry(visible, public_id: str | None) -> Entry | None:
    """An entry of this session the member may see, by its public id, or None."""
    try:
        return visible.filter(public_id=uuid.UUID(str(public_id))).only("pk").first() if public_id else None
    except ValueError:
        return None


def _console_context(session: Session, membership: Membership, around: str | None = None) -> dict:
    """The latest CONSOLE_PAGE entries the member may see; with ``around``
    (an entry's public id, from a link to ``#entry-…``), also the rows
    around that entry when it is older than those, with a gap marker between."""
    visible = session.visible_entries(membership)
    entries = _rows(visible.order_by("-pk")[:CONSOLE_PAGE], session)[::-1]
    window: list[Entry] = []
    anchor = _visible_entry(visible, around)
    if anchor is not None and entries and anchor.pk < entries[0].pk:
        before = _rows(visible.filter(pk__lt=anchor.pk).order_by("-pk")[:AROUND_BEFORE], session)[::-1]
        after = _rows(
            visible.filter(pk__gte=anchor.pk, pk__lt=entries[0].pk).order_by("pk")[: AROUND_AFTER + 1], session
        )
        gap = len(after) > AROUND_AFTER
        window = before + after[:AROUND_AFTER]
        if not gap:  # the window reaches the latest rows: one run of rows
            entries, window = window + entries, []
    first = (window or entries)[0] if (window or entries) else None
    # the stream resumes from the newest entry of each stream, shown or not
    record_stream = Q(stream=Entry.RECORD_STREAM)
    newest = visible.aggregate(record=Max("seq", filter=record_stream), internal=Max("seq", filter=~record_stream))
    return {
        **_panels_context(session, membership),
        "entries": entries,
        "window": window,
        "earlier": first is not None and visible.filter(pk__lt=first.pk).exists(),
        "first": first,
        "cursor": Cursor(newest["record"] or 0, newest["internal"] or 0),
        "keys": KEYS,
        "kinds": Entry.Kind.choices,
    }


@require_GET
def earlier(request: HttpRequest, session_id: UUID) -> HttpResponse:
    """The CONSOLE_PAGE entries before ``?before=<entry id>`` that the member
    may see, as rows to put above it, with the control for the page before."""
    session, access = get_for_user(request.user, Session, session_id)
    visible = session.visible_entries(access.membership)
    anchor = _visible_entry(visible, request.GET.get("before"))
    if anchor is None:
        raise Http404("No such entry.")
    entries = _rows(visible.filter(pk__lt=anchor.pk).order_by("-pk")[: CONSOLE_PAGE + 1], session)[::-1]
    more = len(entries) > CONSOLE_PAGE
    entries = entries[1:] if more else entries
    viewer = Viewer.of(access.membership)
    return render(
        request,
        "sessions/console.html#earlier-rows",
        {
            "session": session,
            "entries": entries,
            "earlier": more,
            "first": entries[0] if entries else None,
            "viewer": viewer,
            "can_edit": viewer.can_edit,
        },
    )


@login_not_required
@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The console's service worker (static/js/console-sw.js), served from
    /sessions/ so that its scope covers every console page. It holds no
    record: the pages it keeps are those the browser already opened."""
    with open(finders.find("js/console-sw.js"), encoding="utf-8") as script:
        response = HttpResponse(script.read(), content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/sessions/"
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def panel(request: HttpRequest, session_id: UUID, name: str) -> HttpResponse:
    session, access = get_for_user(request.user, Session, session_id)
    if name not in {"agenda", "attendance", "formulations", "status", "summary"}:
        return HttpResponse(status=404)
    return render(request, f"sessions/console.html#{name}-panel", _panels_context(session, access.membership))


def _row(entry: Entry, viewer: Viewer, oob: bool = False) -> str:
    return render_to_string(
        "sessions/console.html#entry-row", {"entry": entry, "viewer": viewer, "can_edit": viewer.can_edit, "oob": oob}
    )


def render_row(entry: Entry, original: Entry | None, viewer: Viewer) -> str:
    """The HTML a console receives for a new entry. A correction, or
    another delegation's reading, also carries the row of the entry it
    corrects or disputes, swapped in place out of band."""
    html = _row(entry, viewer)
    if original is not None:
        html += _row(original, viewer, oob=True)
    return html


def render_rows_in_place(entries: list[Entry], viewer: Viewer) -> str:
    return "".join(_row(e, viewer, oob=True) for e in entries)


def _who(request_user, membership: Membership) -> str:
    name = request_user.get_full_name() or request_user.get_username()
    return f"{name} ({membership.delegation.label})\x1f{uuid.uuid4().hex}"


def render_presence(here: list[str], viewer: Viewer) -> str:
    """Who is in the console, in the viewer's language (the stream's body runs outside its request)."""
    names = sorted({who.split("\x1f")[0] for who in here})
    with viewer.rendering():
        return live.sse("presence", render_to_string("sessions/console.html#presence", {"here": names}))


def stream(request: HttpRequest, session_id: UUID) -> StreamingHttpResponse:
    """Server-Sent Events for an open console: rendered rows of new entries
    (event id = cursor, for Last-Event-ID replay), presence, and nudges for
    the side panels. The view runs on the request's thread like any other; the
    body it hands over runs on the event loop once the request has ended and
    given its database connection back (``sessions/sse.py``)."""
    user = request.user
    session, access = get_for_user(user, Session, session_id)
    header = Cursor.parse(request.headers.get("Last-Event-ID"))
    cursor = header or Cursor.parse(request.GET.get("cursor")) or Cursor()
    membership = access.membership
    browser_session, user_id = request.session.session_key, user.pk
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
        known_status=request.GET.get("status"),
        credential=lambda: browser_session_stands(browser_session, user_id),
    )
    body = live.stream(
        str(session.public_id),
        who=_who(user, membership),
        read=reader.read,
        here=reader.here,
        show_presence=partial(render_presence, viewer=reader.viewer),
        close=reader.close,
    )
    return sse.respond(request, body)


def _entry_row(request: HttpRequest, entry: Entry, membership: Membership) -> HttpResponse:
    entry = Entry.objects.select_related(*ENTRY_RELATED).prefetch_related(*ENTRY_PREFETCH).get(pk=entry.pk)
    viewer = Viewer.of(membership)
    return render(
        request, "sessions/console.html#entry-row", {"entry": entry, "viewer": viewer, "can_edit": viewer.can_edit}
    )


@require_http_methods(["GET", "POST"])
def correct(request: HttpRequest, entry_id: UUID) -> HttpResponse:
    """Correct an entry. Your own delegation's entry: a new entry supersedes
    it; if somebody corrected it first, show both texts instead of
    overwriting theirs. Another delegation's entry: record your reading
    beside theirs (a dispute), until they accept it."""
    entry, access = get_for_user(
        request.user, Entry, entry_id, roles=CAPTURE_ROLES, queryset=Entry.objects.select_related(*ENTRY_RELATED)
    )
    membership = access.membership
    own = entry.delegation_id == membership.delegation_id
    if request.method == "GET":
        if request.GET.get("cancel"):
            return _entry_row(request, entry, membership)
        return render(
            request,
            "sessions/console.html#correction-form",
            {"entry": entry, "client_id": uuid.uuid4(), "text": entry.text, "own": own},
        )
    text = request.POST.get("text", "").replace("\r\n", "\n")
    try:
        client_id = uuid.UUID(request.POST.get("client_id", ""))
    except ValueError:
        client_id = uuid.uuid4()
    context = {"entry": entry, "client_id": client_id, "text": text, "own": own}
    try:
        entry.correct(membership=membership, client_id=client_id, text=text)
    except CorrectionConflict as conflict:
        context |= {"conflict": conflict, "client_id": uuid.uuid4()}
        return render(request, "sessions/console.html#correction-form", context, status=409)
    except (ValidationError, SessionClosed, ClientIdReused) as error:
        context["error"] = _message(error)
        status = 409 if isinstance(error, SessionClosed) else 400
        return render(request, "sessions/console.html#correction-form", context, status=status)
    return _entry_row(request, entry, membership)


def acceptance_client_id(reading: Entry) -> uuid.UUID:
    """One client id per reading: accepting twice (a double click, two
    members at once) stores one acceptance."""
    return uuid.uuid5(reading.public_id, "accept")


@require_POST
def accept_reading(request: HttpRequest, entry_id: UUID) -> HttpResponse:
    """The recording delegation accepts another delegation's reading of its
    entry: the reading's text supersedes the entry. Answers with the
    disputed entry's row, redrawn."""
    reading, access = get_for_user(
        request.user, Entry, entry_id, roles=CAPTURE_ROLES, queryset=Entry.objects.select_related(*ENTRY_RELATED)
    )
    membership = access.membership
    if reading.disputes_id is None:
        return _row_refused(
            request, reading, gettext("This entry is not another delegation's reading; nothing to accept.")
        )
    original = reading.disputes
    if original.delegation_id != membership.delegation_id:
        raise PermissionDenied(
            gettext("Only the %(delegation)s, who recorded the entry, can accept a reading of it.")
            % {"delegation": original.delegation.name}
        )
    try:
        reading.accept_reading(membership=membership, client_id=acceptance_client_id(reading))
    except ClientIdReused:
        pass  # somebody of the delegation accepted it at the same moment: it is accepted once
    except (ValidationError, SessionClosed, CorrectionConflict) as error:
        return _row_refused(request, original, _message(error), status=409)
    if not request.htmx:
        return redirect(original.session.get_absolute_url())
    return _entry_row(request, original, membership)


def _message(error: Exception) -> str:
    return " ".join(error.messages) if isinstance(error, ValidationError) else str(error)


def _row_refused(request: HttpRequest, entry: Entry, message: str, status: int = 400) -> HttpResponse:
    if request.htmx:
        return HttpResponse(format_html('<p class="error" role="alert">{}</p>', message), status=status)
    messages.error(request, message)
    return redirect(entry.session.get_absolute_url())


def _capture_access(request: HttpRequest, session_id: UUID) -> tuple[Session, Membership]:
    session, access = get_for_user(request.user, Session, session_id, roles=CAPTURE_ROLES)
    return session, access.membership


def _panel_response(request: HttpRequest, session: Session, membership: Membership, name: str) -> HttpResponse:
    if not request.htmx:
        return redirect(session.get_absolute_url())
    response = render(request, f"sessions/console.html#{name}-panel", _panels_context(session, membership))
    return trigger_client_event(response, "panelSaved", {"panel": name})


def _refused(request: HttpRequest, session: Session, error: Exception) -> HttpResponse:
    """A human answer when the model or the database refuses: 409 when the
    session is frozen, 400 for what the member sent."""
    if isinstance(error, SessionClosed):
        message, status = str(error), 409
    elif isinstance(error, DatabaseError):
        session.refresh_from_db(fields=["status"])
        message, status = (
            gettext("Session %(number)s is %(status)s: this can no longer change.")
            % {"number": session.number, "status": session.get_status_display().lower()},
            409,
        )
    else:
        message, status = _message(error), 400
    if request.htmx:
        return HttpResponse(format_html('<p class="error" role="alert">{}</p>', message), status=status)
    messages.error(request, message)
    return redirect(session.get_absolute_url())


@require_POST
def add_agenda_item(request: HttpRequest, session_id: UUID) -> HttpResponse:
    session, membership = _capture_access(request, session_id)
    try:
        with transaction.atomic():
            item = session.add_agenda_item(request.POST.get("title", ""))
            if request.POST.get("take_up"):
                session.take_up(item)
    except (ValidationError, SessionClosed, DatabaseError) as error:
        return _refused(request, session, error)
    return _panel_response(request, session, membership, "agenda")


@require_POST
def take_up(request: HttpRequest, session_id: UUID) -> HttpResponse:
    session, membership = _capture_access(request, session_id)
    raw = request.POST.get("item", "")
    item = (
        session.agenda_items.filter(pk=int(raw)).first() if raw.isascii() and raw.isdigit() and len(raw) < 19 else None
    )
    if raw and item is None:  # another session's item is no such item here; an empty value clears
        return _refused(request, session, ValidationError(gettext("No such agenda item in this session.")))
    try:
        session.take_up(item)
    except (ValidationError, SessionClosed, DatabaseError) as error:
        return _refused(request, session, error)
    return _panel_response(request, session, membership, "agenda")


@require_POST
def attendance(request: HttpRequest, session_id: UUID) -> HttpResponse:
    """Mark a participant present or absent."""
    session, membership = _capture_access(request, session_id)
    try:
        participant_id = uuid.UUID(request.POST.get("participant", ""))
    except ValueError:
        participant_id = None
    participant = session.negotiation.participants.filter(public_id=participant_id).first() if participant_id else None
    if participant is None:
        return _refused(request, session, ValidationError(gettext("No such participant in this negotiation.")))
    try:
        session.set_attendance(participant, request.POST.get("present") == "1")
    except (ValidationError, SessionClosed, DatabaseError) as error:
        return _refused(request, session, error)
    return _panel_response(request, session, membership, "attendance")


@require_POST
def add_participant(request: HttpRequest, session_id: UUID) -> HttpResponse:
    """A new participant of the negotiation, marked present in this session."""
    session, membership = _capture_access(request, session_id)
    negotiation = session.negotiation
    name = request.POST.get("name", "").strip()
    raw_party = request.POST.get("party", "")
    party = negotiation.party_from_form(raw_party)
    function = request.POST.get("function", Participant.Function.MEMBER)
    if raw_party and party is None:
        return _refused(request, session, ValidationError(gettext("No such party in this negotiation.")))
    if not name or party is None or function not in Participant.Function.values:
        return _refused(request, session, ValidationError(gettext("Give the participant's name, party and function.")))
    if negotiation.participants.filter(name=name).exists():
        return _refused(
            request, session, ValidationError(gettext("%(name)s is already a participant.") % {"name": name})
        )
    try:
        with transaction.atomic():
            session.refuse_if_frozen("attendance")
            participant = Participant.objects.create(negotiation=negotiation, party=party, name=name, function=function)
            session.set_attendance(participant, True)
    except (ValidationError, SessionClosed, DatabaseError) as error:
        return _refused(request, session, error)
    return _panel_response(request, session, membership, "attendance")


@require_http_methods(["GET", "POST"])
def close(request: HttpRequest, session_id: UUID) -> HttpResponse:
    """Closing is a head's act, after a confirmation that says how many
    typed lines open consoles still hold and that lines captured before the
    close are accepted, marked late, during the grace period."""
    session, access = get_for_user(request.user, Session, session_id, roles=HEAD_ROLES)
    membership = access.membership
    if request.method == "GET":
        if not session.accepts_entries:
            messages.info(
                request,
                gettext("Session %(number)s is already %(status)s.")
                % {"number": session.number, "status": session.get_status_display().lower()},
            )
            return redirect(session.get_absolute_url())
        context = {"session": session, **closing_context(session)}
        if request.htmx:
            return render(request, "sessions/console.html#close-dialog", context)
        return render(request, "sessions/console.html", {**_console_context(session, membership), **context})
    closed_now = session.accepts_entries
    session_close(session=session, by=membership)
    if closed_now:
        messages.success(
            request,
            gettext(
                "Session %(number)s is closed. Lines captured before the close are still accepted for "
                "%(grace)s and marked as recorded late. Its summary is being built."
            )
            % {"number": session.number, "grace": grace_words()},
        )
    else:
        messages.info(
            request,
            gettext("Session %(number)s was already %(status)s.")
            % {"number": session.number, "status": session.get_status_display().lower()},
        )
    return redirect(session.get_absolute_url())


def closing_context(session: Session) -> dict:
    queues = pending_lines.read(str(session.public_id))
    return {
        "closing": True,
        "pending_total": sum(q.count for q in queues),
        "pending_consoles": [q for q in queues if q.count],
        "silent_consoles": [q for q in queues if q.silent],
        "silent_people": sorted({q.who for q in queues if q.silent}),
        "grace": grace_words(),
    }


@require_POST
def reopen(request: HttpRequest, session_id: UUID) -> HttpResponse:
    """A head takes a closed session up again, with a reason for the record,
    until its minutes are approved."""
    session, access = get_for_user(request.user, Session, session_id, roles=HEAD_ROLES)
    try:
        session_reopen(
            session=session, by=access.membership, reason=request.POST.get("reason", "").replace("\r\n", "\n")
        )
    except (ValidationError, SessionClosed) as error:
        messages.error(request, _message(error))
    else:
        messages.success(
            request,
            gettext("Session %(number)s is reopened; the reason is in the record.") % {"number": session.number},
        )
    return redirect(session.get_absolute_url())


@require_POST
def pending(request: HttpRequest, session_id: UUID) -> HttpResponse:
    """A console says how many typed lines it has not yet had stored."""
    session, access = get_for_user(request.user, Session, session_id, roles=CAPTURE_ROLES)
    try:
        console = uuid.UUID(request.POST.get("console", ""))
        count = int(request.POST.get("count", ""))
    except ValueError:
        return HttpResponse(gettext("Send console (a UUID) and count (a whole number)."), status=400)
    if not -1 <= count <= 100_000:
        return HttpResponse(gettext("count is between 0 and 100000, or -1 when the console closes."), status=400)
    who = f"{request.user.get_full_name() or request.user.get_username()} ({access.membership.delegation.label})"
    # keyed by member and console: nobody can overwrite another member's report
    key = f"{request.user.pk}:{console}"
    if count == -1:
        pending_lines.forget(str(session.public_id), key)
    else:
        pending_lines.report(str(session.public_id), key, who, count)
    return HttpResponse(status=204)


def render_json(entry: Entry, original: Entry | None, viewer: Viewer) -> str:
    from sessions.api import entry_out
    from sessions.live import json_dumps

    return json_dumps(entry_out(entry))


@csrf_exempt
def api_events(request: HttpRequest, session_id: UUID) -> HttpResponse:
    """GET /api/v1/sessions/{id}/events: the live record for API clients,
    one JSON entry per event, event id = cursor ("<record seq>.<internal
    seq>"); send it back as Last-Event-ID to resume."""
    from negotiations.models import ApiToken, TokenRefused

    if request.method != "GET":
        return JsonResponse({"detail": "Use GET."}, status=405)
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret:
        return JsonResponse(
            {"detail": "Authentication required: send 'Authorization: Bearer <token>' from POST /api/v1/auth/token."},
            status=401,
        )

    try:
        token = ApiToken.for_secret(secret)
        session, access = get_for_user(token.user, Session, session_id)
    except TokenRefused as refused:
        return JsonResponse({"detail": str(refused)}, status=401)
    except Http404:
        return JsonResponse({"detail": "Not found."}, status=404)
    except PermissionDenied as refused:  # the negotiation requires two-factor sign-in
        return JsonResponse({"detail": str(refused)}, status=403)
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
        token_id=token.pk,  # re-checked with the session's other API streams in one query
    )
    # API clients are not people in the console: they are not shown as present
    body = live.stream(reader.session_key, who=None, read=reader.read, close=reader.close)
    return sse.respond(request, body)
