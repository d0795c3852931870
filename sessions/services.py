"""Workflows that span several models or enqueue a job."""

from __future__ import annotations

from django.db import transaction

from negotiations.models import Membership
from sessions.models import Session, Summary
from sessions.summary import build_session_summary, draft_narrative


def session_close(*, session: Session, by: Membership) -> Summary:
    """Close the session and have its summary built once, after commit.
    Closing twice enqueues one job."""
    with transaction.atomic():
        session.close()
        summary, created = Summary.objects.get_or_create(session=session)
        if created:
            summary_enqueue(summary=summary)
    return summary


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


def summary_build(*, summary: Summary) -> str:
    if not summary.claim():
        return "already built"
    content = build_session_summary(summary.session)
    summary.complete(content, draft_narrative(content))
    return "built"
