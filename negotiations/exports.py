"""Official exports: one canonical, access-filtered representation of a
record, fingerprinted, rendered into JSON, Markdown, DOCX and PDF.

The fingerprint is a SHA-256 over the canonical JSON of the record (keys
sorted, UTF-8, no insignificant whitespace). It does not cover when or by
whom the file was made, so two delegations exporting the same record get
the same fingerprint, and ``manage.py verify_export`` can recompute it from
the database."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone

from negotiations.models import Delegation, Negotiation

FORMATS = {
    "json": "application/json",
    "md": "text/markdown; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}
FINGERPRINT_RE = re.compile(r"sha256:([0-9a-f]{64})")
RECORD_RE = re.compile(r"(minutes|agreed-text) ([0-9a-f-]{36}) (shared|internal:[0-9a-f-]{36})")


def canonical_json(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def fingerprint(record: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(record).encode()).hexdigest()


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _negotiation(negotiation: Negotiation) -> dict[str, Any]:
    return {
        "id": str(negotiation.public_id),
        "title": negotiation.title,
        "format": negotiation.format,
        "parties": [p.name for p in negotiation.parties.all()],
        "package_rule": negotiation.package_rule,
        "working_languages": negotiation.working_languages,
    }


def minutes_record(session, *, internal_for: Delegation | None = None) -> dict[str, Any]:
    """The minutes of a session as the record holds them now: the approved
    (or draft) summary, corrigenda, and, only in an internal version, the
    requesting delegation's own internal entries."""
    from sessions.models import Entry, Summary
    from sessions.summary import build_session_summary, draft_narrative

    summary = Summary.objects.filter(session=session).select_related("approved_by").first()
    if summary is not None and summary.status == Summary.Status.READY:
        content, narrative = summary.content, summary.narrative
    else:
        content = build_session_summary(session)
        narrative = draft_narrative(content)
    approved = summary is not None and summary.is_approved
    record: dict[str, Any] = {
        "schema": "verbatim.minutes/1",
        "record": {
            "kind": "minutes",
            "id": str(session.public_id),
            "version": f"internal:{internal_for.public_id}" if internal_for else "shared",
        },
        "classification": session.negotiation.classification,
        "negotiation": _negotiation(session.negotiation),
        "session": {
            "id": str(session.public_id),
            "number": session.number,
            "title": session.title,
            "place": session.place,
            "status": session.status,
            "started_at": _iso(session.started_at),
            "ended_at": _iso(session.ended_at),
        },
        "minutes_status": "approved" if approved else "draft",
        "approved_by": (summary.approved_by.get_full_name() or summary.approved_by.get_username())
        if approved
        else None,
        "approved_at": _iso(summary.approved_at) if approved else None,
        "narrative": narrative,
        "summary": content,
        "corrigenda": [
            {"number": c.number, "text": c.text, "issued_at": _iso(c.issued_at)}
            for c in (summary.corrigenda.all() if summary else [])
        ],
    }
    if internal_for is not None:
        stream = Entry.stream_for(Entry.Visibility.INTERNAL, internal_for)
        record["internal_entries"] = [
            {"seq": e.seq, "kind": e.kind, "text": e.text, "author": e.author.get_username(), "at": _iso(e.created_at)}
            for e in session.entries.filter(stream=stream).select_related("author").order_by("seq")
        ]
    return record


def agreed_text_record(negotiation: Negotiation) -> dict[str, Any]:
    """Every point in order: its agreed text, or each party's latest words
    with their brackets; its status; where it was agreed."""
    from agreements.standing import point_standings

    points = []
    for s in point_standings(negotiation):
        agreed_event = s.agreed_event

        def words(f) -> dict[str, Any]:
            return {
                "party": f.party.name,
                "language": f.language,
                "status": f.status,
                "text": f.text,
                "open_brackets": f.open_brackets,
            }

        points.append(
            {
                "number": s.point.number,
                "title": s.point.title,
                "status": s.status,
                "texts": [words(f) for f in s.positions],
                "versions": [words(v) for v in s.versions],
                "open_brackets": s.open_brackets,
                "consents": {c.party.name: c.state for c in s.consents},
                "agreed_in": {
                    "session": agreed_event.session.number if agreed_event and agreed_event.session else None,
                    "at": _iso(agreed_event.recorded_at) if agreed_event else None,
                }
                if agreed_event
                else None,
            }
        )
    return {
        "schema": "verbatim.agreed-text/1",
        "record": {"kind": "agreed-text", "id": str(negotiation.public_id), "version": "shared"},
        "classification": negotiation.classification,
        "negotiation": _negotiation(negotiation),
        "points": points,
    }


@dataclass
class Export:
    record: dict[str, Any]
    fingerprint: str
    generated_at: datetime
    filename_stem: str

    @property
    def record_line(self) -> str:
        r = self.record["record"]
        return f"{r['kind']} {r['id']} {r['version']}"


def prepare(record: dict[str, Any], stem: str) -> Export:
    return Export(record=record, fingerprint=fingerprint(record), generated_at=timezone.now(), filename_stem=stem)


def render(export: Export, fmt: str) -> bytes:
    from negotiations import renderers

    return {
        "json": renderers.to_json,
        "md": renderers.to_markdown,
        "docx": renderers.to_docx,
        "pdf": renderers.to_pdf,
    }[fmt](export)


def rebuild(kind: str, object_id: str, version: str) -> dict[str, Any] | None:
    """The record an export claims to come from, recomputed from the database."""
    from sessions.models import Session

    if kind == "agreed-text":
        negotiation = Negotiation.objects.filter(public_id=object_id).first()
        return agreed_text_record(negotiation) if negotiation else None
    session = Session.objects.filter(public_id=object_id).select_related("negotiation").first()
    if session is None:
        return None
    internal_for = None
    if version.startswith("internal:"):
        internal_for = Delegation.objects.filter(public_id=version.removeprefix("internal:")).first()
        if internal_for is None:
            return None
    return minutes_record(session, internal_for=internal_for)
