"""A negotiation in mid-flight for access and API tests, built on the
``world`` fixture: a started session with shared and internal entries of
both delegations, and points with an open, an ad referendum and an agreed
formulation. Each agreement is noted by an Aurelian note-taker for both
parties and confirmed by a Severian member for Severia."""

from __future__ import annotations

import uuid

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
