"""JSON API of Shared World: search and availability are public; listing, booking and
transitions need a login (token or session). Same services as the pages."""

from collections.abc import Sequence
from datetime import timedelta
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from meaningflow.accounts import selectors as accounts_selectors
from meaningflow.core.errors import Forbidden
from meaningflow.core.idempotency import idempotent
from meaningflow.core.pagination import Pagination
from meaningflow.core.routers import ApiRouter
from meaningflow.core.validators import MAX_AMOUNT, Id
from meaningflow.places import selectors as places_selectors
from meaningflow.resources import pricing, rules, selectors, services
from meaningflow.resources.models import BlockedPeriod, Booking, Resource
from meaningflow.resources.periods import period_check, period_for
from meaningflow.resources.schemas import (
    ActionIn,
    BlockIn,
    BlockOut,
    BookingIn,
    BookingOut,
    CheckInIn,
    ResourceAvailabilityOut,
    ResourceIn,
    ResourceOut,
    ResourcePatch,
)
from meaningflow.resources.services.parties import GUEST, OWNER
from meaningflow.reviews import selectors as reviews_selectors

router = ApiRouter(tags=["resources"])
T = TypeVar("T")


class SearchQuery(Schema):
    type: str = Field("", max_length=20)
    region: str = Field("", max_length=20)
    date_from: str | None = Field(None, max_length=40)
    date_to: str | None = Field(None, max_length=40)
    price_max: float | None = Field(None, ge=0, le=MAX_AMOUNT)
    currency: str = Field("", max_length=3)
    cv_max: int | None = Field(None, ge=0, le=MAX_AMOUNT)
    facilities: list[str] = Field([], max_length=50)
    payment: str = Field("", max_length=10)
    public_only: bool = False
    q: str = Field("", max_length=200)


def _resource_out(r: Resource) -> dict:
    return {
        **{
            f: getattr(r, f)
            for f in (
                "id",
                "type",
                "title",
                "title_zh",
                "title_en",
                "description",
                "house_rules",
                "region_key",
                "latitude",
                "longitude",
                "capacity",
                "payment",
                "price_amount",
                "price_currency",
                "cv_per_slot",
                "slot",
                "min_slots",
                "max_slots",
                "lead_time_hours",
                "preparation_minutes",
                "booking_mode",
                "min_trust_level",
                "requires_verified_identity",
                "cancellation_policy",
                "is_public",
                "is_exchange",
                "owner_id",
                "organisation_id",
                "status",
            )
        },
        "place": str(r.place),
        "facilities": [f.code for f in r.facilities.all()],
        "units": [{"id": u.pk, "name": u.name, "active": u.active} for u in r.units.all()],
        "photos": [p.image.url for p in r.photos.all()],
        "calendar_url": reverse("resources:calendar", args=[r.pk]),
    }


BOOKING_FIELDS = (
    "id",
    "resource_id",
    "unit_id",
    "guest_id",
    "status",
    "starts_at",
    "ends_at",
    "slots",
    "people",
    "cv_amount",
    "cv_consumed",
    "money_amount",
    "money_currency",
    "demand_index",
    "respond_by",
    "refund_percent",
    "used_slots",
    "credit_status",
    "credited_cv",
    "is_exchange",
    "subject",
)


def _booking_rows(bookings: QuerySet[Booking]) -> QuerySet[Booking]:
    """What ``_booking_out`` reads, loaded with the bookings: a fixed number of queries."""
    return bookings.select_related("resource", "policy", "payment").prefetch_related("lines")


def _booking_out(b: Booking, *, role: str | None, window_id: int | None, now: Any) -> dict[str, Any]:
    """A booking as the API answers it; ``actions`` are those offered to ``role`` now (none
    without a role)."""
    payment = getattr(b, "payment", None)
    return {
        **{f: getattr(b, f) for f in BOOKING_FIELDS},
        "policy": b.policy.code,
        "lines": [
            {"kind": line.kind, "amount": line.amount, "currency": line.currency, "description": line.description}
            for line in b.lines.all()
        ],
        "payment": payment,
        "review_window_id": window_id,
        "actions": services.booking_actions_offered(booking=b, role=role, now=now) if role else [],
    }


def _booking_answer(request, pk: int) -> dict[str, Any]:
    """One booking, as its viewer sees it (the side they take decides its ``actions``)."""
    booking = _get_booking_for_user(request, pk)
    window = reviews_selectors.window_for_subject(subject=booking.subject)
    return _booking_out(
        booking,
        role=services.role_of(user=_user(request), booking=booking),
        window_id=window.pk if window else None,
        now=timezone.now(),
    )


class BookingPage(Sequence[dict[str, Any]]):
    """A list of bookings that the one pagination slices in the database: only the page
    asked for is loaded, with what its answers read in a fixed number of queries."""

    def __init__(self, bookings: QuerySet[Booking], *, user: Any, role: str) -> None:
        self.bookings, self.user, self.role = bookings, user, role

    def all(self) -> QuerySet[Booking]:  # the paginator counts ``.all().count()``
        return self.bookings

    def __len__(self) -> int:
        return self.bookings.count()

    def __getitem__(self, index: Any) -> Any:
        if not isinstance(index, slice):
            return self[index : index + 1][0]
        page = list(_booking_rows(self.bookings)[index])
        windows = reviews_selectors.window_ids_for_subjects(subjects=[b.subject for b in page])
        now = timezone.now()
        return [
            _booking_out(
                b,
                role=GUEST if b.guest_id == self.user.pk else self.role,
                window_id=windows.get(b.subject),
                now=now,
            )
            for b in page
        ]


def _get_resource_for_manager(request, pk: int) -> Resource:
    resource = selectors.resource_get(pk)
    if resource is None:
        raise Http404
    if not selectors.can_manage_resource(user=request.auth_user, resource=resource):
        raise Forbidden(_("You cannot change this resource."), code="resource.not_manager")
    return resource


def _found(thing: T | None) -> T:
    if thing is None:
        raise Http404
    return thing


def _user(request):
    user = getattr(request, "auth", None)
    return user if getattr(user, "is_authenticated", False) else request.user


def _get_booking_for_user(request, pk: int) -> Booking:
    booking = _booking_rows(Booking.objects.filter(pk=pk)).first()
    if booking is None or not selectors.booking_can_view(user=_user(request), booking=booking):
        raise Http404
    return booking


@router.get("/", response=list[ResourceOut], auth=None)
@paginate(Pagination)
def resource_search(request, filters: Query[SearchQuery]):
    """Listed resources; with date_from/date_to only those really free then (SW-3)."""
    return (
        selectors.resource_search(
            selectors.SearchFilters(
                type=filters.type,
                region=filters.region,
                date_from=filters.date_from,
                date_to=filters.date_to,
                price_max=filters.price_max,
                currency=filters.currency.upper(),
                cv_max=filters.cv_max,
                facilities=tuple(filters.facilities),
                payment=filters.payment,
                public_only=filters.public_only,
                q=filters.q,
            )
        )
        .prefetch_related("facilities", "units", "photos")
        .order_by("-id")
    )


@router.get("/bookings", response=list[BookingOut])
@paginate(Pagination)
def booking_list(request, role: str = "guest"):
    """My bookings as guest (``role=guest``) or of my resources (``role=owner``)."""
    user = _user(request)
    owner = role == "owner"
    qs = selectors.bookings_for_owner(user=user) if owner else selectors.bookings_of_guest(user=user)
    return BookingPage(qs.order_by("-id"), user=user, role=OWNER if owner else GUEST)


@router.get("/bookings/{int:pk}", response=BookingOut)
def booking_get(request, pk: Id):
    return _booking_answer(request, pk)


@router.post("/bookings/{int:pk}/checkin", response=BookingOut)
def booking_checkin(request, pk: Id, payload: CheckInIn):
    booking = _get_booking_for_user(request, pk)
    services.checkin_record(booking=booking, actor=_user(request), as_agreed=payload.as_agreed, note=payload.note)
    return _booking_answer(request, pk)


@router.post("/bookings/{int:pk}/{action}", response=BookingOut)
def booking_transition(request, pk: Id, action: str, payload: ActionIn):
    """accept · decline · cancel · no_show · problem · end_early · complete · payment_confirm
    (``services.ACTIONS``, the same table as the pages'; a booking's ``actions`` lists those
    it offers you now)."""
    booking = _get_booking_for_user(request, pk)
    if action not in services.ACTIONS:
        raise Http404
    services.booking_act(booking=booking, actor=_user(request), action=action, reason=payload.reason)
    return _booking_answer(request, pk)


@router.get("/{int:pk}", response=ResourceOut, auth=None)
def resource_get(request, pk: Id):
    resource = selectors.resource_get(pk)
    if resource is None or (
        resource.status != Resource.Status.ACTIVE
        and not selectors.can_manage_resource(user=request.user, resource=resource)
    ):
        raise Http404
    return _resource_out(resource)


@router.get("/{int:pk}/availability", response=ResourceAvailabilityOut, auth=None)
def resource_availability(
    request, pk: Id, start: str = Query(..., max_length=40), end: str = Query(..., max_length=40)
):
    """Is a unit free for this period, and what would it cost now?"""
    resource = selectors.resource_get(pk)
    if resource is None or resource.status != Resource.Status.ACTIVE:
        raise Http404
    period = period_for(resource, start, end)
    reason = ""
    try:
        period_check(resource, period, now=timezone.now())
    except ValidationError as exc:
        reason = " ".join(exc.messages)
    free = selectors.free_units(
        resource,
        starts_at=period.starts_at,
        blocked_until=period.ends_at + timedelta(minutes=resource.preparation_minutes),
    ).count()
    params = rules.rules_in_force()
    _index, level = selectors.demand_index_of(region_key=resource.region_key, now=timezone.now(), params=params)
    cv = pricing.cv_cost(resource, slots=period.slots, demand=level) if resource.accepts_cv else None
    return {
        "available": free > 0 and not reason,
        "free_units": free,
        "slots": period.slots,
        "starts_at": period.starts_at,
        "ends_at": period.ends_at,
        "cv": cv.amount if cv else None,
        "cv_explanation": cv.as_dict() if cv else None,
        "money": pricing.money_cost(resource, slots=period.slots),
        "currency": resource.price_currency,
        "reason": reason,
    }


@router.post("/", response={201: ResourceOut})
@idempotent
def resource_create(request, payload: ResourceIn):
    data = payload.dict()
    division_code, geonameid, org_id = (
        data.pop("division_code"),
        data.pop("city_geonameid"),
        data.pop("organisation_id"),
    )
    division = _found(places_selectors.division_get(division_code)) if division_code else None
    city = _found(places_selectors.city_by_geonameid(geonameid)) if geonameid else None
    organisation = _found(accounts_selectors.organisation_get(organisation_id=org_id)) if org_id else None
    if data.get("slot") is None:
        data.pop("slot")
    resource = services.resource_create(
        owner=_user(request), division=division, city=city, organisation=organisation, **data
    )
    return Status(201, _resource_out(selectors.resource_get(resource.pk)))


@router.patch("/{int:pk}", response=ResourceOut)
def resource_update(request, pk: Id, payload: ResourcePatch):
    request.auth_user = _user(request)
    resource = _get_resource_for_manager(request, pk)
    data = payload.dict(exclude_unset=True)
    services.resource_update(resource=resource, actor=request.auth_user, **data)
    return _resource_out(selectors.resource_get(pk))


@router.post("/{int:pk}/photos", response={201: ResourceOut})
@idempotent
def photo_upload(request, pk: Id, image: File[UploadedFile], alt_text: Form[str] = ""):
    request.auth_user = _user(request)
    resource = _get_resource_for_manager(request, pk)
    services.photo_add(resource=resource, actor=request.auth_user, upload=image, alt_text=alt_text)
    return Status(201, _resource_out(selectors.resource_get(pk)))


@router.post("/{int:pk}/blocks", response={201: BlockOut})
@idempotent
def block_create(request, pk: Id, payload: BlockIn):
    request.auth_user = _user(request)
    resource = _get_resource_for_manager(request, pk)
    unit = resource.units.filter(pk=payload.unit_id).first() if payload.unit_id else None
    if payload.unit_id and unit is None:
        raise ValidationError(_("That unit belongs to another resource."), code="block.unit_elsewhere")
    block = services.block_add(
        resource=resource,
        actor=request.auth_user,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        unit=unit,
        reason=payload.reason,
    )
    return Status(201, block)


@router.delete("/{int:pk}/blocks/{int:block_id}", response={204: None})
def block_delete(request, pk: Id, block_id: Id):
    request.auth_user = _user(request)
    resource = _get_resource_for_manager(request, pk)
    block = get_object_or_404(BlockedPeriod, pk=block_id, resource=resource)
    services.block_remove(block=block, actor=request.auth_user)
    return Status(204, None)


@router.post("/{int:pk}/bookings", response={201: BookingOut})
@idempotent
def booking_create(request, pk: Id, payload: BookingIn):
    resource = selectors.resource_get(pk)
    if resource is None:
        raise Http404
    booking = services.booking_create(
        resource=resource,
        guest=_user(request),
        start=payload.start,
        end=payload.end,
        people=payload.people,
        message=payload.message,
    )
    return Status(201, _booking_answer(request, booking.pk))
