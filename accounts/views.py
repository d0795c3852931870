from __future__ import annotations

from base64 import b32encode
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import LoginView
from django.contrib.sessions.models import Session
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext
from django.views.decorators.http import require_POST
from django.views.i18n import set_language
from django_otp import login as otp_login
from django_otp.models import MAX_THROTTLE_DELAY_SECONDS
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.forms import PreferenceForm, SignInForm, TokenCodeForm
from accounts.models import Preference
from negotiations.access import HEAD_ROLES, get_for_user, signed_in_with_two_factor
from negotiations.models import ApiToken, Negotiation


class SignInView(LoginView):
    form_class = SignInForm
    redirect_authenticated_user = True


def account(request: HttpRequest, preference_form: PreferenceForm | None = None, status: int = 200) -> HttpResponse:
    """Your account: language and time zone, your API tokens (without their secrets), two-factor
    sign-in, signing out everywhere."""
    tokens = ApiToken.objects.filter(user=request.user)
    time_zone, language = Preference.of(request.user)
    zone = getattr(request, "viewer_time_zone", "") or timezone.get_current_timezone_name()
    return render(
        request,
        "accounts/account.html",
        {
            "preference": {"time_zone": time_zone, "language": language},
            "preference_form": preference_form
            or PreferenceForm(initial={"time_zone": time_zone, "language": language}),
            "viewer_zone": f"{zone.replace('_', ' ')} ({timezone.localtime().strftime('%Z')})",
            "tokens": tokens,
            "two_factor": TOTPDevice.objects.filter(user=request.user, confirmed=True).exists(),
            "verified": signed_in_with_two_factor(request.user),
            "required_by": Negotiation.objects.filter(memberships__user=request.user, requires_two_factor=True),
        },
        status=status,
    )


@require_POST
def preferences(request: HttpRequest) -> HttpResponse:
    """Save the time zone and language this user reads the interface in (their own, nobody else's)."""
    form = PreferenceForm(request.POST)
    if not form.is_valid():
        return account(request, preference_form=form, status=400)
    language = form.cleaned_data["language"]
    Preference.choose(request.user, time_zone=form.cleaned_data["time_zone"], language=language)
    if language:
        translation.activate(language)  # say it in the language just chosen
    messages.success(request, gettext("Your language and time zone are saved."))
    response = redirect(f"{reverse('accounts:account')}#preferences")
    if language:  # this browser's switcher follows the choice too
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            secure=settings.LANGUAGE_COOKIE_SECURE,
        )
    return response


@require_POST
def revoke_token(request: HttpRequest, token_id: UUID) -> HttpResponse:
    token = get_object_or_404(ApiToken, public_id=token_id, user=request.user)
    token.revoke()
    if token.name:
        said = gettext("Revoked the API token %(name)s; it no longer works.") % {"name": token.name}
    else:
        said = gettext("Revoked the API token without a name; it no longer works.")
    messages.success(request, said)
    return redirect("accounts:account")


@require_POST
def sign_out_everywhere(request: HttpRequest) -> HttpResponse:
    """Revoke every API token and end every browser session of this user, this one included."""
    user = request.user
    ApiToken.revoke_all(user)
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            session.delete()
    logout(request)
    messages.success(request, gettext("You are signed out everywhere, and all your API tokens are revoked."))
    return redirect("login")


def two_factor(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app (show its secret, confirm it with a code), or give its code to
    open negotiations that require two-factor sign-in when this session was not opened with one."""
    user = request.user
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    enrolling = device is None
    if enrolling:
        device = TOTPDevice.objects.filter(user=user, confirmed=False).first() or TOTPDevice.objects.create(
            user=user, name="Authenticator app", confirmed=False
        )
    form = TokenCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        allowed, _ = device.verify_is_allowed()
        if not allowed:  # after wrong codes each new try waits longer (1, 2, 4 ... seconds): say so
            wait = min(
                device.get_throttle_factor() * 2 ** (device.throttling_failure_count - 1), MAX_THROTTLE_DELAY_SECONDS
            )
            left = wait - (timezone.now() - device.throttling_failure_timestamp).total_seconds()
            form.add_error(
                "otp_token",
                gettext("Too many wrong codes in a row: wait %(seconds)s seconds, then try the code your app shows.")
                % {"seconds": max(1, round(left))},
            )
        elif device.verify_token(form.cleaned_data["otp_token"].strip()):
            if enrolling:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                messages.success(request, gettext("Two-factor sign-in is on: from now on you sign in with a code too."))
            otp_login(request, device)
            return redirect(next_url or "accounts:account")
        else:
            form.add_error(
                "otp_token",
                gettext(
                    "That code does not match. Check that your device's clock is right and type the code shown now."
                ),
            )
    context = {
        "form": form,
        "enrolling": enrolling,
        "verified": signed_in_with_two_factor(user),
        "next": next_url,
        "secret": b32encode(device.bin_key).decode() if enrolling else "",
        "otpauth_uri": device.config_url if enrolling else "",
    }
    return render(request, "accounts/two_factor.html", context)


@require_POST
def negotiation_two_factor(request: HttpRequest, negotiation_id: UUID) -> HttpResponse:
    """A head requires (or stops requiring) two-factor sign-in for the negotiation."""
    negotiation, access = get_for_user(request.user, Negotiation, negotiation_id, roles=HEAD_ROLES)
    required = request.POST.get("required") == "on"
    verified = signed_in_with_two_factor(request.user)
    if required and not verified and not negotiation.requires_two_factor:
        # Not a dead end: set it up (or give the code), come back and save again.
        messages.info(
            request,
            gettext(
                "Before you require two-factor sign-in for the negotiation, use it yourself: set up your "
                "authenticator app (or give its code), then save the setting again."
            ),
        )
        return redirect(f"{reverse('accounts:two_factor')}?{urlencode({'next': negotiation.get_absolute_url()})}")
    negotiation.set_two_factor(required=required, by=access.membership, verified=verified)
    if required:
        messages.success(request, gettext("Members now open this negotiation only after signing in with a code."))
    else:
        messages.success(request, gettext("Two-factor sign-in is no longer required for this negotiation."))
    return redirect(negotiation)


@login_not_required
@require_POST
def choose_language(request: HttpRequest) -> HttpResponse:
    """The language switcher: Django's own ``set_language`` (a cookie kept for a year), open to
    signed-out visitors so that the sign-in page can be read in French too. A signed-in user who
    chose a language on their account page switches that choice too, so that it follows them."""
    response = set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        Preference.objects.filter(user=request.user).exclude(language="").update(language=language)
    return response
