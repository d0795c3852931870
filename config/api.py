"""The JSON API root: authentication, error shapes, and each app's router."""

from __future__ import annotations

import json
from datetime import datetime
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DataError, InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy
from ninja import Field, NinjaAPI, Schema, Swagger
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as PayloadInvalid
from ninja.security import HttpBearer
from ninja.security.session import SessionAuth

from accounts.api import router as accounts_router
from accounts.models import LoginLocked
from accounts.signin import WrongCredentials, sign_in
from agreements.api import router as agreements_router
from agreements.models import AgreementRefused
from config.outage import database_unavailable
from exports.api import router as exports_router
from negotiations.api import router as negotiations_router
from negotiations.models import ApiToken, Negotiation, TokenRefused
from negotiations.text import Line
from sessions.api import router as sessions_router
from sessions.models import (
    AgendaChanged,
    ApprovalStale,
    ClientIdReused,
    CorrectionConflict,
    NarrativeConflict,
    SessionClosed,
)
from sessions.setup_api import router as sessions_setup_router


class BrowserSession(SessionAuth):
    """The signed-in browser (the console), with its CSRF token. A request without a signed-in session has
    nothing to check: it is answered 401 (authentication required), not "CSRF check Failed"."""

    def __call__(self, request: HttpRequest):
        if not request.user.is_authenticated:
            return None
        return super().__call__(request)


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        user = ApiToken.for_secret(token).user  # TokenRefused (expired, revoked) answers 401 with the reason
        request.user = user
        return user


# --- The error answers in the OpenAPI document ------------------------------------------------------------------
# Every error is JSON `{"detail": "..."}` (a refused payload adds `errors`, one per field). Which statuses an
# operation can answer follows from what it takes and does, so they are documented by these rules rather than
# repeated on each route: 400 where it reads parameters or a body; 401 where it needs authentication; 403 for
# a change a member's role may not make (and the staff-only ones); 404 where a path names an object (or it
# names nothing the user may see); 409 for a change to a session, entry, point or formulation that its state
# refuses; 413 where it reads a body; 503 everywhere (the database is unreachable, with Retry-After).

ERROR_SCHEMA = {
    "title": "Error",
    "type": "object",
    "properties": {
        "detail": {"type": "string", "description": "What went wrong and what to do, in words"},
        "errors": {
            "type": "array",
            "description": "For a refused payload: each field and why",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
        "request_id": {"type": "string", "description": "On a 500: quote it to the administrator"},
    },
    "required": ["detail"],
}
ERROR_WORDS = {
    400: "The input was refused: see detail",
    401: "Authentication required or failed",
    403: "Your role or delegation may not do this",
    404: "No such object, or none you may see",
    409: "The record's state refuses this change now",
    429: "Sign-in is locked for a while after repeated failures; retry after Retry-After",
    413: "The request body is larger than the API takes",
    503: "The record is unreachable for a moment; retry after Retry-After",
}
STATEFUL = ("{session_id}", "{entry_id}", "{formulation_id}", "{point_id}")


def error_statuses(path: str, method: str, operation: dict) -> list[int]:
    statuses = [503]
    if operation.get("parameters") or operation.get("requestBody"):
        statuses.append(400)
    if operation.get("security") or path.endswith("/auth/token"):  # the token endpoint refuses wrong passwords
        statuses.append(401)
        if method != "get" and operation.get("security"):
            statuses.append(403)
    if "{" in path:
        statuses.append(404)
    if method != "get" and any(name in path for name in STATEFUL):
        statuses.append(409)
    if operation.get("requestBody"):
        statuses.append(413)
    if path.endswith("/auth/token"):  # throttled, and refused without a code where two-factor is required
        statuses += [403, 429]
    return sorted(statuses)


class VendoredSwagger(Swagger):
    """/api/v1/docs with Swagger UI served from static/vendor/swagger-ui/ (not a CDN our policy blocks)."""

    template = "api/docs.html"

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs) -> HttpResponse:
        self.settings["url"] = self.get_openapi_url(api, kwargs)
        context = {"swagger_settings": json.dumps(self.settings), "api": api, "add_csrf": True}
        return render(request, self.template, context)


class VerbatimAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        for path, operations in schema["paths"].items():
            for method, operation in operations.items():
                for status in error_statuses(path, method, operation):
                    operation["responses"].setdefault(status, {"description": ERROR_WORDS[status], **error})
        return schema


api = VerbatimAPI(
    title="Verbatim API",
    version="1",
    description="The record of diplomatic negotiations. Authenticate with POST /auth/token, "
    "then send `Authorization: Bearer <token>`.",
    # Bearer tokens for API clients; the signed-in browser (the console) uses its session, with CSRF.
    auth=[BearerToken(), BrowserSession()],
    urls_namespace="api",
    docs=VendoredSwagger(),
)


def _detail(request: HttpRequest, status: int, detail: object) -> HttpResponse:
    return api.create_response(request, {"detail": detail}, status=status)


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return _detail(request, 400, " ".join(exc.messages))


# --- Input errors: 400 with a `detail` for people (and, for a payload, `errors` naming each field) ---------
# Ninja answers 422 by default; here every refused input is 400, whether the payload's shape or the rules of
# the record (negotiations/text.py) refused it. Unknown paths, other methods and 500s: config/api_errors.py.


def _where(loc: list | tuple) -> str:
    return ".".join(str(part) for part in loc if part not in ("body", "payload", "query", "path", "form"))


@api.exception_handler(PayloadInvalid)
def payload_invalid(request: HttpRequest, exc: PayloadInvalid) -> HttpResponse:
    errors = [
        {"field": _where(error.get("loc", ())), "message": str(error.get("msg", "")).removeprefix("Value error, ")}
        for error in exc.errors
    ]
    detail = " ".join(f"{e['field'] or 'request'}: {e['message']}" for e in errors) or "The request is malformed."
    return api.create_response(request, {"detail": detail, "errors": errors}, status=400)


@api.exception_handler(DataError)
def data_error(request: HttpRequest, exc: DataError) -> HttpResponse:
    """A value the database cannot hold (a NUL byte in a name looked up, a date out of its range): refused
    like any other bad input, never a 500."""
    return _detail(
        request,
        400,
        "A value in the request cannot be stored or looked up (a NUL character, or out of range). "
        "Check the values and send again.",
    )


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


@api.exception_handler(AgendaChanged)
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
    otp: str = Field(
        "", max_length=10, description="The current code of your authenticator app, if you set up two-factor sign-in"
    )
    name: Line(gettext_lazy("token name"), 100, required=False) = Field(  # type: ignore[valid-type]
        "", description="A label for the token, shown when you list your tokens"
    )
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
api.add_router("/", sessions_setup_router)
api.add_router("/", agreements_router)
api.add_router("/", accounts_router)
api.add_router("/", exports_router)
