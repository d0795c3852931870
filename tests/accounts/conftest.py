from __future__ import annotations

import time

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


def code_for(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows for this device now (or some 30-second steps later: a code
    is accepted once, and the next step's code is still within the device's tolerance)."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


@pytest.fixture
def sign_in(client):
    def post(username: str, password: str = "pw", otp: str = "", **extra):
        return client.post("/login/", {"username": username, "password": password, "otp_token": otp}, **extra)

    return post


@pytest.fixture
def ask_token(client):
    def post(username: str, password: str = "pw", **fields):
        return client.post(
            "/api/v1/auth/token",
            {"username": username, "password": password, **fields},
            content_type="application/json",
        )

    return post
