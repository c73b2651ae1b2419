from datetime import datetime

from ninja import Field, Schema

from meaningflow.accounts.schemas import PersonOut
from meaningflow.core.schemas import InSchema
from meaningflow.core.validators import Id


class WindowOut(Schema):
    id: int
    subject: str
    title: str
    opens_at: datetime
    closes_at: datetime
    revealed_at: datetime | None
    to_review: int = 0


class PartyOut(Schema):
    user: PersonOut
    role: str


class ReviewOut(Schema):
    id: int
    author: PersonOut
    subject_user: PersonOut
    rating: int
    outcome: str
    comment: str
    created_at: datetime
    # Empty for everyone but moderators.
    safety_tags: list[str]

    @staticmethod
    def resolve_safety_tags(obj) -> list[str]:
        return [tag.tag for tag in getattr(obj, "visible_safety_tags", [])]


class WindowDetailOut(Schema):
    id: int
    subject: str
    title: str
    opens_at: datetime
    closes_at: datetime
    revealed_at: datetime | None
    is_open: bool
    parties: list[PartyOut]
    to_review: list[PersonOut]
    reviews: list[ReviewOut]


class ReviewIn(InSchema):
    subject_user_id: Id
    # Only the column's bounds here: the service refuses other ratings with a translated 400.
    rating: int = Field(ge=-(2**31), le=2**31 - 1)
    outcome: str = Field(default="", max_length=20)
    comment: str = Field(default="", max_length=4000)
    safety_tags: list[str] = Field(default_factory=list, max_length=10)
    safety_note: str = Field(default="", max_length=500)


class SummaryOut(Schema):
    user_id: int
    count: int
    average: float | None
