"""Found in review of the credentials work: anonymous API writes are answered 401 (not a CSRF failure), and a
token name that a script got wrong is a clear 400, not a server error."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_an_anonymous_request_to_revoke_a_token_is_told_to_authenticate_not_that_csrf_failed(ask_token, make_user):
    make_user("ilan")
    token_id = ask_token("ilan").json()["id"]
    anonymous = Client(enforce_csrf_checks=True)
    answer = anonymous.delete(f"/api/v1/auth/tokens/{token_id}")
    assert answer.status_code == 401
    assert answer["Content-Type"].startswith("application/json")
    assert "CSRF" not in answer.json()["detail"]


def test_a_signed_in_browser_still_needs_its_csrf_token_for_an_api_write(make_user):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(make_user("ilan"))
    answer = browser.post(
        "/api/v1/negotiations", {"title": "x", "parties": ["A", "B"]}, content_type="application/json"
    )
    assert answer.status_code == 403
    assert answer["Content-Type"].startswith("application/json")


def test_a_token_name_with_a_nul_character_is_refused_with_a_clear_400(ask_token, make_user):
    make_user("ilan")
    answer = ask_token("ilan", name="minutes\x00script")
    assert answer.status_code == 400
    assert answer["Content-Type"].startswith("application/json")
    assert "name" in answer.json()["detail"]
