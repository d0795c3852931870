from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, ngettext

from negotiations.models import Membership, Negotiation, Party
from negotiations.text import RecordText, count_open_brackets, validate_record_text
from sessions.models import Act, Entry, Session, SessionClosed

if TYPE_CHECKING:
    from collections.abc import Iterable


class AgreementRefused(Exception):
    """The formulation cannot be agreed in its present state."""


class Point(models.Model):
    """A matter the parties try to settle; it carries formulations."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    negotiation = models.ForeignKey(Negotiation, on_delete=models.PROTECT, related_name="points")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=300, validators=[RecordText()])
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
            raise ValidationError(gettext("A point needs a title, e.g. 'Right to choose alliances'."))
        with transaction.atomic():
            Negotiation.objects.select_for_update().filter(pk=negotiation.pk).first()
            last = negotiation.points.aggregate(n=Max("number"))["n"] or 0
            return cls.objects.create(negotiation=negotiation, number=last + 1, title=title)

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
            raise ValidationError(gettext("%(party)s is not a party to this negotiation.") % {"party": party.name})
        Formulation.refuse_foreign_sources(point=self, session=session, entry=entry)
        if session is not None:
            session.refresh_from_db(fields=["status"])
            session.refuse_if_frozen("formulations")
        with transaction.atomic():
            Point.objects.select_for_update().filter(pk=self.pk).first()
            if self.formulations.filter(status__in=Formulation.AGREED_STATUSES, version_of=None).exists():
                raise AgreementRefused(
                    gettext(
                        "This point is already agreed. A head of delegation must reopen it before new wording is "
                        "proposed."
                    )
                )
            previous = self.formulations.filter(party=party, status__in=Formulation.OPEN_STATUSES, version_of=None)
            replaced = previous.order_by("-created_at").first()
            if membership.acts_for(party):
                # A party's own delegation replaces its earlier words; words another delegation
                # recorded in its name stand beside them and replace nothing.
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
        PROPOSED = "proposed", gettext_lazy("Proposed")
        BRACKETED = "bracketed", gettext_lazy("Bracketed")
        AWAITING_CONSENT = "awaiting_consent", gettext_lazy("Awaiting consent")
        AGREED_AD_REFERENDUM = "agreed_ad_referendum", gettext_lazy("Agreed ad referendum")
        AGREED = "agreed", gettext_lazy("Agreed")
        PROVISIONALLY_AGREED = "provisionally_agreed", gettext_lazy("Provisionally agreed")
        WITHDRAWN = "withdrawn", gettext_lazy("Withdrawn")
        SUPERSEDED = "superseded", gettext_lazy("Superseded")

    OPEN_STATUSES = (Status.PROPOSED, Status.BRACKETED, Status.AWAITING_CONSENT)
    AGREED_STATUSES = (Status.AGREED_AD_REFERENDUM, Status.AGREED, Status.PROVISIONALLY_AGREED)

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    point = models.ForeignKey(Point, on_delete=models.PROTECT, related_name="formulations")
    text = models.TextField(validators=[RecordText(multiline=True)])
    language = models.CharField(max_length=20, blank=True, validators=[RecordText()])
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

    def save(self, *args, **kwargs) -> None:
        if self._state.adding:
            Formulation.refuse_foreign_sources(point=self.point, session=self.session, entry=self.entry)
        super().save(*args, **kwargs)

    @staticmethod
    def refuse_foreign_sources(*, point: Point, session: Session | None, entry: Entry | None) -> None:
        """A formulation is words on the shared record: the line it comes
        from must be a shared line, and that line and the session must be of
        the point's own negotiation (another negotiation's is no such thing
        here). Checked on every insert; the database checks it again."""
        if session is not None and session.negotiation_id != point.negotiation_id:
            raise ValidationError(gettext("No such session in this negotiation."))
        if entry is None:
            return
        if entry.session.negotiation_id != point.negotiation_id:
            raise ValidationError(gettext("No such line in this negotiation."))
        if entry.stream != Entry.RECORD_STREAM:
            raise ValidationError(
                gettext(
                    "That line is internal to your delegation; a formulation on the shared record must come from a "
                    "shared line. Record the words on the shared record first."
                )
            )

    @classmethod
    def status_for_text(cls, text: str) -> str:
        return cls.Status.BRACKETED if count_open_brackets(text) else cls.Status.PROPOSED

    @property
    def open_brackets(self) -> int:
        return count_open_brackets(self.text)

    @property
    def is_agreed(self) -> bool:
        return self.status in self.AGREED_STATUSES

    def add_version(
        self, *, text: str, language: str, membership: Membership, session: Session | None = None
    ) -> Formulation:
        """The same formulation in another working language, linked to it.
        It is agreed on its own: the parties accept each language's words."""
        validate_record_text(text)
        if not language.strip():
            raise ValidationError(gettext("Say which language this version is in, e.g. ru."))
        original = self.version_of or self
        if (
            language == original.language
            or original.versions.filter(language=language)
            .exclude(status__in=[self.Status.SUPERSEDED, self.Status.WITHDRAWN])
            .exists()
        ):
            raise ValidationError(
                gettext("This formulation already has a version in %(language)s.") % {"language": language}
            )
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
        """Parties whose own consent to this text is confirmed since it was
        last reopened (a consent merely noted by another delegation does not
        count)."""
        return {pk for pk, state in self.consents().items() if state.consent == "confirmed"}

    def consents(self) -> dict[int, PartyConsent]:
        parties = list(self.point.negotiation.parties.values_list("pk", flat=True))
        events = self.events.order_by("recorded_at", "pk").select_related("delegation", "recorded_by")
        return consent_states(events.prefetch_related("parties"), parties)  # the replay starts again at each reopening

    def _check_session(self, session: Session | None) -> None:
        if session is None:
            return
        if session.negotiation_id != self.point.negotiation_id:
            raise ValidationError(gettext("That session is not part of this negotiation."))
        session.refresh_from_db(fields=["status"])
        if session.is_frozen:
            raise SessionClosed(
                gettext(
                    "Session %(number)s is %(status)s; record this act without a session, or in the session where "
                    "it happened."
                )
                % {"number": session.number, "status": session.get_status_display().lower()}
            )

    def _record_consent(
        self,
        *,
        kind: str,
        parties: list[Party],
        membership: Membership,
        session: Session | None,
        ad_referendum: bool,
        at: datetime | None,
    ) -> list[Agreement]:
        """Split the named parties into those the member binds (confirmed)
        and those they only note, and store one event for each group."""
        negotiation = self.point.negotiation
        allowed = set(negotiation.parties.values_list("pk", flat=True))
        strangers = [p.name for p in parties if p.pk not in allowed]
        if strangers:
            raise ValidationError(
                gettext("Not parties to this negotiation: %(names)s.") % {"names": ", ".join(strangers)}
            )
        states = self.consents()
        field = "consent" if kind == Agreement.Kind.AGREED else "capitals"
        bound = [p for p in parties if membership.acts_for(p) and getattr(states[p.pk], field) != "confirmed"]
        noted = [p for p in parties if not membership.acts_for(p) and getattr(states[p.pk], field) is None]
        if not bound and not noted:
            names = ", ".join(p.name for p in parties)
            raise ValidationError(gettext("Already recorded for %(names)s; nothing new to record.") % {"names": names})
        events = []
        for group, binding in ((bound, True), (noted, False)):
            if not group:
                continue
            event = Agreement.objects.create(
                formulation=self,
                kind=kind,
                session=session,
                ad_referendum=ad_referendum,
                binding=binding,
                delegation=membership.delegation,
                recorded_by=membership.user,
                recorded_at=at or timezone.now(),
            )
            event.parties.set(group)
            events.append(event)
            names = ", ".join(p.name for p in group)
            what = "Consent" if kind == Agreement.Kind.AGREED else "Capital's confirmation"
            who = f"{membership.user.get_full_name() or membership.user.get_username()} ({membership.delegation.label})"
            point = f"point {self.point.number} ({self.point.title})"
            if binding:
                act_kind = Act.Kind.CONSENT_CONFIRMED if field == "consent" else Act.Kind.CAPITALS_CONFIRMED
                text = f"{what} of {names} to the text of {point} confirmed by {who}"
            else:
                act_kind = Act.Kind.CONSENT_NOTED if field == "consent" else Act.Kind.CAPITALS_NOTED
                text = f"{what} of {names} to the text of {point} noted by {who}, awaiting {names}'s confirmation"
            Act.record(
                negotiation=negotiation,
                session=session,
                kind=act_kind,
                by=membership,
                party=group[0] if len(group) == 1 else None,
                subject=str(self.public_id),
                text=text + (" (ad referendum)." if ad_referendum and field == "consent" else "."),
                at=at,
            )
        return events

    def _settle(self) -> None:
        """Derive the status from the parties' confirmed consents: agreed and
        frozen only when every party's own consent is confirmed."""
        states = self.consents()
        negotiation = self.point.negotiation
        if all(s.consent == "confirmed" for s in states.values()):
            waiting_for_capitals = [pk for pk, s in states.items() if s.ad_referendum and s.capitals != "confirmed"]
            if waiting_for_capitals:
                status = self.Status.AGREED_AD_REFERENDUM
            elif negotiation.package_rule:
                status = self.Status.PROVISIONALLY_AGREED
            else:
                status = self.Status.AGREED
            if not self.is_agreed:
                others = self.point.formulations.filter(status__in=self.OPEN_STATUSES).exclude(pk=self.pk)
                others.exclude(version_of=self.version_of or self).exclude(pk=self.version_of_id or 0).update(
                    status=self.Status.SUPERSEDED
                )
        elif any(s.consent for s in states.values()):
            status = self.Status.AWAITING_CONSENT
        else:
            status = self.status
        if status != self.status:
            self.status = status
            self.save(update_fields=["status"])

    def agree(
        self,
        *,
        parties: Iterable[Party],
        membership: Membership,
        session: Session | None = None,
        ad_referendum: bool = False,
        at: datetime | None = None,
    ) -> list[Agreement]:
        """Record that these parties accept this exact text. For the
        member's own party (or every party, for a secretariat that keeps the
        record) the consent is confirmed; for any other party it is noted,
        awaiting that party's own confirmation. The formulation is agreed
        once every party's consent is confirmed."""
        parties = list(parties)
        if not parties:
            raise ValidationError(gettext("Name at least one consenting party."))
        self._check_session(session)
        with transaction.atomic():
            locked = Formulation.objects.select_for_update().select_related("point__negotiation").get(pk=self.pk)
            if locked.is_agreed:
                raise AgreementRefused(gettext("This formulation is already agreed; its text is frozen."))
            if locked.status not in self.OPEN_STATUSES:
                raise AgreementRefused(
                    gettext("This formulation was %(status)s; agree the current one.")
                    % {"status": locked.get_status_display().lower()}
                )
            if locked.open_brackets:
                raise AgreementRefused(
                    ngettext(
                        "The text still has %(n)s bracketed passage; "
                        "record a formulation without brackets before agreeing it.",
                        "The text still has %(n)s bracketed passages; "
                        "record a formulation without brackets before agreeing it.",
                        locked.open_brackets,
                    )
                    % {"n": locked.open_brackets}
                )
            events = locked._record_consent(
                kind=Agreement.Kind.AGREED,
                parties=parties,
                membership=membership,
                session=session,
                ad_referendum=ad_referendum,
                at=at,
            )
            locked._settle()
        self.refresh_from_db()
        return events

    def confirm(
        self, *, parties: Iterable[Party], membership: Membership, session: Session | None = None
    ) -> list[Agreement]:
        """Capitals have confirmed an agreement made ad referendum: confirmed
        for the member's own party, noted for any other."""
        parties = list(parties)
        if not parties:
            raise ValidationError(gettext("Name the party whose capital confirmed the agreement."))
        self._check_session(session)
        with transaction.atomic():
            locked = Formulation.objects.select_for_update().select_related("point__negotiation").get(pk=self.pk)
            if locked.status != self.Status.AGREED_AD_REFERENDUM:
                raise AgreementRefused(gettext("Only a formulation agreed ad referendum awaits confirmation."))
            events = locked._record_consent(
                kind=Agreement.Kind.CONFIRMED,
                parties=parties,
                membership=membership,
                session=session,
                ad_referendum=False,
                at=None,
            )
            locked._settle()
        self.refresh_from_db()
        return events

    def reopen(self, *, reason: str, membership: Membership, session: Session | None = None) -> Agreement:
        if not membership.is_head:
            raise PermissionDenied(gettext("Only a head of delegation can reopen an agreed point."))
        if not membership.may_steer_the_table:
            raise PermissionDenied(
                gettext("The secretariat does not keep the record of this negotiation; it cannot reopen a point.")
            )
        if not reason.strip():
            raise ValidationError(gettext("Say why the point is reopened; the reason goes into the record."))
        validate_record_text(reason)
        self._check_session(session)
        with transaction.atomic():
            locked = Formulation.objects.select_for_update().get(pk=self.pk)
            if not locked.is_agreed:
                raise AgreementRefused(gettext("This formulation is not agreed, so there is nothing to reopen."))
            Act.record(
                negotiation=locked.point.negotiation,
                session=session,
                kind=Act.Kind.POINT_REOPENED,
                by=membership,
                party=membership.delegation.party,
                subject=str(locked.public_id),
                text=f"Point {locked.point.number} ({locked.point.title}) reopened by "
                f"{membership.user.get_full_name() or membership.user.get_username()} "
                f"({membership.delegation.label}): {reason.strip()}",
            )
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
        AGREED = "agreed", gettext_lazy("Agreed")
        CONFIRMED = "confirmed", gettext_lazy("Confirmed by capitals")
        REOPENED = "reopened", gettext_lazy("Reopened")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    formulation = models.ForeignKey(Formulation, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    parties = models.ManyToManyField(Party, related_name="+", blank=True)
    session = models.ForeignKey(Session, null=True, blank=True, on_delete=models.PROTECT, related_name="agreements")
    ad_referendum = models.BooleanField(default=False)
    binding = models.BooleanField(
        default=True,
        help_text="Recorded by the party's own delegation (or the secretariat that keeps the record). "
        "When false, another delegation noted it at the table and it awaits the party's confirmation.",
    )
    delegation = models.ForeignKey(
        "negotiations.Delegation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(blank=True, validators=[RecordText(multiline=True)])
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["recorded_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.formulation}"


@dataclass
class PartyConsent:
    """Where one party stands on one text since it was last reopened."""

    consent: str | None = None  # "confirmed", "noted" or None
    ad_referendum: bool = False
    capitals: str | None = None  # for an ad referendum consent: "confirmed", "noted" or None
    consent_event: Agreement | None = None
    noted_event: Agreement | None = None
    capitals_event: Agreement | None = None

    @property
    def state(self) -> str:
        """One word for grids and the API: confirmed, noted or none."""
        return self.consent or "none"


def consent_states(events: Iterable[Agreement], party_ids: Iterable[int]) -> dict[int, PartyConsent]:
    """Replay a text's events (oldest first) into each party's standing."""
    states = {pk: PartyConsent() for pk in party_ids}
    for event in events:
        if event.kind == Agreement.Kind.REOPENED:
            states = {pk: PartyConsent() for pk in states}
            continue
        for party in event.parties.all():
            state = states.setdefault(party.pk, PartyConsent())
            if event.kind == Agreement.Kind.AGREED:
                if event.binding and state.consent != "confirmed":
                    state.consent, state.consent_event = "confirmed", event
                    state.ad_referendum = event.ad_referendum
                elif not event.binding and state.consent is None:
                    state.consent, state.noted_event = "noted", event
                    state.ad_referendum = event.ad_referendum
            elif event.kind == Agreement.Kind.CONFIRMED:
                if event.binding and state.capitals != "confirmed":
                    state.capitals, state.capitals_event = "confirmed", event
                elif not event.binding and state.capitals is None:
                    state.capitals, state.capitals_event = "noted", event
    return states
