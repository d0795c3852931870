"""Where a negotiation stands: each point's status, who has consented to
its current text, open brackets, and how this changed session by session."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from django.urls import reverse
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import ngettext, pgettext_lazy

from agreements.models import Agreement, Formulation, PartyConsent, Point, consent_states
from negotiations.models import Negotiation, Party
from negotiations.rows import attach_related
from negotiations.text import count_open_brackets
from sessions.models import Session

POINT_STATUSES = [
    ("agreed", pgettext_lazy("point status", "Agreed")),
    ("provisionally_agreed", pgettext_lazy("point status", "Provisionally agreed")),
    ("agreed_ad_referendum", pgettext_lazy("point status", "Agreed ad referendum, awaiting confirmation")),
    ("awaiting_consent", pgettext_lazy("point status", "Awaiting a party's confirmation")),
    ("bracketed", pgettext_lazy("point status", "Bracketed")),
    ("proposed", pgettext_lazy("point status", "Proposed")),
    ("withdrawn", pgettext_lazy("point status", "Withdrawn")),
    ("empty", pgettext_lazy("point status", "No formulation yet")),
]
STATUS_LABELS = dict(POINT_STATUSES)


@dataclass
class Consent:
    """One party's standing on a point's current text, for grids and exports.

    ``state``: "agreed" (its own consent confirmed), "ad_referendum"
    (confirmed, its capital's confirmation outstanding), "noted" (another
    delegation noted it consented; awaiting its own confirmation) or "none".
    """

    party: Party
    state: str
    detail: PartyConsent | None = None

    @property
    def noted_by(self) -> str | None:
        event = self.detail.noted_event if self.detail else None
        return event.delegation.label if event is not None and event.delegation is not None else None

    @property
    def recorded_by(self) -> str | None:
        event = self.detail.consent_event if self.detail else None
        if event is None:
            return None
        return event.recorded_by.get_full_name() or event.recorded_by.get_username()


@dataclass
class PointStanding:
    point: Point
    status: str
    current: Formulation | None
    positions: list[Formulation]  # each party's live formulation when nothing is agreed
    versions: list[Formulation]
    versions_disagree: bool
    open_brackets: int
    last_session: Session | None
    consents: list[Consent] = field(default_factory=list)
    agreed_event: Agreement | None = None  # the latest agreement of the current text, if it is agreed
    point_url: str = ""  # the point's page (``Point.get_absolute_url``)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def consented_text_marked(self) -> bool:
        """Whether the desk marks which of several texts the consents shown are for."""
        return len(self.positions) > 1 and bool(self.consents)

    @property
    def open_brackets_line(self) -> SafeString:
        """ "1 open bracket", "2 open brackets", as the desk's
        ``blocktranslate count`` said it (the count localised, the
        translation not escaped), for a fraction of its cost per row."""
        n = self.open_brackets
        return mark_safe(
            ngettext("%(counter)s open bracket", "%(counter)s open brackets", n) % {"counter": localize(n)}
        )

    @property
    def consent_cells_key(self) -> tuple:
        """What the desk's grid shows of this point's consents, for rows that
        show the same to be rendered once: each party's state and who
        confirmed it. A consent noted, or awaiting its capital, may carry a
        form for this very text: a row with one is its own."""
        if any(c.state not in ("agreed", "none") for c in self.consents):
            return ("text", self.current.pk)
        return tuple((c.state, c.recorded_by) for c in self.consents)

    @property
    def parties_involved(self) -> set[int]:
        return {f.party_id for f in self.positions} | ({self.current.party_id} if self.current else set())


def _status_of(formulation: Formulation | None, positions: list[Formulation], open_brackets: int) -> str:
    """``open_brackets``: the positions' open brackets, all told."""
    if formulation is None:
        return "empty"
    if formulation.is_agreed:
        return formulation.status
    if formulation.status == Formulation.Status.AWAITING_CONSENT:
        return "awaiting_consent"
    if open_brackets:
        return "bracketed"
    if formulation.status == Formulation.Status.WITHDRAWN:
        return "withdrawn"
    return "proposed"


def consent_word(state: PartyConsent) -> str:
    if state.consent == "confirmed":
        return "ad_referendum" if state.ad_referendum and state.capitals != "confirmed" else "agreed"
    return "noted" if state.consent == "noted" else "none"


def _point_urls():
    """``Point.get_absolute_url`` for many points: the address reversed
    once, each point's id put in its place (a UUID needs no quoting)."""
    marker = str(UUID(int=0))
    address = reverse("agreements:point", args=[marker])
    return lambda point: address.replace(marker, str(point.public_id))


def _read(
    negotiation: Negotiation,
) -> tuple[list[Party], list[Formulation], list[Agreement], dict[int, list[int]]]:
    """A negotiation's parties, its formulations (oldest first), their
    agreement events (oldest first) and each event's parties' ids, read once
    for both the standings and the progress replay."""
    parties = list(negotiation.parties.all())
    formulations = list(Formulation.objects.filter(point__negotiation=negotiation).order_by("created_at", "pk"))
    # a negotiation's few parties and sessions, each shared by many formulations
    attach_related(formulations, {"party": (), "session": (), "version_of": ()})
    events = list(Agreement.objects.filter(formulation__point__negotiation=negotiation).order_by("recorded_at", "pk"))
    # the few sessions, delegations and people that record thousands of events
    attach_related(events, {"session": (), "delegation": ("party",), "recorded_by": ()})
    return parties, formulations, events, _attach_parties(negotiation, events, parties)


def _attach_parties(negotiation: Negotiation, events: list[Agreement], parties: list[Party]) -> dict[int, list[int]]:
    """Each event's parties (``event.parties.all()``), read in one query for
    all the events and given as the negotiation's own party rows, in their
    order: the ORM's prefetch built a filtered queryset and new party rows for
    each event. Events that name the same parties share one queryset, already
    read. Returns each event's parties' ids."""
    if not events:
        return {}
    named: dict[int, list[int]] = {}
    through = Agreement.parties.through.objects.filter(agreement__formulation__point__negotiation=negotiation)
    for agreement_id, party_id in through.values_list("agreement_id", "party_id"):
        named.setdefault(agreement_id, []).append(party_id)
    rows = {p.pk: p for p in parties}
    missing = {pk for ids in named.values() for pk in ids} - rows.keys()
    order = {pk: at for at, pk in enumerate(rows)}
    if missing:  # a party the negotiation does not list: all of them in the order the ORM's prefetch gives
        found = list(Party._default_manager.filter(pk__in=missing | rows.keys()))
        order = {p.pk: at for at, p in enumerate(found)}
        rows = {p.pk: rows.get(p.pk, p) for p in found}
    shared: dict[tuple[int, ...], object] = {}
    for event in events:
        ids = tuple(sorted(named.get(event.pk, ()), key=order.__getitem__))
        if ids not in shared:  # these parties, already read: filtered further, it still finds only them
            queryset = Party._default_manager.filter(pk__in=ids)
            queryset._result_cache, queryset._prefetch_done = [rows[pk] for pk in ids], True
            shared[ids] = queryset
        event.__dict__.setdefault("_prefetched_objects_cache", {})["parties"] = shared[ids]
    return named


def point_standings(negotiation: Negotiation) -> list[PointStanding]:
    parties, formulations, events, _ = _read(negotiation)
    return _standings(negotiation, parties, formulations, events)


def progress_by_session(negotiation: Negotiation) -> list[dict[str, object]]:
    """Points agreed / bracketed / open as they stood at the end of each
    session, replayed from the formulations and agreement events."""
    return _progress(negotiation, *_read(negotiation))


def desk_standing(negotiation: Negotiation) -> tuple[list[PointStanding], list[dict[str, object]]]:
    """``point_standings`` and ``progress_by_session`` together, from one
    read of the formulations and events."""
    parties, formulations, events, event_parties = _read(negotiation)
    return (
        _standings(negotiation, parties, formulations, events),
        _progress(negotiation, parties, formulations, events, event_parties),
    )


def _standings(
    negotiation: Negotiation, parties: list[Party], formulations: list[Formulation], events: list[Agreement]
) -> list[PointStanding]:
    by_point: dict[int, list[Formulation]] = {}
    for f in formulations:
        by_point.setdefault(f.point_id, []).append(f)
    events_by_formulation: dict[int, list[Agreement]] = {}
    for e in events:
        events_by_formulation.setdefault(e.formulation_id, []).append(e)
    party_ids = [p.pk for p in parties]

    point_url = _point_urls()
    standings = []
    for point in negotiation.points.all():
        own = by_point.get(point.pk, [])
        originals = [f for f in own if f.version_of_id is None]
        live = [f for f in originals if f.status not in (Formulation.Status.SUPERSEDED, Formulation.Status.WITHDRAWN)]
        agreed = [f for f in live if f.is_agreed]
        current = agreed[-1] if agreed else (live[-1] if live else (originals[-1] if originals else None))
        positions = [current] if agreed else live
        open_brackets = sum(f.open_brackets for f in positions)
        versions = [f for f in own if current is not None and f.version_of_id == current.pk]
        status = _status_of(current, positions, open_brackets)
        versions_disagree = bool(versions) and any(v.is_agreed != current.is_agreed for v in versions)

        # the session of the latest moment (the formulations made, then their events); of two moments at
        # the same time, the one met later
        moments = [(f.created_at, f.session) for f in own]
        for f in own:
            moments += [(e.recorded_at, e.session) for e in events_by_formulation.get(f.pk, ())]
        last_at: datetime | None = None
        last_session = None
        for at, session in moments:
            if session is not None and (last_at is None or at >= last_at):
                last_at, last_session = at, session

        consents = []
        agreed_event = None
        if current is not None:
            current_events = events_by_formulation.get(current.pk, [])
            states = consent_states(current_events, party_ids)
            consents = [Consent(p, consent_word(states[p.pk]), states[p.pk]) for p in parties]
            if current.is_agreed:
                agreed = [e for e in current_events if e.kind == Agreement.Kind.AGREED]
                agreed_event = agreed[-1] if agreed else None
        standings.append(
            PointStanding(
                point=point,
                status=status,
                current=current,
                positions=positions,
                versions=versions,
                versions_disagree=versions_disagree,
                open_brackets=open_brackets,
                last_session=last_session,
                consents=consents,
                agreed_event=agreed_event,
                point_url=point_url(point),
            )
        )
    return standings


def _progress(
    negotiation: Negotiation,
    parties: list[Party],
    formulations: list[Formulation],
    events: list[Agreement],
    event_parties: dict[int, list[int]],
) -> list[dict[str, object]]:
    party_ids = {p.pk for p in parties}
    originals = [f for f in formulations if f.version_of_id is None]
    brackets: dict[int, int] = {}

    def bracketed_text(f: Formulation) -> int:  # counted once however many sessions ask
        if f.pk not in brackets:
            brackets[f.pk] = count_open_brackets(f.text)
        return brackets[f.pk]

    rows = []
    for session in negotiation.sessions.exclude(status=Session.Status.SCHEDULED).order_by("number"):
        cutoff = session.ended_at or datetime.max.replace(tzinfo=session.created_at.tzinfo)
        seen = [f for f in originals if f.created_at <= cutoff]
        consent: dict[int, set[int]] = {}
        for e in events:
            if e.recorded_at > cutoff:
                break
            if e.kind == Agreement.Kind.REOPENED:
                consent.pop(e.formulation_id, None)
            elif e.kind == Agreement.Kind.AGREED and e.binding:
                consent.setdefault(e.formulation_id, set()).update(event_parties.get(e.pk, ()))
        by_point: dict[int, list[Formulation]] = {}
        for f in seen:  # each point's formulations, in the order they were made
            by_point.setdefault(f.point_id, []).append(f)
        agreed = bracketed = open_ = 0
        for point_id in sorted(by_point):
            mine = by_point[point_id]
            if any(party_ids <= consent.get(f.pk, set()) for f in mine):
                agreed += 1
                continue
            latest: dict[int, Formulation] = {}
            for f in mine:
                latest[f.party_id] = f
            if any(bracketed_text(f) for f in latest.values()):
                bracketed += 1
            else:
                open_ += 1
        rows.append({"session": session, "agreed": agreed, "bracketed": bracketed, "open": open_})
    return rows


def progress_chart(rows: list[dict[str, object]]) -> dict[str, object]:
    """Geometry for a small stacked bar chart drawn as inline SVG."""
    width, height, pad, gap = 560, 160, 28, 14
    top = max((r["agreed"] + r["bracketed"] + r["open"] for r in rows), default=0) or 1
    n = max(len(rows), 1)
    bar = min(60, (width - pad * 2 - gap * (n - 1)) / n)
    bars = []
    for i, r in enumerate(rows):
        x = pad + i * (bar + gap)
        y = height - pad
        segments = []
        for key, css in (("agreed", "agreed"), ("bracketed", "bracketed"), ("open", "open")):
            h = (height - pad * 2) * r[key] / top
            if h:
                y -= h
                segments.append({"y": round(y, 1), "h": round(h, 1), "css": css, "n": r[key], "label": key})
        bars.append(
            {"x": round(x, 1), "w": round(bar, 1), "segments": segments, "row": r, "label_x": round(x + bar / 2, 1)}
        )
    return {"width": width, "height": height, "bars": bars, "baseline": height - pad}
