"""Every answer under /api/ is JSON, errors included.

Ninja's exception handlers (config/api.py) answer the errors a view raises on
purpose. This middleware covers the rest: an unknown path (404), a method
an operation does not take (405), a body too large or unreadable (400/413),
a refused CSRF check (403), and a bug (500). A 500 answers
``{"detail": ..., "request_id": ...}``; the same id is in the server's log
beside the traceback, so a user can quote it and an operator find it.
"""

from __future__ import annotations

import logging
import uuid
from http import HTTPStatus

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.deprecation import MiddlewareMixin

from config.outage import database_unavailable, is_database_error

log = logging.getLogger("verbatim.api")

DETAILS = {
    400: "The request could not be read; check that it is valid JSON of the documented shape.",
    401: "Authentication required: send 'Authorization: Bearer <token>' from POST /api/v1/auth/token.",
    403: "You may not do this.",
    404: "Not found: there is no such path in the API (see /api/v1/docs) or nothing you may see there.",
    405: "This path does not take the {method} method; see /api/v1/docs for the methods it takes.",
    413: "The request is too large.",
}


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


def _error_json(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    status = response.status_code
    template = DETAILS.get(status) or (f"{HTTPStatus(status).phrase}." if status in set(HTTPStatus) else "Error.")
    answer = JsonResponse({"detail": template.format(method=request.method)}, status=status)
    for header in ("Allow", "Retry-After", "WWW-Authenticate"):
        if header in response:
            answer[header] = response[header]
    return answer


class ApiErrorsMiddleware(MiddlewareMixin):
    """Under WSGI and ASGI alike (MiddlewareMixin); a streaming response passes untouched."""

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if (
            _is_api(request)
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith("application/json")
            and not getattr(response, "streaming", False)
        ):
            return _error_json(request, response)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not _is_api(request):
            return None
        if is_database_error(exception):
            return database_unavailable(request, exception)
        if isinstance(exception, RequestDataTooBig):
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            return JsonResponse(
                {"detail": f"The request is larger than the {limit:,} bytes the API takes; send less at once."},
                status=413,
            )
        request_id = uuid.uuid4().hex
        log.error("API request %s failed: %s %s", request_id, request.method, request.path, exc_info=exception)
        return JsonResponse(
            {
                "detail": "Something went wrong on our side. Check whether your change was saved, try again, and "
                f"if it happens again tell the administrator the request id {request_id}.",
                "request_id": request_id,
            },
            status=500,
        )
