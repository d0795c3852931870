from __future__ import annotations

import logging
import os
from datetime import datetime
from functools import partial

from celery import Celery, Task
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("verbatim")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

log = logging.getLogger(__name__)


class OutboxTask(Task):
    """A job whose intent is a row (a Summary or an ExportJob): the row is
    written pending in the transaction that wants the job, handed to the
    broker after commit, and handed again by the sweeper if that failed or
    the broker forgot it."""

    def send_on_commit(self, row) -> None:
        """After commit, send the job of ``row``, which the transaction has
        just made pending with no ``enqueued_at``."""
        from django.db import transaction

        transaction.on_commit(partial(self.send_claimed, row, sent_at=None))

    def send_claimed(self, row, *, sent_at: datetime | None) -> bool:
        """Hand the job of a pending row to the broker, once: the row is
        claimed by a conditional update of its ``enqueued_at`` from the value
        the caller saw (``sent_at``), so two senders (a request after commit
        and a sweeper, or two sweepers) never both send it. If the broker is
        unreachable the claim is given back, the failure is logged and the
        row is left for the sweeper; nothing is raised to the caller.

        In the embedded default (eager Celery, no broker) the job runs here
        and now, as it always did."""
        from django.utils import timezone

        model = row._meta.model
        now = timezone.now()
        pending = model.objects.filter(pk=row.pk, status=model.Status.PENDING, enqueued_at=sent_at)
        if not pending.update(enqueued_at=now):
            return False
        if self.app.conf.task_always_eager:
            self.apply_async(args=[row.pk])
            return True
        try:
            self.apply_async(args=[row.pk])
        except Exception as error:  # whatever the broker says, the row keeps the intent
            log.warning("could not hand %s %s to the broker (%s); the sweeper will", model.__name__, row.pk, error)
            model.objects.filter(pk=row.pk, enqueued_at=now).update(enqueued_at=sent_at)
            return False
        return True


@worker_ready.connect
def sweep_at_start(sender=None, **kwargs) -> None:
    """A worker that starts hands every stranded job to the broker at once,
    without waiting for the next beat."""
    from exports.delivery import sweep_jobs
    from sessions.services import summary_sweep

    try:
        log.info("sweep at worker start: %s summaries, %s exports", summary_sweep(), sweep_jobs())
    except Exception:  # a failed sweep must not stop the worker; the beat sweeps again
        log.exception("the sweep at worker start failed")
