"""What a live stream reads and sends: the entries a member may see after
their cursor, and small "something changed" events for the console's
panels."""

from __future__ import annotations

import json
from collections.abc import Callable

from asgiref.sync import sync_to_async
from django.db import connection
from django.db.models import Count, Max, Q

from negotiations.models import Membership
from sessions.live import Cursor, sse
from sessions.models import Entry, Session, Summary

BATCH = 200
ENTRY_RELATED = ("session", "speaker__party", "party", "author", "delegation", "supersedes", "agenda_item")


class SessionReader:
    def __init__(
        self,
        *,
        session_id: int,
        membership_id: int,
        cursor: Cursor,
        render: Callable[[list[Entry], Membership], list[str]],
        panels: bool,
        resumed: bool,
        render_in_place: Callable[[list[Entry], Membership], str] | None = None,
    ) -> None:
        self.session_id = session_id
        self.membership_id = membership_id
        self.cursor = cursor
        self.render = render
        self.panels = panels
        self.resumed = resumed
        self.render_in_place = render_in_place
        self._state: dict[str, object] | None = None

    async def read(self) -> tuple[list[str], bool]:
        return await sync_to_async(self._read)()

    def _read(self) -> tuple[list[str], bool]:
        try:
            membership = (
                Membership.objects.select_related("delegation", "negotiation", "user")
                .filter(pk=self.membership_id)
                .first()
            )
            if membership is None:
                return [sse("gone", "You are no longer a member of this negotiation.")], True
            events: list[str] = []
            while True:
                batch = list(
                    Entry.objects.filter(session_id=self.session_id)
                    .filter(Entry.visible_to(membership))
                    .filter(
                        Q(stream=Entry.RECORD_STREAM, seq__gt=self.cursor.record)
                        | (~Q(stream=Entry.RECORD_STREAM) & Q(seq__gt=self.cursor.internal))
                    )
                    .select_related(*ENTRY_RELATED)
                    .prefetch_related("corrections", "formulations__point", "formulations__party")
                    .order_by("pk")[:BATCH]
                )
                for entry, payload in zip(batch, self.render(batch, membership), strict=True):
                    if entry.stream == Entry.RECORD_STREAM:
                        self.cursor = Cursor(entry.seq, self.cursor.internal)
                    else:
                        self.cursor = Cursor(self.cursor.record, entry.seq)
                    events.append(sse("entry", payload, str(self.cursor)))
                if len(batch) < BATCH:
                    break
            if self.panels:
                events += self._panel_events(membership)
            return events, False
        finally:
            connection.close()  # an idle stream holds no database connection

    def _panel_events(self, membership: Membership) -> list[str]:
        session = Session.objects.get(pk=self.session_id)
        formulations = session.negotiation.points.aggregate(
            n=Count("formulations"), last=Max("formulations__pk"), events=Count("formulations__events")
        )
        summary = Summary.objects.filter(session=session).values_list("status", "attempts", "approved_at").first()
        state = {
            "status": session.status,
            "summary": json.dumps(summary, default=str),
            "formulations": json.dumps(formulations, sort_keys=True),
            "session-info": json.dumps(
                [
                    session.current_agenda_item_id,
                    list(session.agenda_items.values_list("pk", "title")),
                    list(session.attendance.values_list("participant_id", flat=True).order_by("participant_id")),
                    session.negotiation.participants.count(),
                ]
            ),
        }
        previous, self._state = self._state, state
        if previous is None and not self.resumed:
            return []
        previous = previous or {}
        events = [
            sse(name, str(value) if name == "status" else "")
            for name, value in state.items()
            if previous.get(name) != value
        ]
        if self.render_in_place and previous.get("formulations") != state["formulations"]:
            # rows whose proposals became formulations (or changed status) are redrawn in place
            linked = list(
                Entry.objects.filter(session_id=self.session_id, formulations__isnull=False)
                .filter(Entry.visible_to(membership))
                .filter(Q(stream=Entry.RECORD_STREAM, seq__lte=self.cursor.record) | ~Q(stream=Entry.RECORD_STREAM))
                .distinct()
                .select_related(*ENTRY_RELATED)
                .prefetch_related("corrections", "formulations__point", "formulations__party")
            )
            if linked:
                events.append(sse("entry", self.render_in_place(linked, membership)))
        return events
