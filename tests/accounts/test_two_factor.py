"""Optional TOTP two-factor sign-in (django-otp), which a head of delegation can require for their
negotiation. Codes are computed here as an authenticator app would."""

from __future__ import annotations

from base64 import b32encode

import pytest
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from negotiations.models import ApiToken
from tests.accounts.conftest import code_for

pytestmark = pytest.mark.django_db


def enrol(client: Client, next_url: str = "") -> TOTPDevice:
    """Set up an authenticator from the two-factor page, as a member would."""
    page = client.get("/account/two-factor/", {"next": next_url} if next_url else {}).content.decode()
    device = TOTPDevice.objects.get(confirmed=False)
    assert "otpauth://totp/Verbatim" in page
    assert b32encode(device.bin_key).decode() in page  # the secret, to type into the app
    response = client.post("/account/two-factor/", {"otp_token": code_for(device), "next": next_url})
    assert response.status_code == 302, response.content.decode()
    device.refresh_from_db()
    assert device.confirmed
    return device


def require_two_factor(world) -> None:
    """The Aurelian head sets up an authenticator and requires two-factor for the negotiation."""
    head = Client()
    head.force_login(world.head)
    enrol(head)
    response = head.post(f"/negotiations/{world.negotiation.public_id}/two-factor", {"required": "on"})
    assert response.status_code == 302
    world.negotiation.refresh_from_db()
    assert world.negotiation.requires_two_factor


def test_a_code_is_required_at_login_after_enrolment(client, sign_in, make_user):
    ilan = make_user("ilan")
    client.force_login(ilan)
    device = enrol(client)
    client.logout()

    page = sign_in("ilan", "pw").content.decode()
    assert "do not match" in page and "_auth_user_id" not in client.session
    page = sign_in("ilan", "pw", otp="000000" if code_for(device) != "000000" else "111111").content.decode()
    assert "do not match" in page and "_auth_user_id" not in client.session

    device.throttle_reset()  # django-otp makes a device wait 1 s after a wrong code; a person retyping does
    assert sign_in("ilan", "pw", otp=code_for(device, steps_ahead=1)).status_code == 302
    assert "_auth_user_id" in client.session
    assert "this session was opened with a code" in client.get("/account/two-factor/").content.decode().lower()


def test_wrong_codes_count_toward_the_sign_in_lock(client, sign_in, make_user):
    ilan = make_user("ilan")
    client.force_login(ilan)
    device = enrol(client)
    client.logout()
    for _ in range(5):
        sign_in("ilan", "pw", otp="not-a-code")
    assert "locked until" in sign_in("ilan", "pw", otp=code_for(device, steps_ahead=1)).content.decode()


def test_two_factor_required_by_a_head_blocks_the_negotiation_until_enrolled_and_verified(client, world):
    require_two_factor(world)
    negotiation_url = world.negotiation.get_absolute_url()
    client.force_login(world.note_taker)

    for url in [negotiation_url, world.session.get_absolute_url()]:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith("/account/two-factor/"), url
    sent = client.get(negotiation_url, follow=True).content.decode()
    assert "requires two-factor sign-in" in sent

    enrol(client, next_url=negotiation_url)
    assert client.get(negotiation_url).status_code == 200
    assert client.get(world.session.get_absolute_url()).status_code == 200


def test_a_member_with_an_authenticator_who_signed_in_without_a_code_gives_one_to_go_on(client, world):
    device = TOTPDevice.objects.create(user=world.note_taker, name="phone", confirmed=True)
    require_two_factor(world)
    client.force_login(world.note_taker)  # a session from before the requirement, opened without a code
    response = client.get(world.negotiation.get_absolute_url(), follow=True)
    assert "opened without a code" in response.content.decode()
    response = client.post(
        "/account/two-factor/", {"otp_token": code_for(device), "next": world.negotiation.get_absolute_url()}
    )
    assert response.url == world.negotiation.get_absolute_url()
    assert client.get(world.negotiation.get_absolute_url()).status_code == 200


def test_an_outsider_still_gets_404_not_a_request_for_a_code(client, world):
    require_two_factor(world)
    client.force_login(world.outsider)
    assert client.get(world.negotiation.get_absolute_url()).status_code == 404


def test_a_head_who_has_not_signed_in_with_a_code_is_taken_to_set_it_up_before_requiring_it(client, world):
    client.force_login(world.head)
    response = client.post(f"/negotiations/{world.negotiation.public_id}/two-factor", {"required": "on"})
    assert response.status_code == 302
    assert response.url == f"/account/two-factor/?next=%2Fnegotiations%2F{world.negotiation.public_id}%2F"
    page = client.get(response.url).content.decode()
    assert "use it yourself" in page and f'value="/negotiations/{world.negotiation.public_id}/"' in page
    world.negotiation.refresh_from_db()
    assert not world.negotiation.requires_two_factor


def test_only_a_head_can_require_two_factor(client, world):
    client.force_login(world.note_taker)
    enrol(client)
    response = client.post(f"/negotiations/{world.negotiation.public_id}/two-factor", {"required": "on"})
    assert response.status_code == 403
    world.negotiation.refresh_from_db()
    assert not world.negotiation.requires_two_factor


def test_the_api_refuses_a_token_without_a_code_for_a_member_of_such_a_negotiation(client, world, ask_token):
    require_two_factor(world)
    refused = ask_token("note_taker")
    assert refused.status_code == 403 and "authenticator" in refused.json()["detail"]

    client.force_login(world.note_taker)
    device = enrol(client)
    client.logout()
    assert ask_token("note_taker").status_code == 401
    issued = ask_token("note_taker", otp=code_for(device, steps_ahead=1))
    assert issued.status_code == 200
    raw = issued.json()["token"]
    answer = client.get(
        f"/api/v1/negotiations/{world.negotiation.public_id}", headers={"Authorization": f"Bearer {raw}"}
    )
    assert answer.status_code == 200


@pytest.mark.django_db(transaction=True)  # the event stream authorises on a thread (and connection) of its own
def test_a_token_issued_without_a_code_cannot_open_a_negotiation_that_requires_one(client, world):
    raw = ApiToken.issue(world.note_taker)  # issued before the head required two-factor
    require_two_factor(world)
    answer = client.get(
        f"/api/v1/negotiations/{world.negotiation.public_id}", headers={"Authorization": f"Bearer {raw}"}
    )
    assert answer.status_code == 403
    assert "requires two-factor sign-in" in answer.json()["detail"]
    stream = client.get(
        f"/api/v1/sessions/{world.session.public_id}/events", headers={"Authorization": f"Bearer {raw}"}
    )
    assert stream.status_code == 403


def test_a_head_requires_two_factor_through_the_api(client, world, ask_token):
    client.force_login(world.head)
    device = enrol(client)
    raw = ask_token("head", otp=code_for(device, steps_ahead=1)).json()["token"]
    response = client.post(
        f"/api/v1/negotiations/{world.negotiation.public_id}/two-factor",
        {"required": True},
        content_type="application/json",
        headers={"Authorization": f"Bearer {raw}"},
    )
    assert response.status_code == 200 and response.json() == {"requires_two_factor": True}


def test_search_finds_nothing_of_such_a_negotiation_until_the_member_gives_a_code(client, world):
    from tests.scene import build_scene

    build_scene(world)
    require_two_factor(world)
    hit = f"#entry-{world.entry.public_id}"
    client.force_login(world.note_taker)
    assert hit not in client.get("/search", {"q": "Opening remarks"}).content.decode()
    enrol(client)
    assert hit in client.get("/search", {"q": "Opening remarks"}).content.decode()


def test_an_htmx_request_is_sent_to_the_two_factor_page_by_a_client_redirect(client, world):
    require_two_factor(world)
    client.force_login(world.note_taker)
    response = client.get(world.negotiation.get_absolute_url(), headers={"HX-Request": "true"})
    assert response["HX-Redirect"].startswith("/account/two-factor/?next=")


def test_the_console_api_through_the_browser_session_follows_the_sign_in_too(client, world):
    require_two_factor(world)
    client.force_login(world.note_taker)
    url = f"/api/v1/negotiations/{world.negotiation.public_id}"
    assert client.get(url).status_code == 403
    enrol(client)
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("path", ["/account/sign-out-everywhere", "/negotiations/{id}/two-factor"])
def test_post_only_account_pages_refuse_get(client, world, path):
    client.force_login(world.head)
    assert client.get(path.format(id=world.negotiation.public_id)).status_code == 405


def test_the_switch_is_on_the_negotiation_page_for_heads_only(client, world):
    client.force_login(world.head)
    assert "Members must sign in with two-factor" in client.get(world.negotiation.get_absolute_url()).content.decode()
    client.force_login(world.reviewer)
    assert (
        "Members must sign in with two-factor" not in client.get(world.negotiation.get_absolute_url()).content.decode()
    )


def test_after_many_wrong_codes_the_two_factor_page_says_to_wait_not_that_the_right_code_is_wrong(client, world):
    client.force_login(world.head)
    device = enrol(client)
    client.logout()
    client.force_login(world.head)  # a new session, not opened with a code
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_count=8, throttling_failure_timestamp=timezone.now()
    )
    page = client.post("/account/two-factor/", {"otp_token": code_for(device, steps_ahead=1)}).content.decode()
    assert "Too many wrong codes in a row: wait" in page
    assert "does not match" not in page


def test_the_account_page_names_the_negotiations_that_require_two_factor_and_no_others(client, world):
    client.force_login(world.note_taker)
    before = client.get("/account/").content.decode()
    assert "require it" not in before and "requires it" not in before
    require_two_factor(world)
    client.force_login(world.note_taker)
    after = client.get("/account/").content.decode()
    assert f"{world.negotiation.title} requires it" in after
