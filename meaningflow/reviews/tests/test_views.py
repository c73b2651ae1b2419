"""Pages and API of reviews: forms, double-blind display, moderation, summaries."""

import pytest

from meaningflow.accounts.models import StaffRole
from meaningflow.accounts.services import staff_role_grant
from meaningflow.reviews import services
from meaningflow.reviews.models import Review, SafetyTag

pytestmark = pytest.mark.django_db


@pytest.fixture
def window(alice, bob):
    return services.review_window_open(
        subject="needs.application:42",
        parties=[(alice, "poster"), (bob, "applicant")],
        title="Garden",
    )


def form_data(party, rating="4", **extra):
    data = {"party": party.pk, f"p{party.pk}-subject_user": party.pk, f"p{party.pk}-rating": rating}
    data.update({f"p{party.pk}-{k}": v for k, v in extra.items()})
    return data


def test_home_lists_pending_reviews(client, window, alice):
    client.force_login(alice)
    response = client.get("/reviews/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and "Garden" in response.text and "1 person to review" in response.text


def test_window_page_has_labelled_rating_radios_and_private_tags(client, window, alice):
    client.force_login(alice)
    response = client.get(f"/reviews/{window.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    text = response.text
    assert "<legend>Rating" in text and 'type="radio"' in text and "5 — Excellent" in text
    assert "Only moderators see these" in text


@pytest.mark.postgres
def test_submitting_through_the_page_then_blind_until_the_other_side(client, window, alice, bob):
    client.force_login(alice)
    response = client.post(f"/reviews/{window.pk}/", form_data(bob, comment="Great help", safety_tags="fraud"))
    assert response.status_code == 302
    review = Review.objects.get()
    assert (review.author, review.subject_user, review.rating) == (alice, bob, 4)
    assert SafetyTag.objects.get().tag == "fraud"

    client.force_login(bob)
    page = client.get(f"/reviews/{window.pk}/").text
    assert "Great help" not in page
    client.post(f"/reviews/{window.pk}/", form_data(alice, rating="5"))
    page = client.get(f"/reviews/{window.pk}/", HTTP_ACCEPT_LANGUAGE="en").text
    assert "Great help" in page and "Fraud" not in page and "safety tags (moderators only)" not in page


@pytest.mark.postgres
def test_second_submission_through_the_page_is_refused(client, window, alice, bob):
    client.force_login(alice)
    client.post(f"/reviews/{window.pk}/", form_data(bob, rating="2"))
    response = client.post(f"/reviews/{window.pk}/", form_data(bob, rating="5"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and "already reviewed" in response.text
    assert list(Review.objects.values_list("rating", flat=True)) == [2]


@pytest.mark.postgres
def test_outsider_gets_404_and_moderation_is_forbidden(client, window, charlie):
    client.force_login(charlie)
    assert client.get(f"/reviews/{window.pk}/").status_code == 404
    assert client.post(f"/reviews/{window.pk}/", form_data(charlie)).status_code == 404
    assert client.get("/reviews/moderation/").status_code == 403
    assert client.get(f"/api/v1/reviews/windows/{window.pk}").status_code == 404
    assert not Review.objects.exists()


def test_moderation_page_lists_safety_tags(client, window, alice, bob, make_user):
    services.review_submit(
        window=window,
        author=alice,
        subject_user=bob,
        rating=1,
        safety_tags=["harassment"],
        safety_note="threats",
    )
    moderator = make_user("mod")
    staff_role_grant(granted_by=None, user=moderator, role=StaffRole.Role.MODERATOR)
    client.force_login(moderator)
    response = client.get("/reviews/moderation/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and "Harassment" in response.text and "threats" in response.text


@pytest.mark.postgres
def test_api_submit_pending_detail_summary(client, window, alice, bob):
    client.force_login(alice)
    assert [w["id"] for w in client.get("/api/v1/reviews/pending").json()] == [window.pk]
    response = client.post(
        f"/api/v1/reviews/windows/{window.pk}",
        {"subject_user_id": bob.pk, "rating": 5, "comment": "ok", "safety_tags": ["other"]},
        content_type="application/json",
    )
    assert response.status_code == 201 and response.json()["safety_tags"] == []
    assert client.get("/api/v1/reviews/pending").json() == []

    client.force_login(bob)
    detail = client.get(f"/api/v1/reviews/windows/{window.pk}").json()
    assert detail["reviews"] == [] and [p["id"] for p in detail["to_review"]] == [alice.pk]
    assert client.get(f"/api/v1/reviews/users/{bob.pk}/summary").json() == {
        "user_id": bob.pk,
        "count": 0,
        "average": None,
    }
    client.post(
        f"/api/v1/reviews/windows/{window.pk}",
        {"subject_user_id": alice.pk, "rating": 3},
        content_type="application/json",
    )
    detail = client.get(f"/api/v1/reviews/windows/{window.pk}").json()
    assert len(detail["reviews"]) == 2 and detail["revealed_at"] is not None
    assert client.get(f"/api/v1/reviews/users/{bob.pk}/summary").json()["average"] == 5.0


@pytest.mark.postgres
@pytest.mark.parametrize("rating", [0, 6])
def test_api_refuses_out_of_range_ratings(client, window, alice, bob, rating):
    client.force_login(alice)
    response = client.post(
        f"/api/v1/reviews/windows/{window.pk}",
        {"subject_user_id": bob.pk, "rating": rating},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400 and response.json()["code"] == "review.bad_rating"
    assert response.json()["errors"][0]["field"] == "rating"
    assert not Review.objects.exists()


@pytest.mark.postgres
def test_api_second_submit_is_refused(client, window, alice, bob):
    client.force_login(alice)
    url = f"/api/v1/reviews/windows/{window.pk}"
    payload = {"subject_user_id": bob.pk, "rating": 4}
    assert client.post(url, payload, content_type="application/json").status_code == 201
    again = client.post(url, {**payload, "rating": 1}, content_type="application/json")
    assert again.status_code == 400
    assert Review.objects.get().rating == 4


def test_home_shows_revealed_reviews_about_me(client, window, alice, bob):
    services.review_submit(window=window, author=alice, subject_user=bob, rating=5, comment="Kind")
    services.review_submit(window=window, author=bob, subject_user=alice, rating=4)
    client.force_login(bob)
    response = client.get("/reviews/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Average rating 5.0 out of 5 from 1 review." in response.text and "Kind" in response.text
    page = client.get(f"/reviews/{window.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200 and "Kind" in page.text
