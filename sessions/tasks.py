from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings

from config.celery import OutboxTask

log = logging.getLogger(__name__)


@shared_task(base=OutboxTask, bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None)
def build_summary(self, summary_id: int) -> str:
    """Build a closed session's summary. Acknowledged only when done, so a
    killed worker's job runs again elsewhere; running twice is harmless."""
    from sessions.models import Summary
    from sessions.services import summary_build

    summary = Summary.objects.select_related("session").filter(pk=summary_id).first()
    if summary is None:  # its transaction was rolled back: nothing to build
        log.warning("summary %s does not exist; dropping the job", summary_id)
        return "gone"
    try:
        return summary_build(summary=summary)
    except Exception as error:
        if self.request.retries >= settings.SUMMARY_MAX_RETRIES or self.request.is_eager:
            log.exception("summary %s failed for good", summary_id)
            summary.fail(f"{error.__class__.__name__}: {error}")
            return "failed"
        countdown = min(settings.SUMMARY_RETRY_SECONDS * 2**self.request.retries, 600)
        log.warning("summary %s failed (%s); retrying in %s s", summary_id, error, countdown)
        summary.note_retry(
            f"Attempt {self.request.retries + 1} failed ({error.__class__.__name__}: {error}); retrying in {countdown} s.",
            due_in=countdown,
        )
        raise self.retry(exc=error, countdown=countdown) from error


@shared_task(acks_late=False)
def sweep_summaries() -> int:
    """Send the jobs of summaries stranded by a broker outage, a broker that
    lost its memory, or a worker that died (Celery beat, every few seconds)."""
    from sessions.services import summary_sweep

    return summary_sweep()
