"""Official exports: one canonical, access-filtered representation of a
record, fingerprinted, rendered into JSON, Markdown, DOCX and PDF.

The fingerprint is a SHA-256 over the canonical JSON of the record (keys
sorted, UTF-8, no insignificant whitespace). It does not cover when or by
whom the file was made, so two delegations exporting the same record get
the same fingerprint. Every file also carries the record itself, so
``manage.py verify_export`` (``exports.verification``) can recompute
the fingerprint from the file, compare the record with the database, and
check the file's visible text against what the record renders to."""

from __future__ import annotations

import hashlib
import json
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from django.utils import timezone
from django.utils.text import slugify

from negotiations.models import Delegation, Negotiation

FORMATS = {
    "json": "application/json",
    "md": "text/markdown; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


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


def _person(user) -> str:
    return user.get_full_name() or user.get_username()


def _approval(approval) -> dict[str, Any]:
    return {
        "party": approval.party.name,
        "by": _person(approval.by),
        "delegation": approval.delegation.label,
        "at": _iso(approval.at),
        "fingerprint": approval.fingerprint,
    }


def _approval_state(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Each party's approval in the record's terms: who approved, and which
    parties are still awaited (``again`` when a later change voided their
    earlier approval)."""
    return {
        "approvals": [_approval(row["approval"]) for row in rows if row["state"] == "approved"],
        "awaiting": [row["party"].name for row in rows if row["state"] != "approved"],
        "approval_voided": [row["party"].name for row in rows if row["state"] == "voided"],
    }


def minutes_record(session, *, internal_for: Delegation | None = None) -> dict[str, Any]:
    """The minutes of a session as the record holds them now: the summary
    (draft, or approved by every party), each party's approval and who is
    still awaited, corrigenda with their own approvals, and, only in an
    internal version, the requesting delegation's own internal entries."""
    from sessions.models import Entry, Summary
    from sessions.summary import build_session_summary, draft_narrative, without_internal_sources

    summary = Summary.objects.filter(session=session).first()
    ready = summary is not None and summary.status == Summary.Status.READY
    if ready:
        content, narrative = without_internal_sources(summary.content), summary.narrative
        approval = _approval_state(summary.approval_state())
    else:
        content = build_session_summary(session)
        narrative = draft_narrative(content)
        approval = {
            "approvals": [],
            "awaiting": [p.name for p in session.negotiation.parties.all()],
            "approval_voided": [],
        }
    approved = ready and summary.is_approved and not approval["awaiting"]
    corrigenda = []
    for c in summary.corrigenda.select_related("issued_by") if summary else []:
        state = _approval_state(c.approval_state())
        corrigenda.append(
            {
                "number": c.number,
                "text": c.text,
                "issued_by": _person(c.issued_by),
                "issued_at": _iso(c.issued_at),
                "in_force": not state["awaiting"],
                "approvals": state["approvals"],
                "awaiting": state["awaiting"],
            }
        )
    record: dict[str, Any] = {
        "schema": "verbatim.minutes/2",
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
        "approved_at": _iso(summary.approved_at) if approved else None,
        **approval,
        "narrative": narrative,
        "summary": content,
        "corrigenda": corrigenda,
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
    with their brackets; its status; each party's consent to its current
    text (noted, confirmed, by whom) and whose confirmation is awaited. A
    point counts as agreed only when every party's own consent is
    confirmed."""
    from agreements.standing import point_standings
    from sessions.summary import consents_of

    parties = list(negotiation.parties.all())
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

        consents = (
            consents_of(parties, {c.party.pk: c.detail for c in s.consents if c.detail is not None})
            if s.consents
            else []
        )
        points.append(
            {
                "number": s.point.number,
                "title": s.point.title,
                "status": s.status,
                "texts": [words(f) for f in s.positions],
                "versions": [words(v) for v in s.versions],
                "open_brackets": s.open_brackets,
                "consents": consents,
                "awaiting": [c["party"] for c in consents if c["state"] != "confirmed"]
                if any(c["state"] != "none" for c in consents)
                else [],
                "agreed_in": {
                    "session": agreed_event.session.number if agreed_event and agreed_event.session else None,
                    "at": _iso(agreed_event.recorded_at) if agreed_event else None,
                }
                if agreed_event
                else None,
            }
        )
    return {
        "schema": "verbatim.agreed-text/2",
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


SHORT_TITLE = 60  # characters of the negotiation's title a file name keeps


def filename_stem(record: dict[str, Any], generated_at: datetime, *, ascii: bool = False) -> str:
    """A file name a registry can file: the negotiation's short title, then
    ``session-2-2026-11-26-minutes`` (``-internal`` for a delegation's own
    version) or ``agreed-text-2026-11-26`` (the day it was made, in UTC).
    The title is slugified and cut at a word within 60 characters; with
    ``ascii`` its letters lose their accents and a title with no Latin
    letter left becomes ``negotiation``."""
    # Dashes and slashes separate words ("Aurelia–Severia talks" gives "aurelia-severia-talks")
    spaced = "".join(
        " " if unicodedata.category(c) == "Pd" or c in "/\\" else c for c in record["negotiation"]["title"]
    )
    title = slugify(spaced, allow_unicode=not ascii)
    if len(title) > SHORT_TITLE:
        title = title[: SHORT_TITLE + 1].rsplit("-", 1)[0].strip("-_")[:SHORT_TITLE]
    parts = [title or "negotiation"]
    if record["record"]["kind"] == "minutes":
        parts += ["session", str(record["session"]["number"])]
        day = record["summary"]["header"].get("date") or (record["session"]["started_at"] or "")[:10]
        parts += [day, "minutes"] if day else ["minutes"]
        if record["record"]["version"] != "shared":
            parts.append("internal")
    else:
        parts += ["agreed-text", generated_at.astimezone(UTC).date().isoformat()]
    return "-".join(parts)


def content_disposition(export: Export, fmt: str) -> str:
    """``attachment`` with an ASCII ``filename`` every client reads, and,
    when the title has letters ASCII lacks, the exact name as RFC 6266 /
    RFC 5987 ``filename*`` (UTF-8, percent-encoded) for clients that read it."""
    plain = f"{filename_stem(export.record, export.generated_at, ascii=True)}.{fmt}"
    exact = f"{filename_stem(export.record, export.generated_at)}.{fmt}"
    header = f'attachment; filename="{plain}"'
    if exact != plain:
        header += f"; filename*=UTF-8''{quote(exact, safe='')}"
    return header


def prepare(record: dict[str, Any], stem: str | None = None) -> Export:
    """The export of a record made now; its file name is ``filename_stem``
    unless a caller names it."""
    now = timezone.now()
    return Export(
        record=record,
        fingerprint=fingerprint(record),
        generated_at=now,
        filename_stem=filename_stem(record, now) if stem is None else stem,
    )


def render(export: Export, fmt: str) -> bytes:
    from exports import renderers

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
