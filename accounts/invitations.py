"""Following a one-time invitation link: the person chooses a username and a password, joins the delegation
and role the link was made for, and is signed in. Nothing in the form chooses the delegation or the role."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import UserCreationForm
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from negotiations.models import Invitation, InvitationUnusable


class AcceptForm(UserCreationForm):
    """A username and a password checked by Django's validators; nothing else."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = gettext_lazy("Choose a username")
        self.fields["password1"].label = gettext_lazy("Choose a password")
        self.fields["password2"].label = gettext_lazy("The same password again")


# The page a usable link redirects to: its secret moves into the visitor's session, so that it is in no
# further address (access and error logs, history, a Referer). Never a secret: those are 43 characters.
OPENED = "open"
SESSION_KEY = "invitation_secret"


def _unusable(request: HttpRequest, refused: InvitationUnusable) -> HttpResponse:
    return render(request, "accounts/invitation_unusable.html", {"expired": refused.expired}, status=410)


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def accept(request: HttpRequest, secret: str) -> HttpResponse:
    opened = secret == OPENED
    if opened:
        secret = request.session.get(SESSION_KEY, "")
    try:
        invitation = Invitation.open_for(secret)
    except InvitationUnusable as refused:
        return _unusable(request, refused)
    if request.method == "GET" and not opened:
        request.session[SESSION_KEY] = secret
        return redirect("accounts:invitation", OPENED)
    form = AcceptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                user = form.save()
                membership = Invitation.accept(secret, user=user)
        except InvitationUnusable as refused:
            return _unusable(request, refused)
        request.session.pop(SESSION_KEY, None)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(
            request,
            _("Welcome. You are %(role)s of %(delegation)s in %(negotiation)s.")
            % {
                "role": membership.get_role_display().lower(),
                "delegation": membership.delegation.name,
                "negotiation": membership.negotiation.title,
            },
        )
        return redirect(membership.negotiation.get_absolute_url())
    context = {"invitation": invitation, "form": form}
    return render(request, "accounts/invitation.html", context, status=400 if request.method == "POST" else 200)
