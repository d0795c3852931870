"""One way in, for the sign-in form and the token endpoint alike: throttled per username and
address, and asking for the authenticator's code from users who have enrolled one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import authenticate
from django.http import HttpRequest
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import LoginLock

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class WrongCredentials(Exception):
    """The username, password or code do not match (which one is not said)."""


def client_address(request: HttpRequest) -> str:
    """The client's IP address. Behind our own proxy (VERBATIM_BEHIND_PROXY) it is the last address
    of X-Forwarded-For, the one that proxy saw; the rest of that header can be forged by anyone."""
    if settings.BEHIND_PROXY:
        forwarded = [a.strip() for a in request.headers.get("X-Forwarded-For", "").split(",") if a.strip()]
        if forwarded:
            return forwarded[-1][:45]
    return request.META.get("REMOTE_ADDR", "")[:45]


def has_two_factor(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def sign_in(request: HttpRequest, *, username: str, password: str, otp: str = "") -> tuple[User, TOTPDevice | None]:
    """The user these credentials belong to and the device whose code they gave (None for a user
    without two-factor). Raises LoginLocked while the username is locked for this address (even for
    the right password) and WrongCredentials otherwise; each failure counts toward the lock."""
    address = client_address(request)
    LoginLock.refuse_if_locked(username, address)
    user = authenticate(request, username=username, password=password)
    device = None
    if user is not None and has_two_factor(user):
        device = match_token(user, otp.strip()) if otp.strip() else None
        if device is None:
            user = None
    if user is None:
        LoginLock.record_failure(username, address)  # raises LoginLocked on the last allowed failure
        raise WrongCredentials
    LoginLock.clear(username, address)
    if device is not None:
        user.otp_device = device  # django-otp keeps the device in the session at login: it is verified
    return user, device
