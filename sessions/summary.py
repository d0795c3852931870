"""The end-of-session summary, built deterministically from the record.

Only the shared record goes in (internal entries never do), with each
entry's current text (after its own delegation's corrections). Where
another delegation recorded a differing reading that was not accepted, both
readings stay, each attributed to the delegation that recorded it. Every
item names the entries it came from, so a reader can check it against the
record. A formulation counts as agreed only when every party's own consent
is confirmed; one whose consent is only partly confirmed is listed as
awaiting, with whose confirmation is awaited. The narrative is assembled
from the same facts and quotes; nothing in it is invented."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch, Q

from sessions.models import Act, Entry, Session

if TYPE_CHECKING:
    from agreements.models import Agreement, PartyConsent
    from negotiations.models import Party


def _person(user) -> str:
    return user.get_full_name() or user.get_username()


def _source(entry: Entry | None) -> list[dict[str, Any]]:
    """The shared line a text was recorded from. An internal line is never
    cited in the shared record, even if an old formulation points at one."""
    if entry is None or entry.stream != Entry.RECORD_STREAM:
        return []
    return [{"entry": str(entry.public_id), "seq": entry.seq}]


def without_internal_sources(content: dict[str, Any] | None) -> dict[str, Any] | None:
    """Stored content as the minutes page shows it: any source that is not a
    shared line is left out. Summaries built before formulations were held
    to shared lines may cite an internal line; the page never shows it."""
    if not content:
        return content
    cited: set[str] = set()

    def collect(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "sources" and isinstance(value, list):
                    cited.update(str(s.get("entry")) for s in value if isinstance(s, dict))
                else:
                    collect(value)
        elif isinstance(node, list):
            for item in node:
                collect(item)

    collect(content)
    shared = {
        str(pk)
        for pk in Entry.objects.filter(
            public_id__in=[c for c in cited if _is_uuid(c)], stream=Entry.RECORD_STREAM
        ).values_list("public_id", flat=True)
    }

    def clean(node: Any) -> Any:
        if isinstance(node, dict):
            return {
                key: [s for s in value if isinstance(s, dict) and str(s.get("entry")) in shared]
                if key == "sources" and isinstance(value, list)
                else clean(value)
                for key, value in node.items()
            }
        if isinstance(node, list):
            return [clean(item) for item in node]
        return node

    return clean(content)


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


# ---- the shared record as it now reads ------------------------------------------


@dataclass
class Line:
    """One line of the shared record as it now reads: the recording
    delegation's latest version, and other delegations' readings of it that
    were not accepted."""

    original: Entry
    current: Entry
    readings: list[Entry] = field(default_factory=list)


def record_lines(session: Session) -> list[Line]:
    """The shared record line by line, in the order the lines were first
    recorded. A correction by the recording delegation replaces its entry;
    a reading by another delegation stays beside it until the recording
    delegation accepts it (its text then supersedes, and the reading is no
    longer shown on its own)."""
    entries = list(
        session.entries.filter(stream=Entry.RECORD_STREAM)
        .select_related("speaker__party", "party", "agenda_item", "author", "delegation__party")
        .order_by("seq")
    )
    by_pk = {e.pk: e for e in entries}
    successor = {e.supersedes_id: e for e in entries if e.supersedes_id}
    accepted = {e.accepts_id for e in entries if e.accepts_id}

    def head(e: Entry) -> Entry:
        while e.supersedes_id in by_pk:
            e = by_pk[e.supersedes_id]
        return e

    def versions(e: Entry) -> list[Entry]:
        chain = [e]
        while chain[-1].pk in successor:
            chain.append(successor[chain[-1].pk])
        return chain

    def root(e: Entry) -> Entry:
        e = head(e)
        while e.disputes_id in by_pk:
            e = head(by_pk[e.disputes_id])
        return e

    lines: dict[int, Line] = {}
    for e in entries:
        if e.supersedes_id in by_pk:
            continue  # a later version of an entry already seen
        if e.disputes_id in by_pk:
            chain = versions(e)
            if any(v.pk in accepted for v in chain):
                continue  # accepted: its text now reads in the original
            line = lines.get(root(e).pk)
            if line is not None:
                line.readings.append(chain[-1])
            continue
        lines[e.pk] = Line(original=e, current=versions(e)[-1])
    return list(lines.values())


def _reading(entry: Entry) -> dict[str, Any]:
    label = entry.delegation.label
    return {
        "delegation": label,
        "recorded_by": _person(entry.author),
        "reads": f"{label}'s record reads",
        "text": entry.text,
        "recorded_late": entry.recorded_late,
        "sources": _source(entry),
    }


def _line_fields(line: Line) -> dict[str, Any]:
    """What every listed line carries: its text, who recorded it, whether
    it was recorded late, and any differing readings of other delegations."""
    e = line.current
    return {
        "text": e.text,
        "recorded_by": e.delegation.label,
        "recorded_late": e.recorded_late,
        "readings": [_reading(r) for r in line.readings],
        "sources": _source(e),
    }


# ---- consent, party by party ------------------------------------------------------


def _who(event: Agreement | None) -> dict[str, Any] | None:
    if event is None:
        return None
    return {
        "by": _person(event.recorded_by),
        "delegation": event.delegation.label if event.delegation is not None else None,
        "at": event.recorded_at.isoformat(),
    }


def _by(event: Agreement) -> str:
    person = _person(event.recorded_by)
    return f"{person} ({event.delegation.label})" if event.delegation is not None else person


def consent_line(party: Party, state: PartyConsent) -> str:
    """One party's standing on a text in words: who noted its consent,
    who confirmed it, and what still waits for whom."""
    parts = []
    if state.noted_event is not None:
        parts.append(f"noted by {_by(state.noted_event)}")
    if state.consent == "confirmed":
        parts.append(f"confirmed by {_by(state.consent_event)}" + (" ad referendum" if state.ad_referendum else ""))
        if state.ad_referendum:
            if state.capitals == "confirmed":
                parts.append(f"capital's confirmation recorded by {_by(state.capitals_event)}")
            elif state.capitals == "noted":
                parts.append(
                    f"capital's confirmation noted by {_by(state.capitals_event)}, "
                    f"awaiting {party.label}'s own confirmation"
                )
            else:
                parts.append(f"awaiting confirmation by {party.label}'s capital")
    elif state.consent == "noted":
        parts.append(f"awaiting {party.label}'s confirmation")
    else:
        parts.append("no consent recorded")
    return f"{party.label}: " + "; ".join(parts)


def consents_of(parties: list[Party], states: dict[int, PartyConsent]) -> list[dict[str, Any]]:
    from agreements.models import PartyConsent

    rows = []
    for party in parties:
        state = states.get(party.pk) or PartyConsent()
        rows.append(
            {
                "party": party.name,
                "state": state.consent or "none",
                "noted": _who(state.noted_event),
                "confirmed": _who(state.consent_event),
                "ad_referendum": state.ad_referendum,
                "capitals": state.capitals,
                "capitals_by": _who(state.capitals_event),
                "line": consent_line(party, state),
            }
        )
    return rows


# ---- the summary ------------------------------------------------------------------


def build_session_summary(session: Session) -> dict[str, Any]:
    from agreements.models import Agreement, Formulation, consent_states

    negotiation = session.negotiation
    lines = record_lines(session)
    parties = list(negotiation.parties.all())
    recorders = {m.user_id: m.delegation.label for m in negotiation.memberships.select_related("delegation__party")}

    attendance: dict[str, list[dict[str, str]]] = {p.name: [] for p in parties}
    for a in session.attendance.select_related("participant__party").order_by("participant__name"):
        attendance.setdefault(a.participant.party.name, []).append(
            {"name": a.participant.name, "function": a.participant.get_function_display()}
        )
    duration = None
    if session.started_at and session.ended_at:
        duration = round((session.ended_at - session.started_at).total_seconds() / 60)
    header = {
        "negotiation": negotiation.title,
        "classification": negotiation.classification,
        "session_number": session.number,
        "title": session.title,
        "place": session.place,
        "date": (session.started_at or session.scheduled_for).date().isoformat()
        if (session.started_at or session.scheduled_for)
        else None,
        "started_at": session.started_at.isoformat() if session.started_at else None,
        "ended_at": session.ended_at.isoformat() if session.ended_at else None,
        "duration_minutes": duration,
        "attendance": [{"party": party, "participants": people} for party, people in attendance.items()],
        "agenda": list(session.agenda_items.values_list("title", flat=True)),
        "secretariat_keeps_record": negotiation.secretariat_keeps_record,
    }

    # Formulations of this session: proposed in it, or consented to in it.
    consented_here = Agreement.objects.filter(session=session).values("formulation_id")
    candidates = list(
        Formulation.objects.filter(Q(session=session) | Q(pk__in=consented_here))
        .select_related("point", "party", "entry", "proposed_by")
        .order_by("created_at", "pk")
    )
    events: dict[int, list[Agreement]] = {}
    for event in (
        Agreement.objects.filter(formulation__in=[f.pk for f in candidates])
        .select_related("delegation__party", "recorded_by", "session")
        .prefetch_related("parties")
        .order_by("recorded_at", "pk")
    ):
        events.setdefault(event.formulation_id, []).append(event)

    def formulation_fields(f: Formulation) -> dict[str, Any]:
        states = consent_states(events.get(f.pk, []), [p.pk for p in parties])
        return {
            "point": f.point.title,
            "point_number": f.point.number,
            "formulation": str(f.public_id),
            "text": f.text,
            "language": f.language,
            "proposed_by": f.party.name,
            "recorded_by": f"{_person(f.proposed_by)} ({recorders[f.proposed_by_id]})"
            if f.proposed_by_id in recorders
            else _person(f.proposed_by),
            "status": f.status,
            "consents": consents_of(parties, states),
            "consenting_parties": [p.name for p in parties if states[p.pk].consent == "confirmed"],
            "awaiting": [p.name for p in parties if states[p.pk].consent != "confirmed"],
            "sources": _source(f.entry),
        }

    agreed, awaiting = [], []
    for f in candidates:
        here = [
            e
            for e in events.get(f.pk, [])
            if e.session_id == session.pk and e.kind in (Agreement.Kind.AGREED, Agreement.Kind.CONFIRMED)
        ]
        if f.is_agreed and here:
            item = formulation_fields(f)
            item |= {
                "ad_referendum": f.status == Formulation.Status.AGREED_AD_REFERENDUM,
                "provisional": f.status == Formulation.Status.PROVISIONALLY_AGREED,
                "agreed_at": here[-1].recorded_at.isoformat(),
            }
            agreed.append(item)
        elif f.status == Formulation.Status.AWAITING_CONSENT and any(e.kind == Agreement.Kind.AGREED for e in here):
            item = formulation_fields(f)
            labels = [p.label for p in parties if p.name in item["awaiting"]]
            item["awaiting_line"] = f"awaiting confirmation by {', '.join(labels)}"
            awaiting.append(item)
    agreed.sort(key=lambda a: (a["agreed_at"], a["point_number"]))

    agreed_points = {item["point_number"] for item in agreed}
    discussed = []
    touched = (
        negotiation.points.filter(formulations__session=session)
        .distinct()
        .order_by("number")
        .prefetch_related(
            Prefetch(
                "formulations",
                queryset=Formulation.objects.select_related("party", "entry").order_by("created_at", "pk"),
            )
        )
    )
    for point in touched:
        if point.number in agreed_points or any(f.is_agreed for f in point.formulations.all()):
            continue
        latest: dict[str, Formulation] = {}
        for f in point.formulations.all():
            if f.status not in (Formulation.Status.WITHDRAWN,):
                latest[f.party.name] = f
        positions = [
            {
                "party": party,
                "formulation": str(f.public_id),
                "text": f.text,
                "language": f.language,
                "status": f.status,
                "open_brackets": f.open_brackets,
                "sources": _source(f.entry),
            }
            for party, f in sorted(latest.items())
        ]
        discussed.append(
            {
                "point": point.title,
                "point_number": point.number,
                "positions": positions,
                "open_brackets": sum(p["open_brackets"] for p in positions),
            }
        )

    def items(kind: str) -> list[dict[str, Any]]:
        return [
            {
                "owner": line.current.speaker.name
                if line.current.speaker
                else (line.current.party.name if line.current.party else None),
                "party": line.current.party.name if line.current.party else None,
                "agenda_item": line.current.agenda_item.title if line.current.agenda_item else None,
                **_line_fields(line),
            }
            for line in lines
            if line.current.kind == kind
        ]

    statements = [
        {
            "speaker": line.current.speaker.name if line.current.speaker else None,
            "party": line.current.party.name if line.current.party else None,
            **_line_fields(line),
        }
        for line in lines
        if line.current.kind == Entry.Kind.STATEMENT
    ]
    questions = [
        {
            "speaker": line.current.speaker.name if line.current.speaker else None,
            "party": line.current.party.name if line.current.party else None,
            **_line_fields(line),
        }
        for line in lines
        if line.current.kind == Entry.Kind.QUESTION
    ]

    disputes = [
        {
            "kind": line.current.kind,
            "speaker": line.current.speaker.name if line.current.speaker else None,
            "party": line.current.party.name if line.current.party else None,
            "seq": line.current.seq,
            "readings": [_reading(line.current)] + [_reading(r) for r in line.readings],
        }
        for line in lines
        if line.readings
    ]

    late = [e.seq for line in lines for e in [line.current, *line.readings] if e.recorded_late]

    acts = [
        {
            "seq": act.seq,
            "kind": act.kind,
            "party": act.party.name if act.party else None,
            "delegation": act.delegation.label,
            "by": _person(act.by),
            "at": act.created_at.isoformat(),
            "text": act.text,
        }
        for act in Act.objects.filter(session=session)
        .select_related("party", "delegation__party", "by")
        .order_by("seq")
    ]

    next_session = negotiation.sessions.filter(number__gt=session.number).order_by("number").first()

    formulations = Formulation.objects.filter(session=session)
    counts = {
        "entries": len(lines),
        "entries_by_kind": dict(sorted(Counter(line.current.kind for line in lines).items())),
        "entries_by_party": dict(
            sorted(Counter(line.current.party.name for line in lines if line.current.party).items())
        ),
        "formulations_proposed": formulations.count(),
        "formulations_agreed": len(agreed),
        "formulations_awaiting_consent": len(awaiting),
        "differing_readings": sum(len(d["readings"]) - 1 for d in disputes),
        "recorded_late": len(late),
    }
    return {
        "header": header,
        "agreed": agreed,
        "awaiting_consent": awaiting,
        "discussed": discussed,
        "disputes": disputes,
        "action_items": items(Entry.Kind.ACTION_ITEM),
        "decisions": items(Entry.Kind.DECISION),
        "next_session": {
            "number": next_session.number,
            "title": next_session.title,
            "place": next_session.place,
            "scheduled_for": next_session.scheduled_for.isoformat() if next_session.scheduled_for else None,
        }
        if next_session
        else None,
        "statements": statements,
        "questions": questions,
        "recorded_late": late,
        "acts": acts,
        "counts": counts,
    }


def _quoted(text: str) -> str:
    return f"“{text}”"


def draft_narrative(content: dict[str, Any]) -> str:
    """A short account assembled from the summary's own facts and quotes."""
    h = content["header"]
    present = sum(len(group["participants"]) for group in h["attendance"])
    parties = [group["party"] for group in h["attendance"]]
    lines = [
        f"Session {h['session_number']} ({h['title']}) of {h['negotiation']}"
        + (f" met at {h['place']}" if h["place"] else " met")
        + (f" on {h['date']}" if h["date"] else "")
        + (f" for {h['duration_minutes']} minutes" if h["duration_minutes"] is not None else "")
        + f", with {present} participant{'s' if present != 1 else ''} from {', '.join(parties)}."
    ]
    if content["agreed"]:
        agreed = "; ".join(
            f"point {a['point_number']} ({a['point']})" + (" ad referendum" if a["ad_referendum"] else "")
            for a in content["agreed"]
        )
        lines.append(f"Agreed in this session: {agreed}.")
    else:
        lines.append("No formulation was agreed in this session.")
    for a in content.get("awaiting_consent", []):
        lines.append(
            f"Consent to point {a['point_number']} ({a['point']}) was recorded but not confirmed by every party: "
            f"{a['awaiting_line']}."
        )
    if content["discussed"]:
        open_points = "; ".join(
            f"point {d['point_number']} ({d['point']}, {d['open_brackets']} open bracket{'s' if d['open_brackets'] != 1 else ''})"
            for d in content["discussed"]
        )
        lines.append(f"Discussed without agreement: {open_points}.")
    for dispute in content.get("disputes", []):
        who = f" ({dispute['speaker']})" if dispute["speaker"] else ""
        readings = "; ".join(f"{r['reads']} {_quoted(r['text'])}" for r in dispute["readings"])
        lines.append(f"The records differ on entry {dispute['seq']}{who}: {readings}.")
    for decision in content["decisions"]:
        lines.append(f"Decision recorded: {_quoted(decision['text'])}")
        for r in decision.get("readings", []):
            lines.append(f"  ({r['reads']} {_quoted(r['text'])})")
    if content["action_items"]:
        n = len(content["action_items"])
        lines.append(f"{n} action item{'s were' if n != 1 else ' was'} recorded.")
    late = content.get("recorded_late", [])
    if late:
        lines.append(
            f"{len(late)} entr{'ies were' if len(late) != 1 else 'y was'} recorded late (captured before the close, "
            f"stored after it): {', '.join(str(seq) for seq in late)}."
        )
    if content["next_session"]:
        nxt = content["next_session"]
        lines.append(
            f"Next: session {nxt['number']} ({nxt['title']})" + (f" at {nxt['place']}." if nxt["place"] else ".")
        )
    return "\n".join(lines)
