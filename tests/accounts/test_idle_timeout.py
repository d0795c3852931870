"""A browser session ends after VERBATIM_IDLE_TIMEOUT_SECONDS without activity and, whatever the
activity, VERBATIM_SESSION_MAX_SECONDS after sign-in. Requests the console makes by itself do not
count as activity."""

from __future__ import annotations

import time
import uuid

import pytest
from django.conf import settings
from django.test import override_settings

from accounts.middleware import SEEN_AT, SIGNED_IN_AT

pytestmark = pytest.mark.django_db


def shift(client, key: str, seconds_ago: float) -> None:
    session = client.session
    session[key] = time.time() - seconds_ago
    session.save()


def test_the_defaults_are_two_hours_idle_and_twelve_hours_in_all():
    assert settings.IDLE_TIMEOUT_SECONDS == 2 * 3600
    assert settings.SESSION_COOKIE_AGE == 12 * 3600


def test_idle_timeout_expires_the_session(client, sign_in, world):
    assert sign_in("note_taker").status_code == 302
    assert client.get("/").status_code == 200
    shift(client, SEEN_AT, settings.IDLE_TIMEOUT_SECONDS + 1)
    response = client.get("/")
    assert response.status_code == 302 and response.url.startswith("/login/")
    page = client.get(response.url).content.decode()
    assert "signed out after 2 hours without activity" in page
    assert client.get("/").status_code == 302  # not only this request: the session is gone


def test_activity_within_the_idle_timeout_keeps_the_session(client, sign_in, world):
    sign_in("note_taker")
    shift(client, SEEN_AT, settings.IDLE_TIMEOUT_SECONDS - 5)
    assert client.get("/").status_code == 200
    assert time.time() - client.session[SEEN_AT] < 5
    shift(client, SEEN_AT, settings.IDLE_TIMEOUT_SECONDS - 5)
    assert client.get("/").status_code == 200


def test_the_consoles_own_background_reports_do_not_count_as_activity(client, sign_in, world):
    sign_in("note_taker")
    shift(client, SEEN_AT, 600)
    seen = client.session[SEEN_AT]
    report = client.post(f"/sessions/{world.session.public_id}/pending", {"console": str(uuid.uuid4()), "count": 0})
    assert report.status_code == 204
    assert client.session[SEEN_AT] == seen
    client.get(world.session.get_absolute_url())
    assert client.session[SEEN_AT] > seen


def test_a_background_report_after_the_idle_timeout_is_refused_too(client, sign_in, world):
    sign_in("note_taker")
    shift(client, SEEN_AT, settings.IDLE_TIMEOUT_SECONDS + 1)
    report = client.post(f"/sessions/{world.session.public_id}/pending", {"console": str(uuid.uuid4()), "count": 0})
    assert report.status_code == 302 and report.url.startswith("/login/")


def test_the_session_ends_twelve_hours_after_sign_in_however_busy(client, sign_in, world):
    sign_in("note_taker")
    shift(client, SIGNED_IN_AT, settings.SESSION_COOKIE_AGE + 1)
    response = client.get("/")
    assert response.status_code == 302 and response.url.startswith("/login/")
    assert "signed out 12 hours after signing in" in client.get(response.url).content.decode()


@override_settings(IDLE_TIMEOUT_SECONDS=120)
def test_the_idle_timeout_is_a_setting(client, sign_in, world):
    sign_in("note_taker")
    shift(client, SEEN_AT, 121)
    assert client.get("/").status_code == 302


def test_an_idle_session_is_refused_by_the_api_too(client, sign_in, world):
    sign_in("note_taker")
    assert client.get("/api/v1/negotiations").status_code == 200
    shift(client, SEEN_AT, settings.IDLE_TIMEOUT_SECONDS + 1)
    assert client.get("/api/v1/negotiations").status_code == 401


def test_the_consoles_stream_and_panels_are_background_requests_and_its_pages_are_not(world):
    from django.urls import reverse

    from accounts.middleware import BACKGROUND

    sid = world.session.public_id
    assert BACKGROUND.match(reverse("sessions:stream", args=[sid]))
    assert BACKGROUND.match(reverse("sessions:panel", args=[sid, "agenda"]))
    assert BACKGROUND.match(reverse("sessions:pending", args=[sid]))
    assert not BACKGROUND.match(reverse("sessions:detail", args=[sid]))
    assert not BACKGROUND.match(reverse("sessions:attendance", args=[sid]))


def test_a_panel_refresh_does_not_count_as_activity(client, sign_in, world):
    sign_in("note_taker")
    shift(client, SEEN_AT, 600)
    seen = client.session[SEEN_AT]
    assert client.get(f"/sessions/{world.session.public_id}/panels/agenda").status_code == 200
    assert client.session[SEEN_AT] == seen
