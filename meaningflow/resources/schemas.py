from datetime import datetime
from decimal import Decimal

from ninja import Field, Schema


class ResourceIn(Schema):
    type: str
    title_zh: str = ""
    title_en: str = ""
    description: str = ""
    house_rules: str = ""
    division_code: str | None = Field(None, description="GB/T 2260 code (China)")
    city_geonameid: int | None = Field(None, description="GeoNames id (abroad)")
    organisation_id: int | None = None
    address: str = ""
    latitude: float | None = None
    longitude: float | None = None
    capacity: int = 1
    units: int | list[str] = 1
    facilities: list[str] = []
    payment: str = "cv"
    price_amount: Decimal | None = None
    price_currency: str = ""
    slot: str | None = None
    min_slots: int = 1
    max_slots: int = 30
    lead_time_hours: int = 0
    preparation_minutes: int = 0
    booking_mode: str = "request"
    min_trust_level: int = 2
    requires_verified_identity: bool = False
    cancellation_policy: str = "moderate"
    is_public: bool = False
    is_exchange: bool = False
    exchange_hours_per_day: Decimal | None = None
    exchange_provides: str = ""


class ResourcePatch(Schema):
    title_zh: str | None = None
    title_en: str | None = None
    description: str | None = None
    house_rules: str | None = None
    capacity: int | None = None
    facilities: list[str] | None = None
    payment: str | None = None
    price_amount: Decimal | None = None
    price_currency: str | None = None
    min_slots: int | None = None
    max_slots: int | None = None
    lead_time_hours: int | None = None
    preparation_minutes: int | None = None
    booking_mode: str | None = None
    min_trust_level: int | None = None
    requires_verified_identity: bool | None = None
    cancellation_policy: str | None = None
    status: str | None = None


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


class AvailabilityOut(Schema):
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


class BlockIn(Schema):
    starts_at: datetime
    ends_at: datetime
    unit_id: int | None = None
    reason: str = ""


class BlockOut(Schema):
    id: int
    unit_id: int | None
    starts_at: datetime
    ends_at: datetime
    reason: str


class BookingIn(Schema):
    start: str = Field(..., description="Check-in date, first day, or start date-time (hourly)")
    end: str = Field(..., description="Check-out date, last day, or end date-time (hourly)")
    people: int = 1
    message: str = ""


class ActionIn(Schema):
    reason: str = ""


class CheckInIn(Schema):
    as_agreed: bool
    note: str = ""


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
