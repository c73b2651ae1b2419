"""``Idempotency-Key`` for the API operations that create something (issue 12, item 8).

A client that is not sure its request arrived (a timeout, a dropped connection) sends it
again with the same ``Idempotency-Key`` header and gets the first answer back instead of a
second booking, hold, need or message. How it works:

1. After authentication and schema validation, the request *claims* its (caller, key) pair
   by inserting an :class:`~meaningflow.core.models.IdempotencyRecord` in a short
   transaction of its own; the unique constraint decides between concurrent duplicates.
2. The operation runs (its services open their own transactions).
3. A success (2xx) is stored with the claim; any other answer releases the claim, so the
   client may correct the request and try again with the same key.

A repeat of a stored request answers the stored status and body (header
``Idempotent-Replayed: true``); a repeat while the first still runs answers 409
``idempotency.in_progress``; the same key with another method, path or body answers 422
``idempotency.key_reused``. Keys are kept for :data:`RETENTION` (``core_idempotency_purge``
removes older ones). A process killed between its work and storing the answer leaves the
claim in progress: repeats answer 409 until it expires, never a duplicate.

Use ``@idempotent`` below ``@router.post(...)``; the header is documented in the OpenAPI."""

from __future__ import annotations

import hashlib
import json
import re
from contextlib import suppress
from datetime import timedelta
from functools import wraps

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.http.request import RawPostDataException
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.decorators import decorate_view
from ninja.utils import contribute_operation_callback

from meaningflow.core.models import IdempotencyRecord

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_MAX_LENGTH = 255
KEY_PATTERN = r"^[\x21-\x7e]{1,255}$"  # visible ASCII, as HTTP header tokens
RETENTION = timedelta(hours=24)
_KEY_RE = re.compile(KEY_PATTERN)

OPENAPI_PARAMETER = {
    "in": "header",
    "name": HEADER,
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": KEY_MAX_LENGTH, "pattern": KEY_PATTERN},
    "description": (
        "A key you choose (a UUID, say) that makes retrying safe: the same request sent again "
        "with the same key within 24 hours answers the first answer (header Idempotent-Replayed: "
        "true) instead of creating a second one; 409 while the first is still running; 422 "
        "(idempotency.key_reused) when the key was used for another request."
    ),
}


class IdempotencyError(Exception):
    """A request whose Idempotency-Key cannot be honoured; ``status`` and ``code`` for the API."""

    status = 409
    code = "idempotency.in_progress"

    def __str__(self) -> str:
        return _("A request with this Idempotency-Key is still being processed. Try again in a moment.")


class IdempotencyConflict(IdempotencyError):
    """A repeat of a request that is still running (409)."""


class IdempotencyKeyReused(IdempotencyError):
    """The key was used for another request (other method, path or body) (422)."""

    status = 422
    code = "idempotency.key_reused"

    def __str__(self) -> str:
        return _("This Idempotency-Key was already used for another request. Use a new key for a new request.")


def _caller(request) -> str | None:
    who = getattr(request, "auth", None)
    if who is None or getattr(who, "pk", None) is None:
        return None
    meta = getattr(who, "_meta", None)
    return f"{meta.label_lower if meta else type(who).__name__.lower()}:{who.pk}"


def _key(request) -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not _KEY_RE.match(key):
        raise ValidationError(
            _("The Idempotency-Key must be 1 to %(n)d visible ASCII characters.") % {"n": KEY_MAX_LENGTH},
            code="idempotency.key_invalid",
        )
    return key


def _fingerprint(request) -> str:
    digest = hashlib.sha256(f"{request.method}\n{request.get_full_path()}\n".encode())
    try:
        body = request.body
    except RawPostDataException:  # multipart: Django has read the stream into POST/FILES
        for name, values in sorted(request.POST.lists()):
            digest.update(json.dumps([name, values]).encode())
        for name, upload in sorted(request.FILES.items()):
            digest.update(name.encode())
            for chunk in upload.chunks():
                digest.update(chunk)
            upload.seek(0)
        return digest.hexdigest()
    with suppress(ValueError):  # the same JSON with other spacing or key order is the same request
        body = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    digest.update(body)
    return digest.hexdigest()


def _claim(*, caller: str, key: str, fingerprint: str, operation: str) -> IdempotencyRecord:
    """Insert the claim, or return the stored record of an earlier identical request.
    Raises IdempotencyKeyReused (another request used the key) or IdempotencyConflict."""
    for _attempt in range(3):
        try:
            with transaction.atomic():
                return IdempotencyRecord.objects.create(
                    caller=caller, key=key, fingerprint=fingerprint, operation=operation[:300]
                )
        except IntegrityError:
            earlier = IdempotencyRecord.objects.filter(caller=caller, key=key).first()
        if earlier is None:
            continue  # released by a failed first request in the meantime: claim again
        if earlier.created_at < timezone.now() - RETENTION:
            IdempotencyRecord.objects.filter(pk=earlier.pk, created_at=earlier.created_at).delete()
            continue
        if earlier.fingerprint != fingerprint:
            raise IdempotencyKeyReused
        if earlier.status_code is None:
            raise IdempotencyConflict
        return earlier
    raise IdempotencyConflict


def _replay(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(record.response_body, status=record.status_code, content_type=record.content_type)
    response[REPLAYED_HEADER] = "true"
    return response


def _finish(run):
    """Around the operation's whole run (its answer rendered): store or release the claim."""

    @wraps(run)
    def wrapper(request, *args, **kwargs):
        try:
            response = run(request, *args, **kwargs)
        except BaseException:
            _release(request)
            raise
        claim = getattr(request, "_idempotency_claim", None)
        if claim is not None:
            if 200 <= response.status_code < 300 and not getattr(response, "streaming", False):
                IdempotencyRecord.objects.filter(pk=claim.pk).update(
                    status_code=response.status_code,
                    content_type=response.get("Content-Type", ""),
                    response_body=response.content.decode(response.charset or "utf-8"),
                    completed_at=timezone.now(),
                )
            else:
                _release(request)
        return response

    return wrapper


def _release(request) -> None:
    claim = getattr(request, "_idempotency_claim", None)
    if claim is not None:
        IdempotencyRecord.objects.filter(pk=claim.pk, status_code__isnull=True).delete()
        request._idempotency_claim = None


def _document(operation) -> None:
    extra = dict(operation.openapi_extra or {})
    extra["parameters"] = [*extra.get("parameters", []), OPENAPI_PARAMETER]
    operation.openapi_extra = extra


def idempotent(view_func):
    """Make a creating API operation safe to retry with an ``Idempotency-Key`` header."""

    @wraps(view_func)
    def view(request, *args, **kwargs):
        key = _key(request)
        caller = _caller(request)
        if key is None or caller is None:
            return view_func(request, *args, **kwargs)
        record = _claim(
            caller=caller,
            key=key,
            fingerprint=_fingerprint(request),
            operation=f"{request.method} {request.path}",
        )
        if record.status_code is not None:
            return _replay(record)
        request._idempotency_claim = record
        return view_func(request, *args, **kwargs)

    decorate_view(_finish)(view)
    contribute_operation_callback(view, _document)
    return view


def idempotency_purge(*, now=None) -> int:
    """Delete the records older than RETENTION; returns how many."""
    now = now or timezone.now()
    deleted, _by_model = IdempotencyRecord.objects.filter(created_at__lt=now - RETENTION).delete()
    return deleted
