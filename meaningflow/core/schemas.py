"""The error answer of the JSON API, documented on every operation (see ``core.routers``).

Every error — 400 (a rule was broken), 401, 403, 404, 409, 413, 422 (the request does not
match the schema), 429, 503 — has one shape: a translated ``detail``, a stable ``code``
(``date.out_of_range``, ``need.closed``, ``auth.required`` …) that clients test instead of
the text, and one entry per problem in ``errors`` (empty when there is one cause)."""

from ninja import Schema
from pydantic import ConfigDict, model_validator
from pydantic_core import PydanticCustomError


class ApiProblem(Schema):
    field: str  # empty when the problem is not about one field
    message: str
    code: str


class ApiError(Schema):
    detail: str
    code: str
    errors: list[ApiProblem] = []


class InSchema(Schema):
    """A request body: a JSON object (not a list or a number) whose fields have exactly their
    documented types — a number is not a string, ``0`` is not ``false`` — so that what the
    OpenAPI document says is what the API accepts. Dates, times, decimals and choices are
    parsed from their JSON text (``core.validators``: ``EventDateTime``, ``LocalTime``,
    ``DecimalIn``, ``Choice``)."""

    model_config = ConfigDict(strict=True)

    @model_validator(mode="before")
    @classmethod
    def _a_json_object(cls, data):
        if not isinstance(getattr(data, "_obj", data), dict):
            raise PydanticCustomError("model_type", "Give a JSON object.")
        return data
