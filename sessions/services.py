"""Workflows that span several models or enqueue a job."""

from __future__ import annotations

from django.db import transaction

from negotiations.models import Membership
from sessions.models import Session, Summary
from sessions.summary import build_session_summary, draft_narrative


def session_close(*, session: Session, by: Membership) -> Summary:
    """Close the session (a head's act) and have its summary built once,
    after commit. Closing twice enqueues one job; closing again after a
    reopening builds the summary afresh."""
    with transaction.atomic():
        closed = session.close(by=by)
        summary, created = Summary.objects.get_or_create(session=session)
        if not created and closed:
            # closed again after a reopening: the record may have grown
            Summary.objects.filter(pk=summary.pk).update(status=Summary.Status.PENDING, error="")
        if created or closed:
            summary_enqueue(summary=summary)
    return summary


def session_reopen(*, session: Session, by: Membership, reason: str) -> None:
    """A head takes a closed session up again, until its minutes are
    approved. The draft summary is set aside: it is built again from the
    record at the next close, and approvals of the old draft no longer match."""
    with transaction.atomic():
        session.reopen(by=by, reason=reason)
        Summary.objects.filter(session=session, approved_at=None).update(
            status=Summary.Status.PENDING, content=None, error="", finished_at=None
        )


def summary_enqueue(*, summary: Summary) -> None:
    from sessions.tasks import build_summary

    build_summary.delay_on_commit(summary.pk)


def summary_retry(*, summary: Summary, by: Membership) -> None:
    """A head asks again after a failure."""
    from django.core.exceptions import PermissionDenied, ValidationError

    if not by.is_head:
        raise PermissionDenied("Only a head of delegation can retry the summary.")
    with transaction.atomic():
        updated = Summary.objects.filter(pk=summary.pk, status=Summary.Status.FAILED).update(
            status=Summary.Status.PENDING, error=""
        )
        if not updated:
            raise ValidationError("Only a failed summary can be retried.")
        summary.session.changed()
        summary_enqueue(summary=summary)


def summary_build(*, summary: Summary, attempts: int = 5) -> str:
    """Build the summary from the record. If lines recorded late arrive
    while it is being built, build it again so that none is left out."""
    from django.db.models import Max

    from sessions.models import Entry

    for attempt in range(attempts):
        if not summary.claim():
            return "already built"
        shared = summary.session.entries.filter(stream=Entry.RECORD_STREAM)
        upto = shared.aggregate(n=Max("seq"))["n"] or 0
        content = build_session_summary(summary.session)
        last = attempt == attempts - 1
        stored = summary.complete(content, draft_narrative(content), upto=None if last else upto)
        if stored is not None:
            return "built" if stored else "not stored"
    return "built"
