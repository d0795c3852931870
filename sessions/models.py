from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone

from negotiations.models import Delegation, Membership, Negotiation, Party
from negotiations.text import validate_record_text

if TYPE_CHECKING:
    pass


class SessionClosed(Exception):
    """The session no longer accepts entries."""


class ClientIdReused(Exception):
    """A client id came back with different content."""


class CorrectionConflict(Exception):
    """Somebody else corrected the entry first."""

    def __init__(self, entry: Entry, current: Entry, attempted_text: str) -> None:
        self.entry = entry
        self.current = current
        self.attempted_text = attempted_text
        super().__init__(
            f"Entry {entry.seq} was already corrected by {current.author} at "
            f"{current.created_at:%H:%M:%S}. Compare the two texts and correct the latest version if needed."
        )


class Session(models.Model):
    """One sitting of a negotiation."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        IN_PROGRESS = "in_progress", "In progress"
        CLOSED = "closed", "Closed"
        MINUTES_APPROVED = "minutes_approved", "Minutes approved"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    negotiation = models.ForeignKey(Negotiation, on_delete=models.PROTECT, related_name="sessions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=300)
    place = models.CharField(max_length=200, blank=True)
    scheduled_for = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SCHEDULED)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    current_agenda_item = models.ForeignKey(
        "AgendaItem",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Attached to new entries until another item is taken up.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["negotiation", "number"]
        constraints = [
            models.UniqueConstraint(fields=["negotiation", "number"], name="session_number_unique"),
        ]

    def __str__(self) -> str:
        return f"Session {self.number}: {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("sessions:detail", args=[self.public_id])

    @classmethod
    def schedule(cls, *, negotiation: Negotiation, title: str, place: str = "", scheduled_for=None) -> Session:
        with transaction.atomic():
            Negotiation.objects.select_for_update().filter(pk=negotiation.pk).first()
            last = negotiation.sessions.aggregate(n=Max("number"))["n"] or 0
            return cls.objects.create(
                negotiation=negotiation, number=last + 1, title=title.strip(), place=place, scheduled_for=scheduled_for
            )

    @property
    def accepts_entries(self) -> bool:
        return self.status in {self.Status.SCHEDULED, self.Status.IN_PROGRESS}

    def _locked(self) -> Session:
        return Session.objects.select_for_update().get(pk=self.pk)

    def start(self) -> None:
        with transaction.atomic():
            locked = self._locked()
            if locked.status == self.Status.SCHEDULED:
                locked.status = self.Status.IN_PROGRESS
                locked.started_at = timezone.now()
                locked.save(update_fields=["status", "started_at"])
                self.changed()
            elif locked.status != self.Status.IN_PROGRESS:
                raise SessionClosed(
                    f"Session {self.number} is {locked.get_status_display().lower()}; it cannot restart."
                )
        self.refresh_from_db()

    def close(self) -> bool:
        """Close the session. Returns True when this call closed it, False when
        it was already closed (closing twice is harmless)."""
        with transaction.atomic():
            locked = self._locked()
            if locked.status in {self.Status.CLOSED, self.Status.MINUTES_APPROVED}:
                self.refresh_from_db()
                return False
            now = timezone.now()
            locked.status = self.Status.CLOSED
            locked.started_at = locked.started_at or now
            locked.ended_at = now
            locked.save(update_fields=["status", "started_at", "ended_at"])
            self.changed()
        self.refresh_from_db()
        return True

    def changed(self) -> None:
        """Tell open consoles and streams, once the transaction commits."""
        from sessions.live import notify

        key = str(self.public_id)
        transaction.on_commit(lambda: notify(key))

    def take_up(self, item: AgendaItem | None) -> None:
        """Make ``item`` the agenda item new entries are attached to."""
        if item is not None and item.session_id != self.pk:
            raise ValidationError("That agenda item belongs to another session.")
        with transaction.atomic():
            Session.objects.filter(pk=self.pk).update(current_agenda_item=item)
            self.current_agenda_item = item
            self.changed()

    def add_agenda_item(self, title: str) -> AgendaItem:
        if not title.strip():
            raise ValidationError("An agenda item needs a title.")
        with transaction.atomic():
            self._locked()
            last = self.agenda_items.aggregate(n=Max("position"))["n"] or 0
            item = AgendaItem.objects.create(session=self, position=last + 1, title=title.strip())
            self.changed()
        return item

    def visible_entries(self, membership: Membership) -> models.QuerySet[Entry]:
        return self.entries.filter(Entry.visible_to(membership))

    def broken_links(self) -> list[Entry]:
        """Entries whose digest does not follow from the one before them in
        their stream: empty when the stored record is intact."""
        broken: list[Entry] = []
        previous: dict[str, str] = {}
        entries = self.entries.select_related("session", "speaker", "party", "author", "supersedes")
        for entry in entries.order_by("stream", "seq"):
            if entry.digest != entry.compute_digest(previous.get(entry.stream, "")):
                broken.append(entry)
            previous[entry.stream] = entry.digest
        return broken

    def record_entry(
        self,
        *,
        membership: Membership,
        client_id: uuid.UUID,
        text: str,
        kind: str = "note",
        visibility: str = "record",
        speaker: Participant | None = None,
        party: Party | None = None,
        agenda_item: AgendaItem | None = None,
        supersedes: Entry | None = None,
        at: datetime | None = None,
    ) -> tuple[Entry, bool]:
        """Append one line to the record. Returns ``(entry, created)``; the same
        ``client_id`` twice returns the entry stored the first time. ``at`` is
        for importing an existing record (the demo scenario); capture always
        uses the server's clock."""
        validate_record_text(text)
        if kind not in Entry.Kind.values:
            raise ValidationError(f"Unknown kind {kind!r}; use one of {', '.join(Entry.Kind.values)}.")
        if visibility not in Entry.Visibility.values:
            raise ValidationError("Visibility must be 'record' (shared) or 'internal' (your delegation only).")
        if party is None and speaker is not None:
            party = speaker.party
        stream = Entry.stream_for(visibility, membership.delegation)
        with transaction.atomic():
            session = self._locked()
            existing = session.entries.filter(client_id=client_id).first()
            if existing is not None:
                if (
                    existing.text != text
                    or existing.author_id != membership.user_id
                    or existing.supersedes_id != (supersedes.pk if supersedes else None)
                ):
                    raise ClientIdReused(
                        "This client id was already used for a different entry; generate a new id for each entry."
                    )
                return existing, False
            if not session.accepts_entries:
                raise SessionClosed(
                    f"Session {session.number} is {session.get_status_display().lower()} and accepts no more entries."
                )
            if supersedes is not None:
                current = Entry.objects.filter(supersedes=supersedes).first()
                if current is not None:
                    raise CorrectionConflict(supersedes, current, text)
            if agenda_item is None and supersedes is None:
                agenda_item = session.current_agenda_item
            if session.status == self.Status.SCHEDULED:
                session.status = self.Status.IN_PROGRESS
                session.started_at = timezone.now()
                session.save(update_fields=["status", "started_at"])
            last = session.entries.filter(stream=stream).order_by("-seq").only("seq", "digest").first()
            entry = Entry(
                session=session,
                stream=stream,
                seq=(last.seq if last else 0) + 1,
                client_id=client_id,
                kind=kind,
                visibility=visibility,
                text=text,
                speaker=speaker,
                party=party,
                agenda_item=agenda_item,
                author=membership.user,
                delegation=membership.delegation,
                supersedes=supersedes,
                created_at=at or timezone.now(),
            )
            entry.digest = entry.compute_digest(last.digest if last else "")
            try:
                with transaction.atomic():
                    entry.save(force_insert=True)
            except IntegrityError:
                if supersedes is not None:
                    current = Entry.objects.get(supersedes=supersedes)
                    raise CorrectionConflict(supersedes, current, text) from None
                raise
            self.changed()
        self.status = session.status
        return entry, True


class AgendaItem(models.Model):
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="agenda_items")
    position = models.PositiveIntegerField()
    title = models.CharField(max_length=300)

    class Meta:
        ordering = ["session", "position"]
        constraints = [
            models.UniqueConstraint(fields=["session", "position"], name="agenda_item_position_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.title}"


class Participant(models.Model):
    """A person at the table, of some party."""

    class Function(models.TextChoices):
        HEAD = "head", "Head of delegation"
        MEMBER = "member", "Delegation member"
        ADVISOR = "advisor", "Advisor"
        EXPERT = "expert", "Expert"
        INTERPRETER = "interpreter", "Interpreter"
        NOTE_TAKER = "note_taker", "Note-taker"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    negotiation = models.ForeignKey(Negotiation, on_delete=models.CASCADE, related_name="participants")
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="participants")
    name = models.CharField(max_length=200)
    function = models.CharField(max_length=20, choices=Function.choices, default=Function.MEMBER)
    title = models.CharField("position or title", max_length=200, blank=True)

    class Meta:
        ordering = ["party__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["negotiation", "name"], name="participant_name_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.party.label})"


class Attendance(models.Model):
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendance")
    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="attendance")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "participant"], name="attendance_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.participant} at {self.session}"


class Entry(models.Model):
    """One line of the live record. Append-only: the database refuses any
    UPDATE or DELETE. A correction is a new entry that supersedes an earlier
    one.

    Each session has one numbered stream for the shared record and one per
    delegation for its internal entries, so the shared sequence has no gaps
    that would betray another delegation's internal notes."""

    class Kind(models.TextChoices):
        NOTE = "note", "Note"
        STATEMENT = "statement", "Statement"
        PROPOSAL = "proposal", "Proposal"
        QUESTION = "question", "Question"
        ACTION_ITEM = "action_item", "Action item"
        DECISION = "decision", "Decision"
        OBSERVATION = "observation", "Observation"

    class Visibility(models.TextChoices):
        RECORD = "record", "Shared record"
        INTERNAL = "internal", "Internal to my delegation"

    RECORD_STREAM = "record"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="entries")
    stream = models.CharField(max_length=50, default=RECORD_STREAM)
    seq = models.PositiveIntegerField()
    client_id = models.UUIDField()
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.NOTE)
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.RECORD)
    text = models.TextField()
    speaker = models.ForeignKey(Participant, null=True, blank=True, on_delete=models.PROTECT, related_name="entries")
    party = models.ForeignKey(Party, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    agenda_item = models.ForeignKey(AgendaItem, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    delegation = models.ForeignKey(Delegation, on_delete=models.PROTECT, related_name="+")
    supersedes = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections")
    created_at = models.DateTimeField()
    digest = models.CharField(max_length=64, help_text="SHA-256 chained over the stream's previous entry")

    class Meta:
        ordering = ["session", "stream", "seq"]
        verbose_name_plural = "entries"
        constraints = [
            models.UniqueConstraint(fields=["session", "stream", "seq"], name="entry_seq_unique"),
            models.UniqueConstraint(fields=["session", "client_id"], name="entry_client_id_unique"),
            # Two note-takers correcting the same entry: the second one conflicts.
            models.UniqueConstraint(fields=["supersedes"], name="entry_corrected_once"),
            models.CheckConstraint(
                condition=Q(visibility="record", stream="record") | (Q(visibility="internal") & ~Q(stream="record")),
                name="entry_stream_matches_visibility",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.text[:60]}"

    @classmethod
    def stream_for(cls, visibility: str, delegation: Delegation) -> str:
        return cls.RECORD_STREAM if visibility == cls.Visibility.RECORD else f"internal:{delegation.public_id}"

    @classmethod
    def visible_to(cls, membership: Membership) -> Q:
        return Q(stream=cls.RECORD_STREAM) | Q(stream=cls.stream_for(cls.Visibility.INTERNAL, membership.delegation))

    @property
    def is_internal(self) -> bool:
        return self.visibility == self.Visibility.INTERNAL

    def correct(self, *, membership: Membership, client_id: uuid.UUID, text: str) -> tuple[Entry, bool]:
        """Record a correction: a new entry of the same kind, speaker and
        visibility that supersedes this one. Raises CorrectionConflict when
        somebody corrected it first."""
        return self.session.record_entry(
            membership=membership,
            client_id=client_id,
            text=text,
            kind=self.kind,
            visibility=self.visibility,
            speaker=self.speaker,
            party=self.party,
            agenda_item=self.agenda_item,
            supersedes=self,
        )

    def canonical(self) -> dict[str, object]:
        return {
            "session": str(self.session.public_id),
            "stream": self.stream,
            "seq": self.seq,
            "client_id": str(self.client_id),
            "kind": self.kind,
            "visibility": self.visibility,
            "text": self.text,
            "speaker": self.speaker.name if self.speaker else None,
            "party": self.party.name if self.party else None,
            "author": self.author.get_username(),
            "supersedes": str(self.supersedes.public_id) if self.supersedes else None,
            "created_at": self.created_at.isoformat(),
        }

    def compute_digest(self, previous: str) -> str:
        payload = json.dumps(self.canonical(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(f"{previous}\n{payload}".encode()).hexdigest()


class Summary(models.Model):
    """The end-of-session summary, built from the record by a background
    job, reviewed by a head of delegation and approved as the minutes.

    The structured ``content`` comes from the record and is never edited by
    hand; the head edits the ``narrative``. Once approved, the database
    refuses any change: later changes are numbered corrigenda."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for a worker"
        RUNNING = "running", "Being built"
        READY = "ready", "Ready for review"
        FAILED = "failed", "Failed"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    session = models.OneToOneField(Session, on_delete=models.PROTECT, related_name="summary")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    content = models.JSONField(null=True, blank=True)
    narrative = models.TextField(blank=True)
    narrative_edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    requested_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "summaries"

    def __str__(self) -> str:
        return f"Summary of {self.session} ({self.status})"

    @property
    def is_approved(self) -> bool:
        return self.approved_at is not None

    def claim(self) -> bool:
        """Mark the job running. False when it is already built."""
        with transaction.atomic():
            locked = Summary.objects.select_for_update().get(pk=self.pk)
            if locked.status == self.Status.READY:
                return False
            Summary.objects.filter(pk=self.pk).update(
                status=self.Status.RUNNING, attempts=models.F("attempts") + 1, started_at=timezone.now(), error=""
            )
            self.session.changed()
        return True

    def complete(self, content: dict, narrative: str) -> bool:
        """Store the built summary, unless another run already did: running
        twice yields one summary."""
        with transaction.atomic():
            locked = Summary.objects.select_for_update().get(pk=self.pk)
            if locked.status == self.Status.READY:
                return False
            Summary.objects.filter(pk=self.pk).update(
                status=self.Status.READY, content=content, narrative=narrative, finished_at=timezone.now(), error=""
            )
            self.session.changed()
        return True

    def note_retry(self, reason: str) -> None:
        with transaction.atomic():
            Summary.objects.filter(pk=self.pk).exclude(status=self.Status.READY).update(
                status=self.Status.PENDING, error=reason[:2000]
            )
            self.session.changed()

    def fail(self, reason: str) -> None:
        with transaction.atomic():
            Summary.objects.filter(pk=self.pk).exclude(status=self.Status.READY).update(
                status=self.Status.FAILED, error=reason[:2000], finished_at=timezone.now()
            )
            self.session.changed()

    def edit_narrative(self, *, text: str, membership: Membership) -> None:
        if not membership.is_head:
            raise PermissionDenied("Only a head of delegation edits the minutes.")
        if self.is_approved:
            raise ValidationError("These minutes are approved; add a corrigendum instead.")
        if self.status != self.Status.READY:
            raise ValidationError("The summary is not ready yet; wait for it to be built.")
        self.narrative = text
        self.narrative_edited_by = membership.user
        self.save(update_fields=["narrative", "narrative_edited_by"])

    def approve(self, *, membership: Membership) -> None:
        """Freeze the minutes and mark the session's minutes approved."""
        if not membership.is_head:
            raise PermissionDenied("Only a head of delegation approves the minutes.")
        with transaction.atomic():
            locked = Summary.objects.select_for_update().get(pk=self.pk)
            if locked.is_approved:
                raise ValidationError("These minutes were already approved.")
            if locked.status != self.Status.READY:
                raise ValidationError("The summary is not ready yet; it cannot be approved.")
            now = timezone.now()
            Summary.objects.filter(pk=self.pk).update(approved_by=membership.user, approved_at=now)
            Session.objects.filter(pk=self.session_id).update(status=Session.Status.MINUTES_APPROVED)
            self.session.changed()
        self.refresh_from_db()

    def add_corrigendum(self, *, text: str, membership: Membership) -> Corrigendum:
        if not membership.is_head:
            raise PermissionDenied("Only a head of delegation issues a corrigendum.")
        if not self.is_approved:
            raise ValidationError("The minutes are still a draft; edit them instead of issuing a corrigendum.")
        validate_record_text(text)
        with transaction.atomic():
            Summary.objects.select_for_update().get(pk=self.pk)
            number = (self.corrigenda.aggregate(n=Max("number"))["n"] or 0) + 1
            corrigendum = Corrigendum.objects.create(summary=self, number=number, text=text, issued_by=membership.user)
            self.session.changed()
        return corrigendum


class Corrigendum(models.Model):
    """A numbered correction to approved minutes, kept beside the original."""

    summary = models.ForeignKey(Summary, on_delete=models.PROTECT, related_name="corrigenda")
    number = models.PositiveIntegerField()
    text = models.TextField()
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["summary", "number"]
        verbose_name_plural = "corrigenda"
        constraints = [
            models.UniqueConstraint(fields=["summary", "number"], name="corrigendum_number_unique"),
        ]

    def __str__(self) -> str:
        return f"Corrigendum {self.number} to {self.summary.session}"
