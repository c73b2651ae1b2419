"""Shared World (SW): resources, their bookable units and availability, bookings and what
they cost, exchange-stay check-ins and safeguards, no-shows, and the dated rules.

Writes go through ``services.py``; reads through ``selectors.py``. On PostgreSQL an
exclusion constraint (added by migration 0002, PostgreSQL only) makes two blocking
bookings of one unit impossible; on SQLite the booking service checks inside an
IMMEDIATE transaction, which serialises writers (docs/RESOURCES.md).
"""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _


def _chinese() -> bool:
    return (get_language() or "").lower().startswith("zh")


class Facility(models.Model):
    """A bilingual facility a resource may offer (wifi, kitchen, wheelchair access …)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=80)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_zh if _chinese() else self.name_en


class CancellationPolicy(models.Model):
    """A dated version of one cancellation policy (SW-4). ``rules`` is a list of
    ``[days_before_start, refund_percent]``, the first row whose days the cancellation
    meets applies; a booking keeps the version in force when it was made."""

    class Code(models.TextChoices):
        FLEXIBLE = "flexible", _("Flexible")
        MODERATE = "moderate", _("Moderate")
        LIMITED = "limited", _("Limited")
        FIRM = "firm", pgettext_lazy("cancellation policy", "Firm")

    code = models.CharField(_("policy"), max_length=20, choices=Code.choices)
    effective_from = models.DateField(_("effective from"))
    rules = models.JSONField(_("refund rules"))
    description_zh = models.CharField(_("Chinese description"), max_length=300)
    description_en = models.CharField(_("English description"), max_length=300)

    class Meta:
        ordering = ["code", "-effective_from"]
        constraints = [models.UniqueConstraint(fields=["code", "effective_from"], name="resources_policy_dated")]
        verbose_name = _("cancellation policy")
        verbose_name_plural = _("cancellation policies")

    def __str__(self) -> str:
        return f"{self.get_code_display()} ({self.effective_from})"

    @property
    def description(self) -> str:
        return self.description_zh if _chinese() else self.description_en


class RuleSet(models.Model):
    """Dated numbers of the booking rules (response deadline, quotas, demand bounds …).
    A set overrides ``rules.DEFAULTS`` from ``effective_from``; see ``rules.rules_in_force``."""

    effective_from = models.DateField(_("effective from"), unique=True)
    values = models.JSONField(_("values"), default=dict)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["-effective_from"]
        verbose_name = _("booking rule set")
        verbose_name_plural = _("booking rule sets")

    def __str__(self) -> str:
        return str(self.effective_from)


class Resource(models.Model):
    """Something shareable (SW-1), owned by a person, an organisation or a public body."""

    class Type(models.TextChoices):
        # The codes are the ledger's resource types (formulas cv_resource / cv_consumption).
        ROOM = "room", _("Room or apartment")
        VEHICLE = "vehicle", _("Vehicle")
        BICYCLE = "bicycle", _("Bicycle")
        WORKSPACE = "workspace", _("Workspace or studio")
        MEETING_ROOM = "meeting_room", _("Meeting room")
        KITCHEN = "kitchen", _("Kitchen")
        TOOLS = "tools", _("Tools and equipment")
        LOCAL_GUIDE = "local_guide", _("Local guide or community access")

    class Slot(models.TextChoices):
        NIGHTLY = "nightly", _("Per night")
        DAILY = "daily", _("Per day")
        HOURLY = "hourly", _("Per hour")

    class BookingMode(models.TextChoices):
        REQUEST = "request", _("On request (the owner answers)")
        INSTANT = "instant", _("Instant booking")

    class Payment(models.TextChoices):
        CV = "cv", _("Contribution value (CV)")
        MONEY = "money", _("Money")
        MIXED = "mixed", _("Money and CV")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Listed")
        PAUSED = "paused", _("Paused")
        ARCHIVED = "archived", _("Archived")

    type = models.CharField(_("type"), max_length=20, choices=Type.choices)
    title_zh = models.CharField(_("Chinese title"), max_length=160, blank=True)
    title_en = models.CharField(_("English title"), max_length=160, blank=True)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    house_rules = models.TextField(_("house rules"), max_length=3000, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="resources",
        verbose_name=_("owner"),
    )
    organisation = models.ForeignKey(
        "accounts.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="resources",
        verbose_name=_("on behalf of"),
    )
    is_public = models.BooleanField(
        _("public resource"),
        default=False,
        help_text=_("Offered by a public body (community centre, venue, idle public housing)."),
    )
    division = models.ForeignKey(
        "places.Division",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("region (China)"),
    )
    city = models.ForeignKey(
        "places.City",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("city (abroad)"),
    )
    # The GB/T 2260 code (China) or "geo:<geonameid>" (abroad): the demand-index region.
    region_key = models.CharField(max_length=20, db_index=True, editable=False)
    address = models.CharField(_("address"), max_length=300, blank=True)
    latitude = models.FloatField(_("latitude"), validators=[MinValueValidator(-90), MaxValueValidator(90)])
    longitude = models.FloatField(_("longitude"), validators=[MinValueValidator(-180), MaxValueValidator(180)])
    capacity = models.PositiveSmallIntegerField(_("capacity (people)"), default=1)
    facilities = models.ManyToManyField(Facility, blank=True, verbose_name=_("facilities"))
    payment = models.CharField(_("payment"), max_length=10, choices=Payment.choices, default=Payment.CV)
    price_amount = models.DecimalField(_("price per slot"), max_digits=12, decimal_places=2, null=True, blank=True)
    price_currency = models.CharField(_("currency"), max_length=3, blank=True)
    # CV per slot at normal demand, from the ledger's consumption formula when listed
    # (denormalised so that list filters and sorting are one indexed column).
    cv_per_slot = models.PositiveIntegerField(_("CV per slot"), default=0)
    slot = models.CharField(_("booked"), max_length=10, choices=Slot.choices)
    min_slots = models.PositiveSmallIntegerField(_("minimum duration (slots)"), default=1)
    max_slots = models.PositiveSmallIntegerField(_("maximum duration (slots)"), default=30)
    lead_time_hours = models.PositiveSmallIntegerField(_("lead time (hours)"), default=0)
    preparation_minutes = models.PositiveIntegerField(_("preparation time between bookings (minutes)"), default=0)
    check_in_time = models.TimeField(_("check-in from"), default="14:00")
    check_out_time = models.TimeField(_("check-out by"), default="11:00")
    booking_mode = models.CharField(
        _("booking"), max_length=10, choices=BookingMode.choices, default=BookingMode.REQUEST
    )
    min_trust_level = models.PositiveSmallIntegerField(
        _("minimum trust level"), default=2, validators=[MinValueValidator(2), MaxValueValidator(5)]
    )
    requires_verified_identity = models.BooleanField(_("guests must be verified"), default=False)
    cancellation_policy = models.CharField(
        _("cancellation policy"),
        max_length=20,
        choices=CancellationPolicy.Code.choices,
        default=CancellationPolicy.Code.MODERATE,
    )
    is_exchange = models.BooleanField(
        _("exchange stay (work for lodging)"),
        default=False,
    )
    exchange_hours_per_day = models.DecimalField(
        _("agreed hours of help per day"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    exchange_provides = models.CharField(_("what is provided"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    # SW-8: when the owner was last told the resource stood idle (the prompt job).
    idle_prompted_on = models.DateField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["status", "region_key", "type"], name="resources_res_search"),
            models.Index(fields=["status", "cv_per_slot"], name="resources_res_cv"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_slots__gte=1) & Q(max_slots__gte=models.F("min_slots")),
                name="resources_res_duration_range",
            ),
            models.CheckConstraint(
                condition=Q(division__isnull=False) | Q(city__isnull=False),
                name="resources_res_has_place",
            ),
            models.CheckConstraint(
                condition=Q(payment="cv") | (Q(price_amount__gt=0) & ~Q(price_currency="")),
                name="resources_res_money_price",
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="resources_res_capacity"),
        ]
        verbose_name = _("resource")
        verbose_name_plural = _("resources")

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        if _chinese():
            return self.title_zh or self.title_en
        return self.title_en or self.title_zh

    @property
    def place(self):
        return self.division if self.division_id else self.city

    @property
    def region_code(self) -> str:
        return self.division.code if self.division_id else ""

    @property
    def tz(self) -> ZoneInfo:
        if self.city_id and self.city.timezone:
            return ZoneInfo(self.city.timezone)
        return ZoneInfo(settings.TIME_ZONE)

    @property
    def accepts_cv(self) -> bool:
        return self.payment in (self.Payment.CV, self.Payment.MIXED)

    @property
    def accepts_money(self) -> bool:
        return self.payment in (self.Payment.MONEY, self.Payment.MIXED)


class ResourceUnit(models.Model):
    """One bookable unit of a resource (a bed of three, desk 2 …)."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="units")
    name = models.CharField(_("name"), max_length=80)
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(_("bookable"), default=True)

    class Meta:
        ordering = ["resource", "position", "id"]
        verbose_name = _("bookable unit")
        verbose_name_plural = _("bookable units")

    def __str__(self) -> str:
        return self.name


class BlockedPeriod(models.Model):
    """A period the owner closed (the whole resource, or one unit)."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="blocks")
    unit = models.ForeignKey(ResourceUnit, null=True, blank=True, on_delete=models.CASCADE, related_name="blocks")
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["resource", "starts_at"], name="resources_block_when")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="resources_block_order")
        ]
        verbose_name = _("blocked period")
        verbose_name_plural = _("blocked periods")

    def __str__(self) -> str:
        return f"{self.starts_at:%Y-%m-%d} – {self.ends_at:%Y-%m-%d}"


def photo_path(instance, filename: str) -> str:
    return f"resources/{instance.resource_id}/{filename}"


class Photo(models.Model):
    """A validated, resized photo without EXIF data, plus its thumbnail (both JPEG)."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to=photo_path)
    thumbnail = models.ImageField(upload_to=photo_path)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    alt_text = models.CharField(_("description for screen readers"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["resource", "position", "id"]
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def __str__(self) -> str:
        return self.alt_text or self.image.name


class Booking(models.Model):
    """A booking of one unit for a period (SW-4). Transitions: ``services.TRANSITIONS``."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        ACCEPTED = "accepted", _("Accepted")
        IN_USE = "in_use", _("In use")
        COMPLETED = "completed", _("Completed")
        DECLINED = "declined", _("Declined")
        EXPIRED = "expired", _("Expired")
        CANCELLED = "cancelled", _("Cancelled")
        NO_SHOW = "no_show", _("No-show")
        ENDED_EARLY = "ended_early", _("Ended early (safeguard)")

    # States that keep the unit: never two of these overlap on one unit.
    BLOCKING = (Status.REQUESTED, Status.ACCEPTED, Status.IN_USE)

    class Credit(models.TextChoices):
        NONE = "none", _("Not due")
        PENDING = "pending", _("Waiting for the guest's review")
        CREDITED = "credited", _("Credited")

    resource = models.ForeignKey(Resource, on_delete=models.PROTECT, related_name="bookings")
    unit = models.ForeignKey(ResourceUnit, on_delete=models.PROTECT, related_name="bookings")
    guest = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="resource_bookings")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    # ends_at + the resource's preparation time: the unit is kept until then.
    blocked_until = models.DateTimeField()
    slots = models.PositiveIntegerField(_("nights, days or hours"))
    people = models.PositiveSmallIntegerField(_("people"), default=1)
    message = models.TextField(_("message to the owner"), max_length=2000, blank=True)
    policy = models.ForeignKey(CancellationPolicy, on_delete=models.PROTECT, related_name="+")
    cv_amount = models.PositiveIntegerField(_("CV"), default=0)
    cv_hold_id = models.BigIntegerField(null=True, blank=True, editable=False)
    cv_consumed = models.PositiveIntegerField(default=0)
    money_amount = models.DecimalField(_("money"), max_digits=12, decimal_places=2, null=True, blank=True)
    money_currency = models.CharField(max_length=3, blank=True)
    demand_index = models.DecimalField(max_digits=4, decimal_places=2, default=1)
    demand_level = models.CharField(max_length=20, default="normal")
    pricing = models.JSONField(default=dict, blank=True)
    is_exchange = models.BooleanField(default=False)
    exchange_hours_per_day = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    exchange_provides = models.CharField(max_length=300, blank=True)
    respond_by = models.DateTimeField(null=True, blank=True)
    problem_reported_at = models.DateTimeField(null=True, blank=True)
    problem_note = models.CharField(max_length=1000, blank=True)
    used_slots = models.PositiveIntegerField(null=True, blank=True)
    refund_percent = models.PositiveSmallIntegerField(null=True, blank=True)
    credit_status = models.CharField(max_length=10, choices=Credit.choices, default=Credit.NONE)
    credited_cv = models.PositiveIntegerField(default=0)
    reviews_opened = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-starts_at", "-id"]
        indexes = [
            models.Index(fields=["unit", "starts_at"], name="resources_bk_unit_start"),
            models.Index(fields=["status", "respond_by"], name="resources_bk_due_answer"),
            models.Index(fields=["status", "starts_at"], name="resources_bk_due_start"),
            models.Index(fields=["status", "ends_at"], name="resources_bk_due_end"),
            models.Index(fields=["guest", "status"], name="resources_bk_guest"),
            models.Index(fields=["resource", "created_at"], name="resources_bk_demand"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")) & Q(blocked_until__gte=models.F("ends_at")),
                name="resources_bk_order",
            ),
            models.CheckConstraint(
                condition=Q(cv_consumed__lte=models.F("cv_amount")),
                name="resources_bk_consumed_le_held",
            ),
        ]
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")

    def __str__(self) -> str:
        return f"#{self.pk} {self.resource} ({self.get_status_display()})"

    @property
    def subject(self) -> str:
        return f"resources.booking:{self.pk}"

    @property
    def is_blocking(self) -> bool:
        return self.status in self.BLOCKING


class BookingTransition(models.Model):
    """The history of a booking's states (the audit log has the same, app-wide)."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="transitions")
    action = models.CharField(max_length=30)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=500, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["booking", "at", "id"]

    def __str__(self) -> str:
        return f"{self.booking_id}: {self.action}"


class BookingLine(models.Model):
    """What a booking costs, one line per currency: CV and/or money (BX-1)."""

    class Kind(models.TextChoices):
        CV = "cv", _("Contribution value")
        MONEY = "money", _("Money")

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    description = models.CharField(max_length=300)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, help_text="ISO 4217, or CV")

    class Meta:
        ordering = ["booking", "id"]
        constraints = [
            models.UniqueConstraint(fields=["booking", "kind"], name="resources_line_per_kind"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="resources_line_nonneg"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


class PaymentDue(models.Model):
    """The money part of a booking, paid outside the platform (offline/manual provider):
    the owner confirms receipt; a refund due after cancellation is confirmed the same way."""

    class Status(models.TextChoices):
        DUE = "due", _("Due")
        RECEIVED = "received", _("Received")
        REFUND_DUE = "refund_due", _("Refund due")
        REFUNDED = "refunded", _("Refunded")
        VOID = "void", _("Not due any more")

    booking = models.OneToOneField(Booking, on_delete=models.CASCADE, related_name="payment")
    provider = models.CharField(max_length=20, default="offline")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    refund_amount = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DUE)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0) & Q(refund_amount__gte=0) & Q(refund_amount__lte=models.F("amount")),
                name="resources_payment_amounts",
            )
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} ({self.status})"


class CheckIn(models.Model):
    """The mid-stay check-in of an exchange stay: is it going as agreed? (BX-14)"""

    class Role(models.TextChoices):
        HOST = "host", _("Host")
        GUEST = "guest", _("Guest")

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="checkins")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=10, choices=Role.choices)
    as_agreed = models.BooleanField(_("going as agreed"))
    note = models.CharField(_("note"), max_length=1000, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["booking", "role"], name="resources_checkin_once")]

    def __str__(self) -> str:
        return f"{self.booking_id} {self.role}: {self.as_agreed}"


class SafeguardCase(models.Model):
    """A stay ended early by the safeguard path; flagged to moderators (BX-14)."""

    booking = models.OneToOneField(Booking, on_delete=models.PROTECT, related_name="safeguard")
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("what went wrong"), max_length=1000)
    used_slots = models.PositiveIntegerField()
    refunded_cv = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    reviewed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"safeguard {self.booking_id}"


class NoShow(models.Model):
    """A guest did not come (reported by the owner). TR-4 counts these."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="resource_no_shows")
    booking = models.OneToOneField(Booking, on_delete=models.PROTECT, related_name="no_show")
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["user", "created_at"], name="resources_noshow_user")]

    def __str__(self) -> str:
        return f"no-show {self.booking_id}"
