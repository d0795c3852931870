"""API tokens expire, are listed without their secrets and revoked by their owner only, and all of a
user's tokens are revoked when the password changes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.forms import PasswordChangeForm
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from negotiations.models import ApiToken

pytestmark = pytest.mark.django_db


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def stored(raw: str) -> ApiToken:
    return ApiToken.objects.get(digest=ApiToken.hash(raw))


def test_a_token_is_issued_with_a_name_an_id_and_the_default_lifetime(ask_token, make_user):
    make_user("ilan")
    body = ask_token("ilan", name="minutes script").json()
    token = stored(body["token"])
    assert str(token.public_id) == body["id"] and token.name == "minutes script"
    assert timedelta(days=29, hours=23) < token.expires_at - timezone.now() <= timedelta(days=30)


def test_a_token_may_ask_for_a_shorter_lifetime_never_a_longer_one(ask_token, make_user):
    make_user("ilan")
    short = stored(ask_token("ilan", days=1).json()["token"])
    assert short.expires_at - timezone.now() <= timedelta(days=1)
    capped = stored(ask_token("ilan", days=365).json()["token"])
    assert capped.expires_at - timezone.now() <= timedelta(days=30)
    assert ask_token("ilan", days=0).status_code == 400


def test_a_revoked_token_is_refused(client, ask_token, make_user):
    make_user("ilan")
    body = ask_token("ilan").json()
    assert client.get("/api/v1/auth/tokens", headers=bearer(body["token"])).status_code == 200
    assert client.delete(f"/api/v1/auth/tokens/{body['id']}", headers=bearer(body["token"])).status_code == 204
    refused = client.get("/api/v1/negotiations", headers=bearer(body["token"]))
    assert refused.status_code == 401
    assert "revoked" in refused.json()["detail"] and "/api/v1/auth/token" in refused.json()["detail"]


def test_an_expired_token_is_refused(client, ask_token, make_user):
    make_user("ilan")
    raw = ask_token("ilan").json()["token"]
    ApiToken.objects.filter(digest=ApiToken.hash(raw)).update(expires_at=timezone.now() - timedelta(seconds=1))
    refused = client.get("/api/v1/negotiations", headers=bearer(raw))
    assert refused.status_code == 401
    assert "expired" in refused.json()["detail"]


def test_a_revoked_token_cannot_open_a_live_stream(client, world):
    raw = ApiToken.issue(world.head)
    stored(raw).revoke()
    response = client.get(f"/api/v1/sessions/{world.session.public_id}/events", headers=bearer(raw))
    assert response.status_code == 401


def test_a_password_change_revokes_every_token_of_that_user_only(client, make_user):
    ilan, mara = make_user("ilan"), make_user("mara")
    first, second, hers = ApiToken.issue(ilan), ApiToken.issue(ilan), ApiToken.issue(mara)
    form = PasswordChangeForm(
        ilan, {"old_password": "pw", "new_password1": "a-new-pass-phrase", "new_password2": "a-new-pass-phrase"}
    )
    assert form.is_valid(), form.errors
    form.save()
    for raw in (first, second):
        assert client.get("/api/v1/negotiations", headers=bearer(raw)).status_code == 401
    assert client.get("/api/v1/negotiations", headers=bearer(hers)).status_code == 200


def test_changepassword_and_other_saves_of_the_user(make_user, monkeypatch):
    ilan = make_user("ilan")
    raw = ApiToken.issue(ilan)
    ilan.first_name = "Ilan"
    ilan.save()
    assert stored(raw).revoked_at is None  # saving the user without a new password revokes nothing
    answers = iter(["another-pass-phrase", "another-pass-phrase"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    call_command("changepassword", "ilan")
    assert stored(raw).revoked_at is not None


def test_tokens_are_listed_without_secrets_and_only_the_owners(client, ask_token, make_user):
    make_user("ilan")
    make_user("mara")
    mine = ask_token("ilan", name="minutes script").json()
    ask_token("mara", name="hers")
    listing = client.get("/api/v1/auth/tokens", headers=bearer(mine["token"]))
    assert listing.status_code == 200
    [row] = listing.json()
    assert row["id"] == mine["id"] and row["name"] == "minutes script" and row["live"] is True
    assert "token" not in row and "digest" not in row
    assert mine["token"] not in listing.content.decode()
    assert ApiToken.hash(mine["token"]) not in listing.content.decode()


def test_another_users_token_cannot_be_revoked(client, ask_token, make_user):
    make_user("ilan")
    make_user("mara")
    mine = ask_token("ilan").json()
    hers = ask_token("mara").json()
    response = client.delete(f"/api/v1/auth/tokens/{hers['id']}", headers=bearer(mine["token"]))
    assert response.status_code == 404 and response.json() == {"detail": "Not found."}
    assert client.get("/api/v1/negotiations", headers=bearer(hers["token"])).status_code == 200


def test_last_used_at_is_written_at_most_once_a_minute(client, make_user):
    raw = ApiToken.issue(make_user("ilan"))
    assert stored(raw).last_used_at is None
    client.get("/api/v1/negotiations", headers=bearer(raw))
    first = stored(raw).last_used_at
    assert first is not None and timezone.now() - first < timedelta(seconds=5)

    half_a_minute_ago = timezone.now() - timedelta(seconds=30)
    ApiToken.objects.filter(digest=ApiToken.hash(raw)).update(last_used_at=half_a_minute_ago)
    client.get("/api/v1/negotiations", headers=bearer(raw))
    assert stored(raw).last_used_at == half_a_minute_ago

    two_minutes_ago = timezone.now() - timedelta(minutes=2)
    ApiToken.objects.filter(digest=ApiToken.hash(raw)).update(last_used_at=two_minutes_ago)
    client.get("/api/v1/negotiations", headers=bearer(raw))
    assert stored(raw).last_used_at > two_minutes_ago + timedelta(minutes=1)


def test_a_deactivated_users_token_is_refused(client, make_user):
    ilan = make_user("ilan")
    raw = ApiToken.issue(ilan)
    ilan.is_active = False
    ilan.save()
    assert client.get("/api/v1/negotiations", headers=bearer(raw)).status_code == 401


def test_the_account_page_lists_the_owners_tokens_and_revokes_one(client, make_user):
    ilan, mara = make_user("ilan"), make_user("mara")
    raw = ApiToken.issue(ilan, name="minutes script")
    ApiToken.issue(mara, name="her laptop")
    client.force_login(ilan)
    assert 'href="/account/"' in client.get("/").content.decode()  # the user's name in the top bar
    page = client.get("/account/").content.decode()
    assert "Your API tokens" in page and "minutes script" in page and "her laptop" not in page
    assert raw not in page and ApiToken.hash(raw) not in page

    url = f"/account/tokens/{stored(raw).public_id}/revoke"
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 302
    assert client.get("/api/v1/negotiations", headers=bearer(raw)).status_code == 401
    assert "revoked" in client.get("/account/").content.decode()


def test_the_account_page_cannot_revoke_another_users_token(client, make_user):
    ilan, mara = make_user("ilan"), make_user("mara")
    hers = ApiToken.issue(mara)
    client.force_login(ilan)
    assert client.post(f"/account/tokens/{stored(hers).public_id}/revoke").status_code == 404
    assert stored(hers).revoked_at is None


def test_signing_out_everywhere_ends_other_browser_sessions_and_revokes_tokens(client, make_user):
    ilan, mara = make_user("ilan"), make_user("mara")
    raw = ApiToken.issue(ilan)
    laptop, hers = Client(), Client()
    laptop.force_login(ilan)
    hers.force_login(mara)
    client.force_login(ilan)
    assert client.post("/account/sign-out-everywhere").url == "/login/"
    assert laptop.get("/").status_code == 302
    assert client.get("/").status_code == 302
    assert hers.get("/").status_code == 200
    assert Client().get("/api/v1/negotiations", headers=bearer(raw)).status_code == 401


def test_staff_revoke_a_token_in_the_admin_without_seeing_its_secret(client, make_user, django_user_model):
    raw = ApiToken.issue(make_user("ilan"), name="minutes script")
    client.force_login(django_user_model.objects.create_superuser("root", password="pw"))
    listing = client.get("/admin/negotiations/apitoken/").content.decode()
    assert "minutes script" in listing and raw not in listing
    response = client.post(
        "/admin/negotiations/apitoken/", {"action": "revoke", "_selected_action": [stored(raw).pk]}, follow=True
    )
    assert "Revoked 1 token(s)." in response.content.decode()
    assert Client().get("/api/v1/negotiations", headers=bearer(raw)).status_code == 401
