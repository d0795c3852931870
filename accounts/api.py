"""The owner's API tokens, listed without their secrets and revocable; a head's two-factor switch."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status

from negotiations.access import HEAD_ROLES, get_for_user, signed_in_with_two_factor
from negotiations.models import ApiToken, Negotiation

router = Router(tags=["auth"])


class TokenInfo(Schema):
    id: UUID
    name: str
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    two_factor: bool
    live: bool


def token_info(token: ApiToken) -> dict:
    return {
        "id": token.public_id,
        "name": token.name,
        "created_at": token.created_at,
        "expires_at": token.expires_at,
        "last_used_at": token.last_used_at,
        "revoked_at": token.revoked_at,
        "two_factor": token.two_factor,
        "live": token.is_live,
    }


@router.get("/auth/tokens", response=list[TokenInfo])
def list_tokens(request: HttpRequest):
    """Your API tokens, newest first, without their secrets (which are never stored)."""
    return [token_info(t) for t in ApiToken.objects.filter(user=request.user)]


@router.delete("/auth/tokens/{token_id}", response={204: None})
def revoke_token(request: HttpRequest, token_id: UUID):
    """Revoke one of your tokens (it stops working at once). Another user's token is not found."""
    get_object_or_404(ApiToken, public_id=token_id, user=request.user).revoke()
    return Status(204, None)


class TwoFactorIn(Schema):
    required: bool


class TwoFactorOut(Schema):
    requires_two_factor: bool


@router.post("/negotiations/{negotiation_id}/two-factor", response=TwoFactorOut)
def set_two_factor(request: HttpRequest, negotiation_id: UUID, payload: TwoFactorIn) -> dict:
    """A head requires two-factor sign-in of every member (they must have signed in with a code)."""
    negotiation, access = get_for_user(request.user, Negotiation, negotiation_id, roles=HEAD_ROLES)
    negotiation.set_two_factor(
        required=payload.required, by=access.membership, verified=signed_in_with_two_factor(request.user)
    )
    return {"requires_two_factor": negotiation.requires_two_factor}
