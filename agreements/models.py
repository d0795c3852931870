from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone

from negotiations.models import Membership, Negotiation, Party
from negotiations.text import count_open_brackets, validate_record_text
from sessions.models import Entry, Session

if TYPE_CHECKING:
    from collections.abc import Iterable


class AgreementRefused(Exception):
    """The formulation cannot be agreed in its present state."""


class Point(models.Model):
    """A matter the parties try to settle; it carries formulations."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    negotiation = models.ForeignKey(Negotiation, on_delete=models.PROTECT, related_name="points")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["negotiation", "number"]
        constraints = [
            models.UniqueConstraint(fields=["negotiation", "number"], name="point_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("agreements:point", args=[self.public_id])

    @classmethod
    def open(cls, *, negotiation: Negotiation, title: str) -> Point:
        if not title.strip():
            raise ValidationError("A point needs a title, e.g. 'Right to choose alliances'.")
        with transaction.atomic():
            Negotiation.objects.select_for_update().filter(pk=negotiation.pk).first()
            last = negotiation.points.aggregate(n=Max("number"))["n"] or 0
            return cls.objects.create(negotiation=negotiation, number=last + 1, title=title.strip())

    @property
    def current_formulation(self) -> Formulation | None:
        """The agreed text if there is one, else the latest live proposal."""
        live = (
            self.formulations.filter(version_of=None)
            .exclude(status__in=[Formulation.Status.WITHDRAWN, Formulation.Status.SUPERSEDED])
            .order_by("-created_at", "-pk")
        )
        agreed = live.filter(status__in=Formulation.AGREED_STATUSES).first()
        return agreed or live.first()

    def propose(
        self,
        *,
        text: str,
        party: Party,
        membership: Membership,
        language: str = "",
        session: Session | None = None,
        entry: Entry | None = None,
        at: datetime | None = None,
    ) -> Formulation:
        """Record a party's verbatim formulation. It replaces that party's
        own earlier open formulation of the point; the other parties' stay on
        the table."""
        validate_record_text(text)
        if not self.negotiation.parties.filter(pk=party.pk).exists():
            raise ValidationError(f"{party.name} is not a party to this negotiation.")
        if session is not None and session.negotiation_id != self.negotiation_id:
            raise ValidationError("That session belongs to another negotiation.")
        with transaction.atomic():
            Point.objects.select_for_update().filter(pk=self.pk).first()
            if self.formulations.filter(status__in=Formulation.AGREED_STATUSES, version_of=None).exists():
                raise AgreementRefused(
                    "This point is already agreed. A head of delegation must reopen it before new wording is proposed."
                )
            previous = self.formulations.filter(party=party, status__in=Formulation.OPEN_STATUSES, version_of=None)
            replaced = previous.order_by("-created_at").first()
            previous.update(status=Formulation.Status.SUPERSEDED)
            return Formulation.objects.create(
                point=self,
                text=text,
                language=language,
                party=party,
                session=session,
                entry=entry,
                revises=replaced,
                proposed_by=membership.user,
                status=Formulation.status_for_text(text),
                created_at=at or timezone.now(),
            )


class Formulation(models.Model):
    """Verbatim words proposed by a party for a point. The database refuses
    any change to the text once stored: a revision is a new formulation."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        BRACKETED = "bracketed", "Bracketed"
        AGREED_AD_REFERENDUM = "agreed_ad_referendum", "Agreed ad referendum"
        AGREED = "agreed", "Agreed"
        PROVISIONALLY_AGREED = "provisionally_agreed", "Provisionally agreed"
        WITHDRAWN = "withdrawn", "Withdrawn"
        SUPERSEDED = "superseded", "Superseded"

    OPEN_STATUSES = (Status.PROPOSED, Status.BRACKETED)
    AGREED_STATUSES = (Status.AGREED_AD_REFERENDUM, Status.AGREED, Status.PROVISIONALLY_AGREED)

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    point = models.ForeignKey(Point, on_delete=models.PROTECT, related_name="formulations")
    text = models.TextField()
    language = models.CharField(max_length=20, blank=True)
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="formulations")
    session = models.ForeignKey(Session, null=True, blank=True, on_delete=models.PROTECT, related_name="formulations")
    entry = models.ForeignKey(Entry, null=True, blank=True, on_delete=models.PROTECT, related_name="formulations")
    revises = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="revisions")
    version_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="versions",
        help_text="The formulation this one renders in another working language.",
    )
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=30, choices=Status.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["point", "created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.party.label}: {self.text[:60]}"

    @classmethod
    def status_for_text(cls, text: str) -> str:
        return cls.Status.BRACKETED if count_open_brackets(text) else cls.Status.PROPOSED

    @property
    def open_brackets(self) -> int:
        return count_open_brackets(self.text)

    @property
    def is_agreed(self) -> bool:
        return self.status in self.AGREED_STATUSES

    def _events_since_reopening(self) -> list[Agreement]:
        events = list(self.events.order_by("recorded_at", "pk").prefetch_related("parties"))
        reopenings = [i for i, e in enumerate(events) if e.kind == Agreement.Kind.REOPENED]
        return events[reopenings[-1] + 1 :] if reopenings else events

    def add_version(
        self, *, text: str, language: str, membership: Membership, session: Session | None = None
    ) -> Formulation:
        """The same formulation in another working language, linked to it.
        It is agreed on its own: the parties accept each language's words."""
        validate_record_text(text)
        if not language.strip():
            raise ValidationError("Say which language this version is in, e.g. ru.")
        original = self.version_of or self
        if (
            language == original.language
            or original.versions.filter(language=language)
            .exclude(status__in=[self.Status.SUPERSEDED, self.Status.WITHDRAWN])
            .exists()
        ):
            raise ValidationError(f"This formulation already has a version in {language}.")
        return Formulation.objects.create(
            point=original.point,
            text=text,
            language=language.strip(),
            party=original.party,
            session=session,
            version_of=original,
            proposed_by=membership.user,
            status=Formulation.status_for_text(text),
        )

    def consenting_parties(self) -> set[int]:
        """Parties that have consented to this text since it was last reopened."""
        return {
            party.pk
            for event in self._events_since_reopening()
            if event.kind == Agreement.Kind.AGREED
            for party in event.parties.all()
        }

    def agree(
        self,
        *,
        parties: Iterable[Party],
        membership: Membership,
        session: Session | None = None,
        ad_referendum: bool = False,
        at: datetime | None = None,
    ) -> Agreement:
        """Record that these parties accept this exact text. The formulation
        is agreed once every party to the negotiation has consented."""
        parties = list(parties)
        if not parties:
            raise ValidationError("Name at least one consenting party.")
        negotiation = self.point.negotiation
        allowed = set(negotiation.parties.values_list("pk", flat=True))
        strangers = [p.name for p in parties if p.pk not in allowed]
        if strangers:
            raise ValidationError(f"Not parties to this negotiation: {', '.join(strangers)}.")
        with transaction.atomic():
            locked = Formulation.objects.select_for_update().get(pk=self.pk)
            if locked.is_agreed:
                raise AgreementRefused("This formulation is already agreed; its text is frozen.")
            if locked.status not in self.OPEN_STATUSES:
                raise AgreementRefused(
                    f"This formulation was {locked.get_status_display().lower()}; agree the current one."
                )
            if locked.open_brackets:
                raise AgreementRefused(
                    f"The text still has {locked.open_brackets} bracketed passage(s); "
                    "record a formulation without brackets before agreeing it."
                )
            event = Agreement.objects.create(
                formulation=locked,
                kind=Agreement.Kind.AGREED,
                session=session,
                ad_referendum=ad_referendum,
                recorded_by=membership.user,
                recorded_at=at or timezone.now(),
            )
            event.parties.set(parties)
            if allowed <= locked.consenting_parties():
                if any(e.ad_referendum for e in locked._events_since_reopening()):
                    locked.status = self.Status.AGREED_AD_REFERENDUM
                elif negotiation.package_rule:
                    locked.status = self.Status.PROVISIONALLY_AGREED
                else:
                    locked.status = self.Status.AGREED
                locked.save(update_fields=["status"])
                others = self.point.formulations.filter(status__in=self.OPEN_STATUSES).exclude(pk=locked.pk)
                others.exclude(version_of=locked.version_of or locked).exclude(pk=locked.version_of_id or 0).update(
                    status=self.Status.SUPERSEDED
                )
        self.refresh_from_db()
        return event

    def confirm(self, *, parties: Iterable[Party], membership: Membership, session: Session | None = None) -> Agreement:
        """Capitals have confirmed an agreement made ad referendum."""
        with transaction.atomic():
            locked = Formulation.objects.select_for_update().get(pk=self.pk)
            if locked.status != self.Status.AGREED_AD_REFERENDUM:
                raise AgreementRefused("Only a formulation agreed ad referendum awaits confirmation.")
            event = Agreement.objects.create(
                formulation=locked, kind=Agreement.Kind.CONFIRMED, session=session, recorded_by=membership.user
            )
            event.parties.set(list(parties))
            package_rule = locked.point.negotiation.package_rule
            locked.status = self.Status.PROVISIONALLY_AGREED if package_rule else self.Status.AGREED
            locked.save(update_fields=["status"])
        self.refresh_from_db()
        return event

    def reopen(self, *, reason: str, membership: Membership, session: Session | None = None) -> Agreement:
        if not membership.is_head:
            raise PermissionDenied("Only a head of delegation can reopen an agreed point.")
        if not reason.strip():
            raise ValidationError("Say why the point is reopened; the reason goes into the record.")
        with transaction.atomic():
            locked = Formulation.objects.select_for_update().get(pk=self.pk)
            if not locked.is_agreed:
                raise AgreementRefused("This formulation is not agreed, so there is nothing to reopen.")
            event = Agreement.objects.create(
                formulation=locked,
                kind=Agreement.Kind.REOPENED,
                session=session,
                reason=reason,
                recorded_by=membership.user,
            )
            locked.status = self.Status.PROPOSED
            locked.save(update_fields=["status"])
        self.refresh_from_db()
        return event


class Agreement(models.Model):
    """An event in a formulation's life: parties agreed it (perhaps ad
    referendum), capitals confirmed it, or a head reopened it. Events are
    append-only."""

    class Kind(models.TextChoices):
        AGREED = "agreed", "Agreed"
        CONFIRMED = "confirmed", "Confirmed by capitals"
        REOPENED = "reopened", "Reopened"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    formulation = models.ForeignKey(Formulation, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    parties = models.ManyToManyField(Party, related_name="+", blank=True)
    session = models.ForeignKey(Session, null=True, blank=True, on_delete=models.PROTECT, related_name="agreements")
    ad_referendum = models.BooleanField(default=False)
    reason = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["recorded_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.formulation}"
