"""Is the stored record the record that was written?

Walks every hash chain (each session's entry streams, each negotiation's
acts) and cross-checks the rows the acts speak of: every agreement event has
its act and every act its event, every approval of minutes or of a
corrigendum has its act, and approved minutes and corrigenda still have the
fingerprint their approvals were given. Each chain is reported at its first
break only: after it, every row would follow from a row that is already
wrong. ``manage.py verify_record`` prints the findings; a beat job stores
them (``RecordCheck``); the summary refuses to build on a broken chain.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass

from django.db.models import QuerySet

from negotiations.models import Negotiation

RECORD_STREAM = "record"


@dataclass(frozen=True)
class Finding:
    """One row that does not match, told for a person."""

    negotiation: str  # public id
    model: str
    public_id: str
    seq: int | None
    what: str
    stream: str = RECORD_STREAM  # an internal stream's finding is shown only to its delegation
    session: int | None = None  # the session's number, where the row belongs to one

    @property
    def line(self) -> str:
        where = f"session {self.session}, " if self.session is not None else ""
        seq = f" #{self.seq}" if self.seq is not None else ""
        stream = f" ({'shared record' if self.stream == RECORD_STREAM else 'internal stream'})"
        return f"{where}{self.model}{seq} {self.public_id}{stream if self.model == 'Entry' else ''}: {self.what}"

    def as_dict(self) -> dict[str, object]:
        return asdict(self) | {"line": self.line}


# Which act records which agreement event: (event kind, binding) -> act kind.
EVENT_ACTS = {
    ("agreed", True): "consent_confirmed",
    ("agreed", False): "consent_noted",
    ("confirmed", True): "capitals_confirmed",
    ("confirmed", False): "capitals_noted",
    ("reopened", True): "point_reopened",
    ("reopened", False): "point_reopened",
}


def _chain_findings(rows, *, negotiation: Negotiation, model: str, session=None, stream=RECORD_STREAM) -> list[Finding]:
    """The first row of one chain (rows in seq order) whose seq or digest
    does not follow from the row before it."""
    previous, expected_seq = "", 1
    for row in rows:
        what = None
        if row.seq != expected_seq:
            if row.seq > expected_seq:
                missing = f"#{expected_seq}" if row.seq == expected_seq + 1 else f"#{expected_seq}–#{row.seq - 1}"
                what = f"the chain jumps from #{expected_seq - 1} to #{row.seq}: {missing} was removed"
            else:
                what = f"its number repeats or goes back (expected #{expected_seq})"
        elif row.digest != row.compute_digest(previous):
            what = (
                "its stored digest is not the SHA-256 of its content and the digest before it: "
                f"it was changed after it was recorded{' (or the row before it was)' if row.seq > 1 else ''}"
            )
        if what:
            return [
                Finding(
                    negotiation=str(negotiation.public_id),
                    model=model,
                    public_id=str(row.public_id),
                    seq=row.seq,
                    what=what,
                    stream=stream,
                    session=session.number if session is not None else None,
                )
            ]
        previous, expected_seq = row.digest, row.seq + 1
    return []


def entry_findings(session) -> list[Finding]:
    from sessions.models import Entry

    findings: list[Finding] = []
    entries = Entry.objects.filter(session=session).select_related(
        "session", "speaker", "party", "author", "delegation", "supersedes", "disputes", "accepts"
    )
    streams: dict[str, list[Entry]] = defaultdict(list)
    for entry in entries.order_by("stream", "seq"):
        streams[entry.stream].append(entry)
    for stream in sorted(streams, key=lambda s: (s != RECORD_STREAM, s)):
        findings += _chain_findings(
            streams[stream], negotiation=session.negotiation, model="Entry", session=session, stream=stream
        )
    return findings


def act_findings(negotiation: Negotiation) -> list[Finding]:
    from sessions.models import Act

    acts = Act.objects.filter(negotiation=negotiation).select_related(
        "negotiation", "session", "party", "delegation", "by"
    )
    return _chain_findings(acts.order_by("seq"), negotiation=negotiation, model="Act")


def _finding(negotiation: Negotiation, model: str, row, what: str, *, seq=None, session=None) -> Finding:
    return Finding(
        negotiation=str(negotiation.public_id),
        model=model,
        public_id=str(getattr(row, "public_id", None) or row.pk),
        seq=seq,
        what=what,
        session=session.number if session is not None else None,
    )


def _event_against_act(event, act) -> str | None:
    """What differs between an agreement event and the act that records it."""
    expected = EVENT_ACTS[(event.kind, event.binding)]
    parties = {p.pk for p in event.parties.all()}
    if act.kind != expected:
        return f"its act #{act.seq} is '{act.kind}', the event calls for '{expected}'"
    if event.kind != "reopened" and act.party_id and parties != {act.party_id}:
        return f"it names other parties than its act #{act.seq}: parties were added or removed"
    if event.kind != "reopened" and act.party_id is None and len(parties) < 2:
        return f"its act #{act.seq} was for several parties, the event names {len(parties)}"
    if act.session_id != event.session_id:
        return f"it is in another session than its act #{act.seq}"
    return None


def agreement_findings(negotiation: Negotiation, acts: QuerySet) -> list[Finding]:
    """Every agreement event has its act, in the same order, of the kind and
    for the parties the event names; and every such act has its event."""
    from agreements.models import Agreement, Formulation

    findings: list[Finding] = []
    kinds = set(EVENT_ACTS.values())
    by_subject: dict[str, list] = defaultdict(list)
    for act in acts:
        if act.kind in kinds:
            by_subject[act.subject].append(act)
    formulations = Formulation.objects.filter(point__negotiation=negotiation).select_related("point")
    known = set()
    for formulation in formulations.order_by("pk"):
        key = str(formulation.public_id)
        known.add(key)
        events = list(
            Agreement.objects.filter(formulation=formulation).select_related("session").prefetch_related("parties")
        )
        events.sort(key=lambda e: e.pk)
        its_acts = by_subject.get(key, [])
        for i in range(max(len(events), len(its_acts))):
            event = events[i] if i < len(events) else None
            act = its_acts[i] if i < len(its_acts) else None
            problem = _event_against_act(event, act) if event is not None and act is not None else None
            if problem is None and event is not None and act is not None:
                continue
            if len(its_acts) > len(events):  # from here on, the acts run ahead of the events
                findings.append(
                    _finding(
                        negotiation,
                        "Act",
                        act,
                        f"it records an event of point {formulation.point.number} that is not stored: "
                        "the event was removed",
                        seq=act.seq,
                    )
                )
            elif len(events) > len(its_acts):
                findings.append(
                    _finding(
                        negotiation,
                        "Agreement",
                        event,
                        f"this {event.get_kind_display().lower()} event of point {formulation.point.number} has "
                        "no act in the chain: it was added outside the application",
                        session=event.session,
                    )
                )
            else:
                findings.append(_finding(negotiation, "Agreement", event, problem, session=event.session))
            break
    for subject, orphans in by_subject.items():
        if subject not in known:
            act = orphans[0]
            findings.append(
                _finding(negotiation, "Act", act, "it concerns a formulation that is not stored", seq=act.seq)
            )
    return findings


def approval_findings(negotiation: Negotiation, acts: QuerySet) -> list[Finding]:
    """Each approval of minutes or of a corrigendum (one act per head's
    approval, for one or several parties) has its act, and approved texts
    still have the fingerprint that was approved."""
    from sessions.models import Act, MinutesApproval, Summary

    findings: list[Finding] = []
    approval_acts: dict[int | None, list] = defaultdict(list)
    for act in acts:
        if act.kind in (Act.Kind.MINUTES_APPROVED, Act.Kind.CORRIGENDUM_APPROVED):
            approval_acts[act.session_id].append(act)
    summaries = Summary.objects.filter(session__negotiation=negotiation).select_related("session")
    seen_sessions = set()
    for summary in summaries.order_by("session__number"):
        session = summary.session
        seen_sessions.add(session.pk)
        groups: dict[tuple, list[MinutesApproval]] = {}
        for approval in summary.approvals.select_related("corrigendum").order_by("at", "pk"):
            key = (approval.corrigendum_id, approval.by_id, approval.delegation_id, approval.at, approval.fingerprint)
            groups.setdefault(key, []).append(approval)
        its_acts = approval_acts.get(session.pk, [])
        for i, group in enumerate(groups.values()):
            first = group[0]
            act = its_acts[i] if i < len(its_acts) else None
            kind = Act.Kind.CORRIGENDUM_APPROVED if first.corrigendum_id else Act.Kind.MINUTES_APPROVED
            parties = {a.party_id for a in group}
            problem = None
            if act is None:
                problem = "this approval has no act in the chain: it was added outside the application"
            elif act.kind != kind or act.subject != first.fingerprint:
                problem = f"it does not match its act #{act.seq} (kind or fingerprint differ)"
            elif (act.party_id and parties != {act.party_id}) or (act.party_id is None and len(parties) < 2):
                problem = f"it names other parties than its act #{act.seq}"
            if problem:
                findings.append(_finding(negotiation, "MinutesApproval", first, problem, session=session))
                break
        else:
            if len(its_acts) > len(groups):
                act = its_acts[len(groups)]
                findings.append(
                    _finding(
                        negotiation,
                        "Act",
                        act,
                        f"it records an approval in session {session.number} that is not stored: it was removed",
                        seq=act.seq,
                    )
                )
        if summary.approved_at is not None:
            current = summary.fingerprint()
            approved = set(summary.approvals.filter(corrigendum=None, fingerprint=current).values_list("party_id"))
            if len(approved) < negotiation.parties.count():
                findings.append(
                    _finding(
                        negotiation,
                        "Summary",
                        summary,
                        f"the approved minutes of session {session.number} no longer have the fingerprint every "
                        "party approved: their content or narrative was changed after approval",
                        session=session,
                    )
                )
        for corrigendum in summary.corrigenda.order_by("number"):
            fingerprints = set(corrigendum.approvals.values_list("fingerprint", flat=True))
            if not fingerprints:
                problem = "it has no approval, not even its issuing party's: approvals were removed"
            elif fingerprints != {corrigendum.fingerprint()}:
                problem = "its text no longer has the fingerprint its approvals were given: it was changed"
            else:
                continue
            findings.append(
                _finding(negotiation, "Corrigendum", corrigendum, problem, seq=corrigendum.number, session=session)
            )
    for session_id, orphans in approval_acts.items():
        if session_id not in seen_sessions:
            act = orphans[0]
            findings.append(
                _finding(negotiation, "Act", act, "it approves minutes of a session that has none", seq=act.seq)
            )
    return findings


def session_status_findings(negotiation: Negotiation, acts: QuerySet) -> list[Finding]:
    """A session's status agrees with its acts: closed after its last close
    act, taken up again after a reopening, approved only with approved
    minutes."""
    from sessions.models import Act, Session

    last: dict[int, Act] = {}
    for act in acts:
        if act.kind in (Act.Kind.SESSION_CLOSED, Act.Kind.SESSION_REOPENED):
            last[act.session_id] = act
    findings = []
    for session in negotiation.sessions.order_by("number"):
        act = last.get(session.pk)
        closed_by_acts = act is not None and act.kind == Act.Kind.SESSION_CLOSED
        summary = getattr(session, "summary", None) if session.status == Session.Status.MINUTES_APPROVED else None
        problem = None
        if session.status == Session.Status.MINUTES_APPROVED and (summary is None or summary.approved_at is None):
            problem = "its status says the minutes are approved, but no approved minutes are stored"
        elif session.status in (Session.Status.CLOSED, Session.Status.MINUTES_APPROVED) and not closed_by_acts:
            problem = "its status says closed, but its last act does not close it"
        elif session.status in (Session.Status.SCHEDULED, Session.Status.IN_PROGRESS) and closed_by_acts:
            problem = f"its status says {session.get_status_display().lower()}, but act #{act.seq} closed it"
        if problem:
            findings.append(_finding(negotiation, "Session", session, problem, seq=session.number, session=session))
    return findings


def chain_heads(negotiation: Negotiation) -> dict[str, list]:
    """The last row of every chain, ``{chain: [seq, digest]}``: what a later
    check compares with, to see an end of a chain removed or a chain
    rewritten whole (which its own links cannot show)."""
    from sessions.models import Act, Entry

    heads: dict[str, list] = {}
    entries = Entry.objects.filter(session__negotiation=negotiation).order_by("session_id", "stream", "-seq")
    if _distinct_on():
        rows = entries.distinct("session_id", "stream").values_list("session__public_id", "stream", "seq", "digest")
    else:
        rows = _heads_slowly(entries)
    for session_id, stream, seq, digest in rows:
        heads[f"entries {session_id} {stream}"] = [seq, digest]
    last = Act.objects.filter(negotiation=negotiation).order_by("-seq").values_list("seq", "digest").first()
    if last:
        heads["acts"] = list(last)
    return heads


def _distinct_on() -> bool:
    from django.db import connection

    return connection.features.can_distinct_on_fields


def _heads_slowly(entries):
    seen = set()
    for row in entries.values_list("session__public_id", "stream", "seq", "digest"):
        if (row[0], row[1]) not in seen:
            seen.add((row[0], row[1]))
            yield row


def witness_findings(negotiation: Negotiation, heads: dict[str, list], at: str) -> list[Finding]:
    """Compare the chains with their heads as an earlier passing check
    (at ``at``) saw them."""
    from sessions.models import Act, Entry, Session

    findings = []
    for chain, (seq, digest) in heads.items():
        if chain == "acts":
            rows, model, stream, session = Act.objects.filter(negotiation=negotiation), "Act", RECORD_STREAM, None
        else:
            _, session_id, stream = chain.split(" ", 2)
            session = Session.objects.filter(public_id=session_id).first()
            rows, model = Entry.objects.filter(session=session, stream=stream), "Entry"
        row = rows.filter(seq=seq).first()
        if row is None:
            what = f"#{seq}, the last of its chain when the record was verified at {at}, is gone: the end was removed"
        elif row.digest != digest:
            what = f"its digest is not the one seen when the record was verified at {at}: the chain was rewritten"
        else:
            continue
        findings.append(
            Finding(
                negotiation=str(negotiation.public_id),
                model=model,
                public_id=str(row.public_id) if row else "(removed)",
                seq=seq,
                what=what,
                stream=stream,
                session=session.number if session is not None else None,
            )
        )
    return findings


def verify_negotiation(
    negotiation: Negotiation, *, heads: dict[str, list] | None = None, heads_at: str = ""
) -> list[Finding]:
    """Every finding for one negotiation: its sessions' entry chains, its
    act chain, then the rows the acts speak of; and, given the chain heads
    of an earlier passing check, whether any chain lost its end or was
    rewritten since."""
    from sessions.models import Act

    findings: list[Finding] = []
    for session in negotiation.sessions.select_related("negotiation").order_by("number"):
        findings += entry_findings(session)
    findings += act_findings(negotiation)
    acts = Act.objects.filter(negotiation=negotiation).order_by("seq")
    findings += agreement_findings(negotiation, acts)
    findings += approval_findings(negotiation, acts)
    findings += session_status_findings(negotiation, acts)
    if heads:
        findings += witness_findings(negotiation, heads, heads_at)
    return findings


def session_findings(session) -> list[Finding]:
    """The chains a session's minutes rest on: its own entry streams and its
    negotiation's acts."""
    return entry_findings(session) + act_findings(session.negotiation)


def verify_record(negotiations: QuerySet[Negotiation] | None = None) -> dict[Negotiation, list[Finding]]:
    negotiations = Negotiation.objects.all() if negotiations is None else negotiations
    return {n: verify_negotiation(n) for n in negotiations.order_by("pk")}
