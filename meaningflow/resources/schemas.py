from datetime import datetime
from decimal import Decimal

from ninja import Field, Schema

from meaningflow.core.schemas import InSchema
from meaningflow.core.validators import MAX_AMOUNT, DecimalIn, EventDateTime, Id
from meaningflow.resources.services.listing import NUMBER_BOUNDS

_TEXT = 5000  # descriptions and house rules; the model bounds the shorter fields


def _bounded(name: str, default):
    low, high = NUMBER_BOUNDS[name]
    return Field(default, ge=low, le=high)


class ResourceIn(InSchema):
    type: str = Field(max_length=20)
    title_zh: str = Field("", max_length=200)
    title_en: str = Field("", max_length=200)
    description: str = Field("", max_length=_TEXT)
    house_rules: str = Field("", max_length=_TEXT)
    division_code: str | None = Field(None, max_length=6, description="GB/T 2260 code (China)")
    city_geonameid: Id | None = Field(None, description="GeoNames id (abroad)")
    organisation_id: Id | None = None
    address: str = Field("", max_length=300)
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    capacity: int = _bounded("capacity", 1)
    units: int | list[str] = Field(1, description="How many units (1–200), or their names")
    facilities: list[str] = Field([], max_length=50)
    payment: str = Field("cv", max_length=10)
    price_amount: DecimalIn | None = Field(None, gt=0, le=MAX_AMOUNT)
    price_currency: str = Field("", max_length=3)
    slot: str | None = Field(None, max_length=10)
    min_slots: int = _bounded("min_slots", 1)
    max_slots: int = _bounded("max_slots", 30)
    lead_time_hours: int = _bounded("lead_time_hours", 0)
    preparation_minutes: int = _bounded("preparation_minutes", 0)
    booking_mode: str = Field("request", max_length=10)
    min_trust_level: int = _bounded("min_trust_level", 2)
    requires_verified_identity: bool = False
    cancellation_policy: str = Field("moderate", max_length=20)
    is_public: bool = False
    is_exchange: bool = False
    exchange_hours_per_day: DecimalIn | None = _bounded("exchange_hours_per_day", None)
    exchange_provides: str = Field("", max_length=300)


class ResourcePatch(InSchema):
    title_zh: str | None = Field(None, max_length=200)
    title_en: str | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=_TEXT)
    house_rules: str | None = Field(None, max_length=_TEXT)
    capacity: int | None = _bounded("capacity", None)
    facilities: list[str] | None = Field(None, max_length=50)
    payment: str | None = Field(None, max_length=10)
    price_amount: DecimalIn | None = Field(None, gt=0, le=MAX_AMOUNT)
    price_currency: str | None = Field(None, max_length=3)
    min_slots: int | None = _bounded("min_slots", None)
    max_slots: int | None = _bounded("max_slots", None)
    lead_time_hours: int | None = _bounded("lead_time_hours", None)
    preparation_minutes: int | None = _bounded("preparation_minutes", None)
    booking_mode: str | None = Field(None, max_length=10)
    min_trust_level: int | None = _bounded("min_trust_level", None)
    requires_verified_identity: bool | None = None
    cancellation_policy: str | None = Field(None, max_length=20)
    status: str | None = Field(None, max_length=10)


class UnitOut(Schema):
    id: int
    name: str
    active: bool


class ResourceOut(Schema):
    id: int
    type: str
    title: str
    title_zh: str
    title_en: str
    description: str
    house_rules: str
    region_key: str
    place: str
    latitude: float
    longitude: float
    capacity: int
    facilities: list[str]
    payment: str
    price_amount: Decimal | None
    price_currency: str
    cv_per_slot: int
    slot: str
    min_slots: int
    max_slots: int
    lead_time_hours: int
    preparation_minutes: int
    booking_mode: str
    min_trust_level: int
    requires_verified_identity: bool
    cancellation_policy: str
    is_public: bool
    is_exchange: bool
    owner_id: int
    organisation_id: int | None
    status: str
    units: list[UnitOut]
    photos: list[str]
    calendar_url: str

    # The search endpoint returns model instances, the others dicts: resolve both.
    @staticmethod
    def resolve_place(obj) -> str:
        return obj["place"] if isinstance(obj, dict) else str(obj.place)

    @staticmethod
    def resolve_facilities(obj) -> list[str]:
        return obj["facilities"] if isinstance(obj, dict) else [f.code for f in obj.facilities.all()]

    @staticmethod
    def resolve_units(obj) -> list:
        if isinstance(obj, dict):
            return obj["units"]
        return [{"id": u.pk, "name": u.name, "active": u.active} for u in obj.units.all()]

    @staticmethod
    def resolve_photos(obj) -> list[str]:
        return obj["photos"] if isinstance(obj, dict) else [p.image.url for p in obj.photos.all()]

    @staticmethod
    def resolve_calendar_url(obj) -> str:
        return obj["calendar_url"] if isinstance(obj, dict) else f"/resources/{obj.pk}/calendar.ics"


class ResourceAvailabilityOut(Schema):
    available: bool
    free_units: int
    slots: int
    starts_at: datetime
    ends_at: datetime
    cv: int | None
    cv_explanation: dict | None
    money: Decimal | None
    currency: str
    reason: str = ""


class BlockIn(InSchema):
    starts_at: EventDateTime
    ends_at: EventDateTime
    unit_id: Id | None = None
    reason: str = Field("", max_length=200)


class BlockOut(Schema):
    id: int
    unit_id: int | None
    starts_at: datetime
    ends_at: datetime
    reason: str


class BookingIn(InSchema):
    start: str = Field(..., max_length=40, description="Check-in date, first day, or start date-time (hourly)")
    end: str = Field(..., max_length=40, description="Check-out date, last day, or end date-time (hourly)")
    people: int = _bounded("capacity", 1)
    message: str = Field("", max_length=2000)


class ActionIn(InSchema):
    reason: str = Field("", max_length=500)


class CheckInIn(InSchema):
    as_agreed: bool
    note: str = Field("", max_length=2000)


class LineOut(Schema):
    kind: str
    amount: Decimal
    currency: str
    description: str


class PaymentOut(Schema):
    amount: Decimal
    currency: str
    refund_amount: Decimal
    status: str
    provider: str


class BookingOut(Schema):
    id: int
    resource_id: int
    unit_id: int
    guest_id: int
    status: str
    starts_at: datetime
    ends_at: datetime
    slots: int
    people: int
    cv_amount: int
    cv_consumed: int
    money_amount: Decimal | None
    money_currency: str
    demand_index: Decimal
    policy: str
    respond_by: datetime | None
    refund_percent: int | None
    used_slots: int | None
    credit_status: str
    credited_cv: int
    is_exchange: bool
    lines: list[LineOut]
    payment: PaymentOut | None
    review_window_id: int | None
    subject: str
    actions: list[str] = Field(
        [], description="What you can do to this booking now (POST …/bookings/{id}/{action}; checkin has its own)"
    )
