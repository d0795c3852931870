"""When the database is unreachable: a 503 at once, never a 500 page or a hung request.

Every request that meets a database it cannot reach (a refused or timed-out
connection, a pool with no connection to give, a server shutting down)
answers 503 with ``Retry-After``: JSON ``{"detail": ...}`` under ``/api/``,
``{"status": "down"}`` at ``/healthz``, a readable page elsewhere. The console keeps a line it could not send in its
queue and sends it again, so nothing typed is lost.

After such a failure this process answers 503 without trying the database
for ``OUTAGE_HOLD_SECONDS``: a burst of requests does not become a burst of
connection attempts (or of requests each waiting for the pool).
"""

from __future__ import annotations

import logging
import sys
import time

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils import translation
from django.utils.deprecation import MiddlewareMixin
from django.utils.translation import gettext
from django.views import defaults

log = logging.getLogger(__name__)

OUTAGE_HOLD_SECONDS = 1.0

# The first SQLSTATE class (08) is "connection exception"; 57P01-57P03 are a server shutting down,
# crashed or starting up. A connection that failed before the server said anything has no SQLSTATE.
_UNREACHABLE_SQLSTATES = ("08", "57P01", "57P02", "57P03")

_down_until = 0.0


def is_database_error(error: BaseException | None) -> bool:
    """An error that means "the database could not answer now": answered 503, not 500."""
    return isinstance(error, OperationalError | InterfaceError)


def _unreachable(error: BaseException) -> bool:
    """The database could not be reached at all (rather than, say, a deadlock or a cancelled query)."""
    if isinstance(error, InterfaceError):
        return True
    cause = error.__cause__
    if cause is None:
        return True
    if cause.__class__.__name__ == "PoolTimeout":
        return True
    sqlstate = getattr(cause, "sqlstate", None)
    return sqlstate is None or sqlstate.startswith(_UNREACHABLE_SQLSTATES)


def note_failure(error: BaseException) -> None:
    global _down_until
    if _unreachable(error):
        _down_until = time.monotonic() + OUTAGE_HOLD_SECONDS
        log.warning("database unreachable (%s); answering 503 for %g s", error, OUTAGE_HOLD_SECONDS)


def database_held_down() -> bool:
    return time.monotonic() < _down_until


def unavailable(request: HttpRequest) -> HttpResponse:
    """The 503, in the reader's language: the switcher's cookie, else the browser's (what a signed-in user chose
    is in the database, out of reach now). This answer may come before LocaleMiddleware has run."""
    seconds = settings.DATABASE_RETRY_AFTER
    response: HttpResponse
    with translation.override(translation.get_language_from_request(request)):
        if request.path_info == "/healthz":  # a probe, even with a staff cookie whose session cannot be read now
            response = JsonResponse({"status": "down"}, status=503)
        elif request.path_info.startswith("/api/"):
            detail = gettext(
                "The record is unreachable for a moment; try again in %(seconds)s s. "
                "Nothing was recorded by this request."
            ) % {"seconds": seconds}
            response = JsonResponse({"detail": detail}, status=503)
        else:
            # Rendered without the request: the page must not need the database (no user, no session).
            body = loader.get_template("503.html").render({"retry_after": seconds})
            response = HttpResponse(body, status=503)
            response["Content-Language"] = translation.get_language()
    response["Retry-After"] = str(seconds)
    response["Cache-Control"] = "no-store"
    return response


def database_unavailable(request: HttpRequest, error: BaseException) -> HttpResponse:
    note_failure(error)
    return unavailable(request)


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: an unreachable database is a 503, anything else the usual 500 page."""
    error = sys.exc_info()[1]
    if is_database_error(error):
        return database_unavailable(request, error)
    return defaults.server_error(request)


class DatabaseOutageMiddleware(MiddlewareMixin):
    """First in the stack: while the database is known to be unreachable, answer 503 at once.
    /healthz still runs its own checks, so that it can say what is failing, and static files, which
    never touch the database, are still served (the 503 page's own stylesheet among them)."""

    def process_request(self, request: HttpRequest) -> HttpResponse | None:
        if database_held_down() and request.path_info != "/healthz" and not _is_static(request):
            return unavailable(request)
        return None


def _is_static(request: HttpRequest) -> bool:
    return request.path_info.startswith("/" + settings.STATIC_URL.lstrip("/"))
