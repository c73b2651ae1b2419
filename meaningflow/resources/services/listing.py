"""Listing a resource (SW-1), its units, blocked periods (SW-2) and photos."""

from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _
from moneyed import get_currency

from meaningflow.accounts import selectors as accounts_selectors
from meaningflow.core import transactions
from meaningflow.core.errors import Forbidden
from meaningflow.core.services import audit_log
from meaningflow.core.validators import EVENT, MAX_HOURS_AHEAD, MAX_MINUTES, MAX_PEOPLE, check_datetime, check_number
from meaningflow.places import selectors as places_selectors
from meaningflow.resources import media, pricing
from meaningflow.resources.models import (
    BlockedPeriod,
    Booking,
    Facility,
    Photo,
    Resource,
    ResourceUnit,
)
from meaningflow.resources.selectors import can_manage_resource

# A row of another app (places' Division or City, accounts' Organisation): this app may not
# import their models (import-linter), so it cannot name their classes to the type checker.
OtherAppRow = Any

DEFAULT_SLOT: dict[str, str] = {
    Resource.Type.ROOM: Resource.Slot.NIGHTLY,
    Resource.Type.VEHICLE: Resource.Slot.DAILY,
    Resource.Type.BICYCLE: Resource.Slot.DAILY,
    Resource.Type.WORKSPACE: Resource.Slot.DAILY,
    Resource.Type.TOOLS: Resource.Slot.DAILY,
    Resource.Type.MEETING_ROOM: Resource.Slot.HOURLY,
    Resource.Type.KITCHEN: Resource.Slot.HOURLY,
    Resource.Type.LOCAL_GUIDE: Resource.Slot.HOURLY,
}
# Organisations that may list public resources (SW-7): public bodies and community centres
# (values of accounts' ``Organisation.Type``).
PUBLIC_BODIES = {"government_agency", "community", "school"}
EDITABLE = (
    "type",
    "title_zh",
    "title_en",
    "description",
    "house_rules",
    "address",
    "latitude",
    "longitude",
    "capacity",
    "payment",
    "price_amount",
    "price_currency",
    "slot",
    "min_slots",
    "max_slots",
    "lead_time_hours",
    "preparation_minutes",
    "check_in_time",
    "check_out_time",
    "booking_mode",
    "min_trust_level",
    "requires_verified_identity",
    "cancellation_policy",
    "is_public",
    "is_exchange",
    "exchange_hours_per_day",
    "exchange_provides",
    "status",
)


# Sane bounds of the numbers an owner types (the columns hold far more: a preparation time
# of 2,147,483,647 minutes was once accepted). The form and the API schema use these too.
NUMBER_BOUNDS = {
    "capacity": (1, MAX_PEOPLE),
    "min_slots": (1, 366),
    "max_slots": (1, 366),
    "lead_time_hours": (0, MAX_HOURS_AHEAD),
    "preparation_minutes": (0, MAX_MINUTES),
    "min_trust_level": (2, 5),
    "exchange_hours_per_day": (0, 12),
}


def _place(resource: Resource, *, division: OtherAppRow | None, city: OtherAppRow | None) -> None:
    if division is not None and city is not None:
        raise ValidationError(_("Choose a region in China or a city abroad, not both."), code="resource.place_both")
    if division is None and city is None:
        raise ValidationError(_("Choose where the resource is."), code="resource.place_missing")
    if division is not None:
        prefecture = places_selectors.division_for_code(division.code) or division
        resource.division, resource.city = prefecture, None
        resource.region_key = prefecture.code
    else:
        assert city is not None  # checked above: a division or a city
        resource.division, resource.city = None, city
        resource.region_key = f"geo:{city.geonameid}"
    place = resource.place
    if resource.latitude is None or resource.longitude is None:
        if place.latitude is None or place.longitude is None:
            raise ValidationError(_("Give the coordinates of the resource."), code="resource.coordinates_missing")
        resource.latitude, resource.longitude = place.latitude, place.longitude


def _money(resource: Resource) -> None:
    if resource.payment == Resource.Payment.CV:
        resource.price_amount, resource.price_currency = None, ""
        return
    try:
        amount = Decimal(str(resource.price_amount))
    except (InvalidOperation, TypeError, ValueError):
        amount = None
    if amount is None or not amount.is_finite() or amount <= 0:
        raise ValidationError(_("Give a money price greater than zero."), code="resource.price_invalid")
    currency = (resource.price_currency or "").upper()
    try:
        get_currency(currency)
    except Exception:
        raise ValidationError(
            _("“%(code)s” is not an ISO 4217 currency code.") % {"code": currency},
            code="resource.currency_unknown",
        ) from None
    resource.price_amount, resource.price_currency = amount.quantize(Decimal("0.01")), currency


def _authorise_organisation(*, user: AbstractBaseUser, organisation: OtherAppRow | None, is_public: bool) -> None:
    if organisation is not None and not accounts_selectors.user_can_manage_organisation(
        user=user,  # type: ignore[arg-type]  # request.user is typed AbstractBaseUser; it is accounts' User
        organisation=organisation,
    ):
        raise Forbidden(
            _("Only managers of the organisation can list on its behalf."), code="resource.organisation_not_managed"
        )
    if (
        is_public
        and not (isinstance(user, PermissionsMixin) and user.is_superuser)
        and (organisation is None or organisation.type not in PUBLIC_BODIES)
    ):
        raise ValidationError(
            _("Only a public body or community organisation can offer a public resource."),
            code="resource.public_not_allowed",
        )


def _validate(resource: Resource) -> None:
    for name, (low, high) in NUMBER_BOUNDS.items():
        value = getattr(resource, name)
        if isinstance(value, int | float | Decimal):
            check_number(value, low=low, high=high, field=name)
    if not (resource.title_zh or "").strip() and not (resource.title_en or "").strip():
        raise ValidationError(_("Give the resource a title."), code="resource.title_blank")
    if not resource.slot:
        resource.slot = DEFAULT_SLOT.get(resource.type, Resource.Slot.DAILY)
    if resource.is_exchange:
        if resource.type != Resource.Type.ROOM:
            raise ValidationError(_("Only rooms can be offered as exchange stays."), code="resource.exchange_not_room")
        if not resource.exchange_hours_per_day or not resource.exchange_provides:
            raise ValidationError(
                _("An exchange stay needs the agreed hours per day and what is provided."),
                code="resource.exchange_terms_missing",
            )
    _money(resource)
    resource.full_clean(exclude=["owner", "region_key", "cv_per_slot"])
    resource.cv_per_slot = pricing.cv_per_slot(resource) if resource.accepts_cv else 0


def _facilities(resource: Resource, codes: list[str] | None) -> None:
    codes = list(dict.fromkeys(codes or []))
    found = list(Facility.objects.filter(code__in=codes))
    unknown = set(codes) - {f.code for f in found}
    if unknown:
        raise ValidationError(
            _("Unknown facilities: %(codes)s.") % {"codes": ", ".join(sorted(unknown))},
            code="resource.facility_unknown",
        )
    resource.facilities.set(found)


@transactions.entry_point
def resource_create(
    *,
    owner: AbstractBaseUser,
    type: str,
    division: OtherAppRow | None = None,
    city: OtherAppRow | None = None,
    organisation: OtherAppRow | None = None,
    facilities: list[str] | None = None,
    units: int | list[str] = 1,
    **fields: Any,
) -> Resource:
    """List a resource. ``fields`` are the model's editable fields (``EDITABLE``); ``units``
    is a count or a list of unit names. Raises ValidationError / PermissionDenied."""
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValidationError(
            _("Unknown fields: %(f)s.") % {"f": ", ".join(sorted(unknown))}, code="resource.field_unknown"
        )
    _authorise_organisation(user=owner, organisation=organisation, is_public=bool(fields.get("is_public")))
    resource = Resource(owner_id=owner.pk, organisation=organisation, type=type, **fields)
    _place(resource, division=division, city=city)
    _validate(resource)
    names = _unit_names(units)
    with transactions.atomic():
        resource.save()
        _facilities(resource, facilities)
        ResourceUnit.objects.bulk_create(
            ResourceUnit(resource=resource, name=name, position=i) for i, name in enumerate(names)
        )
        audit_log(
            actor=owner,
            action="resources.resource.created",
            subject=f"resources.resource:{resource.pk}",
            region_code=resource.region_code,
            data={"type": type, "units": len(names)},
        )
    return resource


@transactions.entry_point
def resource_update(
    *,
    resource: Resource,
    actor: AbstractBaseUser,
    division: OtherAppRow | None = None,
    city: OtherAppRow | None = None,
    facilities: list[str] | None = None,
    **fields: Any,
) -> Resource:
    """Change a listing. Bookings keep the period, price and policy they were made with."""
    if not can_manage_resource(user=actor, resource=resource):
        raise Forbidden(_("You cannot change this resource."), code="resource.not_manager")
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValidationError(
            _("Unknown fields: %(f)s.") % {"f": ", ".join(sorted(unknown))}, code="resource.field_unknown"
        )
    with transactions.atomic():
        resource = Resource.objects.select_for_update(no_key=True).get(pk=resource.pk)
        for name, value in fields.items():
            setattr(resource, name, value)
        _authorise_organisation(user=actor, organisation=resource.organisation, is_public=resource.is_public)
        if division is not None or city is not None:
            # None until _place fills in the place's own coordinates (saved only after that)
            resource.latitude = fields.get("latitude")  # type: ignore[assignment]
            resource.longitude = fields.get("longitude")  # type: ignore[assignment]
            _place(resource, division=division, city=city)
        _validate(resource)
        resource.save()
        if facilities is not None:
            _facilities(resource, facilities)
        audit_log(
            actor=actor,
            action="resources.resource.updated",
            subject=f"resources.resource:{resource.pk}",
            region_code=resource.region_code,
            data={"fields": sorted(fields)},
        )
    return resource


def _unit_names(units: int | list[str]) -> list[str]:
    if isinstance(units, int):
        if not 1 <= units <= 200:
            raise ValidationError(
                _("A resource has between 1 and 200 bookable units."), code="resource.units_out_of_range"
            )
        return [str(_("Unit %(n)s") % {"n": i + 1}) if units > 1 else str(_("Whole resource")) for i in range(units)]
    names = [str(n).strip()[:80] for n in units if str(n).strip()]
    if not 1 <= len(names) <= 200:
        raise ValidationError(_("A resource has between 1 and 200 bookable units."), code="resource.units_out_of_range")
    return names


@transactions.entry_point
def units_set(*, resource: Resource, actor: AbstractBaseUser, names: list[str]) -> list[ResourceUnit]:
    """Rename, add or deactivate units: units beyond ``names`` stop being bookable (they are
    kept, their bookings stay)."""
    if not can_manage_resource(user=actor, resource=resource):
        raise Forbidden(_("You cannot change this resource."), code="resource.not_manager")
    names = _unit_names(names)
    with transactions.atomic():
        existing = list(
            ResourceUnit.objects.select_for_update(no_key=True).filter(resource=resource).order_by("position", "pk")
        )
        for i, name in enumerate(names):
            if i < len(existing):
                unit = existing[i]
                unit.name, unit.position, unit.active = name, i, True
                unit.save(update_fields=["name", "position", "active"])
            else:
                ResourceUnit.objects.create(resource=resource, name=name, position=i)
        for unit in existing[len(names) :]:
            unit.active = False
            unit.save(update_fields=["active"])
        audit_log(
            actor=actor,
            action="resources.units.set",
            subject=f"resources.resource:{resource.pk}",
            data={"units": names},
        )
    return list(resource.units.filter(active=True))


@transactions.entry_point
def block_add(
    *,
    resource: Resource,
    actor: AbstractBaseUser,
    starts_at: date | datetime,
    ends_at: date | datetime,
    unit: ResourceUnit | None = None,
    reason: str = "",
) -> BlockedPeriod:
    """Close a period (the whole resource or one unit). Bookings already made there stay;
    the owner cancels them explicitly if needed."""
    if not can_manage_resource(user=actor, resource=resource):
        raise Forbidden(_("You cannot change this resource."), code="resource.not_manager")
    if not isinstance(starts_at, datetime) or not isinstance(ends_at, datetime):
        tz = resource.tz
        starts_at = datetime.combine(starts_at, time(0)).replace(tzinfo=tz)
        ends_at = datetime.combine(ends_at, time(0)).replace(tzinfo=tz)
    starts_at = check_datetime(starts_at, window=EVENT, field="starts_at")
    ends_at = check_datetime(ends_at, window=EVENT, field="ends_at")
    if ends_at <= starts_at:
        raise ValidationError(_("The end must be after the start."), code="block.end_before_start")
    if unit is not None and unit.resource_id != resource.pk:
        raise ValidationError(_("That unit belongs to another resource."), code="block.unit_elsewhere")
    with transactions.atomic():
        block = BlockedPeriod.objects.create(
            resource=resource, unit=unit, starts_at=starts_at, ends_at=ends_at, reason=reason[:200]
        )
        audit_log(
            actor=actor,
            action="resources.block.added",
            subject=f"resources.resource:{resource.pk}",
            data={"from": starts_at.isoformat(), "to": ends_at.isoformat()},
        )
    return block


@transactions.entry_point
def block_remove(*, block: BlockedPeriod, actor: AbstractBaseUser) -> None:
    if not can_manage_resource(user=actor, resource=block.resource):
        raise Forbidden(_("You cannot change this resource."), code="resource.not_manager")
    with transactions.atomic():
        audit_log(
            actor=actor,
            action="resources.block.removed",
            subject=f"resources.resource:{block.resource_id}",
            data={"block": block.pk},
        )
        block.delete()


@transactions.entry_point
def photo_add(*, resource: Resource, actor: AbstractBaseUser, upload: UploadedFile, alt_text: str = "") -> Photo:
    """Add a photo: validated and re-encoded by ``media.photo_process`` (EXIF dropped),
    stored under MEDIA_ROOT/resources/<id>/ with a thumbnail."""
    if not can_manage_resource(user=actor, resource=resource):
        raise Forbidden(_("You cannot change this resource."), code="resource.not_manager")
    if resource.photos.count() >= media.MAX_PHOTOS:
        raise ValidationError(
            _("A resource has at most %(n)s photos.") % {"n": media.MAX_PHOTOS}, code="photo.too_many"
        )
    processed = media.photo_process(upload)
    stem = get_random_string(16).lower()
    with transactions.atomic():
        photo = Photo(
            resource=resource,
            alt_text=alt_text[:200],
            position=resource.photos.count(),
            width=processed.width,
            height=processed.height,
        )
        photo.image.save(f"{stem}.jpg", ContentFile(processed.image), save=False)
        photo.thumbnail.save(f"{stem}-thumb.jpg", ContentFile(processed.thumbnail), save=False)
        photo.save()
        audit_log(
            actor=actor,
            action="resources.photo.added",
            subject=f"resources.resource:{resource.pk}",
            data={"photo": photo.pk},
        )
    return photo


@transactions.entry_point
def photo_remove(*, photo: Photo, actor: AbstractBaseUser) -> None:
    if not can_manage_resource(user=actor, resource=photo.resource):
        raise Forbidden(_("You cannot change this resource."), code="resource.not_manager")
    files = [photo.image.name, photo.thumbnail.name]
    storage = photo.image.storage
    with transactions.atomic():
        photo.delete()
        transaction.on_commit(lambda: [storage.delete(name) for name in files if name])


def has_future_bookings(resource: Resource) -> bool:
    return Booking.objects.filter(resource=resource, status__in=Booking.BLOCKING, ends_at__gt=timezone.now()).exists()
