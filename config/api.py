"""The JSON API: django-ninja under /api/v1, OpenAPI docs at /api/docs.

Browsers authenticate with their session (CSRF-checked); integrations send a personal
API token as ``Authorization: Bearer <token>``. Every error is JSON with a ``detail``
message in the request's language and the right 4xx status.
"""

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import django_auth

from meaningflow.accounts.api import router as accounts_router
from meaningflow.accounts.auth import ApiTokenAuth
from meaningflow.assistance.api import router as assistance_router
from meaningflow.conversations.api import router as conversations_router
from meaningflow.core.errors import validation_messages
from meaningflow.core.transactions import Busy
from meaningflow.ledger.api import router as ledger_router
from meaningflow.needs.api import router as needs_router
from meaningflow.places.api import router as places_router
from meaningflow.resources.api import router as resources_router
from meaningflow.reviews.api import router as reviews_router

api = NinjaAPI(
    title="Meaning Flow Network API",
    version="1",
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
    auth=[ApiTokenAuth(), django_auth],
)

api.add_router("/v1/", accounts_router)
api.add_router("/v1/places/", places_router)
api.add_router("/v1/cv/", ledger_router)
api.add_router("/v1/conversations/", conversations_router)
api.add_router("/v1/reviews/", reviews_router)
api.add_router("/v1/needs/", needs_router)
api.add_router("/v1/resources/", resources_router)
api.add_router("/v1/assistance/", assistance_router)


@api.exception_handler(DjangoValidationError)
def on_django_validation_error(request, exc):
    messages = validation_messages(exc)
    return api.create_response(request, {"detail": " ".join(messages), "errors": messages}, status=400)


def _field_name(location) -> str:
    """("body", "payload", "level") → "level": drop where it came from and the parameter name."""
    parts = [str(p) for p in location]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie", "form"):
        parts = parts[1:]
    if len(parts) > 1 and parts[0] == "payload":
        parts = parts[1:]
    return ".".join(parts)


@api.exception_handler(NinjaValidationError)
def on_schema_validation_error(request, exc):
    errors = [
        {"field": _field_name(err.get("loc", ())), "message": err.get("msg", "")}
        for err in exc.errors
    ]
    return api.create_response(
        request, {"detail": _("The request data is not valid."), "errors": errors}, status=422
    )


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return api.create_response(request, {"detail": _("Not found.")}, status=404)


@api.exception_handler(PermissionDenied)
def on_permission_denied(request, exc):
    return api.create_response(
        request, {"detail": str(exc) or _("You do not have permission to do this.")}, status=403
    )


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request, exc):
    return api.create_response(request, {"detail": _("Authentication required.")}, status=401)


@api.exception_handler(RequestDataTooBig)
def on_too_big(request, exc):
    return api.create_response(request, {"detail": _("The request body is too large.")}, status=413)


@api.exception_handler(Busy)
def on_busy(request, exc):
    """The database stayed contended through every retry (core.transactions): nothing was
    changed, the client may send the same request again."""
    response = api.create_response(request, {"detail": str(exc), "code": exc.code}, status=503)
    response["Retry-After"] = str(exc.retry_after)
    return response
