"""Serving exports: small ones are rendered in the request, large ones by a
background job that the request waits for; the caller sees the same URL
answer with the file either way (or 202 with progress if it takes long)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse

from exports import records


def _file(request: HttpRequest, export: records.Export, fmt: str, content: bytes) -> HttpResponse:
    """Hand the file over, and note its SHA-256 as issued to this user (a
    file a background job rendered is noted each time it is handed over)."""
    from negotiations.models import IssuedFile

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
    from negotiations.models import ExportJob

    job = ExportJob.request(
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
