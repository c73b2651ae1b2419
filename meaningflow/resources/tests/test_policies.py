"""Cancellation policies at their boundaries (SW-4), as pure rules and through the service."""

from datetime import UTC, datetime, timedelta

import pytest

from meaningflow.ledger import selectors as ledger_selectors
from meaningflow.ledger.verify import ledger_verify
from meaningflow.resources import rules, services
from meaningflow.resources.models import CancellationPolicy
from meaningflow.resources.tests.factories import days, room

START = datetime(2030, 6, 1, 14, tzinfo=UTC)
SECOND = timedelta(seconds=1)
POLICIES = {code: policy_rules for code, policy_rules, _zh, _en in rules.POLICY_SEED}

CASES = [
    # (policy, time before start, refund %)
    ("flexible", timedelta(days=1), 100),
    ("flexible", timedelta(days=1) - SECOND, 0),
    ("moderate", timedelta(days=5), 100),
    ("moderate", timedelta(days=5) - SECOND, 50),
    ("moderate", SECOND, 50),
    ("limited", timedelta(days=14), 100),
    ("limited", timedelta(days=14) - SECOND, 50),
    ("limited", timedelta(days=7), 50),
    ("limited", timedelta(days=7) - SECOND, 0),
    ("firm", timedelta(days=30), 100),
    ("firm", timedelta(days=30) - SECOND, 50),
    ("firm", timedelta(days=7), 50),
    ("firm", timedelta(days=7) - SECOND, 0),
]


@pytest.mark.parametrize(("code", "before", "percent"), CASES)
def test_refund_percent_at_boundaries(code, before, percent):
    assert rules.refund_percent(POLICIES[code], starts_at=START, cancelled_at=START - before) == percent


@pytest.mark.parametrize("code", sorted(POLICIES))
def test_nothing_back_after_the_start(code):
    assert rules.refund_percent(POLICIES[code], starts_at=START, cancelled_at=START + SECOND) == 0


pytestmark_db = [pytest.mark.django_db, pytest.mark.postgres]


@pytest.mark.django_db
@pytest.mark.postgres
@pytest.mark.parametrize(("code", "before", "percent"), [c for c in CASES if c[1] > timedelta(hours=1)])
def test_guest_cancellation_settles_escrow(owner, guest, code, before, percent):
    resource = room(owner, booking_mode="instant", cancellation_policy=code, max_slots=30)
    booking = services.booking_create(resource=resource, guest=guest, start=days(40), end=days(42))
    balance = ledger_selectors.balance_of(guest)
    services.booking_cancel(booking=booking, actor=guest, now=booking.starts_at - before)
    booking.refresh_from_db()
    refunded = rules.share(booking.cv_amount, percent, 100)
    assert booking.refund_percent == percent
    assert booking.cv_consumed == booking.cv_amount - refunded
    assert ledger_selectors.held_of(guest) == 0
    assert ledger_selectors.balance_of(guest) == balance - booking.cv_consumed
    assert ledger_verify() == []


@pytest.mark.django_db
@pytest.mark.postgres
def test_owner_cancellation_refunds_everything(owner, guest):
    resource = room(owner, booking_mode="instant", cancellation_policy="firm")
    booking = services.booking_create(resource=resource, guest=guest, start=days(3), end=days(4))
    services.booking_cancel(booking=booking, actor=owner, reason="Burst pipe")
    booking.refresh_from_db()
    assert booking.refund_percent == 100 and booking.cv_consumed == 0


@pytest.mark.django_db
@pytest.mark.postgres
def test_booking_keeps_the_policy_version_it_was_made_under(owner, guest):
    resource = room(owner, booking_mode="instant", cancellation_policy="flexible")
    booking = services.booking_create(resource=resource, guest=guest, start=days(10), end=days(11))
    CancellationPolicy.objects.create(
        code="flexible",
        effective_from=days(-1) + timedelta(days=1),
        rules=[[2, 100]],
        description_zh="新",
        description_en="new",
    )
    services.booking_cancel(booking=booking, actor=guest, now=booking.starts_at - timedelta(days=1, hours=12))
    booking.refresh_from_db()
    assert booking.refund_percent == 100  # the old version: full refund from 1 day before
