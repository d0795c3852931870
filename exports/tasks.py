from __future__ import annotations

from celery import shared_task

from config.celery import OutboxTask

# The names these tasks had when they lived in negotiations/tasks.py: jobs already queued in Redis,
# and the beat schedule (config/settings.py), name them so.


@shared_task(
    name="negotiations.tasks.render_export",
    base=OutboxTask,
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=3,
)
def render_export(self, job_id: int) -> str:
    """Render a large export. Safe to run twice: the job row says when it is done."""
    from exports.delivery import run_job
    from negotiations.models import ExportJob

    job = ExportJob.objects.filter(pk=job_id).first()
    if job is None:
        return "gone"
    try:
        run_job(job)
    except Exception as error:
        if self.request.retries >= self.max_retries or self.request.is_eager:
            ExportJob.objects.filter(pk=job_id).update(status=ExportJob.Status.FAILED, error=str(error)[:2000])
            return "failed"
        raise self.retry(exc=error, countdown=5 * 2**self.request.retries) from error
    return "ready"


@shared_task(name="negotiations.tasks.sweep_exports", acks_late=False)
def sweep_exports() -> int:
    """Send the jobs of exports stranded by a broker outage, a broker that
    lost its memory, or a worker that died (Celery beat, every few seconds)."""
    from exports.delivery import sweep_jobs

    return sweep_jobs()
