"""The error answers of the JSON API, documented on every operation (see ``core.routers``).

Every error carries a translated ``detail`` and a stable ``code`` (``date.out_of_range``,
``need.closed``, ``auth.required`` …) that clients test instead of the text."""

from ninja import Schema


class ApiError(Schema):
    """401, 403, 404, 409, 413 and 429."""

    detail: str
    code: str


class ApiRuleError(ApiError):
    """400: a rule was broken; one message and one code per problem."""

    errors: list[str]
    codes: list[str]


class ApiFieldError(Schema):
    field: str
    message: str
    code: str


class ApiSchemaError(ApiError):
    """422: the request does not match the documented schema."""

    errors: list[ApiFieldError]
