"""The JSON API root: authentication, error shapes, and each app's router."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer, django_auth

from accounts.api import router as accounts_router
from accounts.models import LoginLocked
from accounts.signin import WrongCredentials, sign_in
from agreements.api import router as agreements_router
from agreements.models import AgreementRefused
from config.outage import database_unavailable
from negotiations.api import router as negotiations_router
from negotiations.models import ApiToken, Negotiation, TokenRefused
from sessions.api import router as sessions_router
from sessions.models import ApprovalStale, ClientIdReused, CorrectionConflict, NarrativeConflict, SessionClosed


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        user = ApiToken.for_secret(token).user  # TokenRefused (expired, revoked) answers 401 with the reason
        request.user = user
        return user


api = NinjaAPI(
    title="Verbatim API",
    version="1",
    description="The record of diplomatic negotiations. Authenticate with POST /auth/token, "
    "then send `Authorization: Bearer <token>`.",
    # Bearer tokens for API clients; the signed-in browser (the console) uses its session, with CSRF.
    auth=[BearerToken(), django_auth],
    urls_namespace="api",
)


def _detail(request: HttpRequest, status: int, detail: object) -> HttpResponse:
    return api.create_response(request, {"detail": detail}, status=status)


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return _detail(request, 400, " ".join(exc.messages))


@api.exception_handler(PermissionDenied)
def permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _detail(request, 403, str(exc) or "You may not do this.")


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _detail(request, 404, "Not found.")


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _detail(
        request, 401, "Authentication required: send 'Authorization: Bearer <token>' from POST /api/v1/auth/token."
    )


@api.exception_handler(ApprovalStale)
@api.exception_handler(SessionClosed)
@api.exception_handler(AgreementRefused)
@api.exception_handler(ClientIdReused)
def conflict(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _detail(request, 409, str(exc))


@api.exception_handler(CorrectionConflict)
def correction_conflict(request: HttpRequest, exc: CorrectionConflict) -> HttpResponse:
    return api.create_response(
        request,
        {
            "detail": str(exc),
            "original": {"id": str(exc.entry.public_id), "text": exc.entry.text},
            "current": {"id": str(exc.current.public_id), "text": exc.current.text},
            "yours": {"text": exc.attempted_text},
        },
        status=409,
    )


@api.exception_handler(NarrativeConflict)
def narrative_conflict(request: HttpRequest, exc: NarrativeConflict) -> HttpResponse:
    """A stale save of the minutes' narrative: both texts, so the head can
    merge them and save again (against the version the summary now shows)."""
    return api.create_response(
        request,
        {"detail": str(exc), "current": exc.current, "attempted": exc.attempted, "edited_by": exc.edited_by},
        status=409,
    )


@api.exception_handler(OperationalError)
@api.exception_handler(InterfaceError)
def database_down(request: HttpRequest, exc: Exception) -> HttpResponse:
    """The database is unreachable: 503 with Retry-After, at once (config/outage.py)."""
    return database_unavailable(request, exc)


class TokenIn(Schema):
    username: str
    password: str
    otp: str = Field("", description="The current code of your authenticator app, if you set up two-factor sign-in")
    name: str = Field("", max_length=100, description="A label for the token, shown when you list your tokens")
    days: int | None = Field(None, ge=1, description="A lifetime shorter than the default, in days")


class TokenOut(Schema):
    token: str
    id: UUID
    expires_at: datetime


@api.exception_handler(TokenRefused)
def token_refused(request: HttpRequest, exc: TokenRefused) -> HttpResponse:
    return _detail(request, 401, str(exc))


@api.exception_handler(LoginLocked)
def login_locked(request: HttpRequest, exc: LoginLocked) -> HttpResponse:
    response = _detail(request, 429, str(exc))
    response["Retry-After"] = str(exc.retry_after)
    return response


@api.post("/auth/token", auth=None, response={200: TokenOut}, tags=["auth"])
def issue_token(request: HttpRequest, payload: TokenIn):
    """A bearer token (shown once) for these credentials. Throttled: after a few failures the username
    is locked for this address (429 with Retry-After). Accounts with two-factor sign-in send 'otp'."""
    try:
        user, device = sign_in(request, username=payload.username, password=payload.password, otp=payload.otp)
    except WrongCredentials:
        return _detail(
            request, 401, "Wrong username, password or code (accounts with two-factor sign-in also send 'otp')."
        )
    if device is None and Negotiation.objects.filter(memberships__user=user, requires_two_factor=True).exists():
        return _detail(
            request,
            403,
            "A negotiation of yours requires two-factor sign-in: set up an authenticator app under Your account, "
            "Two-factor sign-in, then ask again with its code as 'otp'.",
        )
    raw = ApiToken.issue(user, name=payload.name, days=payload.days, two_factor=device is not None)
    token = ApiToken.objects.get(digest=ApiToken.hash(raw))
    return {"token": raw, "id": token.public_id, "expires_at": token.expires_at}


api.add_router("/", negotiations_router)
api.add_router("/", sessions_router)
api.add_router("/", agreements_router)
api.add_router("/", accounts_router)
