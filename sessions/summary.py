"""The end-of-session summary, built deterministically from the record.

Only the shared record goes in (internal entries never do), with each
entry's current text (after corrections). Every item names the entries it
came from, so a reader can check it against the record. The narrative is
assembled from the same facts and quotes; nothing in it is invented."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.db.models import Prefetch

from sessions.models import Entry, Session


def _source(entry: Entry | None) -> list[dict[str, Any]]:
    return [{"entry": str(entry.public_id), "seq": entry.seq}] if entry is not None else []


def _current_entries(session: Session) -> list[Entry]:
    """Shared-record entries as they now read: a corrected entry is
    replaced by its latest correction."""
    entries = list(
        session.entries.filter(stream=Entry.RECORD_STREAM)
        .select_related("speaker__party", "party", "agenda_item", "supersedes")
        .order_by("seq")
    )
    corrected = {e.supersedes_id for e in entries if e.supersedes_id}
    return [e for e in entries if e.pk not in corrected]


def build_session_summary(session: Session) -> dict[str, Any]:
    from agreements.models import Agreement, Formulation

    negotiation = session.negotiation
    entries = _current_entries(session)
    parties = list(negotiation.parties.all())

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
    }

    agreed = []
    events = (
        Agreement.objects.filter(session=session, kind__in=[Agreement.Kind.AGREED, Agreement.Kind.CONFIRMED])
        .select_related("formulation__point", "formulation__party", "formulation__entry")
        .prefetch_related("parties")
        .order_by("recorded_at", "pk")
    )
    seen: set[int] = set()
    for event in events:
        f = event.formulation
        if f.pk in seen or not f.is_agreed:
            continue
        seen.add(f.pk)
        consenting = sorted({p.name for e in f.events.filter(kind=Agreement.Kind.AGREED) for p in e.parties.all()})
        agreed.append(
            {
                "point": f.point.title,
                "point_number": f.point.number,
                "formulation": str(f.public_id),
                "text": f.text,
                "language": f.language,
                "proposed_by": f.party.name,
                "consenting_parties": consenting,
                "status": f.status,
                "ad_referendum": f.status == Formulation.Status.AGREED_AD_REFERENDUM,
                "provisional": f.status == Formulation.Status.PROVISIONALLY_AGREED,
                "agreed_at": event.recorded_at.isoformat(),
                "sources": _source(f.entry),
            }
        )

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
                "text": e.text,
                "owner": e.speaker.name if e.speaker else (e.party.name if e.party else None),
                "party": e.party.name if e.party else None,
                "agenda_item": e.agenda_item.title if e.agenda_item else None,
                "sources": _source(e),
            }
            for e in entries
            if e.kind == kind
        ]

    statements = [
        {
            "speaker": e.speaker.name if e.speaker else None,
            "party": e.party.name if e.party else None,
            "text": e.text,
            "sources": _source(e),
        }
        for e in entries
        if e.kind == Entry.Kind.STATEMENT
    ]
    next_session = negotiation.sessions.filter(number__gt=session.number).order_by("number").first()

    formulations = Formulation.objects.filter(session=session)
    counts = {
        "entries": len(entries),
        "entries_by_kind": dict(sorted(Counter(e.kind for e in entries).items())),
        "entries_by_party": dict(sorted(Counter(e.party.name for e in entries if e.party).items())),
        "formulations_proposed": formulations.count(),
        "formulations_agreed": len(agreed),
    }
    content = {
        "header": header,
        "agreed": agreed,
        "discussed": discussed,
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
        "counts": counts,
    }
    return content


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
    if content["discussed"]:
        open_points = "; ".join(
            f"point {d['point_number']} ({d['point']}, {d['open_brackets']} open bracket{'s' if d['open_brackets'] != 1 else ''})"
            for d in content["discussed"]
        )
        lines.append(f"Discussed without agreement: {open_points}.")
    for decision in content["decisions"]:
        lines.append(f"Decision recorded: “{decision['text']}”")
    if content["action_items"]:
        n = len(content["action_items"])
        lines.append(f"{n} action item{'s were' if n != 1 else ' was'} recorded.")
    if content["next_session"]:
        nxt = content["next_session"]
        lines.append(
            f"Next: session {nxt['number']} ({nxt['title']})" + (f" at {nxt['place']}." if nxt["place"] else ".")
        )
    return "\n".join(lines)
