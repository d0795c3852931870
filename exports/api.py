"""The export routes of the API: official minutes and the agreed text to
date as files, through the same access layer as every other route."""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Router

from agreements.models import Formulation
from exports.delivery import export_response
from exports.records import agreed_text_record, minutes_record
from negotiations.access import get_for_user
from negotiations.models import Negotiation
from sessions.models import Session

router = Router(tags=["exports"])

# Each route keeps the operationId it had in sessions/api.py and agreements/api.py, so that clients
# generated from the OpenAPI document keep their method names.


@router.get(
    "/sessions/{session_id}/minutes.{fmt}",
    response={200: None, 202: dict},
    tags=["exports"],
    operation_id="sessions_api_session_minutes_export",
)
def session_minutes_export(request: HttpRequest, session_id: UUID, fmt: str, version: str = "shared"):
    """Official minutes as pdf (PDF/A-3b), docx, md or json. `version=internal`
    adds your own delegation's internal entries, for your delegation only."""
    session, access = get_for_user(request.user, Session, session_id)
    internal_for = access.membership.delegation if version == "internal" else None
    if version not in {"shared", "internal"}:
        raise ValidationError("version is 'shared' (default) or 'internal' (your delegation's own version).")
    return export_response(
        request,
        fmt,
        lambda: minutes_record(session, internal_for=internal_for),
        size=session.entries.count(),
    )


@router.get(
    "/negotiations/{negotiation_id}/agreed-text.{fmt}",
    response={200: None, 202: dict},
    tags=["exports"],
    operation_id="agreements_api_agreed_text_export",
)
def agreed_text_export(request: HttpRequest, negotiation_id: UUID, fmt: str):
    """The agreed text to date as pdf (PDF/A-3b), docx, md or json."""
    negotiation, _ = get_for_user(request.user, Negotiation, negotiation_id)
    return export_response(
        request,
        fmt,
        lambda: agreed_text_record(negotiation),
        size=Formulation.objects.filter(point__negotiation=negotiation).count(),
    )
