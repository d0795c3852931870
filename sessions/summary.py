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
from django.utils import translation

from negotiations.rows import attach_related
from sessions.models import Act, Entry, Session

if TYPE_CHECKING:
    from agreements.models import Agreement, PartyConsent
    from negotiations.models import Party


def whole_minutes(seconds: float) -> int:
    """A sitting's length in whole minutes, half a minute rounding up."""
    return int((seconds + 30) // 60)


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


# What a line of the summary reads from the rows an entry points to, and what those read in turn:
# few rows (a session's speakers, parties, note-takers), each shared by many entries.
LINE_RELATIONS = {"speaker": ("party",), "party": (), "agenda_item": (), "author": (), "delegation": ("party",)}


def record_lines(session: Session) -> list[Line]:
    """The shared record line by line, in the order the lines were first
    recorded. A correction by the recording delegation replaces its entry;
    a reading by another delegation stays beside it until the recording
    delegation accepts it (its text then supersedes, and the reading is no
    longer shown on its own)."""
    entries = list(session.entries.filter(stream=Entry.RECORD_STREAM).order_by("seq"))
    attach_related(entries, LINE_RELATIONS)
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


@translation.override("en")  # the record's own words: never the language of whoever triggered the build
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
    if session.started_at and session.ended_at and session.ended_at >= session.started_at:
        duration = whole_minutes((session.ended_at - session.started_at).total_seconds())
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


# ---- the narrative ----------------------------------------------------------------
#
# Every sentence of the drafted narrative is made from one fact: a small
# claim (a kind and its values) read from the summary, which is read from
# the shared record. A sentence says what its fact holds and nothing more,
# so that each can be checked against the record (the narrative-grounding
# test does, from the database). Internal entries never reach the summary,
# so they never reach the narrative either.


@dataclass(frozen=True)
class Fact:
    """One claim about the record: ``kind`` names what it is about (e.g.
    ``attendance``, ``duration``), ``values`` hold what the record says."""

    kind: str
    values: dict[str, Any]


@dataclass(frozen=True)
class Sentence:
    text: str
    fact: Fact


def _quoted(text: str) -> str:
    return f"“{text}”"


def _count(n: int, one: str, many: str | None = None) -> str:
    """``1 minute``, ``2 minutes``, ``1 entry``, ``3 entries``."""
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _was(n: int) -> str:
    return "was" if n == 1 else "were"


def _names(names: list[str]) -> str:
    """``A``, ``A and B``, ``A, B and C``."""
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def day_in_words(iso_day: str) -> str:
    """ "2026-11-26" as "26 November 2026": the narrative is part of the record, so always in English."""
    year, month, day = (int(part) for part in iso_day[:10].split("-"))
    return f"{day} {MONTHS[month - 1]} {year}"


def spoken_length(minutes: int) -> str:
    """``less than a minute``, ``1 minute``, ``2 hours and 5 minutes``."""
    if minutes < 1:
        return "less than a minute"
    hours, rest = divmod(minutes, 60)
    parts = ([_count(hours, "hour")] if hours else []) + ([_count(rest, "minute")] if rest else [])
    return " and ".join(parts)


def _opening(h: dict[str, Any]) -> Sentence:
    started = h.get("started_at")
    date = started[:10] if started else None
    fact = Fact(
        "session",
        {
            "number": h["session_number"],
            "title": h["title"],
            "negotiation": h["negotiation"],
            "place": h["place"] or None,
            "started_on": date,
        },
    )
    where = f" at {h['place']}" if h["place"] else ""
    if date is None:
        return Sentence(
            f"Session {h['session_number']} ({h['title']}) of {h['negotiation']}{where} has not started.", fact
        )
    return Sentence(
        f"Session {h['session_number']} ({h['title']}) of {h['negotiation']} met{where} on {day_in_words(date)}.", fact
    )


def _attendance(content: dict[str, Any]) -> list[Sentence]:
    """What attendance records, party by party, and, where it leaves a
    speaking party out, on whose behalf statements were made."""
    groups = content["header"]["attendance"]
    attending = {g["party"] for g in groups if g["participants"]}
    out = []
    if not attending:
        out.append(Sentence("Attendance was not recorded.", Fact("attendance_not_recorded", {})))
    for g in groups:
        people = g["participants"]
        if people:
            listed = ", ".join(f"{p['name']} ({p['function'].lower()})" for p in people)
            out.append(
                Sentence(
                    f"Attending for {g['party']}: {listed}.",
                    Fact(
                        "attendance",
                        {"party": g["party"], "participants": [(p["name"], p["function"]) for p in people]},
                    ),
                )
            )
        elif attending:
            out.append(
                Sentence(f"No attendance was recorded for {g['party']}.", Fact("no_attendance", {"party": g["party"]}))
            )
    by_party = Counter(s["party"] for s in content.get("statements", []) if s["party"])
    if set(by_party) - attending:
        parties = sorted(by_party)
        n = sum(by_party.values())
        out.append(
            Sentence(
                f"{_count(n, 'statement')} {_was(n)} made on behalf of {_names(parties)}.",
                Fact("statements", {"count": n, "parties": parties}),
            )
        )
    return out


def _duration(h: dict[str, Any]) -> list[Sentence]:
    minutes = h.get("duration_minutes")
    if minutes is None or not h.get("started_at") or not h.get("ended_at"):
        return []
    fact = Fact("duration", {"started_at": h["started_at"], "ended_at": h["ended_at"], "minutes": minutes})
    return [Sentence(f"The sitting lasted {spoken_length(minutes)}.", fact)]


def _agreed(content: dict[str, Any]) -> list[Sentence]:
    agreed = content["agreed"]
    if not agreed:
        return [Sentence("No formulation was agreed in this session.", Fact("agreed", {"count": 0, "points": []}))]

    def how(a: dict[str, Any]) -> str:
        return (" ad referendum" if a.get("ad_referendum") else "") + (" provisionally" if a.get("provisional") else "")

    points = "; ".join(f"point {a['point_number']} ({a['point']}){how(a)}" for a in agreed)
    fact = Fact(
        "agreed",
        {
            "count": len(agreed),
            "points": [
                (a["point_number"], a["formulation"], bool(a.get("ad_referendum")), bool(a.get("provisional")))
                for a in agreed
            ],
        },
    )
    return [
        Sentence(f"{_count(len(agreed), 'formulation')} {_was(len(agreed))} agreed in this session: {points}.", fact)
    ]


def _awaiting(content: dict[str, Any]) -> list[Sentence]:
    return [
        Sentence(
            f"Consent to point {a['point_number']} ({a['point']}) was recorded but not confirmed by every party: "
            f"{a['awaiting_line']}.",
            Fact(
                "awaiting",
                {"point_number": a["point_number"], "formulation": a["formulation"], "awaiting": a["awaiting"]},
            ),
        )
        for a in content.get("awaiting_consent", [])
    ]


def _discussed(content: dict[str, Any]) -> list[Sentence]:
    discussed = content["discussed"]
    if not discussed:
        return []

    def brackets(n: int) -> str:
        return f"{_count(n, 'open bracket')}" if n else "no open brackets"

    points = "; ".join(f"point {d['point_number']} ({d['point']}), {brackets(d['open_brackets'])}" for d in discussed)
    n = len(discussed)
    fact = Fact("discussed", {"count": n, "points": [(d["point_number"], d["open_brackets"]) for d in discussed]})
    return [Sentence(f"{_count(n, 'point')} {_was(n)} discussed without agreement: {points}.", fact)]


def _disputes(content: dict[str, Any]) -> list[Sentence]:
    disputes = content.get("disputes", [])
    if not disputes:
        return []
    by = sorted({r["delegation"] for d in disputes for r in d["readings"][1:]})
    n = len(disputes)
    out = [
        Sentence(
            f"{_count(n, 'line')} of the shared record {'carries' if n == 1 else 'carry'} a differing reading, "
            f"recorded by {_names(by)}.",
            Fact("disputed_lines", {"count": n, "by": by}),
        )
    ]
    for d in disputes:
        who = f" ({d['speaker']})" if d["speaker"] else ""
        readings = "; ".join(f"{r['reads']} {_quoted(r['text'])}" for r in d["readings"])
        fact = Fact("dispute", {"seq": d["seq"], "readings": [(r["delegation"], r["text"]) for r in d["readings"]]})
        out.append(Sentence(f"The records differ on entry {d['seq']}{who}: {readings}.", fact))
    return out


def _decisions(content: dict[str, Any]) -> list[Sentence]:
    out = []
    for decision in content["decisions"]:
        seq = decision["sources"][0]["seq"] if decision.get("sources") else None
        out.append(
            Sentence(
                f"Decision recorded: {_quoted(decision['text'])}",
                Fact("decision", {"seq": seq, "text": decision["text"]}),
            )
        )
        for r in decision.get("readings", []):
            fact = Fact("reading", {"of": seq, "delegation": r["delegation"], "text": r["text"]})
            out.append(Sentence(f"  ({r['reads']} {_quoted(r['text'])})", fact))
    return out


def _tail(content: dict[str, Any]) -> list[Sentence]:
    out = []
    if content["action_items"]:
        n = len(content["action_items"])
        out.append(Sentence(f"{_count(n, 'action item')} {_was(n)} recorded.", Fact("action_items", {"count": n})))
    late = content.get("recorded_late", [])
    if late:
        out.append(
            Sentence(
                f"{_count(len(late), 'entry', 'entries')} {_was(len(late))} recorded late (captured before the close, "
                f"stored after it): {', '.join(str(seq) for seq in late)}.",
                Fact("recorded_late", {"seqs": list(late)}),
            )
        )
    nxt = content.get("next_session")
    if nxt:
        fact = Fact("next_session", {"number": nxt["number"], "title": nxt["title"], "place": nxt["place"] or None})
        where = f" at {nxt['place']}" if nxt["place"] else ""
        out.append(Sentence(f"Next: session {nxt['number']} ({nxt['title']}){where}.", fact))
    return out


def narrative_sentences(content: dict[str, Any]) -> list[Sentence]:
    """The drafted narrative sentence by sentence, each with the fact of the
    record it states."""
    h = content["header"]
    return [
        _opening(h),
        *_duration(h),
        *_attendance(content),
        *_agreed(content),
        *_awaiting(content),
        *_discussed(content),
        *_disputes(content),
        *_decisions(content),
        *_tail(content),
    ]


def draft_narrative(content: dict[str, Any]) -> str:
    """A short account of the session, one fact of the record per sentence."""
    return "\n".join(s.text for s in narrative_sentences(content))
