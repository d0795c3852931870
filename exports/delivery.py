"""Serving exports: small ones are rendered in the request, large ones by a
background job that the request waits for; the caller sees the same URL
answer with the file either way (or 202 with progress if it takes long)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from exports import records
from negotiations.models import ExportJob, IssuedFile

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def _file(request: HttpRequest, export: records.Export, fmt: str, content: bytes) -> HttpResponse:
    """Hand the file over, and note its SHA-256 as issued to this user (a
    file a background job rendered is noted each time it is handed over)."""
    IssuedFile.note(content=content, record=export.record, fingerprint=export.fingerprint, fmt=fmt, to=request.user)
    response = HttpResponse(content, content_type=records.FORMATS[fmt])
    response["Content-Disposition"] = records.content_disposition(export, fmt)
    response["X-Verbatim-Fingerprint"] = f"sha256:{export.fingerprint}"
    response["Cache-Control"] = "private, no-store"
    return response


def export_response(request: HttpRequest, fmt: str, build: Callable[[], dict[str, Any]], *, size: int) -> HttpResponse:
    if fmt not in records.FORMATS:
        raise ValidationError(f"Unknown format {fmt!r}; ask for pdf, docx, md or json.")
    record = build()
    export = records.prepare(record)
    if fmt in {"json", "md"} or size < settings.EXPORT_BACKGROUND_THRESHOLD:
        return _file(request, export, fmt, records.render(export, fmt))
    job = request_job(
        record=record, fingerprint=export.fingerprint, fmt=fmt, stem=export.filename_stem, by=request.user
    )
    deadline = time.monotonic() + settings.EXPORT_WAIT_SECONDS
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status == ExportJob.Status.READY:
            return _file(request, export, fmt, bytes(job.content))
        if job.status == ExportJob.Status.FAILED:
            return JsonResponse({"detail": f"The export failed: {job.error}. Ask again to retry."}, status=500)
        time.sleep(0.25)
    response = JsonResponse(
        {
            "status": job.status,
            "progress": job.progress,
            "detail": "The export is being built; ask again in a few seconds.",
        },
        status=202,
    )
    response["Retry-After"] = "3"
    return response


# ---- the background job of a large export: the ExportJob row is its intent (see config/celery.py) ----


def request_job(*, record: dict, fingerprint: str, fmt: str, stem: str, by: User) -> ExportJob:
    """The job rendering this record in this format, asked for once however
    often the export is: a new (or failed) job is pending, and sent to a
    worker after commit; if the broker is down, the sweeper sends it later."""
    with transaction.atomic():
        job, pending = ExportJob.ask(record=record, fingerprint=fingerprint, fmt=fmt, stem=stem, by=by)
        if pending:
            from exports.tasks import render_export  # Celery, when a job is sent: not at a web process's start

            render_export.send_on_commit(job)
    return job


def sweep_jobs() -> int:
    """Send the job of every export that should be rendering and is not:
    pending and never handed to the broker (it was down) or handed long
    ago and never started (it lost it), or running past the limit.
    Claims by conditional update, so two sweeps send each job once.
    Returns how many jobs it sent."""
    from exports.tasks import render_export

    now = timezone.now()
    sent = 0
    for stuck in ExportJob.take_back_stuck(now):
        sent += render_export.send_claimed(stuck, sent_at=None)
    for job in ExportJob.stranded(now):
        sent += render_export.send_claimed(job, sent_at=job.enqueued_at)
    return sent


def run_job(job: ExportJob) -> None:
    """Render the job's file (the task ``render_export``); nothing if it is already done."""
    if not job.start():
        return  # already done
    export = records.Export(
        record=job.record, fingerprint=job.fingerprint, generated_at=timezone.now(), filename_stem=job.stem
    )
    job.finish(records.render(export, job.fmt))
