"""The router every app's ``api.py`` uses: each operation documents the error answers the
API can give (``core.schemas``), so the OpenAPI document lists every status code a client
may see (schemathesis checks this over the whole API)."""

from typing import Any

from ninja import Router
from ninja.constants import NOT_SET

from meaningflow.core.schemas import ApiError

# What any operation may answer besides its own success: a broken rule, a missing or
# forbidden object, a repeated Idempotency-Key still in progress, a body too large, a
# request that does not match the schema, too many requests, a database too busy to
# finish (core.transactions.Busy, after its retries; nothing was changed).
COMMON_ERRORS: dict[int, Any] = {
    400: ApiError,
    403: ApiError,
    404: ApiError,
    409: ApiError,
    413: ApiError,
    422: ApiError,
    429: ApiError,
    503: ApiError,
}


def with_errors(response: Any, *, authenticated: bool = True) -> dict:
    """``response`` (a schema or a {status: schema} mapping) plus the common error answers."""
    if response is NOT_SET:
        response = {200: Any}
    elif not isinstance(response, dict):
        response = {200: response}
    errors = dict(COMMON_ERRORS)
    if authenticated:
        errors[401] = ApiError
    return {**response, **{status: schema for status, schema in errors.items() if status not in response}}


class ApiRouter(Router):
    """A ninja ``Router`` whose operations document the common error answers."""

    def add_api_operation(self, path, methods, view_func, *, response=NOT_SET, auth=NOT_SET, **kwargs):
        public = auth is None or (auth is NOT_SET and self.auth is None)
        return super().add_api_operation(
            path, methods, view_func, response=with_errors(response, authenticated=not public), auth=auth, **kwargs
        )
