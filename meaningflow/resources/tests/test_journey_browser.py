"""The Shared World journey in Chromium: an owner lists a room, a traveller with CV finds
it for their dates, books, the owner accepts, the stay runs and completes (jobs with an
injected ``now``), both review, and each /cv/ page shows its side of the stay."""

from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import DEMO_PASSWORD
from meaningflow.places.models import Division
from meaningflow.resources import services
from meaningflow.resources.models import Booking, Resource
from meaningflow.resources.reference import reference_ensure
from meaningflow.resources.tests.factories import mint
from meaningflow.reviews import selectors as reviews_selectors
from meaningflow.reviews import services as reviews

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page, username):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_list_find_book_stay_review_credit(page, chromium, live_server, make_user, reference_data):
    reference_ensure()
    owner, traveller = make_user("host_hu"), make_user("traveller_tan")
    mint(traveller, 1000)

    # The owner lists a room.
    login(page, "host_hu")
    page.goto("/resources/new/")
    page.get_by_label("Type").select_option("room")
    page.get_by_label("English title").fill("Quiet room near Yuelu Mountain")
    page.get_by_label("Chinese title").fill("岳麓山下安静客房")
    page.get_by_label("Region in China").select_option(str(Division.objects.get(code="430100").pk))
    page.get_by_label("Wi-Fi").check()
    page.get_by_role("button", name="Save").click()
    page.get_by_role("heading", name="Quiet room near Yuelu Mountain").wait_for()
    resource = Resource.objects.get(title_en="Quiet room near Yuelu Mountain")

    # The traveller finds it for their dates (list; the map gets the same markers).
    start, end = timezone.localdate() + timedelta(days=7), timezone.localdate() + timedelta(days=9)
    context = chromium.new_context(locale="en-GB", base_url=live_server.url)
    guest_page = context.new_page()
    login(guest_page, "traveller_tan")
    guest_page.goto(f"/resources/?region=430100&date_from={start}&date_to={end}&type=room")
    guest_page.get_by_role("heading", name="1 result").wait_for()
    guest_page.locator("#resource-map[data-markers='1']").wait_for()  # one marker, no tiles
    guest_page.get_by_role("link", name="Quiet room near Yuelu Mountain").click()
    guest_page.get_by_label("From").fill(start.isoformat())
    guest_page.get_by_label("Until").fill(end.isoformat())
    guest_page.get_by_label("Message to the owner").fill("Arriving by train in the afternoon.")
    guest_page.get_by_role("button", name="Send a booking request").click()
    guest_page.get_by_text("Requested").first.wait_for()
    booking = Booking.objects.get(resource=resource)

    # The owner accepts.
    page.goto(f"/resources/bookings/{booking.pk}/")
    page.get_by_role("button", name="Accept").click()
    page.locator("#booking-status", has_text="Accepted").wait_for()

    # Time passes: the jobs start and complete the stay.
    services.stays_start(now=booking.starts_at + timedelta(hours=1))
    services.bookings_autocomplete(now=booking.ends_at + timedelta(hours=25))
    booking.refresh_from_db()
    assert booking.status == Booking.Status.COMPLETED

    # Both review (the reviews app's double-blind window); the host is then credited.
    window = reviews_selectors.window_for_subject(subject=booking.subject)
    reviews.review_submit(window=window, author=traveller, subject_user=owner, rating=5, comment="Lovely")
    reviews.review_submit(window=window, author=owner, subject_user=traveller, rating=5, comment="Tidy guest")
    services.contributions_credit(now=booking.ends_at + timedelta(days=2))
    booking.refresh_from_db()
    assert booking.credit_status == Booking.Credit.CREDITED and booking.credited_cv > 0

    page.goto("/cv/")
    page.get_by_text("base_value × duration × demand_index × rating_coef").first.wait_for()
    assert "rating_coef=1.0" in page.content()
    guest_page.goto("/cv/")
    guest_page.get_by_text(f"resources.booking:{booking.pk}").first.wait_for()
    assert f"{booking.cv_amount} consumed" in guest_page.content()
    context.close()
