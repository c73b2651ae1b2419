"""Bad input gets a clear error and changes nothing (NF-5)."""

import io
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from meaningflow.core.errors import error_codes
from meaningflow.ledger import selectors as ledger_selectors
from meaningflow.resources import services
from meaningflow.resources.models import Booking, Photo, Resource
from meaningflow.resources.tests.factories import days, mint, room

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


@pytest.fixture
def unchanged(guest):
    def snapshot():
        return (Booking.objects.count(), ledger_selectors.available_balance_of(guest), ledger_selectors.held_of(guest))

    before = snapshot()
    yield
    assert snapshot() == before


def test_end_before_start(owner, guest, unchanged):
    with pytest.raises(ValidationError) as exc:
        services.booking_create(resource=room(owner), guest=guest, start=days(5), end=days(3))
    assert error_codes(exc.value) == ["period.end_before_start"]


def test_garbage_dates(owner, guest, unchanged):
    with pytest.raises(ValidationError) as exc:
        services.booking_create(resource=room(owner), guest=guest, start="tomorrow", end=days(3))
    assert error_codes(exc.value) == ["period.not_a_date"]


def test_blocked_period(owner, guest, unchanged):
    resource = room(owner)
    services.block_add(resource=resource, actor=owner, starts_at=days(10), ends_at=days(12), reason="Painting")
    with pytest.raises(ValidationError) as exc:
        services.booking_create(resource=resource, guest=guest, start=days(11), end=days(13))
    assert error_codes(exc.value) == ["booking.not_available"]


def test_outside_duration_and_lead_time(owner, guest, unchanged):
    resource = room(owner, min_slots=2, max_slots=3, lead_time_hours=72)
    with pytest.raises(ValidationError) as exc:
        services.booking_create(resource=resource, guest=guest, start=days(10), end=days(11))
    assert error_codes(exc.value) == ["period.too_short"]
    with pytest.raises(ValidationError) as exc:
        services.booking_create(resource=resource, guest=guest, start=days(10), end=days(14))
    assert error_codes(exc.value) == ["period.too_long"]
    with pytest.raises(ValidationError) as exc:
        services.booking_create(resource=resource, guest=guest, start=days(1), end=days(3))
    assert error_codes(exc.value) == ["period.too_soon"]
    with pytest.raises(ValidationError) as exc:
        services.booking_create(resource=resource, guest=guest, start=days(-3), end=days(-1))
    assert error_codes(exc.value) == ["period.in_the_past"]


def test_below_trust_level(owner, make_user, world):
    newcomer = make_user("newcomer")  # L1: browse only
    resource = room(owner)
    with pytest.raises(PermissionDenied) as exc:
        services.booking_create(resource=resource, guest=newcomer, start=days(5), end=days(6))
    assert error_codes(exc.value) == ["booking.trust_level_new"]
    mint(newcomer, 200)  # L2
    strict = room(owner, min_trust_level=3)
    with pytest.raises(PermissionDenied) as exc:
        services.booking_create(resource=strict, guest=newcomer, start=days(5), end=days(6))
    assert error_codes(exc.value) == ["booking.trust_level_too_low"]
    assert Booking.objects.count() == 0


def test_an_unverified_person_stays_at_l1_and_cannot_book(owner, make_user, world):
    """ID-2: the contribution of a person without a verified identity waits, so they do not
    reach L2 and cannot book (any resource, not only those asking for real names)."""
    stranger = make_user("stranger", verified=False)
    mint(stranger, 200)
    with pytest.raises(PermissionDenied) as exc:
        services.booking_create(resource=room(owner), guest=stranger, start=days(5), end=days(6))
    assert error_codes(exc.value) == ["booking.trust_level_new"]
    assert Booking.objects.count() == 0


def test_insufficient_cv(owner, make_user, world):
    poor = make_user("poor")
    mint(poor, 200)
    with pytest.raises(ValidationError) as exc:
        services.booking_create(resource=room(owner), guest=poor, start=days(5), end=days(9))
    assert error_codes(exc.value) == ["ledger.insufficient"]
    assert Booking.objects.count() == 0
    assert ledger_selectors.available_balance_of(poor) == 200


def test_quota_per_level(owner, make_user, world):
    person = make_user("l2person")
    mint(person, 800)  # L2: one booking at a time
    services.booking_create(resource=room(owner), guest=person, start=days(5), end=days(6))
    with pytest.raises(ValidationError) as exc:
        services.booking_create(resource=room(owner), guest=person, start=days(8), end=days(9))
    assert error_codes(exc.value) == ["booking.quota_reached"]


def test_no_shows_restrict_booking(owner, guest):
    resource = room(owner, booking_mode="instant", max_slots=30)
    for i in range(4):
        b = services.booking_create(resource=resource, guest=guest, start=days(3 + 2 * i), end=days(4 + 2 * i))
        services.booking_report_no_show(booking=b, actor=owner, now=b.starts_at + timedelta(hours=2))
    with pytest.raises(PermissionDenied) as exc:
        services.booking_create(resource=resource, guest=guest, start=days(20), end=days(21))
    assert error_codes(exc.value) == ["booking.no_show_restricted"]


def test_photo_that_is_not_an_image(owner, world):
    resource = room(owner)
    upload = SimpleUploadedFile("evil.jpg", b"<?php echo 'hi'; ?>", content_type="image/jpeg")
    with pytest.raises(ValidationError) as exc:
        services.photo_add(resource=resource, actor=owner, upload=upload)
    assert error_codes(exc.value) == ["photo.unreadable"]
    assert Photo.objects.count() == 0


def test_resource_bad_fields(owner, world):
    with pytest.raises(ValidationError) as exc:
        room(owner, payment="money")
    assert error_codes(exc.value) == ["resource.price_invalid"]
    with pytest.raises(ValidationError) as exc:
        room(owner, payment="money", price_amount=10, price_currency="XYZ")
    assert error_codes(exc.value) == ["resource.currency_unknown"]
    with pytest.raises(ValidationError):
        room(owner, latitude=123, longitude=10)
    with pytest.raises(ValidationError) as exc:
        room(owner, is_public=True)
    assert error_codes(exc.value) == ["resource.public_not_allowed"]
    assert Resource.objects.count() == 0


def test_photo_is_resized_and_exif_stripped(owner, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    image = Image.new("RGB", (3000, 2000), (200, 50, 50))
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x8825] = {1: "N"}  # GPS IFD
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    upload = SimpleUploadedFile("room.jpg", buffer.getvalue(), content_type="image/jpeg")
    photo = services.photo_add(resource=room(owner), actor=owner, upload=upload, alt_text="Bright room")
    assert (photo.width, photo.height) == (1600, 1067)
    with Image.open(photo.image.path) as stored:
        assert not stored.getexif()
    with Image.open(photo.thumbnail.path) as thumb:
        assert max(thumb.size) == 400
    assert str(photo.image.path).startswith(str(tmp_path))
