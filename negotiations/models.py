from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections, models, router, transaction
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from django.utils.translation import gettext as _

from negotiations.text import RecordText, validate_language_codes

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class Party(models.Model):
    """A side at the table: a state or an organisation. Parties exist whether
    or not anyone from them uses Verbatim."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200, unique=True, validators=[RecordText()])
    short_name = models.CharField(max_length=20, blank=True, validators=[RecordText()])

    class Meta:
        ordering = ["name"]
        verbose_name_plural = gettext_lazy("parties")

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        return self.short_name or self.name


class Delegation(models.Model):
    """The team of users who keep a record: either a party's delegation, or
    a neutral one (a secretariat, chair or mediator) that keeps a record for
    the table without being a party."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200, unique=True, validators=[RecordText()])
    party = models.ForeignKey(
        Party,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="delegations",
        help_text="Leave empty for a neutral secretariat, chair or mediator.",
    )
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, through="DelegationMember", related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_neutral(self) -> bool:
        return self.party_id is None

    @property
    def label(self) -> str:
        """How the delegation is named beside what its members record."""
        return self.party.label if self.party is not None else self.name

    def add_member(self, user: User) -> DelegationMember:
        member, created = DelegationMember.objects.get_or_create(user=user, defaults={"delegation": self})
        if not created and member.delegation_id != self.pk:
            raise ValidationError(
                gettext("%(user)s already belongs to the delegation %(delegation)s; a user belongs to one delegation.")
                % {"user": user.username, "delegation": member.delegation.name}
            )
        return member


class DelegationMember(models.Model):
    """A user belongs to exactly one delegation."""

    delegation = models.ForeignKey(Delegation, on_delete=models.CASCADE, related_name="delegation_members")
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="delegation_member")
    joined_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.user} in {self.delegation}"


def delegation_of(user: User) -> Delegation | None:
    member = DelegationMember.objects.select_related("delegation__party").filter(user=user).first()
    return member.delegation if member else None


class Negotiation(models.Model):
    class Format(models.TextChoices):
        BILATERAL = "bilateral", gettext_lazy("Bilateral")
        MULTILATERAL = "multilateral", gettext_lazy("Multilateral")

    class Status(models.TextChoices):
        PREPARING = "preparing", gettext_lazy("In preparation")
        ACTIVE = "active", gettext_lazy("Active")
        SUSPENDED = "suspended", gettext_lazy("Suspended")
        CONCLUDED = "concluded", gettext_lazy("Concluded")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(max_length=300, validators=[RecordText()])
    format = models.CharField(max_length=20, choices=Format.choices, default=Format.BILATERAL)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    working_languages = models.JSONField(
        default=list, blank=True, help_text="Language codes, e.g. en, ru, ar", validators=[validate_language_codes]
    )
    package_rule = models.BooleanField(
        "nothing is agreed until everything is agreed",
        default=False,
        help_text="Under this rule every agreed point stays provisionally agreed until the package is concluded.",
    )
    classification = models.CharField(max_length=60, default="UNCLASSIFIED", validators=[RecordText()])
    secretariat_keeps_record = models.BooleanField(
        "the neutral secretariat keeps the record",
        default=False,
        help_text="When set, the secretariat's consent, confirmation and approval stand for every party; "
        "otherwise each party acts only for itself.",
    )
    requires_two_factor = models.BooleanField(
        "members must sign in with two-factor",
        default=False,
        help_text="Set by a head of delegation: members open this negotiation only after signing in with a code "
        "from their authenticator app.",
    )
    parties = models.ManyToManyField(Party, related_name="negotiations")
    owner = models.ForeignKey(Delegation, on_delete=models.PROTECT, related_name="owned_negotiations")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("negotiations:detail", args=[self.public_id])

    @classmethod
    def start(
        cls,
        *,
        title: str,
        parties: list[str],
        by: User,
        format: str = Format.BILATERAL,
        package_rule: bool = False,
        working_languages: list[str] | None = None,
        classification: str = "UNCLASSIFIED",
        secretariat_keeps_record: bool = False,
    ) -> Negotiation:
        """Open a negotiation owned by the creator's delegation, with the
        creator as its first head."""
        delegation = delegation_of(by)
        if delegation is None:
            raise ValidationError(gettext("You do not belong to a delegation yet; ask a staff user to add you to one."))
        names = [name.strip() for name in parties if name.strip()]
        if delegation.party is not None and delegation.party.name not in names:
            names.insert(0, delegation.party.name)
        if len(set(names)) < 2:
            raise ValidationError(gettext("A negotiation needs at least two parties."))
        if format == cls.Format.BILATERAL and len(set(names)) != 2:
            raise ValidationError(
                gettext("A bilateral negotiation has exactly two parties; use the multilateral format.")
            )
        with transaction.atomic():
            negotiation = cls.objects.create(
                title=title,
                format=format,
                package_rule=package_rule,
                working_languages=working_languages or [],
                classification=classification,
                secretariat_keeps_record=secretariat_keeps_record,
                owner=delegation,
                created_by=by,
            )
            for name in dict.fromkeys(names):
                party, _ = Party.objects.get_or_create(name=name)
                negotiation.parties.add(party)
            Membership.objects.create(
                negotiation=negotiation, user=by, delegation=delegation, role=Membership.Role.HEAD
            )
        return negotiation

    def set_two_factor(self, *, required: bool, by: Membership, verified: bool) -> None:
        """A head requires (or stops requiring) two-factor sign-in for every member. ``verified``: the
        head signed in with a code, so turning it on cannot lock them out of their own negotiation."""
        if not by.is_head:
            raise PermissionDenied(gettext("Only a head of delegation can require two-factor sign-in."))
        if required and not verified:
            raise PermissionDenied(
                gettext(
                    "Set up two-factor sign-in for yourself first (Your account, Two-factor sign-in), "
                    "then require it for the negotiation."
                )
            )
        self.requires_two_factor = required
        self.save(update_fields=["requires_two_factor"])

    def party_from_form(self, raw: object) -> Party | None:
        """The party a form names by its id, if it is a party to this
        negotiation; None for anything else (not a number, another
        negotiation's party), so that the form can say what to choose."""
        raw = str(raw or "").strip()
        if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
            return None
        return self.parties.filter(pk=int(raw)).first()

    CANNOT_ADD = gettext_lazy(
        "No user can be added to this negotiation with that name and role. Check the spelling with the person. "
        "A colleague must first be put in your delegation by records staff (or invite them by link); another "
        "party's delegation is invited by adding its head, and from then on its own heads add its members."
    )

    def add_member(self, *, user: User | None, role: str, by: Membership) -> Membership:
        """A head adds and changes the members of their own delegation, and
        invites another party's delegation only by adding its head: the
        first member of another delegation joins as head, and from then on
        that delegation's own heads manage it.

        Every refusal that depends on who the user is (none by that name,
        inactive, in no delegation, of a party outside the negotiation, of a
        neutral delegation not yet taking part, of a delegation managed by
        its own heads, another delegation's first member with a role other
        than head) gives the same answer, ``CANNOT_ADD``: the head learns
        nothing about users they could not add."""
        if not by.is_head:
            raise PermissionDenied(_("Only a head of delegation can add members."))
        if role not in Membership.Role.values:
            raise ValidationError(_("Choose a role: head of delegation, note-taker or reviewer."))
        delegation = delegation_of(user) if user is not None and user.is_active else None
        own = delegation is not None and delegation.pk == by.delegation_id
        if (
            delegation is None
            or (delegation.is_neutral and not self.memberships.filter(delegation=delegation).exists())
            or (not delegation.is_neutral and not self.parties.filter(pk=delegation.party_id).exists())
            or (not own and self.memberships.filter(delegation=delegation).exists())
            or (not own and role != Membership.Role.HEAD)
        ):
            raise ValidationError(self.CANNOT_ADD, code="cannot_add")
        with transaction.atomic():
            membership, created = Membership.objects.select_for_update().get_or_create(
                negotiation=self, user=user, defaults={"delegation": delegation, "role": role}
            )
            if not created and membership.role != role:
                if membership.is_head:
                    self._keep_a_head(
                        membership,
                        _(
                            "You cannot change the role of the only head of the delegation: make another member "
                            "head first, so that someone can still add its members."
                        ),
                    )
                membership.role = role
                membership.save(update_fields=["role"])
        return membership

    def _keep_a_head(self, membership: Membership, refusal: str) -> None:
        """A delegation taking part keeps at least one head, who alone can add its members."""
        heads = (
            Membership.objects.select_for_update()
            .filter(negotiation=self, delegation_id=membership.delegation_id, role=Membership.Role.HEAD)
            .exclude(pk=membership.pk)
        )
        if not heads.exists():
            raise ValidationError(refusal)

    def member_of_own_delegation(self, *, username: str, by: Membership) -> Membership:
        """The member of the head's own delegation with this username; anyone
        else (another delegation's member, no member by that name) gets the
        same answer."""
        if not by.is_head:
            raise PermissionDenied(_("Only a head of delegation can change or remove members."))
        membership = (
            Membership.objects.select_related("user", "delegation")
            .filter(negotiation=self, delegation_id=by.delegation_id, user__username=username)
            .first()
        )
        if membership is None:
            raise ValidationError(
                _("No member of your delegation has that name in this negotiation; pick one from the list.")
            )
        return membership

    def remove_member(self, *, membership: Membership, by: Membership) -> None:
        """A head removes a member of their own delegation. Deleting the
        membership ends the member's open streams (sessions/revocations.py);
        what they recorded stays in the record."""
        if not by.is_head:
            raise PermissionDenied(_("Only a head of delegation can remove members."))
        if membership.negotiation_id != self.pk or membership.delegation_id != by.delegation_id:
            raise ValidationError(
                _("No member of your delegation has that name in this negotiation; pick one from the list.")
            )
        with transaction.atomic():
            if membership.is_head:
                self._keep_a_head(
                    membership,
                    _(
                        "You cannot remove the only head of the delegation: make another member head first, "
                        "so that someone can still add its members."
                    ),
                )
            membership.delete()


class Membership(models.Model):
    """A user's place in one negotiation: which delegation they sit with and
    what they may do."""

    class Role(models.TextChoices):
        HEAD = "head", gettext_lazy("Head of delegation")
        NOTE_TAKER = "note_taker", gettext_lazy("Note-taker")
        REVIEWER = "reviewer", gettext_lazy("Reviewer")

    negotiation = models.ForeignKey(Negotiation, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    delegation = models.ForeignKey(Delegation, on_delete=models.PROTECT, related_name="negotiation_memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["negotiation", "user"], name="membership_one_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}) in {self.negotiation}"

    @property
    def is_head(self) -> bool:
        return self.role == self.Role.HEAD

    @property
    def can_capture(self) -> bool:
        return self.role in {self.Role.HEAD, self.Role.NOTE_TAKER}

    @property
    def may_steer_the_table(self) -> bool:
        """Closing and reopening sessions and points, and editing the minutes:
        a party's head, or the head of the secretariat that keeps the record
        (a neutral delegation that does not keep it only observes)."""
        return self.is_head and (not self.delegation.is_neutral or self.negotiation.secretariat_keeps_record)

    @property
    def is_secretariat(self) -> bool:
        """A member of the neutral delegation that keeps the record for the
        table, where the negotiation was set up that way."""
        return self.delegation.is_neutral and self.negotiation.secretariat_keeps_record

    def acts_for(self, party: Party | int) -> bool:
        """Whether what this member records binds ``party``: only that
        party's own delegation does, or the secretariat where it keeps the
        record. Anyone else merely notes what they saw at the table."""
        party_id = party if isinstance(party, int) else party.pk
        return self.delegation.party_id == party_id or self.is_secretariat

    def bound_parties(self) -> list[Party]:
        """The parties this member's acts bind."""
        if self.is_secretariat:
            return list(self.negotiation.parties.all())
        return [self.delegation.party] if self.delegation.party_id else []


class InvitationUnusable(Exception):
    """A link that lets nobody in: unknown, used, revoked or expired. Unknown, used and revoked links
    read the same, so that the page tells nothing about links it does not open."""

    def __init__(self, expired: bool = False) -> None:
        super().__init__("expired" if expired else "unusable")
        self.expired = expired


def _invitation_expiry() -> datetime:
    return timezone.now() + timedelta(days=settings.INVITATION_LIFETIME_DAYS)


class Invitation(models.Model):
    """A one-time link a head creates for someone with no account yet: it is
    bound to a negotiation, a delegation and a role, which the person
    following it cannot choose. Only the SHA-256 of its secret is stored; it
    expires, works once, and a head of the delegation that created it can
    revoke it while unused."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    negotiation = models.ForeignKey(Negotiation, on_delete=models.CASCADE, related_name="invitations")
    delegation = models.ForeignKey(Delegation, on_delete=models.PROTECT, related_name="invitations")
    role = models.CharField(max_length=20, choices=Membership.Role.choices)
    digest = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_by_delegation = models.ForeignKey(Delegation, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(default=_invitation_expiry)
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation to {self.negotiation} as {self.role} of {self.delegation}"

    @staticmethod
    def hash(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @property
    def state(self) -> str:
        if self.used_at is not None:
            return "used"
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "open"

    @property
    def is_for_other_party(self) -> bool:
        return self.delegation_id != self.created_by_delegation_id

    @classmethod
    def issue(
        cls, *, negotiation: Negotiation, by: Membership, role: str, party: Party | None = None
    ) -> tuple[Invitation, str]:
        """A link for a member of the head's own delegation with ``role``, or
        (with ``party``, another party to the negotiation) for that party's
        head: to its delegation, created for the party if it has none (never
        to one that has members already). The secret is returned once and
        never stored."""
        if not by.is_head:
            raise PermissionDenied(_("Only a head of delegation can invite members."))
        if role not in Membership.Role.values:
            raise ValidationError(_("Choose a role: head of delegation, note-taker or reviewer."))
        with transaction.atomic():
            if party is None or party.pk == by.delegation.party_id:
                delegation = by.delegation
            else:
                if not negotiation.parties.filter(pk=party.pk).exists():
                    raise ValidationError(_("That party is not a party to this negotiation; pick one from its list."))
                if role != Membership.Role.HEAD:
                    raise ValidationError(
                        _("Another party is invited by its head, who then invites their own members.")
                    )
                taking_part = negotiation.memberships.filter(delegation__party=party).exists()
                if taking_part:
                    raise ValidationError(
                        _("The delegation of %(party)s already takes part; its own heads invite its members.")
                        % {"party": party.name}
                    )
                delegation = party.delegations.order_by("name").first() or Delegation.objects.create(
                    name=cls._free_delegation_name(party), party=party
                )
                if delegation.delegation_members.exists():  # a link founds a delegation; it never joins a team
                    raise ValidationError(
                        _(
                            "%(party)s already has a delegation with members: add its head by their username "
                            "(Add someone with an account), so that nobody from outside joins that delegation."
                        )
                        % {"party": party.name}
                    )
            raw = secrets.token_urlsafe(32)
            invitation = cls.objects.create(
                negotiation=negotiation,
                delegation=delegation,
                role=role,
                digest=cls.hash(raw),
                created_by=by.user,
                created_by_delegation=by.delegation,
            )
        return invitation, raw

    @staticmethod
    def _free_delegation_name(party: Party) -> str:
        base = _("Delegation of %(party)s") % {"party": party.name}
        name, n = base[:200], 2
        while Delegation.objects.filter(name=name).exists():
            name, n = f"{base[:190]} ({n})", n + 1
        return name

    @classmethod
    def open_for(cls, raw: str) -> Invitation:
        """The invitation this secret opens, or InvitationUnusable."""
        invitation = (
            cls.objects.select_related("negotiation", "delegation__party", "created_by")
            .filter(digest=cls.hash(raw or ""))
            .first()
        )
        if invitation is None or invitation.used_at is not None or invitation.revoked_at is not None:
            raise InvitationUnusable()
        if invitation.expires_at <= timezone.now():
            raise InvitationUnusable(expired=True)
        inviter = Membership.objects.filter(
            negotiation_id=invitation.negotiation_id,
            user_id=invitation.created_by_id,
            delegation_id=invitation.created_by_delegation_id,
            role=Membership.Role.HEAD,
        )
        if not inviter.exists():  # the head who invited no longer is one here: their links lapse
            raise InvitationUnusable()
        if invitation.is_for_other_party and (
            invitation.negotiation.memberships.filter(delegation_id=invitation.delegation_id).exists()
            or invitation.delegation.delegation_members.exists()
        ):  # that delegation joined meanwhile, or has members now: only its own people add its members
            raise InvitationUnusable()
        return invitation

    @classmethod
    def accept(cls, raw: str, *, user: User) -> Membership:
        """Join ``user`` (new, in no delegation yet) to the invitation's
        delegation and negotiation with its role. Works once: the link is
        claimed by a conditional update inside the same transaction."""
        with transaction.atomic():
            invitation = cls.open_for(raw)
            if invitation.is_for_other_party:  # two links for its head at once: one founds the delegation
                Delegation.objects.select_for_update().filter(pk=invitation.delegation_id).first()
                invitation = cls.open_for(raw)
            claimed = cls.objects.filter(pk=invitation.pk, used_at=None, revoked_at=None).update(
                used_at=timezone.now(), used_by=user
            )
            if claimed != 1:
                raise InvitationUnusable()
            invitation.delegation.add_member(user)
            return Membership.objects.create(
                negotiation=invitation.negotiation, user=user, delegation=invitation.delegation, role=invitation.role
            )

    def revoke(self, *, by: Membership) -> None:
        if (
            not by.is_head
            or by.delegation_id != self.created_by_delegation_id
            or by.negotiation_id != (self.negotiation_id)
        ):
            raise PermissionDenied(_("Only a head of the delegation that created a link can revoke it."))
        if self.used_at is not None:
            raise ValidationError(_("This link was already used; remove the member instead."))
        if Invitation.objects.filter(pk=self.pk, revoked_at=None, used_at=None).update(revoked_at=timezone.now()):
            self.refresh_from_db()


class TokenRefused(Exception):
    """A bearer token that does not let its holder in, with the reason in words."""


def _token_expiry() -> datetime:
    return timezone.now() + timedelta(days=settings.API_TOKEN_LIFETIME_DAYS)


# Sent with ``user_id`` when a user's tokens are revoked or their browser sessions ended: open live
# streams opened with them re-check at once (sessions/revocations.py).
credentials_revoked = Signal()


@cache
def _token_sql(alias: str) -> str:
    from negotiations import rows

    quote = connections[alias].ops.quote_name
    token = ApiToken._meta
    user = token.get_field("user").related_model._meta
    return (
        f"SELECT {rows.columns(ApiToken, alias, 't')}, {rows.columns(user.model, alias, 'u')} "
        f"FROM {quote(token.db_table)} t JOIN {quote(user.db_table)} u "
        f"ON u.{quote(user.pk.column)} = t.{quote(token.get_field('user').column)} "
        f"WHERE t.{quote(token.get_field('digest').column)} = %s"
    )


class ApiToken(models.Model):
    """A bearer token for the JSON API. Only its SHA-256 is stored. It expires, its owner can list
    and revoke it, and every token of a user is revoked when their password changes."""

    # last_used_at is written at most this often, so that using a token stays a read.
    TOUCH_SECONDS = 60

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=100, blank=True, help_text="The owner's label, e.g. the script that uses it")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(default=_token_expiry)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    two_factor = models.BooleanField(
        default=False, help_text="Issued on a code from the owner's authenticator (two-factor sign-in)"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"API token of {self.user} ({self.digest[:8]}…)"

    @staticmethod
    def hash(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @classmethod
    def issue(cls, user: User, *, name: str = "", days: int | None = None, two_factor: bool = False) -> str:
        """A new token for ``user``; ``days`` may shorten the default lifetime, never lengthen it."""
        lifetime = min(days or settings.API_TOKEN_LIFETIME_DAYS, settings.API_TOKEN_LIFETIME_DAYS)
        raw = secrets.token_urlsafe(32)
        cls.objects.create(
            user=user,
            digest=cls.hash(raw),
            name=name,
            expires_at=timezone.now() + timedelta(days=lifetime),
            two_factor=two_factor,
        )
        return raw

    @classmethod
    def for_secret(cls, raw: str) -> ApiToken:
        """The live token for this secret, or TokenRefused saying why not. Records its use (at most
        once a minute). Its user answers ``is_verified()`` as django-otp does: True when the token
        was issued on a two-factor code."""
        token = cls._with_user(cls.hash(raw))
        if token is None or not token.user.is_active:
            raise TokenRefused(
                "This API token is not valid. Ask for a new one at POST /api/v1/auth/token and send it as "
                "'Authorization: Bearer <token>'."
            )
        now = timezone.now()
        if token.revoked_at is not None:
            raise TokenRefused(
                "This API token was revoked (by its owner, or because the password changed). "
                "Ask for a new one at POST /api/v1/auth/token."
            )
        if token.expires_at <= now:
            raise TokenRefused(
                f"This API token expired at {token.expires_at:%Y-%m-%d %H:%M} UTC. "
                "Ask for a new one at POST /api/v1/auth/token."
            )
        if token.last_used_at is None or now - token.last_used_at >= timedelta(seconds=cls.TOUCH_SECONDS):
            cls.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        two_factor = token.two_factor
        token.user.is_verified = lambda: two_factor
        return token

    @classmethod
    def _with_user(cls, digest: str) -> ApiToken | None:
        """The token with this digest and its user, in one statement written once: every API request
        asks it (``select_related("user").filter(digest=…).first()``, without compiling it each time)."""
        from negotiations import rows

        alias = router.db_for_read(cls)
        user_model = cls._meta.get_field("user").related_model
        found = rows.joined(alias, _token_sql(alias), [digest], cls, user_model)
        if found is None:
            return None
        token, token.user = found
        return token

    @classmethod
    def user_for(cls, raw: str) -> User | None:
        """The user of a live token, or None (see ``for_secret`` for the reason)."""
        try:
            return cls.for_secret(raw).user
        except TokenRefused:
            return None

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    @classmethod
    def still_stands(cls, pk: int) -> bool:
        """Whether a token that opened a live stream is still live."""
        return pk in cls.standing({pk})

    @classmethod
    def standing(cls, pks: set[int]) -> set[int]:
        """Which of these tokens are still live: one query for all the API streams of a session
        at each of their re-checks."""
        live = cls.objects.filter(pk__in=pks, revoked_at=None, expires_at__gt=timezone.now(), user__is_active=True)
        return set(live.values_list("pk", flat=True))

    @classmethod
    def revoke_all(cls, user: User) -> int:
        count = cls.objects.filter(user=user, revoked_at=None).update(revoked_at=timezone.now())
        credentials_revoked.send(sender=cls, user_id=user.pk)
        return count

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])
            credentials_revoked.send(sender=type(self), user_id=self.user_id)


class ExportJob(models.Model):
    """A large export rendered by a background job. Keyed by the record's
    fingerprint and the format, so asking twice for the same record builds
    it once."""

    class Status(models.TextChoices):
        PENDING = "pending", gettext_lazy("Waiting for a worker")
        RUNNING = "running", gettext_lazy("Being rendered")
        READY = "ready", gettext_lazy("Ready")
        FAILED = "failed", gettext_lazy("Failed")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    fingerprint = models.CharField(max_length=64)
    fmt = models.CharField(max_length=10)
    stem = models.CharField(max_length=200)
    record = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    progress = models.PositiveSmallIntegerField(default=0)
    content = models.BinaryField(null=True, blank=True)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    requested_at = models.DateTimeField(default=timezone.now, help_text="When the export was last asked for")
    enqueued_at = models.DateTimeField(null=True, blank=True, help_text="When its job was handed to the broker")
    started_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["fingerprint", "fmt"], name="export_job_once_per_record_and_format"),
        ]

    def __str__(self) -> str:
        return f"{self.stem}.{self.fmt} ({self.status})"

    @classmethod
    def ask(cls, *, record: dict, fingerprint: str, fmt: str, stem: str, by: User) -> tuple[ExportJob, bool]:
        """The job of this record in this format, and whether it was made
        pending just now (new, or failed and asked for again): then the
        caller sends it after commit (``exports.delivery.request_job``)."""
        job, created = cls.objects.get_or_create(
            fingerprint=fingerprint, fmt=fmt, defaults={"record": record, "stem": stem, "requested_by": by}
        )
        if not created and job.status == cls.Status.FAILED:
            cls.objects.filter(pk=job.pk).update(
                status=cls.Status.PENDING, error="", progress=0, requested_at=timezone.now(), enqueued_at=None
            )
            created = True
        return job, created

    @classmethod
    def take_back_stuck(cls, now: datetime) -> Iterator[ExportJob]:
        """Each job running past the limit, made pending again (claimed by a
        conditional update, so two sweeps take each back once), for the
        caller to send."""
        limit = now - timedelta(seconds=settings.JOBS_RUNNING_LIMIT_SECONDS)
        for stuck in cls.objects.filter(status=cls.Status.RUNNING, started_at__lt=limit):
            if cls.objects.filter(pk=stuck.pk, status=cls.Status.RUNNING, started_at=stuck.started_at).update(
                status=cls.Status.PENDING, enqueued_at=None, progress=0
            ):
                yield stuck

    @classmethod
    def stranded(cls, now: datetime) -> models.QuerySet[ExportJob]:
        """Pending jobs past their grace that were never handed to the broker
        (it was down) or handed long ago and never started (it lost them)."""
        grace = now - timedelta(seconds=settings.JOBS_PENDING_GRACE_SECONDS)
        requeue = now - timedelta(seconds=settings.JOBS_REQUEUE_SECONDS)
        stranded = cls.objects.filter(status=cls.Status.PENDING, requested_at__lt=grace).filter(
            models.Q(enqueued_at=None) | models.Q(enqueued_at__lt=requeue)
        )
        return stranded.only("pk", "status", "enqueued_at")

    def start(self) -> bool:
        """Claim the job for this run; False when it is already done."""
        return bool(
            ExportJob.objects.filter(pk=self.pk, status__in=[self.Status.PENDING, self.Status.RUNNING]).update(
                status=self.Status.RUNNING, progress=10, started_at=timezone.now(), attempts=models.F("attempts") + 1
            )
        )

    def finish(self, content: bytes) -> None:
        ExportJob.objects.filter(pk=self.pk).update(status=self.Status.READY, progress=100, content=content)


class IssuedFile(models.Model):
    """The SHA-256 of an export file this instance handed to someone, with
    the record it carries and to whom it went. Append-only (a trigger
    refuses UPDATE and DELETE): verification can then say when and to whom
    identical bytes were issued."""

    sha256 = models.CharField(max_length=64)
    kind = models.CharField(max_length=20, help_text="minutes or agreed-text")
    record_id = models.CharField(max_length=36)
    version = models.CharField(max_length=50)
    fingerprint = models.CharField(max_length=64)
    fmt = models.CharField(max_length=10)
    issued_to = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    delegation = models.ForeignKey(Delegation, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    issued_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["sha256", "issued_at"], name="issued_file_by_bytes")]

    def __str__(self) -> str:
        return f"{self.kind} {self.record_id} ({self.fmt}) to {self.issued_to} at {self.issued_at:%Y-%m-%d %H:%M}"

    @classmethod
    def note(cls, *, content: bytes, record: dict, fingerprint: str, fmt: str, to: User) -> IssuedFile:
        membership = (
            Membership.objects.filter(user=to, negotiation__public_id=record["negotiation"]["id"])
            .select_related("delegation")
            .first()
        )
        r = record["record"]
        return cls.objects.create(
            sha256=hashlib.sha256(content).hexdigest(),
            kind=r["kind"],
            record_id=r["id"],
            version=r["version"],
            fingerprint=fingerprint,
            fmt=fmt,
            issued_to=to,
            delegation=membership.delegation if membership else None,
        )

    @classmethod
    def first_of(cls, content: bytes) -> IssuedFile | None:
        """The first time these exact bytes were issued, if ever."""
        digest = hashlib.sha256(content).hexdigest()
        return cls.objects.filter(sha256=digest).select_related("issued_to", "delegation").order_by("issued_at").first()


class RecordCheck(models.Model):
    """The outcome of one walk of a negotiation's hash chains
    (negotiations/integrity.py), run by the beat job and by
    ``manage.py verify_record``. A passing check replaces the passing ones
    before it; a failing one is kept. The last passing check's chain heads
    are the witness the next check compares with."""

    negotiation = models.ForeignKey(Negotiation, on_delete=models.CASCADE, related_name="record_checks")
    at = models.DateTimeField(default=timezone.now)
    ok = models.BooleanField()
    findings = models.JSONField(default=list, blank=True, help_text="One dict per finding, with its line")
    heads = models.JSONField(default=dict, blank=True, help_text="The last seq and digest of every chain")

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["negotiation", "-at"], name="record_check_latest")]

    def __str__(self) -> str:
        return f"{self.negotiation}: {'verified' if self.ok else 'broken'} at {self.at:%Y-%m-%d %H:%M}"

    @classmethod
    def run(cls, negotiation: Negotiation) -> RecordCheck:
        from negotiations.integrity import chain_heads, verify_negotiation

        witness = cls.objects.filter(negotiation=negotiation, ok=True).first()
        findings = verify_negotiation(
            negotiation,
            heads=witness.heads if witness else None,
            heads_at=f"{witness.at:%Y-%m-%d %H:%M} UTC" if witness else "",
        )
        check = cls.objects.create(
            negotiation=negotiation,
            ok=not findings,
            findings=[f.as_dict() for f in findings],
            heads=chain_heads(negotiation),
        )
        if check.ok:
            cls.objects.filter(negotiation=negotiation, ok=True).exclude(pk=check.pk).delete()
        return check

    @classmethod
    def latest_for(cls, negotiation: Negotiation) -> RecordCheck | None:
        return cls.objects.filter(negotiation=negotiation).first()

    def lines_for(self, membership: Membership) -> list[str]:
        """The findings a member may read: a break in another delegation's
        internal stream is told without naming its rows."""
        own = f"internal:{membership.delegation.public_id}"
        lines = []
        for finding in self.findings:
            if finding.get("stream", "record") in ("record", own):
                lines.append(finding["line"])
            else:
                lines.append(f"session {finding.get('session')}: another delegation's internal entries do not verify")
        return lines
