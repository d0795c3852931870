"""The one access layer.

Every view, API endpoint, stream and export asks here for the objects it
shows. Anything outside the user's negotiations is a 404, never a 403, so
that existence does not leak; a delegation's internal entries are invisible
to everyone else. Members who can see an object but lack the role to act on
it get a 403 with a reason.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections, router
from django.db.models import Model, QuerySet
from django.http import Http404
from django.utils.translation import gettext, gettext_lazy

from negotiations import rows
from negotiations.models import Delegation, Membership, Negotiation, Party

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

M = TypeVar("M", bound=Model)

# How each kind of object reaches its negotiation.
NEGOTIATION_PATH: dict[str, str] = {
    "negotiations.negotiation": "",
    "negotiation_sessions.session": "negotiation",
    "negotiation_sessions.entry": "session__negotiation",
    "negotiation_sessions.participant": "negotiation",
    "agreements.point": "negotiation",
    "agreements.formulation": "point__negotiation",
}

ROLE_NAMES = {
    Membership.Role.HEAD: gettext_lazy("a head of delegation"),
    Membership.Role.NOTE_TAKER: gettext_lazy("a note-taker"),
    Membership.Role.REVIEWER: gettext_lazy("a reviewer"),
}


class TwoFactorRequired(PermissionDenied):
    """The negotiation requires two-factor sign-in and this user did not sign in with a code."""


def signed_in_with_two_factor(user: AbstractBaseUser | AnonymousUser) -> bool:
    """django-otp's ``is_verified()``: set by its middleware for the browser, by ApiToken for the API."""
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified and is_verified())


@dataclass(frozen=True)
class Access:
    """What the user may do in the negotiation an object belongs to."""

    membership: Membership

    @property
    def negotiation(self) -> Negotiation:
        return self.membership.negotiation


def negotiations_for(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Negotiation]:
    if not user.is_authenticated:
        return Negotiation.objects.none()
    return Negotiation.objects.filter(memberships__user=user)


def _parse_id(value: uuid.UUID | str) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise Http404("No such object.") from None


def get_for_user[M: Model](
    user: AbstractBaseUser | AnonymousUser,
    model: type[M],
    public_id: uuid.UUID | str,
    *,
    roles: tuple[str, ...] | None = None,
    queryset: QuerySet[M] | None = None,
) -> tuple[M, Access]:
    """Return the object with this public id and the user's access to it, or
    raise Http404 when the user may not know it exists. With ``roles``, a
    member holding none of them gets PermissionDenied."""
    if not user.is_authenticated:
        raise Http404("No such object.")
    path = NEGOTIATION_PATH[model._meta.label_lower]
    if queryset is None:
        # The common case, in one statement written once (every request makes it).
        found = _with_membership(model, _parse_id(public_id), user)
        if found is None:
            raise Http404("No such object.")
        obj, membership = found
    else:
        prefix = f"{path}__" if path else ""
        obj = queryset.filter(public_id=_parse_id(public_id), **{f"{prefix}memberships__user": user}).first()
        if obj is None:
            raise Http404("No such object.")
        negotiation_id = obj.pk if not path else _negotiation_id(obj, path)
        membership = Membership.objects.select_related("negotiation", "delegation__party", "user").get(
            negotiation_id=negotiation_id, user=user
        )
    if membership.negotiation.requires_two_factor and not signed_in_with_two_factor(user):
        raise TwoFactorRequired(
            gettext(
                "This negotiation requires two-factor sign-in. Set up an authenticator app under Your account, "
                "Two-factor sign-in, and sign in with its code (API clients: ask for a token with 'otp')."
            )
        )
    if model._meta.label_lower == "negotiation_sessions.entry":
        from sessions.models import Entry

        if not Entry.objects.filter(pk=obj.pk).filter(Entry.visible_to(membership)).exists():
            raise Http404("No such object.")
    if roles is not None and membership.role not in roles:
        wanted = gettext(" or ").join(str(ROLE_NAMES[r]) for r in roles)
        raise PermissionDenied(
            gettext("Only %(wanted)s can do this; you are %(role)s.")
            % {"wanted": wanted, "role": ROLE_NAMES[membership.role]}
        )
    return obj, Access(membership)


def get_in_negotiation[M: Model](
    user: AbstractBaseUser | AnonymousUser,
    model: type[M],
    public_id: uuid.UUID | str,
    *,
    negotiation: Negotiation,
    what: str,
    queryset: QuerySet[M] | None = None,
) -> M:
    """An object a form or payload names, inside the negotiation at hand: it
    must belong to that negotiation and be visible to the user there. Any
    other object, even one the user may see in another negotiation, gets the
    same answer as one that does not exist: a ValidationError (a 400 or a
    form error), "No such <what> in this negotiation"."""
    try:
        obj, access = get_for_user(user, model, public_id, queryset=queryset)
    except Http404:
        obj, access = None, None
    if obj is None or access.negotiation.pk != negotiation.pk:
        raise ValidationError(
            gettext("No such %(what)s in this negotiation; pick one from this negotiation's own list.") % {"what": what}
        )
    return obj


@cache
def _with_membership_sql(model: type[Model], alias: str) -> str:
    """The object with this public id, joined through its path to its negotiation and the user's
    membership there (with the membership's delegation and party): what the ORM's
    ``filter(public_id=…, <path>__memberships__user=…)`` and ``Membership.objects.select_related(…)``
    asked in two statements."""
    quote = connections[alias].ops.quote_name
    joins, current, table = [], model, "o"
    for hop, name in enumerate(filter(None, NEGOTIATION_PATH[model._meta.label_lower].split("__"))):
        field = current._meta.get_field(name)
        current, step = field.related_model, f"h{hop}"
        joins.append(
            f"JOIN {quote(current._meta.db_table)} {step} ON {step}.{quote(current._meta.pk.column)} = "
            f"{table}.{quote(field.column)}"
        )
        table = step
    membership, delegation = Membership._meta, Delegation._meta
    return (
        f"SELECT {rows.columns(model, alias, 'o')}, {rows.columns(Negotiation, alias, table)}, "
        f"{rows.columns(Membership, alias, 'm')}, {rows.columns(Delegation, alias, 'd')}, "
        f"{rows.columns(Party, alias, 'p')} "
        f"FROM {quote(model._meta.db_table)} o {' '.join(joins)} "
        f"JOIN {quote(membership.db_table)} m ON m.{quote(membership.get_field('negotiation').column)} = "
        f"{table}.{quote(Negotiation._meta.pk.column)} AND m.{quote(membership.get_field('user').column)} = %s "
        f"JOIN {quote(delegation.db_table)} d ON d.{quote(delegation.pk.column)} = "
        f"m.{quote(membership.get_field('delegation').column)} "
        f"LEFT JOIN {quote(Party._meta.db_table)} p ON p.{quote(Party._meta.pk.column)} = "
        f"d.{quote(delegation.get_field('party').column)} "
        f"WHERE o.{quote(model._meta.get_field('public_id').column)} = %s"
    )


def _with_membership[M: Model](model: type[M], public_id: uuid.UUID, user) -> tuple[M, Membership] | None:
    alias = router.db_for_read(model)
    key = model._meta.get_field("public_id").get_db_prep_value(public_id, connections[alias])
    found = rows.joined(
        alias, _with_membership_sql(model, alias), [user.pk, key], model, Negotiation, Membership, Delegation, Party
    )
    if found is None:
        return None
    obj, negotiation, membership, delegation, delegation.party = found
    membership.negotiation, membership.delegation, membership.user = negotiation, delegation, user
    return obj, membership


def _negotiation_id(obj: Model, path: str) -> int:
    target = obj
    parts = path.split("__")
    for part in parts[:-1]:
        target = getattr(target, part)
    return getattr(target, f"{parts[-1]}_id")


CAPTURE_ROLES = (Membership.Role.HEAD, Membership.Role.NOTE_TAKER)
HEAD_ROLES = (Membership.Role.HEAD,)
