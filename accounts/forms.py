from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy

from accounts.models import LoginLocked
from accounts.signin import WrongCredentials, sign_in
from negotiations.text import time_zone_names

WRONG = gettext_lazy(
    "That username, password or code do not match. Check them and try again; after a few more tries "
    "this account is locked for a while."
)


class SignInForm(AuthenticationForm):
    otp_token = forms.CharField(
        label=gettext_lazy("Code from your authenticator app (if you set one up)"), required=False, max_length=10
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
    otp_token = forms.CharField(label=gettext_lazy("Code from your authenticator app"), max_length=10)


class PreferenceForm(forms.Form):
    """The account page's choice of time zone and language; blank keeps the browser's."""

    time_zone = forms.ChoiceField(label=gettext_lazy("Time zone"), required=False)
    language = forms.ChoiceField(label=gettext_lazy("Language"), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = [("", gettext_lazy("The one your browser reports"))] + [
            (name, name.replace("_", " ")) for name in time_zone_names()
        ]
        self.fields["language"].choices = [("", gettext_lazy("The language switcher's choice"))] + [
            (code, name) for code, name in settings.LANGUAGES
        ]
