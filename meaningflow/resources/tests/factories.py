"""Set-up helpers for the resources tests: everything goes through the services."""

import itertools
from datetime import date, timedelta

from django.utils import timezone

from meaningflow.ledger import services as ledger
from meaningflow.places.models import City, Division
from meaningflow.resources import services

_keys = itertools.count(1)


def mint(user, cv: int = 1000):
    """Give ``user`` about ``cv`` CV by recording room-night contributions (200 each)."""
    nights = max(1, cv // 200)
    return ledger.contribution_record(
        beneficiary=user,
        kind="resource",
        inputs={"resource_type": "room", "duration": nights, "demand": "normal"},
        idempotency_key=f"test-mint-{user.pk}-{next(_keys)}",
    )


def changsha():
    return Division.objects.get(code="430100")


def tokyo():
    return City.objects.get(geonameid=1850147)


def room(owner, **overrides):
    fields = {
        "type": "room",
        "title_zh": "长沙芙蓉区客房",
        "title_en": "Furong guest room",
        "division": changsha(),
        "capacity": 2,
        "payment": "cv",
        "facilities": ["wifi"],
        "booking_mode": "request",
        "cancellation_policy": "moderate",
    }
    fields.update(overrides)
    return services.resource_create(owner=owner, **fields)


def days(n: int) -> date:
    return timezone.localdate() + timedelta(days=n)
