"""Sign-in is throttled per username and address, on the form and on the token endpoint alike, in the
database (so every process sees the same count)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from accounts.models import LoginLock

pytestmark = pytest.mark.django_db


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def let_the_cooloff_pass() -> None:
    past = timezone.now() - timedelta(seconds=901)
    LoginLock.objects.update(locked_until=past, last_failure_at=past)


def test_five_wrong_passwords_on_the_form_lock_the_account_and_the_right_one_is_refused_until_the_cooloff(
    client, sign_in, make_user
):
    make_user("ilan")
    for _ in range(4):
        page = sign_in("ilan", "wrong").content.decode()
        assert "do not match" in page
    page = sign_in("ilan", "wrong").content.decode()
    assert "locked until" in page and "Try again then" in page

    page = sign_in("ilan", "pw").content.decode()
    assert "locked until" in page
    assert not signed_in(client)

    let_the_cooloff_pass()
    assert sign_in("ilan", "pw").status_code == 302
    assert signed_in(client)


def test_five_wrong_passwords_on_the_token_endpoint_answer_429_with_retry_after_and_refuse_the_right_one(
    ask_token, make_user
):
    make_user("ilan")
    for _ in range(4):
        assert ask_token("ilan", "wrong").status_code == 401
    locked = ask_token("ilan", "wrong")
    assert locked.status_code == 429
    assert 890 <= int(locked["Retry-After"]) <= 900
    assert "locked until" in locked.json()["detail"]

    refused = ask_token("ilan", "pw")
    assert refused.status_code == 429 and "token" not in refused.json()

    let_the_cooloff_pass()
    assert ask_token("ilan", "pw").status_code == 200


def test_failures_on_the_form_and_the_token_endpoint_add_up(sign_in, ask_token, make_user):
    make_user("ilan")
    for _ in range(3):
        sign_in("ilan", "wrong")
    assert ask_token("ilan", "wrong").status_code == 401
    assert ask_token("ilan", "wrong").status_code == 429
    assert "locked until" in sign_in("ilan", "pw").content.decode()


def test_the_lock_holds_for_that_address_only(client, sign_in, make_user):
    make_user("ilan")
    for _ in range(5):
        sign_in("ilan", "wrong")
    assert sign_in("ilan", "pw", REMOTE_ADDR="192.0.2.7").status_code == 302
    assert signed_in(client)


def test_the_username_is_locked_whatever_its_case(sign_in, make_user):
    make_user("ilan")
    for name in ["ilan", "ILAN", "Ilan", "ilaN", "ILan"]:
        sign_in(name, "wrong")
    assert "locked until" in sign_in("ilan", "pw").content.decode()


def test_a_right_password_forgets_the_earlier_failures(client, sign_in, make_user):
    make_user("ilan")
    for _ in range(4):
        sign_in("ilan", "wrong")
    assert sign_in("ilan", "pw").status_code == 302
    client.logout()
    for _ in range(4):
        sign_in("ilan", "wrong")
    assert sign_in("ilan", "pw").status_code == 302


@override_settings(LOGIN_FAILURE_LIMIT=2, LOGIN_COOLOFF_SECONDS=60)
def test_the_limit_and_the_cooloff_are_settings(ask_token, make_user):
    make_user("ilan")
    assert ask_token("ilan", "wrong").status_code == 401
    locked = ask_token("ilan", "wrong")
    assert locked.status_code == 429 and 50 <= int(locked["Retry-After"]) <= 60


def test_staff_unlock_a_username_with_a_command(ask_token, make_user, capsys):
    make_user("ilan")
    for _ in range(5):
        ask_token("ilan", "wrong")
    call_command("unlock_login", "ILAN")
    assert "Unlocked ILAN" in capsys.readouterr().out
    assert ask_token("ilan", "pw").status_code == 200


def test_staff_unlock_a_username_in_the_admin(client, ask_token, make_user, django_user_model):
    make_user("ilan")
    for _ in range(5):
        ask_token("ilan", "wrong")
    lock = LoginLock.objects.get(username="ilan")
    admin = django_user_model.objects.create_superuser("root", password="pw")
    client.force_login(admin)
    response = client.post(
        "/admin/accounts/loginlock/", {"action": "unlock", "_selected_action": [lock.pk]}, follow=True
    )
    assert "Unlocked 1" in response.content.decode()
    client.logout()
    assert ask_token("ilan", "pw").status_code == 200


def test_an_unknown_username_is_locked_too_so_locking_reveals_nothing(ask_token):
    for _ in range(4):
        assert ask_token("nobody", "wrong").status_code == 401
    assert ask_token("nobody", "wrong").status_code == 429


def test_two_server_processes_share_one_count(start_asgi_server, make_user):
    """Failures counted by two uvicorn processes add up: the count lives in PostgreSQL."""
    import json
    import urllib.error
    import urllib.request

    make_user("ilan")
    servers = [start_asgi_server(), start_asgi_server()]

    def ask(server, password: str) -> int:
        request = urllib.request.Request(
            f"{server.url}/api/v1/auth/token",
            data=json.dumps({"username": "ilan", "password": password}).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    assert [ask(servers[i % 2], "wrong") for i in range(5)] == [401, 401, 401, 401, 429]
    assert ask(servers[0], "pw") == 429 and ask(servers[1], "pw") == 429


@override_settings(BEHIND_PROXY=True)
def test_behind_a_proxy_the_address_is_the_last_one_the_proxy_added(client, sign_in, make_user):
    make_user("ilan")
    for forged in ["1.1.1.1", "2.2.2.2", "3.3.3.3", "4.4.4.4", "5.5.5.5"]:
        sign_in("ilan", "wrong", HTTP_X_FORWARDED_FOR=f"{forged}, 203.0.113.5")
    assert LoginLock.objects.get(username="ilan").address == "203.0.113.5"
    assert "locked until" in sign_in("ilan", "pw", HTTP_X_FORWARDED_FOR="9.9.9.9, 203.0.113.5").content.decode()
    assert sign_in("ilan", "pw", HTTP_X_FORWARDED_FOR="203.0.113.5, 198.51.100.8").status_code == 302


def test_without_a_proxy_a_forwarded_for_header_is_ignored(sign_in, make_user):
    make_user("ilan")
    for n in range(5):
        sign_in("ilan", "wrong", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
    assert LoginLock.objects.get(username="ilan").address == "127.0.0.1"
