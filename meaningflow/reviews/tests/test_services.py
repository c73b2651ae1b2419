"""Double-blind reviews: visibility, reveal, immutability, refusals (SPEC DG-6, SW-6, BX-15)."""

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from meaningflow.accounts.models import StaffRole
from meaningflow.accounts.services import staff_role_grant
from meaningflow.core.errors import error_codes
from meaningflow.core.models import AuditEvent
from meaningflow.reviews import selectors, services
from meaningflow.reviews.models import Review, ReviewWindow, SafetyTag
from meaningflow.reviews.rules import REVIEW_WINDOW_DAYS

pytestmark = pytest.mark.django_db


@pytest.fixture
def window(alice, bob):
    return services.review_window_open(
        subject="resources.booking:7", parties=[(alice, "host"), (bob, "guest")], title="Room"
    )


@pytest.fixture
def moderator(make_user):
    user = make_user("mod")
    staff_role_grant(granted_by=None, user=user, role=StaffRole.Role.MODERATOR)
    return user


def submit(window, author, subject_user, rating=4, **kwargs):
    return services.review_submit(window=window, author=author, subject_user=subject_user, rating=rating, **kwargs)


def test_window_opens_for_fourteen_days_and_is_idempotent(window, alice, bob, charlie):
    assert window.closes_at - window.opens_at == timedelta(days=REVIEW_WINDOW_DAYS)
    again = services.review_window_open(subject="resources.booking:7", parties=[(alice, "host"), (charlie, "guest")])
    assert again.pk == window.pk
    assert set(again.parties.values_list("user__username", flat=True)) == {
        "alice",
        "bob",
        "charlie",
    }
    assert selectors.window_for_subject(subject="resources.booking:7") == window


@pytest.mark.postgres
def test_double_blind_until_both_have_reviewed(window, alice, bob):
    submit(window, alice, bob, rating=5, comment="Kind guest")
    assert [r.author for r in selectors.reviews_visible_to(user=alice, window=window)] == [alice]
    assert list(selectors.reviews_visible_to(user=bob, window=window)) == []
    assert selectors.rating_summary(user=bob) == {"count": 0, "average": None}
    assert selectors.rating_for_subject(subject="resources.booking:7", subject_user=bob) is None

    submit(window, bob, alice, rating=3)
    window.refresh_from_db()
    assert window.revealed_at is not None
    for user in (alice, bob):
        assert {r.author for r in selectors.reviews_visible_to(user=user, window=window)} == {
            alice,
            bob,
        }
    assert selectors.rating_summary(user=bob) == {"count": 1, "average": 5.0}
    assert selectors.rating_for_subject(subject="resources.booking:7", subject_user=alice) == 3.0


@pytest.mark.postgres
def test_reveal_on_close_through_the_command(window, alice, bob, capsys):
    submit(window, alice, bob)
    call_command("reviews_reveal_due")
    assert list(selectors.reviews_visible_to(user=bob, window=window)) == []

    ReviewWindow.objects.filter(pk=window.pk).update(
        opens_at=timezone.now() - timedelta(days=20), closes_at=timezone.now() - timedelta(days=6)
    )
    call_command("reviews_reveal_due")
    assert "revealed=1" in capsys.readouterr().out
    window.refresh_from_db()
    assert window.revealed_at is not None
    assert [r.author for r in selectors.reviews_visible_to(user=bob, window=window)] == [alice]
    assert services.review_windows_close_due() == 0  # idempotent


@pytest.mark.postgres
def test_reviews_cannot_be_changed(window, alice, bob):
    submit(window, alice, bob, rating=2)
    with pytest.raises(ValidationError) as refused:
        submit(window, alice, bob, rating=5)
    assert error_codes(refused.value) == ["review.already_exists"]
    assert list(Review.objects.values_list("rating", flat=True)) == [2]


@pytest.mark.postgres
def test_non_party_is_refused(window, alice, charlie):
    with pytest.raises(PermissionDenied) as outsider:
        submit(window, charlie, alice)
    with pytest.raises(ValidationError) as not_party:
        submit(window, alice, charlie)
    with pytest.raises(ValidationError) as yourself:
        submit(window, alice, alice)
    assert error_codes(outsider.value) == ["review.not_party"]
    assert error_codes(not_party.value) == ["review.subject_not_party"]
    assert error_codes(yourself.value) == ["review.self"]
    assert not Review.objects.exists()


@pytest.mark.postgres
def test_closed_window_is_refused(window, alice, bob):
    ReviewWindow.objects.filter(pk=window.pk).update(
        opens_at=timezone.now() - timedelta(days=15), closes_at=timezone.now() - timedelta(days=1)
    )
    with pytest.raises(ValidationError) as refused:
        submit(window, alice, bob)
    assert error_codes(refused.value) == ["review_window.closed"]
    assert not Review.objects.exists()


@pytest.mark.postgres
@pytest.mark.parametrize("rating", [0, 6, -1, True])
def test_out_of_range_rating_is_refused_and_nothing_written(window, alice, bob, rating):
    with pytest.raises(ValidationError) as refused:
        submit(window, alice, bob, rating=rating, safety_tags=["fraud"])
    assert error_codes(refused.value) == ["review.bad_rating"]
    assert not Review.objects.exists() and not SafetyTag.objects.exists()


@pytest.mark.postgres
def test_rating_range_is_a_database_constraint(window, alice, bob):
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(window=window, author=alice, subject_user=bob, rating=6)


@pytest.mark.postgres
def test_unknown_safety_tag_and_long_comment_are_refused(window, alice, bob):
    with pytest.raises(ValidationError) as tag:
        submit(window, alice, bob, safety_tags=["bogus"])
    with pytest.raises(ValidationError) as comment:
        submit(window, alice, bob, comment="x" * 2001)
    assert error_codes(tag.value) == ["review.unknown_safety_tag"]
    assert error_codes(comment.value) == ["review.comment_too_long"]
    assert not Review.objects.exists()


@pytest.mark.postgres
def test_safety_tags_are_hidden_from_everyone_but_moderators(window, alice, bob, moderator):
    submit(window, alice, bob, safety_tags=["harassment", "unsafe_place"], safety_note="shouted")
    submit(window, bob, alice)
    for user in (alice, bob):
        assert all(r.visible_safety_tags == [] for r in selectors.reviews_visible_to(user=user, window=window))
        with pytest.raises(PermissionDenied) as refused:
            selectors.safety_tags_for_moderators(user=user)
        assert error_codes(refused.value) == ["review.safety_tags_not_moderator"]
    window.refresh_from_db()
    seen = selectors.reviews_visible_to(user=moderator, window=window)
    assert sorted(t.tag for r in seen for t in r.visible_safety_tags) == [
        "harassment",
        "unsafe_place",
    ]
    assert selectors.safety_tags_for_moderators(user=moderator).count() == 2


@pytest.mark.postgres
def test_group_activity_reveals_only_when_everyone_reviewed_everyone(alice, bob, charlie):
    window = services.review_window_open(
        subject="communities.event:3", parties=[(alice, "host"), (bob, "guest"), (charlie, "guest")]
    )
    pairs = [(a, b) for a in (alice, bob, charlie) for b in (alice, bob, charlie) if a != b]
    for author, subject_user in pairs[:-1]:
        submit(window, author, subject_user)
        window.refresh_from_db()
        assert window.revealed_at is None
    author, subject_user = pairs[-1]
    assert [w.pk for w in selectors.pending_reviews_for(user=author)] == [window.pk]
    submit(window, author, subject_user)
    window.refresh_from_db()
    assert window.revealed_at is not None
    assert len(selectors.reviews_visible_to(user=alice, window=window)) == 6


def test_pending_reviews_count_who_is_left(window, alice, bob, charlie):
    assert [(w.pk, w.to_review) for w in selectors.pending_reviews_for(user=alice)] == [(window.pk, 1)]
    assert list(selectors.pending_reviews_for(user=charlie)) == []
    submit(window, alice, bob)
    assert list(selectors.pending_reviews_for(user=alice)) == []
    assert [p.user for p in selectors.parties_to_review(window=window, user=bob)] == [alice]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rating=st.integers(min_value=-10, max_value=15))
def test_only_ratings_from_one_to_five_are_stored(alice, bob, rating):
    window = services.review_window_open(
        subject=f"resources.booking:h{rating}", parties=[(alice, "host"), (bob, "guest")]
    )
    if 1 <= rating <= 5:
        assert submit(window, alice, bob, rating=rating).rating == rating
    else:
        with pytest.raises(ValidationError):
            submit(window, alice, bob, rating=rating)
        assert not Review.objects.filter(window=window).exists()


def test_moderator_who_is_a_party_is_still_blind(window, alice, bob, moderator):
    services.review_window_open(subject="resources.booking:7", parties=[(moderator, "guest")])
    submit(window, alice, bob)
    assert list(selectors.reviews_visible_to(user=moderator, window=window)) == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_final_reviews_reveal_exactly_once(alice, bob):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are proven on PostgreSQL")
    window = services.review_window_open(subject="resources.booking:99", parties=[(alice, "host"), (bob, "guest")])
    barrier = threading.Barrier(2)
    errors: list[Exception] = []

    def write(author, subject_user):
        try:
            barrier.wait()
            submit(window, author, subject_user)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=write, args=(alice, bob)),
        threading.Thread(target=write, args=(bob, alice)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    window.refresh_from_db()
    assert window.revealed_at is not None

    assert AuditEvent.objects.filter(action="reviews.window.revealed").count() == 1
