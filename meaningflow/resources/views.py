"""Shared World pages: search list + map, resource pages, listing, bookings and their
actions. Views parse and authorise; the services do the work."""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from meaningflow.accounts import selectors as accounts_selectors
from meaningflow.core.errors import Forbidden, validation_messages
from meaningflow.ledger import selectors as ledger_selectors
from meaningflow.places import selectors as places_selectors
from meaningflow.resources import calendar, rules, selectors, services
from meaningflow.resources.forms import (
    BlockForm,
    BookingForm,
    CheckInForm,
    PhotoForm,
    ReasonForm,
    ResourceForm,
    SearchForm,
)
from meaningflow.resources.models import Booking, Resource
from meaningflow.reviews import selectors as reviews_selectors


def _get_resource(pk: int, *, user=None, manage: bool = False) -> Resource:
    resource = selectors.resource_get(pk)
    if resource is None:
        raise Http404
    if manage and not selectors.can_manage_resource(user=user, resource=resource):
        raise Forbidden(_("You cannot change this resource."), code="resource.not_manager")
    if resource.status != Resource.Status.ACTIVE and not selectors.can_manage_resource(user=user, resource=resource):
        raise Http404
    return resource


def _get_booking_for_user(request, pk: int) -> Booking:
    booking = Booking.objects.select_related("resource__owner", "unit", "guest", "policy").filter(pk=pk).first()
    if booking is None or not selectors.booking_can_view(user=request.user, booking=booking):
        raise Http404
    return booking


def _errors(request, exc) -> None:
    for message in validation_messages(exc) if isinstance(exc, ValidationError) else [str(exc)]:
        messages.error(request, message)


def filters_from(form: SearchForm) -> selectors.SearchFilters:
    data = form.cleaned_data
    return selectors.SearchFilters(
        type=data.get("type") or "",
        region=data.get("region") or "",
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
        price_max=data.get("price_max"),
        cv_max=data.get("cv_max"),
        facilities=tuple(f.code for f in data.get("facilities") or []),
        public_only=bool(data.get("public_only")),
    )


def resource_list(request):
    form = SearchForm(request.GET or None)
    results = Resource.objects.none()
    if not request.GET:
        results = selectors.resource_search(selectors.SearchFilters())
    elif form.is_valid():
        results = selectors.resource_search(filters_from(form))
    page = Paginator(results.order_by("-id"), 30).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "resources/list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "tiles_url": getattr(settings, "RESOURCES_MAP_TILES_URL", ""),
            "tiles_attribution": getattr(settings, "RESOURCES_MAP_TILES_ATTRIBUTION", ""),
        },
    )


def resource_map_json(request):
    """The markers of the map: the same search as the list, as JSON (at most 2 000)."""
    form = SearchForm(request.GET or None)
    if request.GET and not form.is_valid():
        return JsonResponse({"detail": _("The filters are not valid."), "errors": form.errors}, status=400)
    filters = filters_from(form) if request.GET else selectors.SearchFilters()
    rows = selectors.resource_search(filters).order_by("-id")[:2000]
    return JsonResponse(
        {
            "results": [
                {
                    "id": r.pk,
                    "title": r.title,
                    "type": r.get_type_display(),
                    "lat": r.latitude,
                    "lng": r.longitude,
                    "cv": r.cv_per_slot if r.accepts_cv else None,
                    "price": f"{r.price_amount} {r.price_currency}" if r.accepts_money else None,
                    "public": r.is_public,
                    "url": f"/resources/{r.pk}/",
                }
                for r in rows
            ]
        }
    )


def resource_detail(request, pk: int):
    resource = _get_resource(pk, user=request.user)
    now = timezone.now()
    busy = (
        selectors.bookings_of_resource(resource=resource, since=now)
        .filter(status__in=Booking.BLOCKING, starts_at__lt=now + timedelta(days=90))
        .order_by("starts_at")
    )
    return render(
        request,
        "resources/detail.html",
        {
            "resource": resource,
            "form": BookingForm(resource=resource),
            "busy": busy,
            "blocks": resource.blocks.filter(ends_at__gte=now)[:20],
            "can_manage": selectors.can_manage_resource(user=request.user, resource=resource),
            "can_book": request.user.is_authenticated and ledger_selectors.can_use_resources(request.user),
            "available_cv": ledger_selectors.available_balance_of(request.user) if request.user.is_authenticated else 0,
        },
    )


def resource_calendar(request, pk: int):
    resource = _get_resource(pk, user=request.user)
    response = HttpResponse(calendar.resource_ical(resource), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="resource-{resource.pk}.ics"'
    return response


@login_required
def resource_create(request):
    form = ResourceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            resource = services.resource_create(owner=request.user, **form.service_fields())
        except ValidationError as exc:
            for message in validation_messages(exc):
                form.add_error(None, message)
        else:
            messages.success(request, _("Your resource is listed."))
            return redirect("resources:detail", pk=resource.pk)
    return render(request, "resources/form.html", {"form": form, "title": _("List a resource")})


@login_required
def resource_edit(request, pk: int):
    resource = _get_resource(pk, user=request.user, manage=True)
    form = ResourceForm(
        request.POST or None,
        instance=resource,
        initial={
            "facilities": list(resource.facilities.all()),
            "city_name": resource.city.name_en if resource.city_id else "",
        },
    )
    if request.method == "POST" and form.is_valid():
        fields = form.service_fields()
        fields.pop("units", None)
        try:
            services.resource_update(resource=resource, actor=request.user, **fields)
        except ValidationError as exc:
            for message in validation_messages(exc):
                form.add_error(None, message)
        else:
            messages.success(request, _("Saved."))
            return redirect("resources:detail", pk=resource.pk)
    return render(
        request,
        "resources/form.html",
        {"form": form, "title": _("Change the listing"), "resource": resource},
    )


@login_required
def resource_manage(request, pk: int):
    """Photos, blocked periods and units of one resource."""
    resource = _get_resource(pk, user=request.user, manage=True)
    photo_form, block_form = PhotoForm(), BlockForm()
    if request.method == "POST":
        try:
            if "image" in request.FILES:
                photo_form = PhotoForm(request.POST, request.FILES)
                if photo_form.is_valid():
                    services.photo_add(
                        resource=resource,
                        actor=request.user,
                        upload=photo_form.cleaned_data["image"],
                        alt_text=photo_form.cleaned_data["alt_text"],
                    )
                    messages.success(request, _("Photo added."))
                    return redirect("resources:manage", pk=pk)
            elif "starts_on" in request.POST:
                block_form = BlockForm(request.POST)
                if block_form.is_valid():
                    services.block_add(
                        resource=resource,
                        actor=request.user,
                        starts_at=block_form.cleaned_data["starts_on"],
                        ends_at=block_form.cleaned_data["ends_on"],
                        reason=block_form.cleaned_data["reason"],
                    )
                    messages.success(request, _("Period blocked."))
                    return redirect("resources:manage", pk=pk)
            elif "remove_block" in request.POST:
                block = resource.blocks.filter(pk=request.POST["remove_block"]).first()
                if block:
                    services.block_remove(block=block, actor=request.user)
                return redirect("resources:manage", pk=pk)
            elif "remove_photo" in request.POST:
                photo = resource.photos.filter(pk=request.POST["remove_photo"]).first()
                if photo:
                    services.photo_remove(photo=photo, actor=request.user)
                return redirect("resources:manage", pk=pk)
        except ValidationError as exc:
            target = photo_form if "image" in request.FILES else block_form
            for message in validation_messages(exc):
                target.add_error(None, message)
    return render(
        request,
        "resources/manage.html",
        {
            "resource": resource,
            "photo_form": photo_form,
            "block_form": block_form,
            "blocks": resource.blocks.all(),
            "photos": resource.photos.all(),
        },
    )


@login_required
def my_resources(request):
    now = timezone.now()
    return render(
        request,
        "resources/mine.html",
        {
            "resources": selectors.resources_managed_by(user=request.user).order_by("-id"),
            "requests": selectors.bookings_for_owner(user=request.user)
            .filter(status=Booking.Status.REQUESTED)
            .order_by("respond_by"),
            "upcoming": selectors.bookings_for_owner(user=request.user)
            .filter(
                status__in=[Booking.Status.ACCEPTED, Booking.Status.IN_USE],
                ends_at__gte=now - timedelta(days=2),
            )
            .order_by("starts_at"),
            "trips": selectors.bookings_of_guest(user=request.user).order_by("-starts_at")[:50],
        },
    )


@login_required
@require_POST
def booking_create(request, pk: int):
    resource = _get_resource(pk, user=request.user)
    form = BookingForm(request.POST, resource=resource)
    if form.is_valid():
        try:
            booking = services.booking_create(
                resource=resource,
                guest=request.user,
                start=form.cleaned_data["start"],
                end=form.cleaned_data["end"],
                people=form.cleaned_data["people"],
                message=form.cleaned_data["message"],
            )
        except (ValidationError, PermissionDenied) as exc:
            _errors(request, exc)
        else:
            messages.success(
                request,
                _("Booked.")
                if booking.status == Booking.Status.ACCEPTED
                else _("Request sent. The owner answers within a day."),
            )
            return redirect("resources:booking_detail", pk=booking.pk)
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    return redirect("resources:detail", pk=pk)


@login_required
def booking_detail(request, pk: int):
    booking = _get_booking_for_user(request, pk)
    role = services.role_of(user=request.user, booking=booking)
    now = timezone.now()
    window = reviews_selectors.window_for_subject(subject=booking.subject)
    return render(
        request,
        "resources/booking.html",
        {
            "booking": booking,
            "role": role,
            "reason_form": ReasonForm(),
            "checkin_form": CheckInForm(),
            "transitions": booking.transitions.all(),
            "lines": booking.lines.all(),
            "payment": getattr(booking, "payment", None),
            "window": window,
            "checkins": booking.checkins.all(),
            "actions": services.booking_actions_offered(booking=booking, role=role, now=now),
        },
    )


@login_required
@require_POST
def booking_action(request, pk: int, action: str):
    booking = _get_booking_for_user(request, pk)
    if action == "checkin":
        form = CheckInForm(request.POST)
        if form.is_valid():
            try:
                services.checkin_record(
                    booking=booking,
                    actor=request.user,
                    as_agreed=form.cleaned_data["as_agreed"],
                    note=form.cleaned_data["note"],
                )
                messages.success(request, _("Thank you for answering the check-in."))
            except (ValidationError, PermissionDenied) as exc:
                _errors(request, exc)
        return redirect("resources:booking_detail", pk=pk)
    if action not in services.ACTIONS:
        raise Http404
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.booking_act(booking=booking, actor=request.user, action=action, reason=reason)
    except (ValidationError, PermissionDenied) as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("Done."))
    return redirect("resources:booking_detail", pk=pk)


def _utilisation_scopes(user) -> list[str]:
    """The region prefixes whose utilisation ``user`` may see: all ("") for superusers and
    moderators, their own for officers (PR-3); nobody else sees the report."""
    if user.is_superuser or accounts_selectors.is_moderator(user=user):
        return [""]
    prefixes = accounts_selectors.officer_region_prefixes(user=user)
    if not prefixes:
        raise Forbidden(_("This report is for officers and moderators."), code="utilisation.not_staff")
    return prefixes


@login_required
def utilisation(request):
    """SW-8: utilisation per resource and region over the window, idle resources first."""
    scopes = _utilisation_scopes(request.user)
    region = request.GET.get("region", "").strip()
    if region and not (region.isdigit() and len(region) <= 6):
        messages.error(request, _("A region is a six-digit GB/T 2260 code or its first digits, such as 43 or 4301."))
        region = ""
    region = region or scopes[0]
    if not any(region.startswith(scope) for scope in scopes):
        raise Forbidden(_("This region is outside your area."), code="utilisation.outside_area")
    params = rules.rules_in_force()["utilisation"]
    end = timezone.now()
    rows = selectors.resource_utilisation(
        region_prefix=region, start=end - timedelta(days=params["window_days"]), end=end
    )
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    regions = selectors.region_utilisation(rows)
    divisions = places_selectors.divisions_by_code(entry.region_code for entry in regions)
    return render(
        request,
        "resources/utilisation.html",
        {
            "region": region,
            "scopes": scopes,
            "window_days": params["window_days"],
            "regions": [(entry, divisions.get(entry.region_code)) for entry in regions],
            "page": page,
            "idle_count": sum(row.idle for row in rows),
        },
    )
