"""Reads of Shared World: search and availability, bookings per person, demand, no-shows."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from meaningflow.accounts import selectors as accounts_selectors
from meaningflow.places import selectors as places_selectors
from meaningflow.resources import rules
from meaningflow.resources.models import (
    BlockedPeriod,
    Booking,
    NoShow,
    Resource,
    ResourceUnit,
)
from meaningflow.resources.periods import search_window


@dataclass
class SearchFilters:
    type: str = ""
    region: str = ""  # a GB/T 2260 prefix ("43", "430100") or "geo:<geonameid>"
    date_from: object = None
    date_to: object = None
    price_max: Decimal | None = None
    currency: str = ""
    cv_max: int | None = None
    facilities: tuple[str, ...] = ()
    payment: str = ""  # cv / money: resources that accept it
    public_only: bool = False
    q: str = ""


def overlapping_bookings(*, unit_id: int, starts_at: datetime, blocked_until: datetime) -> QuerySet[Booking]:
    """Blocking bookings of a unit that overlap [starts_at, blocked_until)."""
    return Booking.objects.filter(
        unit_id=unit_id,
        status__in=Booking.BLOCKING,
        starts_at__lt=blocked_until,
        blocked_until__gt=starts_at,
    )


def blocks_overlapping(
    *, resource_id: int, unit_id: int | None, starts_at: datetime, ends_at: datetime
) -> QuerySet[BlockedPeriod]:
    return BlockedPeriod.objects.filter(
        Q(unit__isnull=True) | Q(unit_id=unit_id),
        resource_id=resource_id,
        starts_at__lt=ends_at,
        ends_at__gt=starts_at,
    )


def free_units(resource: Resource, *, starts_at: datetime, blocked_until: datetime) -> QuerySet[ResourceUnit]:
    """Active units of ``resource`` with no blocking booking or block in the period."""
    return (
        ResourceUnit.objects.filter(resource=resource, active=True)
        .exclude(
            Exists(
                Booking.objects.filter(
                    unit=OuterRef("pk"),
                    status__in=Booking.BLOCKING,
                    starts_at__lt=blocked_until,
                    blocked_until__gt=starts_at,
                )
            )
        )
        .exclude(
            Exists(
                BlockedPeriod.objects.filter(
                    Q(unit__isnull=True) | Q(unit=OuterRef("pk")),
                    resource=resource,
                    starts_at__lt=blocked_until,
                    ends_at__gt=starts_at,
                )
            )
        )
        .order_by("position", "pk")
    )


def _free_in(starts_at: datetime, ends_at: datetime) -> Q:
    """Resources with at least one active unit free in the window (no blocking booking,
    no block on that unit) and no block on the whole resource."""
    busy = Booking.objects.filter(
        unit=OuterRef("pk"),
        status__in=Booking.BLOCKING,
        starts_at__lt=ends_at,
        blocked_until__gt=starts_at,
    )
    unit_block = BlockedPeriod.objects.filter(unit=OuterRef("pk"), starts_at__lt=ends_at, ends_at__gt=starts_at)
    unit_free = (
        ResourceUnit.objects.filter(resource=OuterRef("pk"), active=True)
        .exclude(Exists(busy))
        .exclude(Exists(unit_block))
    )
    resource_block = BlockedPeriod.objects.filter(
        resource=OuterRef("pk"), unit__isnull=True, starts_at__lt=ends_at, ends_at__gt=starts_at
    )
    return Q(Exists(unit_free)) & ~Q(Exists(resource_block))


def search_timezone(region: str) -> ZoneInfo:
    if region.startswith("geo:") and region[4:].isdigit():
        city = places_selectors.city_by_geonameid(int(region[4:]))
        if city and city.timezone:
            return ZoneInfo(city.timezone)
    return ZoneInfo(settings.TIME_ZONE)


def resource_search(filters: SearchFilters, *, now: datetime | None = None) -> QuerySet[Resource]:
    """Listed resources matching the filters (SW-3). With dates, only resources that can
    really be booked then: a free unit, not blocked, duration within the resource's
    limits and the lead time met (``periods.search_window`` explains the window)."""
    qs = Resource.objects.filter(status=Resource.Status.ACTIVE)
    if filters.type:
        qs = qs.filter(type=filters.type)
    if filters.region:
        qs = qs.filter(region_key__startswith=filters.region)
    if filters.public_only:
        qs = qs.filter(is_public=True)
    if filters.payment == "cv":
        qs = qs.filter(payment__in=[Resource.Payment.CV, Resource.Payment.MIXED])
    elif filters.payment == "money":
        qs = qs.filter(payment__in=[Resource.Payment.MONEY, Resource.Payment.MIXED])
    if filters.price_max is not None:
        qs = qs.filter(price_amount__lte=filters.price_max)
        if filters.currency:
            qs = qs.filter(price_currency=filters.currency)
    if filters.cv_max is not None:
        qs = qs.filter(cv_per_slot__lte=filters.cv_max).exclude(payment=Resource.Payment.MONEY)
    for code in filters.facilities:
        qs = qs.filter(facilities__code=code)
    if filters.q:
        qs = qs.filter(
            Q(title_zh__icontains=filters.q) | Q(title_en__icontains=filters.q) | Q(description__icontains=filters.q)
        )
    if filters.date_from and filters.date_to:
        now = now or timezone.now()
        starts_at, ends_at = search_window(filters.date_from, filters.date_to, search_timezone(filters.region))
        nights = (ends_at - starts_at).days
        hours_ahead = max(0, int((starts_at - now).total_seconds() // 3600))
        qs = qs.filter(
            (Q(slot=Resource.Slot.HOURLY) | Q(min_slots__lte=nights, max_slots__gte=nights)),
            lead_time_hours__lte=hours_ahead,
        ).filter(_free_in(starts_at, ends_at))
        if starts_at < now:
            qs = qs.none()
    return qs.select_related("division", "city").distinct()


def resource_get(pk: int) -> Resource | None:
    return (
        Resource.objects.select_related("division", "city", "organisation", "owner")
        .prefetch_related("facilities", "photos", "units")
        .filter(pk=pk)
        .first()
    )


def can_manage_resource(*, user: AbstractBaseUser | AnonymousUser | None, resource: Resource) -> bool:
    """The person who listed it, or a manager of the organisation it belongs to."""
    if user is None or not user.is_authenticated:
        return False
    if resource.owner_id == user.pk:
        return True
    organisation = resource.organisation
    return organisation is not None and accounts_selectors.user_can_manage_organisation(
        user=user,  # type: ignore[arg-type]  # request.user is typed AbstractBaseUser; it is accounts' User
        organisation=organisation,
    )


def resources_managed_by(*, user: AbstractBaseUser) -> QuerySet[Resource]:
    org_ids = [
        m.organisation_id
        # request.user is typed AbstractBaseUser; at run time it is accounts' User (AUTH_USER_MODEL).
        for m in accounts_selectors.organisations_of(user=user)  # type: ignore[arg-type]
        if m.can_manage
    ]
    return Resource.objects.filter(Q(owner=user) | Q(organisation_id__in=org_ids)).distinct()


def bookings_of_guest(*, user: AbstractBaseUser) -> QuerySet[Booking]:
    return Booking.objects.filter(guest_id=user.pk).select_related("resource", "unit")


def bookings_for_owner(*, user: AbstractBaseUser) -> QuerySet[Booking]:
    return Booking.objects.filter(resource__in=resources_managed_by(user=user)).select_related(
        "resource", "unit", "guest"
    )


def bookings_of_resource(*, resource: Resource, since: datetime | None = None) -> QuerySet[Booking]:
    qs = Booking.objects.filter(resource=resource).select_related("unit")
    if since:
        qs = qs.filter(blocked_until__gte=since)
    return qs


def active_bookings_count(*, user: AbstractBaseUser, now: datetime) -> int:
    """Bookings that count against the person's quota: blocking and not yet over."""
    return Booking.objects.filter(guest_id=user.pk, status__in=Booking.BLOCKING, ends_at__gt=now).count()


def no_shows_recent(*, user: AbstractBaseUser, now: datetime, months: int) -> int:
    return NoShow.objects.filter(user_id=user.pk, created_at__gte=now - timedelta(days=30 * months)).count()


def _active_units(region_key: str) -> int:
    return ResourceUnit.objects.filter(
        active=True, resource__region_key=region_key, resource__status=Resource.Status.ACTIVE
    ).count()


def demand_for_region(*, region_key: str, now: datetime, params: dict[str, Any]) -> tuple[int, int]:
    """(booking requests in the region within the window, active units in the region)."""
    since = now - timedelta(days=params["demand"]["window_days"])
    requests = Booking.objects.filter(
        resource__region_key=region_key, created_at__gte=since, created_at__lte=now
    ).count()
    return requests, _active_units(region_key)


def demand_index_of(*, region_key: str, now: datetime, params: dict[str, Any]) -> tuple[Decimal, str]:
    """The demand index of a region now (requests of the last ``window_days``), and the
    level it maps to: what a booking's CV price uses when it is made."""
    requests, units = demand_for_region(region_key=region_key, now=now, params=params)
    index = rules.demand_index(params, requests=requests, units=units)
    return index, rules.demand_level(params, index)


def demand_index_of_stay(*, booking: Booking, params: dict[str, Any]) -> tuple[Decimal, str]:
    """CV-E1's demand index of a finished stay (资源需求指数: 该地区该时段的需求热度), measured
    over the stay's own dates, and the level it maps to.

    Every booking request of the region (whatever became of it: declined and cancelled
    requests were demand too) counts for the part of the stay its period covers; their sum
    divided by the stay's length is the number of requests standing on an average moment
    of the stay, which is divided by the region's active units, normalised and clipped
    like ``demand_index_of``. A stay ended early is measured over the part used."""
    starts_at = booking.starts_at
    ends_at = min(booking.ends_at, booking.closed_at or booking.ends_at)
    if ends_at <= starts_at:
        ends_at = booking.ends_at
    intervals = Booking.objects.filter(
        resource__region_key=booking.resource.region_key,
        starts_at__lt=ends_at,
        ends_at__gt=starts_at,
    ).values_list("starts_at", "ends_at")
    covered = rules.booked_seconds(intervals, start=starts_at, end=ends_at)
    requests = Decimal(str(covered)) / Decimal(str((ends_at - starts_at).total_seconds()))
    units = _active_units(booking.resource.region_key)
    index = rules.demand_index(params, requests=requests, units=units)
    return index, rules.demand_level(params, index)


def booking_can_view(*, user: AbstractBaseUser | AnonymousUser, booking: Booking) -> bool:
    return (
        booking.guest_id == user.pk
        or can_manage_resource(user=user, resource=booking.resource)
        or accounts_selectors.is_moderator(user=user)
    )


# Shared places and tools that help someone start a business (创业场地、工具): what the
# resources app offers to the assistance app's proactive discovery for a start-up need.
START_UP_RESOURCE_TYPES = (
    Resource.Type.WORKSPACE,
    Resource.Type.MEETING_ROOM,
    Resource.Type.KITCHEN,
    Resource.Type.TOOLS,
)


def opportunities_for_discovery(*, region_prefix: str, limit: int) -> list[dict[str, Any]]:
    """Listed start-up spaces and tools in China under a GB/T 2260 prefix, public ones
    first, then the newest, for discovery (GV-4): the contract of
    ``assistance.opportunities``."""
    resources = (
        Resource.objects.filter(
            status=Resource.Status.ACTIVE,
            division__isnull=False,
            region_key__startswith=region_prefix,
            type__in=START_UP_RESOURCE_TYPES,
        )
        .only("pk", "title_zh", "title_en", "region_key")
        .order_by("-is_public", "-id")[:limit]
    )
    return [
        {
            "ref": f"resources.resource:{resource.pk}",
            # Stored in the push as data used; the registry's people read Chinese first.
            "title": resource.title_zh or resource.title_en,
            "region_code": resource.region_key,
            "skills": [],
            "service_need": "startup",
            "reason_code": "opportunity.resource",
        }
        for resource in resources
    ]


# SW-8: a booking occupies its unit from acceptance until it ends (early or not).
UTILISING_STATUSES = (
    Booking.Status.ACCEPTED,
    Booking.Status.IN_USE,
    Booking.Status.COMPLETED,
    Booking.Status.ENDED_EARLY,
)


@dataclass(frozen=True)
class ResourceUtilisation:
    resource: Resource
    units: int
    booked_hours: float
    available_hours: float  # bookable units × the part of the window it was listed
    listed_whole_window: bool

    @property
    def share(self) -> float:
        return self.booked_hours / self.available_hours if self.available_hours else 0.0

    @property
    def idle(self) -> bool:
        """Listed (with a bookable unit) the whole window and booked for none of it."""
        return self.listed_whole_window and self.units > 0 and self.booked_hours == 0


@dataclass(frozen=True)
class RegionUtilisation:
    region_code: str  # the prefecture (first four digits, padded) of the resources
    resources: int
    idle: int
    booked_hours: float
    available_hours: float

    @property
    def share(self) -> float:
        return self.booked_hours / self.available_hours if self.available_hours else 0.0


def resource_utilisation(*, region_prefix: str, start: datetime, end: datetime) -> list[ResourceUtilisation]:
    """Per listed resource in China under ``region_prefix`` ("" for all): how much of
    [start, end) its bookable units were booked (SW-8), lowest share first."""
    listed = Q(status=Resource.Status.ACTIVE, division__isnull=False, region_key__startswith=region_prefix)
    resources = list(
        Resource.objects.filter(listed)
        .annotate(bookable_units=Count("units", filter=Q(units__active=True)))
        .order_by("region_key", "pk")
    )
    intervals: dict[int, list[tuple[datetime, datetime]]] = {}
    for resource_id, starts_at, ends_at in Booking.objects.filter(
        resource__in=Resource.objects.filter(listed).values("pk"),  # a subquery, not a list of ids
        status__in=UTILISING_STATUSES,
        starts_at__lt=end,
        ends_at__gt=start,
    ).values_list("resource_id", "starts_at", "ends_at"):
        intervals.setdefault(resource_id, []).append((starts_at, ends_at))
    found = []
    for resource in resources:
        listed_from = max(start, resource.created_at)
        hours_listed = max(0.0, (end - listed_from).total_seconds() / 3600)
        booked = rules.booked_seconds(intervals.get(resource.pk, ()), start=start, end=end) / 3600
        found.append(
            ResourceUtilisation(
                resource=resource,
                units=resource.bookable_units,
                booked_hours=round(booked, 2),
                available_hours=round(hours_listed * resource.bookable_units, 2),
                listed_whole_window=resource.created_at <= start,
            )
        )
    found.sort(key=lambda u: (u.share, u.resource.region_key, u.resource.pk))
    return found


def region_utilisation(rows: list[ResourceUtilisation]) -> list[RegionUtilisation]:
    """The rows of ``resource_utilisation`` summed per prefecture."""
    totals: dict[str, tuple[int, int, float, float]] = {}
    for row in rows:
        code = row.resource.region_key[:4].ljust(6, "0")
        count, idle, booked, available = totals.get(code, (0, 0, 0.0, 0.0))
        totals[code] = (count + 1, idle + row.idle, booked + row.booked_hours, available + row.available_hours)
    return [
        RegionUtilisation(code, count, idle, round(booked, 2), round(available, 2))
        for code, (count, idle, booked, available) in sorted(totals.items())
    ]
