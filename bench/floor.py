"""Django as Verbatim runs it, with one endpoint that does nothing: the floor
of any Django endpoint on this machine, for the ``request`` scenario.

The bench starts a second server with ``DJANGO_SETTINGS_MODULE=bench.floor``:
Verbatim's settings, server and protocol, but this URL conf. With
``BENCH_BARE=1`` the middleware list is empty too: Django's handler alone.
Never part of Verbatim's own URLs.
"""

from __future__ import annotations

import json
import os

from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from config.settings import *  # noqa: F403 - Verbatim's settings, changed below

ROOT_URLCONF = "bench.floor"
if os.environ.get("BENCH_BARE"):
    MIDDLEWARE: list[str] = []


@csrf_exempt
@login_not_required
def nothing(request):
    """Read the JSON body and answer 201, as the entry endpoint does, and nothing else: no token, no query."""
    body = json.loads(request.body or b"{}")
    return JsonResponse({"received": len(body)}, status=201)


urlpatterns = [path("api/v1/nothing", nothing), path("login/", nothing, name="login")]  # the bench waits for /login/
