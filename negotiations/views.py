from __future__ import annotations

from uuid import UUID

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from negotiations.access import get_for_user, negotiations_for
from negotiations.models import Membership, Negotiation


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    negotiations = negotiations_for(request.user).select_related("owner").prefetch_related("parties")
    roles = dict(Membership.objects.filter(user=request.user).values_list("negotiation_id", "role"))
    rows = [(n, Membership.Role(roles[n.pk]).label) for n in negotiations]
    return render(request, "negotiations/index.html", {"rows": rows})


@require_GET
def detail(request: HttpRequest, negotiation_id: UUID) -> HttpResponse:
    negotiation, access = get_for_user(request.user, Negotiation, negotiation_id)
    points = negotiation.points.prefetch_related("formulations__party")
    return render(
        request,
        "negotiations/detail.html",
        {
            "negotiation": negotiation,
            "membership": access.membership,
            "sessions": negotiation.sessions.all(),
            "points": points,
        },
    )


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)
