"""Each page in the viewer's own time zone and language.

The time zone is the one the user chose on their account page, else the one their browser reports
(static/js/timezone.js keeps it in the ``verbatim_tz`` cookie, checked here against zoneinfo), else
the server's TIME_ZONE. The language is the one a signed-in user chose, else what LocaleMiddleware
found (the switcher's cookie, then the browser's Accept-Language)."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation

from accounts.models import Preference
from negotiations.text import is_time_zone

TIME_ZONE_COOKIE = "verbatim_tz"


def browser_time_zone(request: HttpRequest) -> str:
    """The zone the browser reported, if it is one we know; "" otherwise (a made-up or stale name)."""
    name = request.COOKIES.get(TIME_ZONE_COOKIE, "")
    return name if is_time_zone(name) else ""


class ViewerMiddleware:
    """Activates the viewer's time zone (and a signed-in user's chosen language) for the request.
    Goes after AuthenticationMiddleware and LocaleMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen_zone, chosen_language = ("", "")
        if request.user.is_authenticated:
            chosen_zone, chosen_language = Preference.of(request.user)
        zone = chosen_zone or browser_time_zone(request) or settings.TIME_ZONE
        request.viewer_time_zone = zone
        timezone.activate(zoneinfo.ZoneInfo(zone))
        if chosen_language:
            translation.activate(chosen_language)
            request.LANGUAGE_CODE = chosen_language
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
