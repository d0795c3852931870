from __future__ import annotations

from uuid import UUID

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from negotiations.access import HEAD_ROLES, get_for_user, negotiations_for
from negotiations.models import Delegation, Membership, Negotiation, Party
from negotiations.text import Line

Name = Line("name", 200)
PartyName = Line("party", 200)
Title = Line("title", 300)
LanguageCode = Line("working language code", 35)
Classification = Line("classification", 60)
Username = Line("username", 150)

router = Router(tags=["negotiations"])


class DelegationIn(Schema):
    name: Name
    party: PartyName


class DelegationOut(Schema):
    id: UUID
    name: str
    party: str


class UsernameIn(Schema):
    username: Username


class MemberOut(Schema):
    username: str
    delegation: str
    role: str | None = None


class NegotiationIn(Schema):
    title: Title
    parties: list[PartyName]
    format: Negotiation.Format = Negotiation.Format.BILATERAL
    package_rule: bool = False
    working_languages: list[LanguageCode] = []
    classification: Classification = "UNCLASSIFIED"


class NegotiationOut(Schema):
    id: UUID
    title: str
    format: str
    status: str
    package_rule: bool
    working_languages: list[str]
    classification: str
    secretariat_keeps_record: bool = Field(
        description="When true, the neutral secretariat's consents, confirmations and approvals stand for every "
        "party; otherwise each party's own delegation acts for it alone."
    )
    parties: list[str]
    owner: str
    my_role: str
    my_delegation: str
    my_acts_bind: list[str] = Field(
        description="The parties your consents, confirmations and approvals bind; for any other party they are "
        "only noted, awaiting its own confirmation."
    )


class MemberIn(Schema):
    username: Username
    role: Membership.Role


def _require_staff(request: HttpRequest) -> None:
    if not request.user.is_staff:
        raise PermissionDenied("Only staff users manage delegations.")


def _user(username: str):
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise ValidationError(f"There is no active user named {username!r}.")
    return user


def negotiation_out(negotiation: Negotiation, membership: Membership) -> dict:
    parties = list(negotiation.parties.all())
    return {
        "id": negotiation.public_id,
        "title": negotiation.title,
        "format": negotiation.format,
        "status": negotiation.status,
        "package_rule": negotiation.package_rule,
        "working_languages": negotiation.working_languages,
        "classification": negotiation.classification,
        "secretariat_keeps_record": negotiation.secretariat_keeps_record,
        "parties": [p.name for p in parties],
        "owner": negotiation.owner.name,
        "my_role": membership.role,
        "my_delegation": membership.delegation.name,
        "my_acts_bind": [p.name for p in parties if membership.acts_for(p)],
    }


@router.post("/delegations", response={201: DelegationOut})
def create_delegation(request: HttpRequest, payload: DelegationIn):
    _require_staff(request)
    if Delegation.objects.filter(name=payload.name).exists():
        raise ValidationError(f"A delegation named {payload.name!r} already exists.")
    party, _ = Party.objects.get_or_create(name=payload.party.strip())
    delegation = Delegation.objects.create(name=payload.name.strip(), party=party)
    return Status(201, {"id": delegation.public_id, "name": delegation.name, "party": party.name})


@router.post("/delegations/{delegation_id}/members", response={201: MemberOut})
def add_delegation_member(request: HttpRequest, delegation_id: UUID, payload: UsernameIn):
    _require_staff(request)
    delegation = Delegation.objects.filter(public_id=delegation_id).first()
    if delegation is None:
        raise ValidationError("There is no such delegation.")
    user = _user(payload.username)
    delegation.add_member(user)
    return Status(201, {"username": user.username, "delegation": delegation.name})


@router.post("/negotiations", response={201: NegotiationOut})
def create_negotiation(request: HttpRequest, payload: NegotiationIn):
    negotiation = Negotiation.start(
        title=payload.title,
        parties=payload.parties,
        by=request.user,
        format=payload.format,
        package_rule=payload.package_rule,
        working_languages=payload.working_languages,
        classification=payload.classification,
    )
    _, access = get_for_user(request.user, Negotiation, negotiation.public_id)
    return Status(201, negotiation_out(negotiation, access.membership))


@router.get("/negotiations", response=list[NegotiationOut])
def list_negotiations(request: HttpRequest):
    memberships = {
        m.negotiation_id: m
        for m in Membership.objects.filter(user=request.user).select_related("delegation", "negotiation")
    }
    negotiations = negotiations_for(request.user).select_related("owner").prefetch_related("parties")
    return [negotiation_out(n, memberships[n.pk]) for n in negotiations]


@router.get("/negotiations/{negotiation_id}", response=NegotiationOut)
def negotiation_detail(request: HttpRequest, negotiation_id: UUID):
    negotiation, access = get_for_user(request.user, Negotiation, negotiation_id)
    return negotiation_out(negotiation, access.membership)


@router.post("/negotiations/{negotiation_id}/members", response={201: MemberOut})
def add_negotiation_member(request: HttpRequest, negotiation_id: UUID, payload: MemberIn):
    negotiation, access = get_for_user(request.user, Negotiation, negotiation_id, roles=HEAD_ROLES)
    user = get_user_model().objects.filter(username=payload.username).first()
    membership = negotiation.add_member(user=user, role=payload.role, by=access.membership)
    return Status(
        201,
        {"username": membership.user.username, "delegation": membership.delegation.name, "role": membership.role},
    )
