from __future__ import annotations

from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from agreements.models import AgreementRefused, Formulation, Point
from negotiations.access import CAPTURE_ROLES, get_for_user
from negotiations.models import Membership
from sessions.models import Entry, Session


def formulations_context(session: Session, membership: Membership) -> dict:
    negotiation = session.negotiation
    points = list(negotiation.points.all())
    formulations = (
        Formulation.objects.filter(point__negotiation=negotiation)
        .exclude(status__in=[Formulation.Status.SUPERSEDED, Formulation.Status.WITHDRAWN])
        .select_related("point", "party", "session")
        .order_by("point__number", "created_at")
    )
    by_point: dict[int, list[Formulation]] = {}
    for formulation in formulations:
        by_point.setdefault(formulation.point_id, []).append(formulation)
    return {
        "points": [(p, by_point.get(p.pk, [])) for p in points],
        "all_parties": list(negotiation.parties.all()),
        "languages": negotiation.working_languages,
    }


def _notify_open_sessions(session: Session) -> None:
    for open_session in session.negotiation.sessions.filter(
        status__in=[Session.Status.SCHEDULED, Session.Status.IN_PROGRESS]
    ):
        open_session.changed()
    session.changed()


def _panel(request: HttpRequest, session: Session, membership: Membership, *, error: str = "", status: int = 200):
    if not request.htmx:
        return redirect(session.get_absolute_url())
    context = {"session": session, "membership": membership, "can_edit": membership.can_capture, "error": error}
    context |= formulations_context(session, membership)
    response = render(request, "sessions/console.html#formulations-panel", context, status=status)
    return trigger_client_event(response, "panelSaved", {"panel": "formulations"})


@require_GET
def new_formulation(request: HttpRequest, session_id: UUID) -> HttpResponse:
    """The 'record a formulation' form, prefilled from a proposal entry."""
    session, access = get_for_user(request.user, Session, session_id, roles=CAPTURE_ROLES)
    entry = None
    if request.GET.get("entry"):
        entry, _ = get_for_user(request.user, Entry, request.GET["entry"])
    context = {"session": session, "entry": entry, **formulations_context(session, access.membership)}
    return render(request, "sessions/console.html#formulation-form", context)


@require_POST
def propose(request: HttpRequest, session_id: UUID) -> HttpResponse:
    session, access = get_for_user(request.user, Session, session_id, roles=CAPTURE_ROLES)
    membership = access.membership
    negotiation = session.negotiation
    text = request.POST.get("text", "").replace("\r\n", "\n")
    party = negotiation.parties.filter(pk=request.POST.get("party") or 0).first()
    entry = None
    if request.POST.get("entry"):
        entry, _ = get_for_user(request.user, Entry, request.POST["entry"])
    try:
        if party is None:
            raise ValidationError("Choose the party that proposed these words.")
        with transaction.atomic():
            point_id = request.POST.get("point", "")
            if point_id == "new" or not point_id:
                point = Point.open(negotiation=negotiation, title=request.POST.get("point_title", ""))
            else:
                point = negotiation.points.filter(public_id=point_id).first()
                if point is None:
                    raise ValidationError("That point is not part of this negotiation.")
            point.propose(
                text=text,
                party=party,
                membership=membership,
                language=request.POST.get("language", ""),
                session=session,
                entry=entry,
            )
    except (ValidationError, AgreementRefused) as error:
        message = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        return _panel(request, session, membership, error=message, status=400)
    _notify_open_sessions(session)
    return _panel(request, session, membership)


@require_POST
def agree(request: HttpRequest, session_id: UUID, formulation_id: UUID) -> HttpResponse:
    session, access = get_for_user(request.user, Session, session_id, roles=CAPTURE_ROLES)
    formulation, _ = get_for_user(request.user, Formulation, formulation_id, roles=CAPTURE_ROLES)
    if formulation.point.negotiation_id != session.negotiation_id:
        raise PermissionDenied("That formulation belongs to another negotiation.")
    parties = list(session.negotiation.parties.filter(pk__in=request.POST.getlist("parties")))
    try:
        if request.POST.get("action") == "confirm":
            formulation.confirm(parties=parties, membership=access.membership, session=session)
        else:
            formulation.agree(
                parties=parties,
                membership=access.membership,
                session=session,
                ad_referendum=request.POST.get("ad_referendum") == "1",
            )
    except (ValidationError, AgreementRefused) as error:
        message = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        return _panel(request, session, access.membership, error=message, status=409)
    _notify_open_sessions(session)
    return _panel(request, session, access.membership)


@require_GET
def point(request: HttpRequest, point_id: UUID) -> HttpResponse:
    """A point's history: every formulation in order with its events, and a
    word-level comparison of any two."""
    from agreements.diff import word_diff
    from agreements.models import Agreement

    point, access = get_for_user(request.user, Point, point_id)
    formulations = list(
        point.formulations.select_related("party", "session", "proposed_by", "version_of").order_by("created_at", "pk")
    )
    events = list(
        Agreement.objects.filter(formulation__point=point)
        .select_related("formulation", "session", "recorded_by")
        .prefetch_related("parties")
    )
    timeline = sorted(
        [("formulation", f.created_at, f) for f in formulations] + [("event", e.recorded_at, e) for e in events],
        key=lambda item: item[1],
    )
    by_id = {str(f.public_id): f for f in formulations}
    originals = [f for f in formulations if f.version_of_id is None]
    a = by_id.get(request.GET.get("a", "")) or (originals[-2] if len(originals) > 1 else None)
    b = by_id.get(request.GET.get("b", "")) or (originals[-1] if originals else None)
    context = {
        "point": point,
        "negotiation": point.negotiation,
        "membership": access.membership,
        "timeline": timeline,
        "formulations": formulations,
        "a": a,
        "b": b,
        "diff": word_diff(a.text, b.text) if a and b and a != b else None,
        "languages": point.negotiation.working_languages,
    }
    if request.htmx and request.GET.get("part") == "diff":
        return render(request, "agreements/point.html#diff", context)
    return render(request, "agreements/point.html", context)


@require_POST
def reopen(request: HttpRequest, formulation_id: UUID) -> HttpResponse:
    from django.contrib import messages

    from negotiations.access import HEAD_ROLES

    formulation, access = get_for_user(request.user, Formulation, formulation_id, roles=HEAD_ROLES)
    try:
        formulation.reopen(reason=request.POST.get("reason", "").replace("\r\n", "\n"), membership=access.membership)
    except (ValidationError, AgreementRefused) as error:
        messages.error(request, " ".join(error.messages) if isinstance(error, ValidationError) else str(error))
    else:
        messages.success(request, "The point is reopened. The agreed text stays in its history.")
    return redirect(formulation.point.get_absolute_url())


@require_POST
def add_version(request: HttpRequest, formulation_id: UUID) -> HttpResponse:
    from django.contrib import messages

    formulation, access = get_for_user(request.user, Formulation, formulation_id, roles=CAPTURE_ROLES)
    try:
        formulation.add_version(
            text=request.POST.get("text", "").replace("\r\n", "\n"),
            language=request.POST.get("language", ""),
            membership=access.membership,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "The language version is recorded.")
    return redirect(formulation.point.get_absolute_url())
