from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.timezone import localtime
from django.utils.translation import gettext, gettext_lazy
from django.utils.translation import gettext as _

from negotiations.models import Delegation, Membership, Negotiation, Party
from negotiations.text import RecordText, validate_record_text, validate_time_zone
from sessions import statements

if TYPE_CHECKING:
    pass


# The parts of a session that freeze when it closes, as refusals name them.
FROZEN_PARTS = {
    "agenda": gettext_lazy("agenda"),
    "attendance": gettext_lazy("attendance"),
    "formulations": gettext_lazy("formulations"),
}


class SessionClosed(Exception):
    """The session no longer accepts entries."""


class ClientIdReused(Exception):
    """A client id came back with different content."""


class ApprovalStale(Exception):
    """The minutes changed between reading and approving them."""


class AgendaChanged(Exception):
    """The agenda item at a place is not the one the head saw there: another head changed the agenda since."""

    def __init__(self, position: int, seen: str) -> None:
        super().__init__(
            gettext(
                "The agenda changed since you loaded it: place %(position)s no longer holds “%(seen)s”. "
                "Reload the agenda and try again."
            )
            % {"position": position, "seen": seen}
        )


class NarrativeConflict(Exception):
    """Somebody saved the narrative since this version was loaded."""

    def __init__(self, current: str, attempted: str, edited_by: str) -> None:
        self.current = current
        self.attempted = attempted
        self.edited_by = edited_by
        super().__init__(
            gettext("%(who)s saved the narrative after you opened it. Both texts are shown; merge them and save again.")
            % {"who": edited_by}
        )


class CorrectionConflict(Exception):
    """Somebody else corrected the entry first."""

    def __init__(self, entry: Entry, current: Entry, attempted_text: str) -> None:
        self.entry = entry
        self.current = current
        self.attempted_text = attempted_text
        super().__init__(
            gettext(
                "Entry %(seq)s was already corrected by %(who)s at %(time)s. Compare the two texts and correct the "
                "latest version if needed."
            )
            % {"seq": entry.seq, "who": current.author, "time": time_format(localtime(current.created_at), "H:i:s T")}
        )


class Session(models.Model):
    """One sitting of a negotiation."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", gettext_lazy("Scheduled")
        IN_PROGRESS = "in_progress", gettext_lazy("In progress")
        CLOSED = "closed", gettext_lazy("Closed")
        MINUTES_APPROVED = "minutes_approved", gettext_lazy("Minutes approved")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    negotiation = models.ForeignKey(Negotiation, on_delete=models.PROTECT, related_name="sessions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=300, validators=[RecordText()])
    place = models.CharField(max_length=200, blank=True, validators=[RecordText()])
    scheduled_for = models.DateTimeField(null=True, blank=True)
    time_zone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_time_zone],
        help_text="The IANA time zone of the place, e.g. Europe/Paris: the scheduled time is shown in it.",
    )
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
    def schedule(
        cls, *, negotiation: Negotiation, title: str, place: str = "", scheduled_for=None, time_zone: str = "UTC"
    ) -> Session:
        validate_time_zone(time_zone)
        with transaction.atomic():
            Negotiation.objects.select_for_update().filter(pk=negotiation.pk).first()
            last = negotiation.sessions.aggregate(n=Max("number"))["n"] or 0
            return cls.objects.create(
                negotiation=negotiation,
                number=last + 1,
                title=title,
                place=place,
                scheduled_for=scheduled_for,
                time_zone=time_zone,
            )

    @property
    def local_start(self) -> datetime | None:
        """The scheduled moment in the session's own time zone."""
        from zoneinfo import ZoneInfo

        if self.scheduled_for is None:
            return None
        return self.scheduled_for.astimezone(ZoneInfo(self.time_zone))

    # --- The agenda ahead of the session: prepared, ordered, never taken up ---------------------------------

    def _locked_ahead(self) -> Session:
        locked = self._locked()
        if locked.status != self.Status.SCHEDULED:
            raise SessionClosed(
                _(
                    "Session %(number)s has started: its agenda is now kept in the console, where items are "
                    "taken up as the talks move on."
                )
                % {"number": self.number}
            )
        return locked

    def prepare_agenda_item(self, title: str) -> AgendaItem:
        """Add an item at the end of the agenda of a session not yet started; it is not taken up."""
        title = title.strip()
        if not title:
            raise ValidationError(_("An agenda item needs a title."))
        validate_record_text(title)
        with transaction.atomic():
            self._locked_ahead()
            last = self.agenda_items.aggregate(n=Max("position"))["n"] or 0
            item = AgendaItem.objects.create(session=self, position=last + 1, title=title)
            self.changed()
        return item

    def _agenda_item_at(self, position: int, seen: str | None) -> AgendaItem:
        """The item at ``position`` (call with the session held); when ``seen`` is given, only if it is still the
        item of that title, the one the head saw there: another head may have reordered or removed items since."""
        item = self.agenda_items.filter(position=position).first()
        if seen is not None and (item is None or item.title != seen):
            raise AgendaChanged(position, seen)
        if item is None:
            raise ValidationError(_("No agenda item at that place in this session; reload the agenda."))
        return item

    def move_agenda_item(self, position: int, to: int, seen: str | None = None) -> None:
        """Move the item at ``position`` (titled ``seen``, when given) to place ``to`` (1 = first), ahead of the
        session."""
        with transaction.atomic():
            self._locked_ahead()
            items = list(self.agenda_items.order_by("position"))
            item = self._agenda_item_at(position, seen)
            if not 1 <= to <= len(items):
                raise ValidationError(
                    _("An agenda item moves to a place between 1 and %(count)s.") % {"count": len(items)}
                )
            items = [i for i in items if i.pk != item.pk]
            items.insert(to - 1, item)
            self._renumber(items)

    def remove_agenda_item(self, position: int, seen: str | None = None) -> None:
        """Take the item at ``position`` (titled ``seen``, when given) off the agenda of a session not yet
        started (not one a line was recorded under)."""
        with transaction.atomic():
            self._locked_ahead()
            item = self._agenda_item_at(position, seen)
            if Entry.objects.filter(agenda_item=item).exists():
                raise ValidationError(_("Lines were already recorded under this agenda item, so it stays."))
            Session.objects.filter(pk=self.pk, current_agenda_item=item).update(current_agenda_item=None)
            item.delete()
            self._renumber(list(self.agenda_items.order_by("position")))

    def _renumber(self, items: list[AgendaItem]) -> None:
        """Positions 1..n in this order (past the unique constraint: out of the way first)."""
        offset = max([i.position for i in items] + [0]) + len(items) + 1
        for i, item in enumerate(items):
            AgendaItem.objects.filter(pk=item.pk).update(position=offset + i)
        for i, item in enumerate(items, start=1):
            AgendaItem.objects.filter(pk=item.pk).update(position=i)
        self.changed()

    @property
    def accepts_entries(self) -> bool:
        return self.status in {self.Status.SCHEDULED, self.Status.IN_PROGRESS}

    @property
    def is_frozen(self) -> bool:
        """Closed or approved: attendance, agenda and formulations no longer change."""
        return self.status in {self.Status.CLOSED, self.Status.MINUTES_APPROVED}

    @property
    def grace_ends_at(self) -> datetime | None:
        """Until when lines captured before the close are still accepted."""
        if self.status != self.Status.CLOSED or self.ended_at is None:
            return None
        from datetime import timedelta

        return self.ended_at + timedelta(seconds=settings.VERBATIM_CLOSE_GRACE_SECONDS)

    def accepts_late(self, captured_at: datetime | None, now: datetime) -> bool:
        """A line captured before the close, arriving within the grace period."""
        grace = self.grace_ends_at
        return grace is not None and captured_at is not None and captured_at <= self.ended_at and now <= grace

    CLOCK_ALLOWANCE = 120  # seconds a console's clock may run ahead of the server's

    def check_capture_time(self, captured_at: datetime, now: datetime) -> None:
        """A console's capture time must fall within the sitting: not before
        it started, not (beyond a small clock allowance) in the future."""
        from datetime import timedelta

        if captured_at > now + timedelta(seconds=self.CLOCK_ALLOWANCE):
            raise ValidationError(
                gettext("captured_at is in the future; check the console's clock (send the time the line was typed).")
            )
        if self.started_at is not None and captured_at < self.started_at - timedelta(seconds=self.CLOCK_ALLOWANCE):
            raise ValidationError(
                gettext("captured_at is before session %(number)s started; a line is captured during the session.")
                % {"number": self.number}
            )

    def refuse_if_frozen(self, what: str) -> None:
        if self.is_frozen:
            said = gettext("Session %(number)s is %(status)s: its %(what)s can no longer change.") % {
                "number": self.number,
                "status": self.get_status_display().lower(),
                "what": FROZEN_PARTS.get(what, what),
            }
            if self.status == self.Status.CLOSED:
                said += " " + gettext("A head of delegation can reopen it until the minutes are approved.")
            raise SessionClosed(said)

    def _locked(self) -> Session:
        return Session.objects.select_for_update().get(pk=self.pk)

    def _begin(self) -> bool:
        """On the held row: a scheduled session is now in progress (True), else nothing changes."""
        if self.status != self.Status.SCHEDULED:
            return False
        self.status, self.started_at = self.Status.IN_PROGRESS, timezone.now()
        self.save(update_fields=["status", "started_at"])
        return True

    def start(self) -> None:
        with transaction.atomic():
            locked = self._locked()
            if locked._begin():
                self.changed()
            elif locked.status != self.Status.IN_PROGRESS:
                raise SessionClosed(
                    gettext("Session %(number)s is %(status)s; it cannot restart.")
                    % {"number": self.number, "status": locked.get_status_display().lower()}
                )
        self.refresh_from_db()

    @staticmethod
    def can_close(membership: Membership) -> bool:
        """Heads of delegation close and reopen a session, including the
        head of a neutral secretariat that keeps the record; note-takers do not."""
        return membership.may_steer_the_table

    def _check_closer(self, membership: Membership, verb: str) -> None:
        if membership.negotiation_id != self.negotiation_id:
            raise PermissionDenied(gettext("You are not a member of this negotiation."))
        if not self.can_close(membership):
            if membership.is_head:
                if verb == "reopen":
                    raise PermissionDenied(
                        gettext(
                            "The secretariat does not keep the record of this negotiation, so it cannot reopen a "
                            "session."
                        )
                    )
                raise PermissionDenied(
                    gettext(
                        "The secretariat does not keep the record of this negotiation, so it cannot close a session."
                    )
                )
            if verb == "reopen":
                raise PermissionDenied(gettext("Only a head of delegation can reopen a session; ask your head."))
            raise PermissionDenied(gettext("Only a head of delegation can close a session; ask your head."))

    def close(self, *, by: Membership) -> bool:
        """Close the session. Returns True when this call closed it, False when
        it was already closed (closing twice is harmless)."""
        self._check_closer(by, "close")
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
            Act.record(
                negotiation=self.negotiation,
                session=locked,
                kind=Act.Kind.SESSION_CLOSED,
                by=by,
                text=f"Session {locked.number} closed by {by.user.get_full_name() or by.user.get_username()} "
                f"({by.delegation.label}).",
            )
            self.changed()
        self.refresh_from_db()
        return True

    def reopen(self, *, by: Membership, reason: str) -> None:
        """Take a closed session up again, until its minutes are approved.
        The reopening is an act in the record; the caller rebuilds the summary."""
        self._check_closer(by, "reopen")
        if not reason.strip():
            raise ValidationError(gettext("Say why the session is reopened; the reason goes into the record."))
        validate_record_text(reason)
        with transaction.atomic():
            locked = self._locked()
            if locked.status == self.Status.MINUTES_APPROVED:
                raise SessionClosed(
                    gettext("The minutes of session %(number)s are approved; it changes only by a corrigendum.")
                    % {"number": locked.number}
                )
            if locked.status != self.Status.CLOSED:
                raise SessionClosed(
                    gettext("Session %(number)s is not closed, so there is nothing to reopen.")
                    % {"number": locked.number}
                )
            locked.status = self.Status.IN_PROGRESS
            locked.ended_at = None
            locked.save(update_fields=["status", "ended_at"])
            Act.record(
                negotiation=self.negotiation,
                session=locked,
                kind=Act.Kind.SESSION_REOPENED,
                by=by,
                text=f"Session {locked.number} reopened by {by.user.get_full_name() or by.user.get_username()} "
                f"({by.delegation.label}): {reason.strip()}",
            )
            self.changed()
        self.refresh_from_db()

    def changed(self) -> None:
        """Tell open consoles and streams, once the transaction commits."""
        from sessions.live import notify

        key = str(self.public_id)
        transaction.on_commit(lambda: notify(key))

    def _locked_live(self, what: str) -> Session:
        """The session held for a change made in its console: refused once frozen, and started if it was only
        scheduled, as its first line starts it. The console acts on talks under way; the agenda ahead of them is
        the heads' to prepare (``prepare_agenda_item``), and a note-taker's console does not change it."""
        locked = self._locked()
        locked.refuse_if_frozen(what)
        if locked._begin():
            self.status, self.started_at = locked.status, locked.started_at
        return locked

    def take_up(self, item: AgendaItem | None) -> None:
        """Make ``item`` the agenda item new entries are attached to (a scheduled session starts)."""
        if item is not None and item.session_id != self.pk:
            raise ValidationError(gettext("That agenda item belongs to another session."))
        with transaction.atomic():
            self._locked_live("agenda")
            Session.objects.filter(pk=self.pk).update(current_agenda_item=item)
            self.current_agenda_item = item
            self.changed()

    def add_agenda_item(self, title: str) -> AgendaItem:
        """Add an item at the end of the agenda from the console, during the talks (a scheduled session starts)."""
        if not title.strip():
            raise ValidationError(gettext("An agenda item needs a title."))
        validate_record_text(title)
        with transaction.atomic():
            self._locked_live("agenda")
            last = self.agenda_items.aggregate(n=Max("position"))["n"] or 0
            item = AgendaItem.objects.create(session=self, position=last + 1, title=title)
            self.changed()
        return item

    def set_attendance(self, participant: Participant, present: bool) -> None:
        if participant.negotiation_id != self.negotiation_id:
            raise ValidationError(gettext("That participant is not part of this negotiation."))
        with transaction.atomic():
            self._locked().refuse_if_frozen("attendance")
            if present:
                Attendance.objects.get_or_create(session=self, participant=participant)
            else:
                Attendance.objects.filter(session=self, participant=participant).delete()
            self.changed()

    def visible_entries(self, membership: Membership) -> models.QuerySet[Entry]:
        return self.entries.filter(Entry.visible_to(membership))

    def broken_links(self) -> list[Entry]:
        """Entries whose digest does not follow from the one before them in
        their stream: empty when the stored record is intact."""
        broken: list[Entry] = []
        previous: dict[str, str] = {}
        entries = self.entries.select_related(
            "session", "speaker", "party", "author", "delegation", "supersedes", "disputes", "accepts"
        )
        for entry in entries.order_by("stream", "seq"):
            if entry.digest != entry.compute_digest(previous.get(entry.stream, "")):
                broken.append(entry)
            previous[entry.stream] = entry.digest
        return broken

    def _refuse_foreign(
        self,
        *,
        speaker: Participant | None,
        party: Party | None,
        agenda_item: AgendaItem | None,
        lines: tuple[Entry | None, ...],
    ) -> None:
        """What an entry names must be of this session's negotiation: another
        negotiation's speaker, party, agenda item or line is no such thing here."""
        if speaker is not None and speaker.negotiation_id != self.negotiation_id:
            raise ValidationError(gettext("No such speaker in this negotiation; add them as a participant first."))
        if (
            party is not None
            and (speaker is None or party.pk != speaker.party_id)
            and not self.negotiation.parties.filter(pk=party.pk).exists()
        ):
            raise ValidationError(gettext("No such party in this negotiation."))
        if agenda_item is not None and agenda_item.session_id != self.pk:
            raise ValidationError(gettext("No such agenda item in this session."))
        if any(line is not None and line.session_id != self.pk for line in lines):
            raise ValidationError(gettext("No such line in this session."))

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
        disputes: Entry | None = None,
        accepts: Entry | None = None,
        captured_at: datetime | None = None,
        at: datetime | None = None,
    ) -> tuple[Entry, bool]:
        """Append one line to the record. Returns ``(entry, created)``; the same
        ``client_id`` twice returns the entry stored the first time. ``at`` is
        for importing an existing record (the demo scenario); capture always
        uses the server's clock. ``captured_at`` is the console's clock: a
        line captured before the close and arriving within the grace period
        after it is accepted and marked as recorded late."""
        validate_record_text(text)
        if kind not in Entry.Kind.values:
            raise ValidationError(
                gettext("Unknown kind %(kind)s; use one of %(kinds)s.")
                % {"kind": repr(kind), "kinds": ", ".join(Entry.Kind.values)}
            )
        if visibility not in Entry.Visibility.values:
            raise ValidationError(gettext("Visibility must be 'record' (shared) or 'internal' (your delegation only)."))
        self._refuse_foreign(
            speaker=speaker, party=party, agenda_item=agenda_item, lines=(supersedes, disputes, accepts)
        )
        if party is None and speaker is not None:
            party = speaker.party
        if speaker is not None and party is not None and speaker.party_id != party.pk:
            raise ValidationError(
                gettext(
                    "%(speaker)s is a participant for %(own)s, so what they say is recorded for %(own)s, not "
                    "%(party)s. Send the speaker's own party (or none), or choose another speaker."
                )
                % {"speaker": speaker.name, "own": speaker.party.name, "party": party.name},
                code="speaker_party",
            )
        stream = Entry.stream_for(visibility, membership.delegation)
        with transaction.atomic():
            # The session's row is locked until COMMIT: one line at a time per session, so that
            # numbering stays gap-free and the chain linear. Then, in one round trip, an entry already
            # stored under this client id and the last entry of the stream. Both statements are
            # written out once (sessions/statements.py): this is the hottest path there is.
            session = statements.locked_session(self.pk)
            found = statements.stored_or_last(session, stream, client_id)
            existing = next((e for e in found if e.client_id == client_id), None)
            if existing is not None:
                if (
                    existing.text != text
                    or existing.author_id != membership.user_id
                    or existing.kind != kind
                    or existing.visibility != visibility
                    or existing.supersedes_id != (supersedes.pk if supersedes else None)
                    or existing.disputes_id != (disputes.pk if disputes else None)
                    or existing.accepts_id != (accepts.pk if accepts else None)
                ):
                    raise ClientIdReused(
                        gettext(
                            "This client id was already used for a different entry; generate a new id for each entry."
                        )
                    )
                return existing, False
            now = timezone.now()
            if captured_at is not None:
                session.check_capture_time(captured_at, now)
            late = False
            if not session.accepts_entries:
                if not session.accepts_late(captured_at, now):
                    if session.status == self.Status.MINUTES_APPROVED:
                        raise SessionClosed(
                            gettext(
                                "The minutes of session %(number)s are approved; it accepts no more entries. "
                                "Keep the text: a head can propose a corrigendum."
                            )
                            % {"number": session.number}
                        )
                    raise SessionClosed(
                        gettext(
                            "Session %(number)s is %(status)s and accepts no more entries. Keep the text: a head of "
                            "delegation can reopen the session until its minutes are approved."
                        )
                        % {"number": session.number, "status": session.get_status_display().lower()}
                    )
                late = True
            if supersedes is not None:
                current = Entry.objects.filter(supersedes=supersedes).first()
                if current is not None:
                    raise CorrectionConflict(supersedes, current, text)
            if agenda_item is None and supersedes is None:
                agenda_item = session.current_agenda_item
            session._begin()  # the first line starts a scheduled session
            last = found[0] if found else None  # no entry has this client id: what was found is the last one
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
                disputes=disputes,
                accepts=accepts,
                captured_at=captured_at,
                recorded_late=late,
                created_at=at or now,
            )
            entry.digest = entry.compute_digest(last.digest if last else "")
            if supersedes is None:
                # The session's lock rules out a clash of sequence number or client id: no
                # savepoint (two round trips) to recover from one.
                statements.insert_entry(entry)
            else:
                try:
                    with transaction.atomic():
                        statements.insert_entry(entry)
                except IntegrityError:  # somebody corrected the same entry first
                    current = Entry.objects.get(supersedes=supersedes)
                    raise CorrectionConflict(supersedes, current, text) from None
            if late and entry.stream == Entry.RECORD_STREAM:
                summary = Summary.objects.filter(session=session).first()
                if summary is not None:
                    summary.rebuild_for_late_line()
            self.changed()
        self.status = session.status
        return entry, True


class AgendaItem(models.Model):
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="agenda_items")
    position = models.PositiveIntegerField()
    title = models.CharField(max_length=300, validators=[RecordText()])

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
        HEAD = "head", gettext_lazy("Head of delegation")
        MEMBER = "member", gettext_lazy("Delegation member")
        ADVISOR = "advisor", gettext_lazy("Advisor")
        EXPERT = "expert", gettext_lazy("Expert")
        INTERPRETER = "interpreter", gettext_lazy("Interpreter")
        NOTE_TAKER = "note_taker", gettext_lazy("Note-taker")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    negotiation = models.ForeignKey(Negotiation, on_delete=models.CASCADE, related_name="participants")
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="participants")
    name = models.CharField(max_length=200, validators=[RecordText()])
    function = models.CharField(max_length=20, choices=Function.choices, default=Function.MEMBER)
    title = models.CharField("position or title", max_length=200, blank=True, validators=[RecordText()])

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
        NOTE = "note", gettext_lazy("Note")
        STATEMENT = "statement", gettext_lazy("Statement")
        PROPOSAL = "proposal", gettext_lazy("Proposal")
        QUESTION = "question", gettext_lazy("Question")
        ACTION_ITEM = "action_item", gettext_lazy("Action item")
        DECISION = "decision", gettext_lazy("Decision")
        OBSERVATION = "observation", gettext_lazy("Observation")

    class Visibility(models.TextChoices):
        RECORD = "record", gettext_lazy("Shared record")
        INTERNAL = "internal", gettext_lazy("Internal to my delegation")

    RECORD_STREAM = "record"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="entries")
    stream = models.CharField(max_length=50, default=RECORD_STREAM)
    seq = models.PositiveIntegerField()
    client_id = models.UUIDField()
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.NOTE)
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.RECORD)
    text = models.TextField(validators=[RecordText(multiline=True)])
    speaker = models.ForeignKey(Participant, null=True, blank=True, on_delete=models.PROTECT, related_name="entries")
    party = models.ForeignKey(Party, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    agenda_item = models.ForeignKey(AgendaItem, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    delegation = models.ForeignKey(Delegation, on_delete=models.PROTECT, related_name="+")
    supersedes = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections")
    disputes = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="readings",
        help_text="Another delegation's reading of this entry: both stay in the record until it is accepted.",
    )
    accepts = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="acceptances",
        help_text="The other delegation's reading that the recording delegation accepted with this correction.",
    )
    captured_at = models.DateTimeField(null=True, blank=True, help_text="When the console captured the line")
    recorded_late = models.BooleanField(default=False, help_text="Captured before the close, stored after it")
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

    @property
    def is_dispute(self) -> bool:
        return self.disputes_id is not None

    def correct(
        self, *, membership: Membership, client_id: uuid.UUID, text: str, captured_at: datetime | None = None
    ) -> tuple[Entry, bool]:
        """Correct this entry. The recording delegation's correction is a new
        entry that supersedes it (CorrectionConflict when somebody corrected
        it first). Another delegation's correction is a dispute: its reading
        is recorded beside this one, and both stay until the recording
        delegation accepts it."""
        own = membership.delegation_id == self.delegation_id
        disputes = self.disputes if own else self  # correcting your own reading keeps it a reading
        return self.session.record_entry(
            membership=membership,
            client_id=client_id,
            text=text,
            kind=self.kind,
            visibility=self.visibility,
            speaker=self.speaker,
            party=self.party,
            agenda_item=self.agenda_item,
            supersedes=self if own else None,
            disputes=disputes,
            captured_at=captured_at,
        )

    def latest_version(self) -> Entry:
        """This entry as it now reads, after its own delegation's corrections."""
        current = self
        while (nxt := Entry.objects.filter(supersedes=current).first()) is not None:
            current = nxt
        return current

    def accept_reading(self, *, membership: Membership, client_id: uuid.UUID) -> tuple[Entry, bool]:
        """The recording delegation accepts this disputing reading: its text
        supersedes the entry it disputed (as that entry now reads)."""
        if self.disputes_id is None:
            raise ValidationError(
                gettext("This entry is not another delegation's reading; there is nothing to accept.")
            )
        original = self.disputes
        if membership.delegation_id != original.delegation_id:
            raise PermissionDenied(
                gettext("Only %(delegation)s, who recorded the entry, can accept another reading of it.")
                % {"delegation": original.delegation.name}
            )
        if self.acceptances.exists():
            existing = self.acceptances.first()
            if existing.client_id == client_id:
                return existing, False
            raise ValidationError(gettext("This reading was already accepted."))
        newer = Entry.objects.filter(supersedes=self).first()
        if newer is not None:
            raise ValidationError(
                gettext("%(delegation)s has corrected this reading since (entry %(seq)s); accept that one.")
                % {"delegation": self.delegation.name, "seq": newer.seq}
            )
        return self.session.record_entry(
            membership=membership,
            client_id=client_id,
            text=self.text,
            kind=original.kind,
            visibility=original.visibility,
            speaker=original.speaker,
            party=original.party,
            agenda_item=original.agenda_item,
            supersedes=original.latest_version(),
            accepts=self,
        )

    def canonical(self) -> dict[str, object]:
        """What the digest covers. People, parties and delegations are named
        by what never changes (public ids; the username, which is how a
        person is known across instances), not by display names, so that a
        rename does not read as tampering (chain 2; see docs/RECORD.md)."""
        return {
            "chain": 2,
            "session": str(self.session.public_id),
            "stream": self.stream,
            "seq": self.seq,
            "client_id": str(self.client_id),
            "kind": self.kind,
            "visibility": self.visibility,
            "text": self.text,
            "speaker": str(self.speaker.public_id) if self.speaker_id else None,
            "party": str(self.party.public_id) if self.party_id else None,
            "author": self.author.get_username(),
            "delegation": str(self.delegation.public_id),
            "supersedes": str(self.supersedes.public_id) if self.supersedes_id else None,
            "created_at": self.created_at.isoformat(),
        } | self._canonical_extras()

    def _canonical_extras(self) -> dict[str, object]:
        """Fields added after the first entries were chained: present only
        when set, so that earlier digests still hold."""
        extras: dict[str, object] = {}
        if self.disputes_id:
            extras["disputes"] = str(self.disputes.public_id)
        if self.accepts_id:
            extras["accepts"] = str(self.accepts.public_id)
        if self.captured_at is not None:
            extras["captured_at"] = self.captured_at.isoformat()
        if self.recorded_late:
            extras["recorded_late"] = True
        return extras

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
        PENDING = "pending", gettext_lazy("Waiting for a worker")
        RUNNING = "running", gettext_lazy("Being built")
        READY = "ready", gettext_lazy("Ready for review")
        FAILED = "failed", gettext_lazy("Failed")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    session = models.OneToOneField(Session, on_delete=models.PROTECT, related_name="summary")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    content = models.JSONField(null=True, blank=True)
    narrative = models.TextField(blank=True, validators=[RecordText(multiline=True)])
    narrative_edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    requested_at = models.DateTimeField(default=timezone.now, help_text="When the summary was last asked for")
    enqueued_at = models.DateTimeField(
        null=True, blank=True, help_text="When its job was handed to the broker, or is due to run again"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(
        null=True, blank=True, help_text="When the last party's approval made the minutes binding"
    )
    narrative_version = models.PositiveIntegerField(default=0)

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

    def complete(self, content: dict, narrative: str, *, upto: int | None = None) -> bool | None:
        """Store the built summary, unless another run already did: running
        twice yields one summary. Returns None when the record grew past
        ``upto`` (the last shared entry the build saw: a line recorded late)
        so the caller builds again; False when there is nothing to store
        (already built, or the session was reopened meanwhile). A narrative
        a head has already edited is kept."""
        with transaction.atomic():
            session = Session.objects.select_for_update().get(pk=self.session_id)
            locked = Summary.objects.select_for_update().get(pk=self.pk)
            if locked.status == self.Status.READY:
                return False
            if session.status != Session.Status.CLOSED:
                Summary.objects.filter(pk=self.pk).update(status=self.Status.PENDING)
                return False  # reopened: built again at the next close
            if upto is not None and session.entries.filter(stream=Entry.RECORD_STREAM, seq__gt=upto).exists():
                return None
            Summary.objects.filter(pk=self.pk).update(
                status=self.Status.READY,
                content=content,
                narrative=locked.narrative if locked.narrative_version else narrative,
                finished_at=timezone.now(),
                error="",
            )
            self.session.changed()
        return True

    def rebuild_for_late_line(self) -> None:
        """A line captured before the close arrived after it: the draft is
        built again from the record (approvals of the old draft lapse, as its
        fingerprint changes)."""
        if Summary.objects.filter(pk=self.pk, status=self.Status.READY, approved_at=None).update(
            status=self.Status.PENDING, requested_at=timezone.now(), enqueued_at=None
        ):
            from sessions.services import summary_enqueue

            summary_enqueue(summary=self)
            self.session.changed()

    def note_retry(self, reason: str, *, due_in: int = 0) -> None:
        """The job failed and is due to run again in ``due_in`` seconds: the
        sweeper leaves it alone until then."""
        with transaction.atomic():
            Summary.objects.filter(pk=self.pk).exclude(status=self.Status.READY).update(
                status=self.Status.PENDING,
                error=reason[:2000],
                enqueued_at=timezone.now() + timedelta(seconds=due_in),
            )
            self.session.changed()

    def fail(self, reason: str) -> None:
        with transaction.atomic():
            Summary.objects.filter(pk=self.pk).exclude(status=self.Status.READY).update(
                status=self.Status.FAILED, error=reason[:2000], finished_at=timezone.now()
            )
            self.session.changed()

    def fingerprint(self) -> str:
        """SHA-256 of exactly what a head approves: the summary built from the
        record and the narrative, for this session."""
        return canonical_digest(
            {"session": str(self.session.public_id), "content": self.content, "narrative": self.narrative}
        )

    def edit_narrative(self, *, text: str, membership: Membership, version: int | None = None) -> None:
        """Save the narrative against the version the head loaded: a stale
        save raises NarrativeConflict with both texts, never overwrites.
        Any change voids the approvals given to the earlier text."""
        if not membership.is_head:
            raise PermissionDenied(gettext("Only a head of delegation edits the minutes."))
        if not membership.may_steer_the_table:
            raise PermissionDenied(
                gettext("The secretariat does not keep the record of this negotiation; it cannot edit the minutes.")
            )
        validate_record_text(text, allow_empty=True)
        with transaction.atomic():
            locked = (
                Summary.objects.select_for_update(of=("self",)).select_related("narrative_edited_by").get(pk=self.pk)
            )
            if locked.is_approved:
                raise ValidationError(gettext("These minutes are approved; add a corrigendum instead."))
            if locked.status != self.Status.READY:
                raise ValidationError(gettext("The summary is not ready yet; wait for it to be built."))
            if version is None:
                raise ValidationError(
                    gettext(
                        "Send the narrative_version you loaded with the narrative, so that your save never "
                        "overwrites someone else's; it is in the summary."
                    )
                )
            if version != locked.narrative_version:
                locked = Summary.objects.select_related("narrative_edited_by").get(pk=self.pk)
                editor = locked.narrative_edited_by
                raise NarrativeConflict(
                    locked.narrative,
                    text,
                    (editor.get_full_name() or editor.get_username()) if editor else gettext("Someone"),
                )
            if text == locked.narrative:
                self.refresh_from_db()
                return
            voided = [a.party.name for a in locked.valid_approvals()]
            Summary.objects.filter(pk=self.pk).update(
                narrative=text, narrative_edited_by=membership.user, narrative_version=models.F("narrative_version") + 1
            )
            Act.record(
                negotiation=self.session.negotiation,
                session=self.session,
                kind=Act.Kind.NARRATIVE_SAVED,
                by=membership,
                text=f"Narrative of the minutes changed by {_name(membership)}"
                + (f"; approvals voided: {', '.join(voided)}." if voided else "."),
            )
            self.session.changed()
        self.refresh_from_db()

    def current_fingerprint(self) -> str:
        """The fingerprint of the minutes as stored now (not as this object
        was loaded)."""
        return Summary.objects.select_related("session").get(pk=self.pk).fingerprint()

    def valid_approvals(self) -> list[MinutesApproval]:
        """Approvals of the minutes as they now read (a later change voids
        the earlier ones), one per party."""
        current = self.fingerprint()
        approvals = self.approvals.filter(corrigendum=None, fingerprint=current).select_related(
            "party", "by", "delegation"
        )
        by_party: dict[int, MinutesApproval] = {}
        for approval in approvals.order_by("at", "pk"):
            by_party.setdefault(approval.party_id, approval)
        return list(by_party.values())

    def approval_state(self) -> list[dict[str, object]]:
        """For each party: its valid approval, or whether an earlier one was
        voided by a change, or that it has not approved yet."""
        valid = {a.party_id: a for a in self.valid_approvals()}
        earlier = set(self.approvals.filter(corrigendum=None).values_list("party_id", flat=True))
        rows = []
        for party in self.session.negotiation.parties.all():
            approval = valid.get(party.pk)
            state = "approved" if approval else ("voided" if party.pk in earlier else "awaiting")
            rows.append({"party": party, "state": state, "approval": approval})
        return rows

    def awaiting_parties(self) -> list[Party]:
        return [row["party"] for row in self.approval_state() if row["state"] != "approved"]

    def approve(self, *, membership: Membership, fingerprint: str | None = None) -> list[MinutesApproval]:
        """Record the approval of the member's own party (or, where the
        secretariat keeps the record, of every party) of the text whose
        ``fingerprint`` the head saw. The minutes are approved, frozen and
        binding once every party has approved the same text."""
        if not membership.is_head:
            raise PermissionDenied(gettext("Only a head of delegation approves the minutes."))
        parties = membership.bound_parties()
        if not parties:
            raise PermissionDenied(
                gettext(
                    "The secretariat does not approve minutes for the parties in this negotiation; "
                    "each party's head approves them."
                )
            )
        with transaction.atomic():
            locked = Summary.objects.select_for_update().get(pk=self.pk)
            if locked.is_approved:
                raise ValidationError(gettext("These minutes were already approved by every party."))
            if locked.status != self.Status.READY:
                raise ValidationError(gettext("The summary is not ready yet; it cannot be approved."))
            current = locked.fingerprint()
            if fingerprint is None:
                raise ValidationError(
                    gettext(
                        "Send the fingerprint of the minutes you approve (it is in the summary), so that you never "
                        "approve a text you have not seen."
                    )
                )
            if fingerprint != current:
                raise ApprovalStale(
                    gettext(
                        "The minutes changed since you read them: nothing was approved. Read the current text and "
                        "approve it again."
                    )
                )
            fingerprint = current
            already = {a.party_id for a in locked.valid_approvals()}
            new = [p for p in parties if p.pk not in already]
            if not new:
                raise ValidationError(
                    gettext("%(delegation)s has already approved these minutes.")
                    % {"delegation": membership.delegation.label}
                )
            now = timezone.now()
            approvals = [
                MinutesApproval.objects.create(
                    summary=locked,
                    party=party,
                    delegation=membership.delegation,
                    by=membership.user,
                    at=now,
                    fingerprint=fingerprint,
                )
                for party in new
            ]
            awaiting = locked.awaiting_parties()
            Act.record(
                negotiation=self.session.negotiation,
                session=self.session,
                kind=Act.Kind.MINUTES_APPROVED,
                by=membership,
                party=new[0] if len(new) == 1 else None,
                subject=fingerprint,
                text=f"Minutes approved for {', '.join(p.name for p in new)} by {_name(membership)}"
                + (f"; awaiting {', '.join(p.name for p in awaiting)}." if awaiting else "; approved by every party."),
            )
            if not awaiting:
                Summary.objects.filter(pk=self.pk).update(approved_by=membership.user, approved_at=now)
                Session.objects.filter(pk=self.session_id).update(status=Session.Status.MINUTES_APPROVED)
            self.session.changed()
        self.refresh_from_db()
        return approvals

    def add_corrigendum(self, *, text: str, membership: Membership) -> Corrigendum:
        """Propose a numbered correction to approved minutes. It counts as
        the proposing party's approval; it is in force once every party has
        approved it."""
        if not membership.is_head:
            raise PermissionDenied(gettext("Only a head of delegation issues a corrigendum."))
        if not self.is_approved:
            raise ValidationError(gettext("The minutes are still a draft; edit them instead of issuing a corrigendum."))
        if not membership.bound_parties():
            raise PermissionDenied(
                gettext("The secretariat does not issue corrigenda for the parties in this negotiation.")
            )
        validate_record_text(text)
        with transaction.atomic():
            Summary.objects.select_for_update().get(pk=self.pk)
            twin = next((c for c in self.corrigenda.filter(text=text) if not c.in_force), None)
            if twin is not None:
                raise ValidationError(
                    gettext("Corrigendum %(number)s with these exact words already awaits approval; approve that one.")
                    % {"number": twin.number}
                )
            number = (self.corrigenda.aggregate(n=Max("number"))["n"] or 0) + 1
            corrigendum = Corrigendum.objects.create(summary=self, number=number, text=text, issued_by=membership.user)
            corrigendum.approve(membership=membership)
        return corrigendum


def _name(membership: Membership) -> str:
    user = membership.user
    return f"{user.get_full_name() or user.get_username()} ({membership.delegation.label})"


def canonical_digest(data: object) -> str:
    payload = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


class Corrigendum(models.Model):
    """A numbered correction to approved minutes, kept beside the original."""

    summary = models.ForeignKey(Summary, on_delete=models.PROTECT, related_name="corrigenda")
    number = models.PositiveIntegerField()
    text = models.TextField(validators=[RecordText(multiline=True)])
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

    def fingerprint(self) -> str:
        return canonical_digest(
            {"session": str(self.summary.session.public_id), "corrigendum": self.number, "text": self.text}
        )

    def approval_state(self) -> list[dict[str, object]]:
        approvals = {a.party_id: a for a in self.approvals.select_related("party", "by", "delegation")}
        return [
            {"party": p, "state": "approved" if p.pk in approvals else "awaiting", "approval": approvals.get(p.pk)}
            for p in self.summary.session.negotiation.parties.all()
        ]

    @property
    def in_force(self) -> bool:
        return all(row["state"] == "approved" for row in self.approval_state())

    def approve(self, *, membership: Membership) -> list[MinutesApproval]:
        """Record the member's party's approval of this corrigendum."""
        if not membership.is_head:
            raise PermissionDenied(gettext("Only a head of delegation approves a corrigendum."))
        parties = membership.bound_parties()
        if not parties:
            raise PermissionDenied(
                gettext("The secretariat does not approve corrigenda for the parties in this negotiation.")
            )
        with transaction.atomic():
            Corrigendum.objects.select_for_update().get(pk=self.pk)
            done = set(self.approvals.values_list("party_id", flat=True))
            new = [p for p in parties if p.pk not in done]
            if not new:
                raise ValidationError(
                    gettext("%(delegation)s has already approved corrigendum %(number)s.")
                    % {"delegation": membership.delegation.label, "number": self.number}
                )
            now = timezone.now()
            fingerprint = self.fingerprint()
            approvals = [
                MinutesApproval.objects.create(
                    summary=self.summary,
                    corrigendum=self,
                    party=p,
                    delegation=membership.delegation,
                    by=membership.user,
                    at=now,
                    fingerprint=fingerprint,
                )
                for p in new
            ]
            awaiting = [row["party"].name for row in self.approval_state() if row["state"] != "approved"]
            session = self.summary.session
            Act.record(
                negotiation=session.negotiation,
                session=session,
                kind=Act.Kind.CORRIGENDUM_APPROVED,
                by=membership,
                party=new[0] if len(new) == 1 else None,
                subject=fingerprint,
                text=f"Corrigendum {self.number} approved for {', '.join(p.name for p in new)} by {_name(membership)}"
                + (f"; awaiting {', '.join(awaiting)}." if awaiting else "; in force."),
            )
            session.changed()
        return approvals


class MinutesApproval(models.Model):
    """One party's approval of exactly this text of the minutes (or of a
    corrigendum), identified by its fingerprint. A later change to the text
    leaves the approval standing for the old fingerprint only: it is void for
    the new text. Append-only."""

    summary = models.ForeignKey(Summary, on_delete=models.PROTECT, related_name="approvals")
    corrigendum = models.ForeignKey(
        Corrigendum, null=True, blank=True, on_delete=models.PROTECT, related_name="approvals"
    )
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="+")
    delegation = models.ForeignKey(Delegation, on_delete=models.PROTECT, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    fingerprint = models.CharField(max_length=64)

    class Meta:
        ordering = ["summary", "at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["summary", "corrigendum", "party", "fingerprint"],
                name="minutes_approval_once_per_party_and_text",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.party} approved {self.summary.session} ({self.fingerprint[:8]}…)"


class Act(models.Model):
    """An act in the record that is not a line of it: a party's consent or
    its capital's confirmation, noted or confirmed; a session closed or
    reopened; minutes and corrigenda approved; a narrative changed; a point
    reopened. Acts are append-only and chained per negotiation by SHA-256,
    as entries are per stream, so that a removed or altered act shows."""

    class Kind(models.TextChoices):
        CONSENT_NOTED = "consent_noted", gettext_lazy("Consent noted")
        CONSENT_CONFIRMED = "consent_confirmed", gettext_lazy("Consent confirmed")
        CAPITALS_NOTED = "capitals_noted", gettext_lazy("Capital's confirmation noted")
        CAPITALS_CONFIRMED = "capitals_confirmed", gettext_lazy("Capital's confirmation confirmed")
        POINT_REOPENED = "point_reopened", gettext_lazy("Point reopened")
        SESSION_CLOSED = "session_closed", gettext_lazy("Session closed")
        SESSION_REOPENED = "session_reopened", gettext_lazy("Session reopened")
        NARRATIVE_SAVED = "narrative_saved", gettext_lazy("Narrative changed")
        MINUTES_APPROVED = "minutes_approved", gettext_lazy("Minutes approved")
        CORRIGENDUM_APPROVED = "corrigendum_approved", gettext_lazy("Corrigendum approved")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    negotiation = models.ForeignKey(Negotiation, on_delete=models.PROTECT, related_name="acts")
    session = models.ForeignKey(Session, null=True, blank=True, on_delete=models.PROTECT, related_name="acts")
    seq = models.PositiveIntegerField()
    kind = models.CharField(max_length=30, choices=Kind.choices)
    party = models.ForeignKey(
        Party, null=True, blank=True, on_delete=models.PROTECT, related_name="+", help_text="The party the act is for"
    )
    delegation = models.ForeignKey(Delegation, on_delete=models.PROTECT, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    subject = models.CharField(max_length=64, blank=True, help_text="Public id or fingerprint of what the act concerns")
    text = models.TextField(validators=[RecordText(multiline=True)])
    created_at = models.DateTimeField(default=timezone.now)
    digest = models.CharField(max_length=64)

    class Meta:
        ordering = ["negotiation", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["negotiation", "seq"], name="act_seq_unique"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.text[:60]}"

    @classmethod
    def record(
        cls,
        *,
        negotiation: Negotiation,
        kind: str,
        by: Membership,
        text: str,
        session: Session | None = None,
        party: Party | None = None,
        subject: str = "",
        at: datetime | None = None,
    ) -> Act:
        with transaction.atomic():
            Negotiation.objects.select_for_update().filter(pk=negotiation.pk).first()
            last = cls.objects.filter(negotiation=negotiation).order_by("-seq").only("seq", "digest").first()
            act = cls(
                negotiation=negotiation,
                session=session,
                seq=(last.seq if last else 0) + 1,
                kind=kind,
                party=party,
                delegation=by.delegation,
                by=by.user,
                subject=subject,
                text=text,
                created_at=at or timezone.now(),
            )
            act.digest = act.compute_digest(last.digest if last else "")
            act.save(force_insert=True)
        return act

    def canonical(self) -> dict[str, object]:
        """What the digest covers: parties and delegations by public id, so
        that a rename does not read as tampering (chain 2; see
        docs/RECORD.md)."""
        return {
            "chain": 2,
            "negotiation": str(self.negotiation.public_id),
            "session": str(self.session.public_id) if self.session_id else None,
            "seq": self.seq,
            "kind": self.kind,
            "party": str(self.party.public_id) if self.party_id else None,
            "delegation": str(self.delegation.public_id),
            "by": self.by.get_username(),
            "subject": self.subject,
            "text": self.text,
            "created_at": self.created_at.isoformat(),
        }

    def compute_digest(self, previous: str) -> str:
        return hashlib.sha256(f"{previous}\n{canonical_digest(self.canonical())}".encode()).hexdigest()

    @classmethod
    def broken_links(cls, negotiation: Negotiation) -> list[Act]:
        broken, previous = [], ""
        for act in cls.objects.filter(negotiation=negotiation).select_related(
            "negotiation", "session", "party", "delegation", "by"
        ):
            if act.digest != act.compute_digest(previous):
                broken.append(act)
            previous = act.digest
        return broken
