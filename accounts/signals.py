from __future__ import annotations

import time

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_save
from django.dispatch import receiver

from accounts.middleware import SEEN_AT, SIGNED_IN_AT
from negotiations.models import ApiToken


@receiver(post_save, sender=get_user_model())
def revoke_tokens_on_password_change(sender, instance, created: bool, **kwargs) -> None:
    """A new password (set_password then save: the password form, the admin, `changepassword`)
    revokes every API token of the user, as Django already ends their other browser sessions."""
    if not created and getattr(instance, "_password", None) is not None:
        ApiToken.revoke_all(instance)


@receiver(user_logged_in)
def start_session_clock(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        now = time.time()
        request.session[SIGNED_IN_AT] = now
        request.session[SEEN_AT] = now
