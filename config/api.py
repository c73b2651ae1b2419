"""The JSON API: django-ninja under /api/v1, OpenAPI docs at /api/docs.

Browsers authenticate with their session (CSRF-checked); integrations send a personal
API token as ``Authorization: Bearer <token>``. Every error is JSON with a ``detail``
message in the request's language, a stable ``code`` and the right 4xx status (the one
exception → JSON map is below; the answers are documented on every operation by
``meaningflow.core.routers.ApiRouter``). Calls are rate-limited (``API_THROTTLE_RATES``)
through the shared cache, and creating calls honour ``Idempotency-Key``
(``meaningflow.core.idempotency``).
"""

import json
import math
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser
from ninja.security import APIKeyCookie
from ninja.throttling import BaseThrottle
from ninja.utils import check_csrf

from meaningflow.accounts.api import router as accounts_router
from meaningflow.accounts.auth import ApiTokenAuth
from meaningflow.assistance.api import router as assistance_router
from meaningflow.conversations.api import router as conversations_router
from meaningflow.core.errors import validation_errors
from meaningflow.core.idempotency import IdempotencyError
from meaningflow.core.transactions import Busy
from meaningflow.core.validators import contains_nul, nul_error
from meaningflow.ledger.api import router as ledger_router
from meaningflow.needs.api import router as needs_router
from meaningflow.places.api import router as places_router
from meaningflow.resources.api import router as resources_router
from meaningflow.reviews.api import router as reviews_router


class _BadBody(ValueError):
    """A JSON body we refuse: a NUL character, or NaN/Infinity where numbers go."""

    def __init__(self, error: DjangoValidationError):
        super().__init__(error.messages[0])
        self.error = error


def _no_constant(name):
    raise _BadBody(DjangoValidationError(_("Numbers must be finite (no NaN or Infinity)."), code="number.not_finite"))


def _finite_float(text):
    value = float(text)
    if not math.isfinite(value):
        _no_constant(text)
    return value


class StrictJsonParser(Parser):
    """JSON bodies without NUL characters (PostgreSQL cannot store them) and without NaN or
    Infinity (no column holds them): refused with 400 in this one place for every operation."""

    def parse_body(self, request):
        data = json.loads(request.body, parse_constant=_no_constant, parse_float=_finite_float)
        if contains_nul(data):
            raise _BadBody(nul_error())
        return data


class SessionAuth(APIKeyCookie):
    """The browser's signed-in session, CSRF-checked. A request without a signed-in session
    is not authenticated (401), not refused for CSRF (ninja's own answers 403 there)."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request):
        if not request.user.is_authenticated:
            return None
        if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise CsrfFailed
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request, key):
        return request.user if request.user.is_authenticated else None


class CsrfFailed(PermissionDenied):
    code = "auth.csrf_failed"

    def __str__(self) -> str:
        return _("The security token (CSRF) of this session is missing or wrong. Reload the page and try again.")


_throttle_wait = threading.local()


class RateThrottle(BaseThrottle):
    """A sliding-window limit per caller in the shared cache, its rate read from
    ``settings.API_THROTTLE_RATES[scope]`` at each request (empty: no limit). State lives
    in the cache and the request, never on this shared object (threads serve requests)."""

    def __init__(self, scope: str, *, authenticated: bool):
        self.scope = scope
        self.authenticated = authenticated

    def _rate(self):
        rate = settings.API_THROTTLE_RATES.get(self.scope) or ""
        if not rate:
            return None
        count, period = rate.split("/", 1)
        seconds = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}[period]
        return int(count), seconds

    def _ident(self, request) -> str | None:
        who = getattr(request, "auth", None)
        if self.authenticated:
            if who is None or getattr(who, "pk", None) is None:
                return None
            return f"{who._meta.label_lower}:{who.pk}"
        return None if who is not None else self.get_ident(request)

    def allow_request(self, request) -> bool:
        rate, ident = self._rate(), self._ident(request)
        _throttle_wait.seconds = None
        if rate is None or ident is None:
            return True
        count, period = rate
        key = f"mf_throttle:{self.scope}:{ident}"
        now = time.time()
        history = [t for t in cache.get(key, []) if t > now - period]
        if len(history) >= count:
            _throttle_wait.seconds = max(1.0, period - (now - min(history)))
            return False
        cache.set(key, [now, *history], period)
        return True

    def wait(self):
        return getattr(_throttle_wait, "seconds", None)


api = NinjaAPI(
    title="Meaning Flow Network API",
    version="1",
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
    auth=[ApiTokenAuth(), SessionAuth()],
    parser=StrictJsonParser(),
    throttle=[RateThrottle("anon", authenticated=False), RateThrottle("user", authenticated=True)],
)

api.add_router("/v1/", accounts_router)
api.add_router("/v1/places/", places_router)
api.add_router("/v1/cv/", ledger_router)
api.add_router("/v1/conversations/", conversations_router)
api.add_router("/v1/reviews/", reviews_router)
api.add_router("/v1/needs/", needs_router)
api.add_router("/v1/resources/", resources_router)
api.add_router("/v1/assistance/", assistance_router)


def _error(request, status: int, detail: str, code: str, errors: list | None = None):
    """The one shape of every error answer (``core.schemas.ApiError``)."""
    body = {"detail": str(detail), "code": code, "errors": errors or []}
    return api.create_response(request, body, status=status)


@api.exception_handler(DjangoValidationError)
def on_django_validation_error(request, exc):
    problems = validation_errors(exc)
    errors = [{"field": field, "message": message, "code": code} for field, message, code in problems]
    detail = " ".join(message for _f, message, _c in problems)
    return _error(request, 400, detail, problems[0][2] if problems else "invalid", errors)


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
        {"field": _field_name(err.get("loc", ())), "message": err.get("msg", ""), "code": err.get("type", "invalid")}
        for err in exc.errors
    ]
    return _error(request, 422, _("The request data is not valid."), "request.invalid", errors)


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return _error(request, 404, _("Not found."), "not_found")


@api.exception_handler(PermissionDenied)
def on_permission_denied(request, exc):
    code = getattr(exc, "code", None) or "permission.denied"
    return _error(request, 403, str(exc) or _("You do not have permission to do this."), code)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request, exc):
    return _error(request, 401, _("Authentication required."), "auth.required")


@api.exception_handler(Throttled)
def on_throttled(request, exc):
    return _error(request, 429, _("Too many requests. Wait a little and try again."), "request.throttled")


@api.exception_handler(HttpError)
def on_http_error(request, exc):
    cause = exc.__cause__
    if isinstance(cause, _BadBody):
        return _error(request, 400, cause.error.messages[0], cause.error.code)
    if exc.status_code == 400:  # ninja could not read the body
        return _error(request, 400, _("The request body is not valid JSON."), "request.body_invalid")
    return _error(request, exc.status_code, str(exc), f"http.{exc.status_code}")


@api.exception_handler(RequestDataTooBig)
def on_too_big(request, exc):
    return _error(request, 413, _("The request body is too large."), "request.too_large")


@api.exception_handler(IdempotencyError)
def on_idempotency_error(request, exc):
    return _error(request, exc.status, str(exc), exc.code)


@api.exception_handler(Busy)
def on_busy(request, exc):
    """The database stayed contended through every retry (core.transactions): nothing was
    changed, the client may send the same request again."""
    response = _error(request, 503, str(exc), exc.code)
    response["Retry-After"] = str(exc.retry_after)
    return response


def page_not_found(request, exception=None):
    """The site's 404 (settings ``handler404``): JSON under /api/ — a URL that matches no
    operation, such as ``/api/v1/resources/abc`` — and Django's page elsewhere."""
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": _("Not found."), "code": "not_found", "errors": []}, status=404)
    return defaults.page_not_found(request, exception)
