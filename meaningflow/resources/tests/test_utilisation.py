"""SW-8: utilisation per resource and region, idle resources and the prompt to their owners."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from meaningflow.core.models import AuditEvent, Notification
from meaningflow.resources import selectors, services
from meaningflow.resources.models import Resource
from meaningflow.resources.tests.factories import days, room


def _listed_days_ago(resource, n: int) -> Resource:
    """Set-up: the resource was listed ``n`` days ago (history, not a service action)."""
    Resource.objects.filter(pk=resource.pk).update(created_at=timezone.now() - timedelta(days=n))
    resource.refresh_from_db()
    return resource


def test_utilisation_counts_accepted_bookings_over_bookable_units(owner, guest):
    hostel = room(owner, units=2, booking_mode="instant")
    empty = room(owner, title_zh="空置客房", title_en="Empty room")
    cancelled = services.booking_create(resource=hostel, guest=guest, start=days(10), end=days(12))
    services.booking_cancel(booking=cancelled, actor=guest)
    services.booking_create(resource=hostel, guest=guest, start=days(20), end=days(26))  # instant: accepted
    start = timezone.now() + timedelta(days=5)  # a future window: both listed before it
    end = start + timedelta(days=30)

    rows = {row.resource.pk: row for row in selectors.resource_utilisation(region_prefix="43", start=start, end=end)}

    busy = rows[hostel.pk]
    assert busy.units == 2 and busy.available_hours == 2 * 30 * 24
    # Six nights, check-in 14:00 to check-out 11:00: 6 × 24 − 3 hours, the cancelled two not at all.
    assert busy.booked_hours == 6 * 24 - 3
    assert busy.share == pytest.approx((6 * 24 - 3) / (2 * 30 * 24))
    assert not busy.idle
    assert rows[empty.pk].idle and rows[empty.pk].share == 0
    [region] = selectors.region_utilisation(list(rows.values()))
    assert (region.region_code, region.resources, region.idle) == ("430100", 2, 1)
    assert region.booked_hours == busy.booked_hours and region.available_hours == 3 * 30 * 24
    # Another province's prefix sees neither.
    assert selectors.resource_utilisation(region_prefix="11", start=start, end=end) == []


def test_a_resource_listed_during_the_window_is_not_idle(owner):
    fresh = room(owner)
    now = timezone.now()
    [row] = selectors.resource_utilisation(region_prefix="43", start=now - timedelta(days=60), end=now)
    assert row.resource == fresh and not row.idle and not row.listed_whole_window


def test_owners_of_idle_resources_are_prompted_once_per_period(owner, guest):
    idle = _listed_days_ago(room(owner, title_zh="闲置工作室", title_en="Idle studio", type="workspace"), 90)
    paused = _listed_days_ago(room(owner), 90)
    services.resource_update(resource=paused, actor=owner, status="paused")
    _listed_days_ago(room(owner), 10)  # too new to be idle

    first = services.idle_resources_prompt()
    assert first == {"idle": 1, "prompted": 1}
    [notice] = Notification.objects.filter(recipient=owner, kind="resources.idle")
    assert notice.url == reverse("resources:manage", args=[idle.pk]) and "60" in notice.title
    assert (
        AuditEvent.objects.filter(
            action="resources.resource.idle_prompted", subject=f"resources.resource:{idle.pk}"
        ).count()
        == 1
    )
    # Daily runs do not repeat the prompt within prompt_every_days (30) …
    assert services.idle_resources_prompt(now=timezone.now() + timedelta(days=29)) == {"idle": 1, "prompted": 0}
    # … and prompt again after it, while the resource is still idle.
    assert services.idle_resources_prompt(now=timezone.now() + timedelta(days=31)) == {"idle": 1, "prompted": 1}
    assert Notification.objects.filter(recipient=owner, kind="resources.idle").count() == 2


def test_a_booked_resource_is_not_prompted(owner, guest):
    busy = _listed_days_ago(room(owner, booking_mode="instant"), 90)
    services.booking_create(resource=busy, guest=guest, start=days(3), end=days(5))
    # Seen from a week after the stay: listed the whole window, booked in it.
    result = services.idle_resources_prompt(now=timezone.now() + timedelta(days=7))
    assert result == {"idle": 0, "prompted": 0}
    assert not Notification.objects.filter(kind="resources.idle").exists()


@pytest.mark.postgres
def test_the_report_is_for_officers_of_the_region_and_moderators(client, owner, make_officer, superuser):
    _listed_days_ago(room(owner, title_zh="长沙闲置客房", title_en="Changsha idle room"), 90)
    url = reverse("resources:utilisation")

    assert client.get(url).status_code == 302  # to the login page
    client.force_login(owner)
    assert client.get(url).status_code == 403

    officer = make_officer("officer43", "43")
    client.force_login(officer)
    page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "长沙闲置客房" in text or "Changsha idle room" in text
    assert "430100" in text
    assert client.get(url, {"region": "11"}).status_code == 403  # another province
    bad = client.get(url, {"region": "湖南"})
    assert bad.status_code == 200 and "six-digit GB/T 2260 code" in bad.content.decode()

    beijing = make_officer("officer11", "11")
    client.force_login(beijing)
    other = client.get(url).content.decode()
    assert "Changsha idle room" not in other and "长沙闲置客房" not in other

    client.force_login(superuser)
    assert client.get(url, {"region": "43"}).status_code == 200
