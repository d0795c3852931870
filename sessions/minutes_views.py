"""The minutes page: the summary built from the record, the heads'
narrative, each party's approval, and corrigenda."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from negotiations.access import HEAD_ROLES, get_for_user
from negotiations.models import Membership
from sessions.models import Session, Summary
from sessions.services import summary_retry


def _summary_or_404(session: Session) -> Summary:
    summary = Summary.objects.filter(session=session).select_related("approved_by", "narrative_edited_by").first()
    if summary is None:
        raise Http404("No summary yet.")
    return summary


@require_GET
def minutes(request: HttpRequest, session_id: UUID) -> HttpResponse:
    """The draft or approved minutes: the summary built from the record,
    the head's narrative, approval and corrigenda."""
    session, access = get_for_user(request.user, Session, session_id)
    summary = Summary.objects.filter(session=session).select_related("approved_by").first()
    context = {
        "session": session,
        "negotiation": session.negotiation,
        "membership": access.membership,
        "summary": summary,
        "content": summary.content if summary else None,
        "corrigenda": summary.corrigenda.select_related("issued_by") if summary else [],
    }
    return render(request, "sessions/minutes.html", context)


def _head_access(request: HttpRequest, session_id: UUID) -> tuple[Session, Membership]:
    session, access = get_for_user(request.user, Session, session_id, roles=HEAD_ROLES)
    return session, access.membership


def _minutes_action(request: HttpRequest, session: Session, action) -> HttpResponse:
    try:
        done = action()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)
    return redirect("sessions:minutes", session.public_id)


@require_POST
def minutes_narrative(request: HttpRequest, session_id: UUID) -> HttpResponse:
    session, membership = _head_access(request, session_id)
    summary = _summary_or_404(session)
    text = request.POST.get("narrative", "").replace("\r\n", "\n")

    def save() -> str:
        summary.edit_narrative(text=text, membership=membership)
        return "The narrative is saved."

    return _minutes_action(request, session, save)


@require_POST
def minutes_approve(request: HttpRequest, session_id: UUID) -> HttpResponse:
    session, membership = _head_access(request, session_id)
    summary = _summary_or_404(session)

    def approve() -> str:
        summary.approve(membership=membership)
        return "The minutes are approved. From now on they change only by a numbered corrigendum."

    return _minutes_action(request, session, approve)


@require_POST
def minutes_corrigendum(request: HttpRequest, session_id: UUID) -> HttpResponse:
    session, membership = _head_access(request, session_id)
    summary = _summary_or_404(session)
    text = request.POST.get("text", "").replace("\r\n", "\n")

    def issue() -> str:
        corrigendum = summary.add_corrigendum(text=text, membership=membership)
        return f"Corrigendum {corrigendum.number} is issued."

    return _minutes_action(request, session, issue)


@require_POST
def retry_summary(request: HttpRequest, session_id: UUID) -> HttpResponse:
    session, membership = _head_access(request, session_id)
    summary = _summary_or_404(session)

    def retry() -> str:
        summary_retry(summary=summary, by=membership)
        return "The summary is being built again."

    return _minutes_action(request, session, retry)


@require_POST
def corrigendum_approve(request: HttpRequest, session_id: UUID, number: int) -> HttpResponse:
    """A head approves a corrigendum for their own party."""
    session, membership = _head_access(request, session_id)
    summary = _summary_or_404(session)
    corrigendum = summary.corrigenda.filter(number=number).first()
    if corrigendum is None:
        raise Http404("No such corrigendum.")

    def approve() -> str:
        corrigendum.approve(membership=membership)
        return f"Corrigendum {number} is approved for {membership.delegation.label}."

    return _minutes_action(request, session, approve)
