"""The dated numbers of Shared World and the pure functions over them (no queries except
the two lookups at the bottom).

Every number a booking rule uses lives here as a default and may be overridden from a
date by a ``RuleSet`` row (CV-7 for bookings); cancellation refunds come from the dated
``CancellationPolicy`` rows, seeded by migration 0003 from ``POLICY_SEED``.
"""

import copy
import math
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

from django.utils import timezone

from meaningflow.resources.models import CancellationPolicy, RuleSet

DEFAULTS: dict = {
    # SW-4: the owner answers a request within this many hours, or it expires.
    "response_hours": 24,
    # SW-4: a stay completes this long after its end unless a problem was reported.
    "autocomplete_hours": 24,
    # SW-6: how long after the end a review may arrive before the host is credited with
    # the neutral coefficient (the reviews app runs the window itself).
    "review_days": 14,
    # Concurrent bookings (requested/accepted/in use) per trust level (TR-2 quotas).
    "quota": {"1": 0, "2": 1, "3": 3, "4": 5, "5": 5},
    # TR-4: this many no-shows within no_show_months restricts booking.
    "no_show_limit": 4,
    "no_show_months": 12,
    # CV-E1 demand index: requests per active unit in the region over window_days,
    # divided by target_ratio and clipped to [min, max]; the ledger formula takes a level,
    # so the index maps to peak (>= peak_from), off_peak (< off_peak_below) or normal.
    "demand": {
        "window_days": 30,
        "target_ratio": 1.0,
        "min": 0.8,
        "max": 1.5,
        "peak_from": 1.25,
        "off_peak_below": 0.9,
    },
    # A day of an hourly-priced type (meeting room, kitchen, guide) counts this many hours.
    "hours_per_day": 8,
    # SW-8: utilisation is measured over the last window_days; a resource listed for the
    # whole window and booked for none of it is idle, and its owner is prompted at most
    # once every prompt_every_days.
    "utilisation": {"window_days": 60, "prompt_every_days": 30},
}

# (code, [[days_before_start, refund_percent], …], zh, en). The first row whose days
# the cancellation meets applies; later than every row: 0 %.
POLICY_SEED = [
    (
        "flexible",
        [[1, 100]],
        "开始前 1 天及以上取消全额退还",
        "Full refund up to 1 day before the start",
    ),
    (
        "moderate",
        [[5, 100], [0, 50]],
        "开始前 5 天及以上取消全额退还，之后退还 50%",
        "Full refund up to 5 days before the start, 50 % after that",
    ),
    (
        "limited",
        [[14, 100], [7, 50]],
        "开始前 14 天及以上全额退还，7 天及以上退还 50%",
        "Full refund up to 14 days before, 50 % up to 7 days before",
    ),
    (
        "firm",
        [[30, 100], [7, 50]],
        "开始前 30 天及以上全额退还，7 天及以上退还 50%",
        "Full refund up to 30 days before, 50 % up to 7 days before",
    ),
]
POLICY_EFFECTIVE_FROM = date(2020, 1, 1)


def merged(values: dict) -> dict:
    """DEFAULTS with ``values`` laid over them (nested dicts merged key by key)."""
    result = copy.deepcopy(DEFAULTS)
    for key, value in (values or {}).items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = {**result[key], **value}
        else:
            result[key] = value
    return result


def refund_percent(rules: list, *, starts_at: datetime, cancelled_at: datetime) -> int:
    """The refund a policy gives for a cancellation at ``cancelled_at``.

    ``days before`` is measured exactly (a cancellation 4 days 23 hours before the start
    is 4.96 days before it); after the start nothing is refunded."""
    days_before = (starts_at - cancelled_at).total_seconds() / 86400
    if days_before < 0:
        return 0
    for days, percent in sorted(rules, key=lambda row: -row[0]):
        if days_before >= days:
            return int(percent)
    return 0


def quota_for(params: dict, level: int) -> int:
    return int(params["quota"].get(str(level), 0))


def demand_index(params: dict, *, requests: int | Decimal, units: int) -> Decimal:
    """Requests per available unit, normalised by the target and clipped to the bounds
    (``requests`` may be fractional: requests standing on average over a stay)."""
    table = params["demand"]
    ratio = Decimal(requests) / Decimal(max(units, 1)) / Decimal(str(table["target_ratio"]))
    low, high = Decimal(str(table["min"])), Decimal(str(table["max"]))
    return min(high, max(low, ratio)).quantize(Decimal("0.01"))


def demand_level(params: dict, index: Decimal) -> str:
    table = params["demand"]
    if index >= Decimal(str(table["peak_from"])):
        return "peak"
    if index < Decimal(str(table["off_peak_below"])):
        return "off_peak"
    return "normal"


def duration_in(per: str, *, slot: str, slots, hours_per_day: int) -> Decimal:
    """Express ``slots`` of a resource's slot kind in the formula's unit ``per``.

    night/day are the same length for pricing; a week is 7 of them; an hourly slot is an
    hour and a day of an hourly type is ``hours_per_day`` hours."""
    slots = Decimal(slots)
    days = slots / Decimal(24) if slot == "hourly" else slots
    if per in ("night", "day"):
        value = days
    elif per == "week":
        value = days / Decimal(7)
    else:  # hour
        value = slots if slot == "hourly" else slots * Decimal(hours_per_day)
    return value.quantize(Decimal("0.0001"))


def share(amount: int, part, whole) -> int:
    """``amount × part / whole`` rounded half-to-even, as whole CV."""
    if not whole:
        return 0
    value = Decimal(amount) * Decimal(part) / Decimal(whole)
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def used_slots(*, slot: str, starts_at: datetime, ended_at: datetime, slots: int) -> int:
    """Slots used when a stay ends early: nights fully passed; days and hours begun."""
    elapsed = (ended_at - starts_at).total_seconds()
    length = 3600 if slot == "hourly" else 86400
    count = math.floor(elapsed / length) if slot == "nightly" else math.ceil(elapsed / length)
    return max(0, min(slots, count))


def booked_seconds(intervals, *, start: datetime, end: datetime) -> float:
    """Seconds of [start, end) covered by the (starts_at, ends_at) intervals of one unit's
    bookings (which never overlap: one blocking booking per unit and time)."""
    total = 0.0
    for starts_at, ends_at in intervals:
        total += max(0.0, (min(ends_at, end) - max(starts_at, start)).total_seconds())
    return total


def deadline(now: datetime, hours: int, *, not_after: datetime | None = None) -> datetime:
    value = now + timedelta(hours=hours)
    return min(value, not_after) if not_after else value


# --- lookups ---------------------------------------------------------------------------


def rules_in_force(*, on: date | None = None) -> dict:
    on = on or timezone.localdate()
    found = RuleSet.objects.filter(effective_from__lte=on).order_by("-effective_from").first()
    return merged(found.values if found else {})


def policy_in_force(code: str, *, on: date | None = None):
    """The version of cancellation policy ``code`` in force on ``on`` (today by default)."""
    on = on or timezone.localdate()
    found = CancellationPolicy.objects.filter(code=code, effective_from__lte=on).order_by("-effective_from").first()
    if found is None:  # a database without the seed (should not happen after migrate)
        rules = next(r for c, r, _zh, _en in POLICY_SEED if c == code)
        found, _created = CancellationPolicy.objects.get_or_create(
            code=code,
            effective_from=POLICY_EFFECTIVE_FROM,
            defaults={"rules": rules, "description_zh": code, "description_en": code},
        )
    return found
