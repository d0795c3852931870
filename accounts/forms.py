from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from accounts.models import LoginLocked
from accounts.signin import WrongCredentials, sign_in

WRONG = (
    "That username, password or code do not match. Check them and try again; after a few more tries "
    "this account is locked for a while."
)


class SignInForm(AuthenticationForm):
    otp_token = forms.CharField(
        label="Code from your authenticator app (if you set one up)", required=False, max_length=10
    )

    def clean(self):
        if self.errors.pop("username", None):  # a username no account can have (a NUL, too long): no match either
            raise ValidationError(WRONG, code="invalid_login")
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        self.device = None
        if username is not None and password:
            try:
                self.user_cache, self.device = sign_in(
                    self.request, username=username, password=password, otp=self.cleaned_data.get("otp_token", "")
                )
            except LoginLocked as locked:
                raise ValidationError(str(locked), code="locked") from None
            except WrongCredentials:
                raise ValidationError(WRONG, code="invalid_login") from None
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class TokenCodeForm(forms.Form):
    otp_token = forms.CharField(label="Code from your authenticator app", max_length=10)
