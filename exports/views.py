"""The verify page: drop an exported file and see whether it is the record."""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from exports.verification import verify


class _UploadLimit(FileUploadHandler):
    """Stops taking a file in once it passes the limit, so an oversized
    upload is never kept whole; remembers the name of the file it dropped."""

    def __init__(self, request: HttpRequest, limit: int) -> None:
        super().__init__(request)
        self.limit, self.received, self.dropped = limit, 0, ""

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit:
            self.dropped = self.file_name or gettext("The file")
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


@csrf_exempt  # only so that the limit is in place before the CSRF check reads the upload; checked below
@require_http_methods(["GET", "POST"])
def verify_file(request: HttpRequest) -> HttpResponse:
    """Drop an exported file and see whether it is the record: the same
    verdict as ``manage.py verify_export``, told only about records this user
    may read (any other record is answered as one this instance does not hold)."""
    limit = _UploadLimit(request, settings.VERIFY_UPLOAD_MAX_BYTES)
    request.upload_handlers.insert(0, limit)
    return _verify_file(request, limit)


@csrf_protect
def _verify_file(request: HttpRequest, limit: _UploadLimit) -> HttpResponse:
    verdict, problem = None, ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        if limit.dropped:
            problem = gettext(
                "%(file)s is larger than %(size)s, the most this page verifies. "
                "Verify it with manage.py verify_export on the server."
            ) % {"file": limit.dropped, "size": filesizeformat(limit.limit)}
        elif upload is None:
            problem = gettext("Choose an exported file (pdf, docx, md or json) to verify.")
        else:
            verdict = verify(upload.name, upload.read(), user=request.user)
    status = 400 if problem else 200
    return render(request, "exports/verify.html", {"verdict": verdict, "problem": problem}, status=status)
