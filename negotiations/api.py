from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, Router, Schema, Status

from negotiations.access import HEAD_ROLES, get_for_user, negotiations_for
from negotiations.models import Delegation, Invitation, InvitationUnusable, Membership, Negotiation, Party
from negotiations.text import Line

Name = Line(gettext_lazy("name"), 200)
PartyName = Line(gettext_lazy("party"), 200)
Title = Line(gettext_lazy("title"), 300)
LanguageCode = Line(gettext_lazy("working language code"), 35)
Classification = Line(gettext_lazy("classification"), 60)
Username = Line(gettext_lazy("username"), 150)

router = Router(tags=["negotiations"])


class DelegationIn(Schema):
    name: Name
    party: PartyName | None = Field(None, description="Leave out for a neutral secretariat, chair or mediator")


class DelegationOut(Schema):
    id: UUID
    name: str
    party: str | None


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
    secretariat_keeps_record: bool = False


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
    party = Party.objects.get_or_create(name=payload.party.strip())[0] if payload.party else None
    delegation = Delegation.objects.create(name=payload.name.strip(), party=party)
    return Status(201, {"id": delegation.public_id, "name": delegation.name, "party": party.name if party else None})


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
        secretariat_keeps_record=payload.secretariat_keeps_record,
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


# --- People: records staff create users and parties; heads manage their own delegation and invite by link --------

Password = Line(gettext_lazy("password"), 128)
FullName = Line(gettext_lazy("full name"), 150, required=False)
ShortName = Line(gettext_lazy("short name"), 20, required=False)


class UserIn(Schema):
    username: Username
    password: Password
    full_name: FullName = ""


class UserOut(Schema):
    username: str
    full_name: str


class PartyIn(Schema):
    name: PartyName
    short_name: ShortName = ""


class PartyOut(Schema):
    id: UUID
    name: str
    short_name: str


class MemberListOut(Schema):
    username: str
    name: str
    delegation: str
    party: str | None
    role: str


class InvitationIn(Schema):
    role: Membership.Role
    party: PartyName | None = Field(
        None,
        description="Another party to the negotiation, to invite its head (role must be head); leave out to invite "
        "a member of your own delegation",
    )


class InvitationOut(Schema):
    id: UUID
    delegation: str
    role: str
    state: str = Field(description="open, used, revoked or expired")
    created_by: str
    expires_at: datetime


class NewInvitationOut(InvitationOut):
    link: str = Field(description="The one-time link, shown only now: send it to the person invited")


class AcceptIn(Schema):
    link: str = Field(description="The link (or its last part, the secret)")
    username: Username
    password: Password


def create_user(*, username: str, password: str, full_name: str = ""):
    """A new active user whose password passes the validators (records staff, or an invitation link)."""
    User = get_user_model()
    username = username.strip()
    User._meta.get_field(User.USERNAME_FIELD).run_validators(username)  # letters, digits and @.+-_ as on the pages
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError(_("That username is taken; choose another one."))
    first, _space, last = full_name.strip().partition(" ")
    user = User(username=username, first_name=first[:150], last_name=last[:150])
    validate_password(password, user)
    user.set_password(password)
    user.save()
    return user


def invitation_out(invitation: Invitation) -> dict:
    return {
        "id": invitation.public_id,
        "delegation": invitation.delegation.name,
        "role": invitation.role,
        "state": invitation.state,
        "created_by": invitation.created_by.get_username(),
        "expires_at": invitation.expires_at,
    }


def party_of_negotiation(negotiation: Negotiation, name: str | None) -> Party | None:
    if not name:
        return None
    party = negotiation.parties.filter(name=name.strip()).first()
    if party is None:
        raise ValidationError(_("That party is not a party to this negotiation; use a name from its list of parties."))
    return party


@router.post("/users", response={201: UserOut})
def staff_create_user(request: HttpRequest, payload: UserIn):
    """Records staff create an account; put it in a delegation with POST /delegations/{id}/members."""
    _require_staff(request)
    user = create_user(username=payload.username, password=payload.password, full_name=payload.full_name)
    return Status(201, {"username": user.username, "full_name": user.get_full_name()})


@router.post("/parties", response={201: PartyOut})
def staff_create_party(request: HttpRequest, payload: PartyIn):
    _require_staff(request)
    if Party.objects.filter(name=payload.name.strip()).exists():
        raise ValidationError(_("A party of that name already exists."))
    party = Party.objects.create(name=payload.name.strip(), short_name=payload.short_name.strip())
    return Status(201, {"id": party.public_id, "name": party.name, "short_name": party.short_name})


@router.get("/negotiations/{negotiation_id}/members", response=list[MemberListOut])
def list_negotiation_members(request: HttpRequest, negotiation_id: UUID):
    negotiation, _ = get_for_user(request.user, Negotiation, negotiation_id)
    memberships = negotiation.memberships.select_related("user", "delegation__party").order_by(
        "delegation__name", "user__username"
    )
    return [
        {
            "username": m.user.get_username(),
            "name": m.user.get_full_name(),
            "delegation": m.delegation.name,
            "party": m.delegation.party.name if m.delegation.party else None,
            "role": m.role,
        }
        for m in memberships
    ]


@router.delete("/negotiations/{negotiation_id}/members/{username}", response={204: None})
def remove_negotiation_member(request: HttpRequest, negotiation_id: UUID, username: str):
    """A head removes a member of their own delegation; the member's open streams end."""
    negotiation, access = get_for_user(request.user, Negotiation, negotiation_id, roles=HEAD_ROLES)
    membership = negotiation.member_of_own_delegation(username=username, by=access.membership)
    negotiation.remove_member(membership=membership, by=access.membership)
    return Status(204, None)


@router.post("/negotiations/{negotiation_id}/invitations", response={201: NewInvitationOut})
def create_invitation(request: HttpRequest, negotiation_id: UUID, payload: InvitationIn):
    """A one-time link for someone with no account yet: a member of your delegation with a role, or (with
    'party') the head of another party's delegation. The link is in this answer only."""
    negotiation, access = get_for_user(request.user, Negotiation, negotiation_id, roles=HEAD_ROLES)
    invitation, raw = Invitation.issue(
        negotiation=negotiation,
        by=access.membership,
        role=payload.role,
        party=party_of_negotiation(negotiation, payload.party),
    )
    link = request.build_absolute_uri(reverse("accounts:invitation", args=[raw]))
    return Status(201, {**invitation_out(invitation), "link": link})


@router.get("/negotiations/{negotiation_id}/invitations", response=list[InvitationOut])
def list_invitations(request: HttpRequest, negotiation_id: UUID):
    """The links your delegation created in this negotiation (never their secrets)."""
    negotiation, access = get_for_user(request.user, Negotiation, negotiation_id, roles=HEAD_ROLES)
    invitations = negotiation.invitations.filter(created_by_delegation=access.membership.delegation)
    return [invitation_out(i) for i in invitations.select_related("delegation", "created_by")]


@router.post("/negotiations/{negotiation_id}/invitations/{invitation_id}/revoke", response=InvitationOut)
def revoke_invitation(request: HttpRequest, negotiation_id: UUID, invitation_id: UUID):
    negotiation, access = get_for_user(request.user, Negotiation, negotiation_id, roles=HEAD_ROLES)
    invitation = negotiation.invitations.filter(
        public_id=invitation_id, created_by_delegation=access.membership.delegation
    ).first()
    if invitation is None:
        raise ValidationError(_("Your delegation has no such link in this negotiation; pick one from its list."))
    invitation.revoke(by=access.membership)
    return invitation_out(invitation)


@router.post("/invitations/accept", auth=None, response={201: MemberOut})
def accept_invitation(request: HttpRequest, payload: AcceptIn):
    """Follow a one-time link: choose a username and password; the account joins the delegation and role the
    link was made for. A used, revoked or unknown link gets one answer; an expired one says so."""
    secret = payload.link.rstrip("/").rsplit("/", 1)[-1]
    try:
        with transaction.atomic():
            Invitation.open_for(secret)
            user = create_user(username=payload.username, password=payload.password)
            membership = Invitation.accept(secret, user=user)
    except InvitationUnusable as refused:
        raise ValidationError(
            _("This invitation link has expired; ask the head who sent it for a new one.")
            if refused.expired
            else _(
                "This invitation link cannot be used: it was already used, revoked, or never existed. "
                "Ask the head who sent it for a new one."
            )
        ) from None
    return Status(201, {"username": user.username, "delegation": membership.delegation.name, "role": membership.role})
