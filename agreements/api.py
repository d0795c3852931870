from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext, gettext_lazy
from ninja import Field, Router, Schema, Status

from agreements.models import Agreement, Formulation, PartyConsent, Point, consent_states
from negotiations.access import CAPTURE_ROLES, HEAD_ROLES, Access, get_for_user
from negotiations.models import Negotiation, Party
from negotiations.text import Line, Paragraphs
from sessions.models import Session

PointTitle = Line(gettext_lazy("title"), 300)
PartyName = Line(gettext_lazy("party"), 200)
Language = Line(gettext_lazy("language"), 20, required=False)
FormulationText = Paragraphs(gettext_lazy("text"))
Reason = Paragraphs(gettext_lazy("reason"), required=False)  # the model asks for one, in its own words

router = Router(tags=["agreements"])


class PointIn(Schema):
    title: PointTitle


class PointOut(Schema):
    id: UUID
    number: int
    title: str
    status: str
    current_text: str | None
    open_brackets: int


class FormulationIn(Schema):
    text: FormulationText
    party: PartyName
    session: UUID | None = None
    language: Language = ""


class CapitalsOut(Schema):
    state: str = Field(description="confirmed (by the party's own delegation) or noted (by another delegation)")
    recorded_by: str
    delegation: str | None


class ConsentOut(Schema):
    party: str
    state: str = Field(description="confirmed (by the party's own delegation) or noted (by another delegation)")
    recorded_by: str
    delegation: str | None
    noted_by: str | None = Field(
        None, description="The delegation that noted the consent before the party confirmed it"
    )
    ad_referendum: bool
    capitals: CapitalsOut | None = Field(None, description="For an ad referendum consent: the capital's confirmation")


class FormulationOut(Schema):
    id: UUID
    point: UUID
    text: str
    language: str
    party: str
    session: UUID | None
    status: str
    open_brackets: int
    proposed_by: str
    created_at: datetime
    consents: list[ConsentOut] = Field(
        description="Each party with a consent recorded since the text was last reopened; "
        "a party with none is not listed (see awaiting)."
    )
    awaiting: list[str] = Field(
        description="Parties whose own confirmation (of consent, or of their capital for an ad referendum "
        "consent) this text still waits for; empty once agreed, and for texts that cannot be agreed as they stand."
    )


class AgreeIn(Schema):
    parties: list[PartyName] = Field(
        description="Each party is confirmed when you act for it (your own party, or every party for the "
        "secretariat that keeps the record), otherwise noted, awaiting that party's own confirmation."
    )
    session: UUID | None = None
    ad_referendum: bool = False


class ConfirmIn(Schema):
    parties: list[PartyName] = Field(
        description="Whose capital confirmed: confirmed for your own party, noted for others."
    )
    session: UUID | None = None


class ReopenIn(Schema):
    reason: Reason
    session: UUID | None = None


class EventOut(Schema):
    type: str
    at: datetime
    formulation: UUID
    kind: str | None = None
    text: str | None = None
    party: str | None = None
    status: str | None = None
    parties: list[str] = []
    ad_referendum: bool | None = None
    reason: str | None = None
    session: UUID | None = None
    by: str
    binding: bool | None = Field(None, description="For consents and capitals: confirmed (true) or noted (false)")
    delegation: str | None = None


class HistoryOut(Schema):
    point: PointOut
    events: list[EventOut]


def point_out(point: Point) -> dict:
    current = point.current_formulation
    return {
        "id": point.public_id,
        "number": point.number,
        "title": point.title,
        "status": current.status if current else "empty",
        "current_text": current.text if current else None,
        "open_brackets": current.open_brackets if current else 0,
    }


def _consent_out(party: Party, state: PartyConsent) -> dict:
    event = state.consent_event if state.consent == "confirmed" else state.noted_event
    noted = state.noted_event if state.consent == "confirmed" else None
    capitals = None
    if state.capitals is not None:
        capitals = {
            "state": state.capitals,
            "recorded_by": state.capitals_event.recorded_by.get_username(),
            "delegation": _delegation_name(state.capitals_event),
        }
    return {
        "party": party.name,
        "state": state.consent,
        "recorded_by": event.recorded_by.get_username(),
        "delegation": _delegation_name(event),
        "noted_by": _delegation_name(noted) if noted is not None else None,
        "ad_referendum": state.ad_referendum,
        "capitals": capitals,
    }


def _delegation_name(event: Agreement) -> str | None:
    return event.delegation.name if event.delegation is not None else None


def _awaiting(formulation: Formulation, parties: list[Party], states: dict[int, PartyConsent]) -> list[str]:
    if formulation.status == Formulation.Status.AGREED_AD_REFERENDUM:
        return [p.name for p in parties if states[p.pk].ad_referendum and states[p.pk].capitals != "confirmed"]
    if formulation.status in (Formulation.Status.PROPOSED, Formulation.Status.AWAITING_CONSENT):
        return [p.name for p in parties if states[p.pk].consent != "confirmed"]
    return []


def formulation_out(formulation: Formulation) -> dict:
    parties = list(formulation.point.negotiation.parties.all())
    events = formulation.events.select_related("delegation", "recorded_by").prefetch_related("parties")
    states = consent_states(events.order_by("recorded_at", "pk"), [p.pk for p in parties])
    return {
        "id": formulation.public_id,
        "point": formulation.point.public_id,
        "text": formulation.text,
        "language": formulation.language,
        "party": formulation.party.name,
        "session": formulation.session.public_id if formulation.session else None,
        "status": formulation.status,
        "open_brackets": formulation.open_brackets,
        "proposed_by": formulation.proposed_by.get_username(),
        "created_at": formulation.created_at,
        "consents": [_consent_out(p, states[p.pk]) for p in parties if states[p.pk].consent is not None],
        "awaiting": _awaiting(formulation, parties, states),
    }


def _session(access: Access, session_id: UUID | None) -> Session | None:
    if session_id is None:
        return None
    session = access.negotiation.sessions.filter(public_id=session_id).first()
    if session is None:
        raise ValidationError(gettext("That session is not part of this negotiation."))
    return session


def _parties(negotiation: Negotiation, names: list[str]) -> list[Party]:
    parties = list(negotiation.parties.filter(name__in=names))
    missing = sorted(set(names) - {p.name for p in parties})
    if missing:
        raise ValidationError(gettext("Not parties to this negotiation: %(names)s.") % {"names": ", ".join(missing)})
    return parties


@router.post("/negotiations/{negotiation_id}/points", response={201: PointOut})
def create_point(request: HttpRequest, negotiation_id: UUID, payload: PointIn):
    negotiation, _ = get_for_user(request.user, Negotiation, negotiation_id, roles=CAPTURE_ROLES)
    return Status(201, point_out(Point.open(negotiation=negotiation, title=payload.title)))


@router.get("/negotiations/{negotiation_id}/points", response=list[PointOut])
def list_points(request: HttpRequest, negotiation_id: UUID):
    negotiation, _ = get_for_user(request.user, Negotiation, negotiation_id)
    return [point_out(p) for p in negotiation.points.all()]


@router.post("/points/{point_id}/formulations", response={201: FormulationOut})
def propose_formulation(request: HttpRequest, point_id: UUID, payload: FormulationIn):
    point, access = get_for_user(request.user, Point, point_id, roles=CAPTURE_ROLES)
    formulation = point.propose(
        text=payload.text,
        party=_parties(access.negotiation, [payload.party])[0],
        language=payload.language,
        session=_session(access, payload.session),
        membership=access.membership,
    )
    return Status(201, formulation_out(formulation))


@router.get("/formulations/{formulation_id}", response=FormulationOut)
def formulation_detail(request: HttpRequest, formulation_id: UUID):
    formulation, _ = get_for_user(request.user, Formulation, formulation_id)
    return formulation_out(formulation)


@router.post("/formulations/{formulation_id}/agree", response=FormulationOut)
def agree_formulation(request: HttpRequest, formulation_id: UUID, payload: AgreeIn):
    """Record that the listed parties accept this exact text. A party's
    consent is confirmed when you act for it, otherwise noted; a party
    confirms its own consent with this same call naming only itself. The
    status is `awaiting_consent` until every party's consent is confirmed."""
    formulation, access = get_for_user(request.user, Formulation, formulation_id, roles=CAPTURE_ROLES)
    formulation.agree(
        parties=_parties(access.negotiation, payload.parties),
        session=_session(access, payload.session),
        ad_referendum=payload.ad_referendum,
        membership=access.membership,
    )
    return formulation_out(formulation)


@router.post("/formulations/{formulation_id}/confirm", response=FormulationOut)
def confirm_formulation(request: HttpRequest, formulation_id: UUID, payload: ConfirmIn):
    """Capitals confirmed an agreement made ad referendum, party by party:
    confirmed for the party you act for, noted for any other. The text stays
    `agreed_ad_referendum` until each such party's own confirmation."""
    formulation, access = get_for_user(request.user, Formulation, formulation_id, roles=CAPTURE_ROLES)
    formulation.confirm(
        parties=_parties(access.negotiation, payload.parties),
        session=_session(access, payload.session),
        membership=access.membership,
    )
    return formulation_out(formulation)


@router.post("/formulations/{formulation_id}/reopen", response=FormulationOut)
def reopen_formulation(request: HttpRequest, formulation_id: UUID, payload: ReopenIn):
    formulation, access = get_for_user(request.user, Formulation, formulation_id, roles=HEAD_ROLES)
    formulation.reopen(reason=payload.reason, session=_session(access, payload.session), membership=access.membership)
    return formulation_out(formulation)


@router.get("/points/{point_id}/history", response=HistoryOut)
def point_history(request: HttpRequest, point_id: UUID):
    point, _ = get_for_user(request.user, Point, point_id)
    events: list[dict] = []
    formulations = point.formulations.select_related("party", "session", "proposed_by")
    for f in formulations:
        events.append(
            {
                "type": "formulation",
                "at": f.created_at,
                "formulation": f.public_id,
                "text": f.text,
                "party": f.party.name,
                "status": f.status,
                "session": f.session.public_id if f.session else None,
                "by": f.proposed_by.get_username(),
            }
        )
    agreements = (
        Agreement.objects.filter(formulation__point=point)
        .select_related("formulation", "session", "recorded_by", "delegation")
        .prefetch_related("parties")
    )
    for a in agreements:
        events.append(
            {
                "type": a.kind,
                "at": a.recorded_at,
                "formulation": a.formulation.public_id,
                "kind": a.kind,
                "parties": [p.name for p in a.parties.all()],
                "ad_referendum": a.ad_referendum,
                "reason": a.reason or None,
                "session": a.session.public_id if a.session else None,
                "by": a.recorded_by.get_username(),
                "binding": a.binding if a.kind != Agreement.Kind.REOPENED else None,
                "delegation": a.delegation.name if a.delegation else None,
            }
        )
    events.sort(key=lambda e: e["at"])
    return {"point": point_out(point), "events": events}
