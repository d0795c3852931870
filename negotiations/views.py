from __future__ import annotations

from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from negotiations.access import get_for_user, negotiations_for
from negotiations.models import Membership, Negotiation, RecordCheck


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    negotiations = negotiations_for(request.user).select_related("owner").prefetch_related("parties")
    roles = dict(Membership.objects.filter(user=request.user).values_list("negotiation_id", "role"))
    rows = [(n, Membership.Role(roles[n.pk]).label) for n in negotiations]
    return render(request, "negotiations/index.html", {"rows": rows})


@require_GET
def detail(request: HttpRequest, negotiation_id: UUID) -> HttpResponse:
    """The head of delegation's desk: every point's status and current words,
    who has consented, open brackets, and progress session by session."""
    from agreements.standing import POINT_STATUSES, point_standings, progress_by_session, progress_chart

    negotiation, access = get_for_user(request.user, Negotiation, negotiation_id)
    standings = point_standings(negotiation)
    sessions = list(negotiation.sessions.all())
    status = request.GET.get("status", "")
    party = request.GET.get("party", "")
    session = request.GET.get("session", "")
    shown = [
        s
        for s in standings
        if (not status or s.status == status)
        and (not party or any(str(f.party.public_id) == party for f in s.positions))
        and (not session or (s.last_session and str(s.last_session.public_id) == session))
    ]
    progress = progress_by_session(negotiation)
    membership = access.membership
    context = {
        "negotiation": negotiation,
        "membership": membership,
        # the parties whose noted consent this member may confirm with one click
        "confirms_for": {p.pk for p in membership.bound_parties()} if membership.can_capture else set(),
        "sessions": sessions,
        "parties": list(negotiation.parties.all()),
        "standings": shown,
        "all_count": len(standings),
        "statuses": POINT_STATUSES,
        "counts": {key: sum(1 for s in standings if s.status == key) for key, _ in POINT_STATUSES},
        "open_brackets": sum(s.open_brackets for s in standings),
        "awaiting_confirmation": sum(1 for s in standings for c in s.consents if c.state == "ad_referendum"),
        "noted_consents": sum(1 for s in standings for c in s.consents if c.state == "noted"),
        "filters": {"status": status, "party": party, "session": session},
        "progress": progress,
        "chart": progress_chart(progress),
        "record_check": (check := RecordCheck.latest_for(negotiation)),
        "record_breaks": check.lines_for(membership) if check and not check.ok else [],
    }
    if request.htmx:
        return render(request, "negotiations/detail.html#points", context)
    return render(request, "negotiations/detail.html", context)


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    from negotiations.search import MAX_QUERY_CHARS, check_query
    from negotiations.search import search as run_search

    query = request.GET.get("q", "").strip()
    if query:
        try:
            check_query(query)
        except ValidationError as error:
            context = {"query": query[:MAX_QUERY_CHARS], "hits": [], "error": " ".join(error.messages)}
            return render(request, "negotiations/search.html", context, status=400)
    hits = run_search(request.user, query) if query else []
    return render(request, "negotiations/search.html", {"query": query, "hits": hits})


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def not_allowed(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """A member without the role or party for an action: say which, in words."""
    reason = " ".join(str(arg) for arg in exception.args) if exception is not None else ""
    return render(request, "403.html", {"reason": reason}, status=403)
