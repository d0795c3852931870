from __future__ import annotations

import re
import time
from collections.abc import Callable
from importlib import import_module
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django_htmx.http import HttpResponseClientRedirect

from negotiations.access import TwoFactorRequired

SIGNED_IN_AT = "verbatim_signed_in_at"
SEEN_AT = "verbatim_seen_at"
# Last activity is written to the session at most this often, so a busy console costs one write a minute.
TOUCH_SECONDS = 60
# Requests the browser makes by itself: the console's live stream, the panels it refreshes when
# others write, and its report of lines waiting to be sent (every 15 s). They do not count as
# activity, so a console left open does not keep its session alive; they still end with it.
BACKGROUND = re.compile(r"^/sessions/[0-9a-f-]+/(stream|pending|panels/[\w-]+)$")


def ended_because(data, now: float) -> str | None:
    """Why a browser session with this data has timed out, or None while it stands."""
    signed_in_at, seen_at = data.get(SIGNED_IN_AT), data.get(SEEN_AT)
    if signed_in_at is not None and now - signed_in_at > settings.SESSION_COOKIE_AGE:
        return gettext("You were signed out %(time)s after signing in.") % {"time": _hours(settings.SESSION_COOKIE_AGE)}
    if seen_at is not None and now - seen_at > settings.IDLE_TIMEOUT_SECONDS:
        return gettext("You were signed out after %(time)s without activity.") % {
            "time": _hours(settings.IDLE_TIMEOUT_SECONDS)
        }
    return None


def browser_session_stands(session_key: str | None, user_id: int) -> bool:
    """Whether the browser session that opened a live stream is still this user's and has not
    timed out, been signed out or ended by "Sign out everywhere": asked by the stream's re-check,
    so an open console ends with its session."""
    if not session_key:
        return False
    data = import_module(settings.SESSION_ENGINE).SessionStore(session_key).load()
    return data.get("_auth_user_id") == str(user_id) and ended_because(data, time.time()) is None


class SessionTimeoutMiddleware:
    """Ends a browser session IDLE_TIMEOUT_SECONDS after its last activity, and SESSION_COOKIE_AGE
    after sign-in whatever the activity."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            session = request.session
            signed_in_at = session.get(SIGNED_IN_AT)
            seen_at = session.get(SEEN_AT)
            if signed_in_at is None or seen_at is None:
                session[SIGNED_IN_AT] = signed_in_at or now
                session[SEEN_AT] = now
            elif why := ended_because(session, now):
                self._end(request, why)
            elif now - seen_at > TOUCH_SECONDS and not BACKGROUND.match(request.path_info):
                session[SEEN_AT] = now
        return self.get_response(request)

    @staticmethod
    def _end(request: HttpRequest, why: str) -> None:
        logout(request)
        if hasattr(request, "_messages"):
            messages.info(request, why + " " + gettext("Sign in again to go on."))


def _hours(seconds: int) -> str:
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return ngettext("%(n)s hour", "%(n)s hours", hours) % {"n": hours}
    minutes = round(seconds / 60)
    return ngettext("%(n)s minute", "%(n)s minutes", minutes) % {"n": minutes}


class TwoFactorRequiredMiddleware:
    """A page of a negotiation that requires two-factor sign-in, opened without it, sends the
    member to set up or use their authenticator, and back afterwards. The API answers 403 in JSON."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, TwoFactorRequired) or request.path_info.startswith("/api/"):
            return None
        messages.warning(request, str(exception))
        url = f"{reverse('accounts:two_factor')}?{urlencode({'next': request.get_full_path()})}"
        if getattr(request, "htmx", False):
            return HttpResponseClientRedirect(url)
        return HttpResponseRedirect(url)
