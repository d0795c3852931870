"""Open streams end within moments when their member's access changes: an
account deactivated, a membership removed or changed, an API token revoked,
a browser session signed out. After the change
commits, the user's id is published (sessions.live.revoke) and every web
process makes that user's open streams re-check their access at once; the
periodic re-check (VERBATIM_STREAM_RECHECK_SECONDS) stays as the safety net
for changes made behind Django's back (SQL, queryset.update)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_out
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from negotiations.models import Membership, credentials_revoked


def _revoke_after_commit(user_id: int) -> None:
    from sessions import live

    transaction.on_commit(lambda: live.revoke(user_id))


def _user_saved(sender, instance, created: bool, **kwargs) -> None:
    if not created and not instance.is_active:
        _revoke_after_commit(instance.pk)


def _membership_changed(sender, instance: Membership, created: bool = False, **kwargs) -> None:
    if not created:
        _revoke_after_commit(instance.user_id)


def _credentials_revoked(sender, user_id: int, **kwargs) -> None:
    _revoke_after_commit(user_id)


def _logged_out(sender, request, user, **kwargs) -> None:
    if user is not None:
        _revoke_after_commit(user.pk)


def connect() -> None:
    credentials_revoked.connect(_credentials_revoked, dispatch_uid="streams-end-with-their-credentials")
    user_logged_out.connect(_logged_out, dispatch_uid="streams-end-at-sign-out")
    post_save.connect(_user_saved, sender=get_user_model(), dispatch_uid="streams-end-for-deactivated-users")
    post_save.connect(_membership_changed, sender=Membership, dispatch_uid="streams-recheck-changed-membership")
    post_delete.connect(_membership_changed, sender=Membership, dispatch_uid="streams-recheck-removed-membership")
