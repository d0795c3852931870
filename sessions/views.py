from __future__ import annotations

from uuid import UUID

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from negotiations.access import get_for_user
from sessions.models import Session


@require_GET
def detail(request: HttpRequest, session_id: UUID) -> HttpResponse:
    session, access = get_for_user(request.user, Session, session_id)
    entries = (
        session.visible_entries(access.membership)
        .select_related("speaker", "party", "author", "supersedes")
        .prefetch_related("corrections")
        .order_by("pk")
    )
    return render(
        request,
        "sessions/detail.html",
        {
            "session": session,
            "negotiation": session.negotiation,
            "membership": access.membership,
            "entries": entries,
            "attendance": session.attendance.select_related("participant__party"),
            "agenda": session.agenda_items.all(),
            "formulations": session.formulations.select_related("point", "party"),
        },
    )
