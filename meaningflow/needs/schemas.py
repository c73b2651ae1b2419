from datetime import datetime
from decimal import Decimal

from ninja import Field, Schema

from meaningflow.core.schemas import InSchema
from meaningflow.core.validators import MAX_AMOUNT, MAX_INT32, DecimalIn, EventDateTime, Id
from meaningflow.needs.models import DESCRIPTION_MAX, MESSAGE_MAX, TITLE_MAX

# Bounds here refuse oversized payloads (422) before a service runs; the services check
# everything else (400 with the reason).


class SkillLevelIn(InSchema):
    code: str = Field(max_length=100)
    level: int = Field(default=1, ge=1, le=5)


class NeedIn(InSchema):
    organisation_id: Id
    type: str = Field(max_length=30)
    language: str = Field(max_length=2)
    title: str = Field(min_length=1, max_length=TITLE_MAX)
    description: str = Field(min_length=1, max_length=DESCRIPTION_MAX)
    title_zh: str = Field(default="", max_length=TITLE_MAX)
    title_en: str = Field(default="", max_length=TITLE_MAX)
    working_languages: list[str] = Field(default_factory=list, max_length=10)
    interests: list[str] = Field(default_factory=list, max_length=20)
    skills: list[SkillLevelIn] = Field(default_factory=list, max_length=20)
    is_remote: bool = False
    division_code: str | None = Field(default=None, max_length=6)
    city_geonameid: Id | None = None
    starts_at: EventDateTime
    ends_at: EventDateTime
    application_deadline: EventDateTime | None = None
    hours_per_week: DecimalIn | None = Field(default=None, ge=0, le=168)
    total_hours: DecimalIn | None = Field(default=None, ge=0, le=100_000)
    places: int = Field(default=1, ge=-1_000_000, le=1_000_000)
    reward: str = Field(default="cv", max_length=20)
    reward_note: str = Field(default="", max_length=300)
    money_amount: DecimalIn | None = Field(default=None, ge=0, le=MAX_AMOUNT)
    money_currency: str = Field(default="", max_length=3)
    cv_threshold: int = Field(default=0, ge=0, le=MAX_AMOUNT)
    source: str = Field(default="community", max_length=20)
    is_public_need: bool = False
    public_category: str = Field(default="", max_length=30)
    subsidy_note: str = Field(default="", max_length=300)
    allocation: str = Field(default="selection", max_length=20)
    impact_people: int = Field(default=0, ge=0, le=MAX_INT32)
    publish: bool = False


class NeedPatch(InSchema):
    title: str | None = Field(default=None, min_length=1, max_length=TITLE_MAX)
    description: str | None = Field(default=None, min_length=1, max_length=DESCRIPTION_MAX)
    title_zh: str | None = Field(default=None, max_length=TITLE_MAX)
    title_en: str | None = Field(default=None, max_length=TITLE_MAX)
    starts_at: EventDateTime | None = None
    ends_at: EventDateTime | None = None
    application_deadline: EventDateTime | None = None
    places: int | None = Field(default=None, ge=-1_000_000, le=1_000_000)
    hours_per_week: DecimalIn | None = Field(default=None, ge=0, le=168)
    reward: str | None = Field(default=None, max_length=20)
    reward_note: str | None = Field(default=None, max_length=300)
    cv_threshold: int | None = Field(default=None, ge=0, le=MAX_AMOUNT)
    skills: list[SkillLevelIn] | None = Field(default=None, max_length=20)


class NeedSkillOut(Schema):
    code: str
    name: str
    level: int


class NeedOut(Schema):
    id: int
    organisation_id: int
    organisation: str
    type: str
    status: str
    language: str
    title: str
    display_title: str
    title_zh: str
    title_en: str
    description: str
    is_remote: bool
    region_code: str
    country_code: str
    latitude: float | None
    longitude: float | None
    starts_at: datetime
    ends_at: datetime
    application_deadline: datetime | None
    hours_per_week: Decimal | None
    total_hours: Decimal | None
    places: int
    filled_places: int
    reward: str
    money_amount: Decimal | None
    money_currency: str
    cv_threshold: int
    source: str
    is_public_need: bool
    public_category: str
    subsidy_note: str
    allocation: str
    skills: list[NeedSkillOut]
    published_at: datetime | None
    completion: str
    completed_at: datetime | None


class NeedPage(Schema):
    count: int
    page: int
    pages: int
    sort: str
    results: list[NeedOut]


class PartOut(Schema):
    name: str
    label: str
    value: float
    percent: int
    weight: float
    points: float
    text: str


class RecommendationOut(Schema):
    need: NeedOut | None = None
    user_id: int | None = None
    display_name: str | None = None
    score: float
    parts: list[PartOut]


class TransitionIn(InSchema):
    action: str = Field(max_length=30)
    reason: str = Field(default="", max_length=300)


class ApplyIn(InSchema):
    message: str = Field(default="", max_length=MESSAGE_MAX)
    bid_amount: int | None = Field(default=None, ge=1, le=MAX_AMOUNT)


class OutcomeIn(InSchema):
    outcome: str = Field(max_length=20)
    hours: DecimalIn | None = Field(default=None, gt=0, le=10_000)


class RoleIn(InSchema):
    role: str = Field(max_length=20)


class BidOut(Schema):
    amount: int
    status: str


class ApplicationOut(Schema):
    id: int
    need_id: int
    applicant_id: int
    applicant: str
    status: str
    role: str
    message: str
    created_at: datetime
    proposed_outcome: str
    hours: Decimal | None
    confirmed_at: datetime | None
    thread_id: int | None
    contribution_id: int | None
    bid: BidOut | None = None


class LotteryIn(InSchema):
    seed: str | None = Field(default=None, min_length=8, max_length=64)


class LotteryOut(Schema):
    need_id: int
    seed: str
    algorithm: str
    newcomer_weight: Decimal
    places: int
    candidates: list[dict]
    winners: list[int]
    drawn_at: datetime
    replay_matches: bool


class WeightsOut(Schema):
    effective_from: str
    weights: dict[str, float]
    newcomer_weight: float


class CandidateSkillOut(Schema):
    code: str
    name: str
    level: int
    level_label: str


class CandidateOut(Schema):
    """A person suggested for a need, as the poster may see them: only the fields the person
    agreed to show (docs/MATCHING.md "Who sees suggested people")."""

    user_id: int
    display_name: str
    bio: str
    skills: list[CandidateSkillOut]
    languages: list[str]
    interests: list[str]
    trust_level: int
    score: float
    parts: list[PartOut]
