"""Workflows that span several models or enqueue a job."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from negotiations.models import Membership
from sessions.models import Session, Summary
from sessions.summary import build_session_summary, draft_narrative

log = logging.getLogger(__name__)


def session_close(*, session: Session, by: Membership) -> Summary:
    """Close the session (a head's act) and have its summary built once,
    after commit. Closing twice enqueues one job; closing again after a
    reopening builds the summary afresh."""
    with transaction.atomic():
        closed = session.close(by=by)
        summary, created = Summary.objects.get_or_create(session=session)
        if not created and closed:
            # closed again after a reopening: the record may have grown
            Summary.objects.filter(pk=summary.pk).update(
                status=Summary.Status.PENDING, error="", requested_at=timezone.now(), enqueued_at=None
            )
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
            status=Summary.Status.PENDING, content=None, error="", finished_at=None, enqueued_at=None
        )


def summary_enqueue(*, summary: Summary) -> None:
    """Send the build job after commit. The pending summary row, written in
    the same transaction, is the intent: if the broker is down the close
    still succeeds, and the sweeper sends the job once the broker is back."""
    from sessions.tasks import build_summary

    build_summary.send_on_commit(summary)


def summary_retry(*, summary: Summary, by: Membership) -> None:
    """A head asks again: after a failure, or when the summary has waited
    for a worker or been running for too long."""
    if not by.is_head:
        raise PermissionDenied("Only a head of delegation can retry the summary.")
    now = timezone.now()
    waited = Q(status=Summary.Status.PENDING, requested_at__lt=now - _seconds(settings.JOBS_PENDING_GRACE_SECONDS))
    stuck = Q(status=Summary.Status.RUNNING, started_at__lt=now - _seconds(settings.JOBS_RUNNING_LIMIT_SECONDS))
    with transaction.atomic():
        session = Session.objects.select_for_update().get(pk=summary.session_id)
        if session.status != Session.Status.CLOSED:
            raise ValidationError("The session is not closed; its summary is built when a head closes it.")
        updated = (
            Summary.objects.filter(pk=summary.pk)
            .filter(Q(status=Summary.Status.FAILED) | waited | stuck)
            .update(status=Summary.Status.PENDING, error="", requested_at=now, enqueued_at=None)
        )
        if not updated:
            raise ValidationError(_why_not_retried(Summary.objects.get(pk=summary.pk)))
        summary.session.changed()
        summary_enqueue(summary=summary)


def _why_not_retried(summary: Summary) -> str:
    if summary.status == Summary.Status.READY:
        return "The summary is already built; there is nothing to retry."
    if summary.status == Summary.Status.RUNNING:
        return "The summary is being built right now; it should be ready shortly."
    return "The summary was asked for a moment ago and is waiting for a worker; try again in a few seconds."


def summary_sweep() -> int:
    """Send the job of every summary that should be building and is not
    (Celery beat runs this every few seconds, and each worker once at start):
    a pending intent that nobody handed to the broker (it was down), or that
    the broker was handed long ago and never started (it lost it), and a
    job running past the limit (its worker died and the broker forgot it).
    Rows are claimed by conditional update, so two sweeps send each job once.
    Returns how many jobs it sent."""
    from sessions.tasks import build_summary

    now = timezone.now()
    closed = Summary.objects.filter(session__status=Session.Status.CLOSED)
    sent = 0
    limit = now - _seconds(settings.JOBS_RUNNING_LIMIT_SECONDS)
    for stuck in closed.filter(status=Summary.Status.RUNNING, started_at__lt=limit):
        if Summary.objects.filter(pk=stuck.pk, status=Summary.Status.RUNNING, started_at=stuck.started_at).update(
            status=Summary.Status.PENDING,
            enqueued_at=None,
            error=f"Attempt {stuck.attempts} ran for more than {settings.JOBS_RUNNING_LIMIT_SECONDS} s; started again.",
        ):
            log.warning("summary %s was running since %s; sending it again", stuck.pk, stuck.started_at)
            sent += build_summary.send_claimed(stuck, sent_at=None)
    grace = now - _seconds(settings.JOBS_PENDING_GRACE_SECONDS)
    requeue = now - _seconds(settings.JOBS_REQUEUE_SECONDS)
    stranded = closed.filter(status=Summary.Status.PENDING, requested_at__lt=grace).filter(
        Q(enqueued_at=None) | Q(enqueued_at__lt=requeue)
    )
    for summary in stranded:
        sent += build_summary.send_claimed(summary, sent_at=summary.enqueued_at)
    return sent


def _seconds(n: int) -> timedelta:
    return timedelta(seconds=n)


def summary_refusal(session: Session) -> str:
    """Why the minutes of ``session`` must not be built: its shared record
    or its negotiation's acts do not verify. Empty when they do."""
    from negotiations.integrity import RECORD_STREAM, session_findings

    findings = [f for f in session_findings(session) if f.stream == RECORD_STREAM]
    if not findings:
        return ""
    return (
        f"The stored record does not verify ({findings[0].line}), so no minutes were built from it. "
        "An administrator runs manage.py verify_record and restores the named rows (docs/RECORD.md); "
        "then ask for the summary again."
    )


def summary_build(*, summary: Summary, attempts: int = 5) -> str:
    """Build the summary from the record. If lines recorded late arrive
    while it is being built, build it again so that none is left out."""
    from django.db.models import Max

    from sessions.models import Entry

    for attempt in range(attempts):
        if not summary.claim():
            return "already built"
        if attempt == 0 and (broken := summary_refusal(summary.session)):
            summary.fail(broken)
            return "refused"
        shared = summary.session.entries.filter(stream=Entry.RECORD_STREAM)
        upto = shared.aggregate(n=Max("seq"))["n"] or 0
        content = build_session_summary(summary.session)
        last = attempt == attempts - 1
        stored = summary.complete(content, draft_narrative(content), upto=None if last else upto)
        if stored is not None:
            return "built" if stored else "not stored"
    return "built"
