"""The one pagination of the JSON API: ``limit`` and ``offset`` bounded so that no request
can ask the database for a number it cannot hold (an offset past 2^63 once answered 500,
"bigint out of range"; issue 12, item 6)."""

from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination

MAX_LIMIT = 100
DEFAULT_LIMIT = MAX_LIMIT  # as before: a client that asks for nothing gets the most
# Far past any list we hold, far below a 64-bit column: deeper pages are refused (422).
MAX_OFFSET = 1_000_000_000


class Pagination(LimitOffsetPagination):
    """``?limit=`` (1–100, default 20) and ``?offset=`` (0–1,000,000,000)."""

    class Input(Schema):
        limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="How many items to return.")
        offset: int = Field(0, ge=0, le=MAX_OFFSET, description="How many items to skip.")

    def __init__(self, **kwargs):
        super().__init__(max_limit=MAX_LIMIT, **kwargs)
