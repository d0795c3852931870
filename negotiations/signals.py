"""A membership sits with its member's own delegation. When staff move a
person out of a delegation (remove them from it, to add them to another),
the memberships they held with it end at once, everywhere: a person who left
a delegation no longer reads its internal entries in any negotiation. The new
delegation's heads add them again where they are wanted."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save

from negotiations.models import DelegationMember, Membership


def _left_delegation(sender, instance: DelegationMember, **kwargs) -> None:
    Membership.objects.filter(user_id=instance.user_id).delete()


def _joined_delegation(sender, instance: DelegationMember, **kwargs) -> None:
    Membership.objects.filter(user_id=instance.user_id).exclude(delegation_id=instance.delegation_id).delete()


def connect() -> None:
    post_delete.connect(_left_delegation, sender=DelegationMember, dispatch_uid="membership-ends-with-delegation")
    post_save.connect(_joined_delegation, sender=DelegationMember, dispatch_uid="membership-follows-delegation")
