"""A negotiation in mid-flight for access and API tests, built on the
``world`` fixture: a started session with shared and internal entries of
both delegations, and points with an open, an ad referendum and an agreed
formulation. Each agreement is noted by an Aurelian note-taker for both
parties and confirmed by a Severian member for Severia."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from agreements.models import Point


def build_scene(w):
    m = w.membership
    w.session.start()
    w.entry, _ = w.session.record_entry(membership=m(w.note_taker), client_id=uuid.uuid4(), text="Opening remarks.")
    w.internal_a, _ = w.session.record_entry(
        membership=m(w.note_taker), client_id=uuid.uuid4(), text="Aurelian eyes only.", visibility="internal"
    )
    w.internal_s, _ = w.session.record_entry(
        membership=m(w.other_note_taker), client_id=uuid.uuid4(), text="Severian eyes only.", visibility="internal"
    )
    w.point = Point.open(negotiation=w.negotiation, title="Navigation")
    w.formulation = w.point.propose(text="Ships pass freely.", party=w.aurelia, membership=m(w.note_taker))
    w.point_adref = Point.open(negotiation=w.negotiation, title="Lighthouse")
    w.adref = w.point_adref.propose(text="Kel Light.", party=w.severia, membership=m(w.note_taker))
    w.adref.agree(parties=[w.aurelia, w.severia], membership=m(w.note_taker), session=w.session, ad_referendum=True)
    w.adref.agree(parties=[w.severia], membership=m(w.other_note_taker), session=w.session, ad_referendum=True)
    w.point_agreed = Point.open(negotiation=w.negotiation, title="Quotas")
    w.agreed = w.point_agreed.propose(text="Quotas are set yearly.", party=w.severia, membership=m(w.note_taker))
    w.agreed.agree(parties=[w.aurelia, w.severia], membership=m(w.note_taker), session=w.session)
    w.agreed.agree(parties=[w.severia], membership=m(w.other_head), session=w.session)
    return w


# Recorded texts that are hard to carry: whitespace as recorded (tabs, runs of
# spaces, line breaks), text that looks like Markdown, HTML or Typst, and
# right-to-left scripts that start with digits.
HARD = {
    "statement": "The strait\tis\t\tcalm.\n  Two spaces lead this line;   three inside.",
    "statement_rtl": "2024 هو عام الملاحة الحرة.",
    "question": "# Not a heading?\n- not a list item?\n1. not a numbered item?",
    "question_2": "Will <b>pilots</b> be required, or `optional`?",
    "action_item": "Col1\tCol2\t\tCol4\n    indented, not code\n```\nnot a fence\n```",
    "decision": "| not | a table |\n|---|---|\n> not a quote *nor emphasis* [nor a link](http://example.org)",
    "open": "Vessels [shall] [may] carry #set page(width: 1cm) markers & \\escapes.",
    "agreed": "Lights are kept at Kel Point.\nМаяк горит всю ночь.",
    "reading": "The strait is calm, said the Severian record.\tTabs too.",
    "internal": "*Aurelian* eyes only:\n\n\n  three breaks above.",
    "corrigendum": "Read “Kel” for “Kell”.\n---",
}


def build_rich_record(w):
    """``build_scene``, then every kind of text the minutes carry: a statement
    and questions with speakers, an action item, a decision, an open and an
    agreed formulation, a differing reading, internal entries of both
    delegations; the session closed, its minutes approved by both parties and
    corrected by a corrigendum."""
    from sessions.models import Participant, Session, Summary
    from sessions.services import summary_build

    build_scene(w)
    m = w.membership
    s = w.session
    lind = Participant.objects.create(negotiation=w.negotiation, party=w.aurelia, name="Amara Lind")
    haddad = Participant.objects.create(negotiation=w.negotiation, party=w.severia, name="Rami Haddad")

    def line(text, kind, by=None, **extra):
        entry, _ = s.record_entry(
            membership=m(by or w.note_taker), client_id=uuid.uuid4(), text=text, kind=kind, **extra
        )
        return entry

    w.statement = line(HARD["statement"], "statement", speaker=lind)
    line(HARD["statement_rtl"], "statement", speaker=haddad, by=w.other_note_taker)
    line(HARD["question"], "question", speaker=haddad, by=w.other_note_taker)
    line(HARD["question_2"], "question", speaker=lind)
    line(HARD["action_item"], "action_item", speaker=lind)
    line(HARD["decision"], "decision")
    line(HARD["reading"], "statement", by=w.other_note_taker, disputes=w.statement)
    line(HARD["internal"], "note", visibility="internal")
    open_point = Point.open(negotiation=w.negotiation, title="Pilotage")
    open_point.propose(text=HARD["open"], party=w.aurelia, membership=m(w.note_taker), session=s)
    kel = Point.open(negotiation=w.negotiation, title="Kel Light")
    agreed = kel.propose(text=HARD["agreed"], party=w.severia, membership=m(w.note_taker), session=s)
    agreed.agree(parties=[w.aurelia, w.severia], membership=m(w.note_taker), session=s)
    agreed.agree(parties=[w.severia], membership=m(w.other_head), session=s)
    w.second = Session.schedule(
        negotiation=w.negotiation, title="Second round", place="Kel", scheduled_for=datetime(2026, 12, 3, 9, tzinfo=UTC)
    )
    s.close(by=m(w.head))
    w.summary = Summary.objects.create(session=s)
    summary_build(summary=w.summary)
    w.summary.refresh_from_db()
    for head in (w.head, w.other_head):
        w.summary.approve(membership=m(head), fingerprint=w.summary.current_fingerprint())
    w.corrigendum = w.summary.add_corrigendum(text=HARD["corrigendum"], membership=m(w.head))
    w.corrigendum.approve(membership=m(w.other_head))
    return w
