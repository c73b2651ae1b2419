"""Reads of the reviews app. Double-blind: before a window is revealed each party sees
only the reviews they wrote; safety tags are only ever shown to moderators."""

from django.core.exceptions import PermissionDenied
from django.db.models import Avg, Count, Exists, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from meaningflow.accounts.models import User
from meaningflow.accounts.selectors import is_moderator
from meaningflow.reviews.models import Party, Review, ReviewWindow, SafetyTag
from meaningflow.reviews.rules import rating_level


def window_for_subject(*, subject: str) -> ReviewWindow | None:
    return ReviewWindow.objects.filter(subject=subject).first()


def is_party(*, window: ReviewWindow, user: User) -> bool:
    return user.is_authenticated and Party.objects.filter(window=window, user=user).exists()


def window_get_for_user(*, user: User, window_id: int) -> ReviewWindow:
    """The window, or Http404 unless ``user`` is one of its parties or a moderator."""
    if not user.is_authenticated:
        raise Http404
    window = ReviewWindow.objects.filter(pk=window_id).first()
    if window is None or not (is_party(window=window, user=user) or is_moderator(user=user)):
        raise Http404
    return window


def window_is_open(*, window: ReviewWindow, now=None) -> bool:
    now = now or timezone.now()
    return window.revealed_at is None and window.opens_at <= now < window.closes_at


def parties_of(*, window: ReviewWindow) -> QuerySet[Party]:
    return Party.objects.filter(window=window).select_related("user").order_by("id")


def parties_to_review(*, window: ReviewWindow, user: User) -> list[Party]:
    """The other parties ``user`` has not reviewed yet (empty when the window is not open)."""
    if not window_is_open(window=window) or not is_party(window=window, user=user):
        return []
    done = Review.objects.filter(window=window, author=user).values("subject_user_id")
    return list(parties_of(window=window).exclude(user=user).exclude(user_id__in=done))


def reviews_visible_to(*, user: User, window: ReviewWindow) -> QuerySet[Review]:
    """Reviews of ``window`` that ``user`` may read.

    Parties: before the reveal only the reviews they wrote, after it every review. A
    moderator who is not a party sees every review (a moderator who is a party is held to
    the party rules). Each review carries ``visible_safety_tags``: the tags for
    moderators, an empty list for everyone else. Pass a freshly loaded ``window``.
    """
    moderator = is_moderator(user=user)
    party = is_party(window=window, user=user)
    reviews = (
        Review.objects.filter(window=window).select_related("author", "subject_user").order_by("id")
    )
    if party and window.revealed_at is None:
        reviews = reviews.filter(author=user)
    elif not (party or moderator):
        reviews = reviews.none()
    tags = SafetyTag.objects.all() if moderator else SafetyTag.objects.none()
    return reviews.prefetch_related(
        Prefetch("safety_tags", queryset=tags, to_attr="visible_safety_tags")
    )


def _revealed_received(user: User) -> QuerySet[Review]:
    return Review.objects.filter(subject_user=user, window__revealed_at__isnull=False)


def reviews_received(*, user: User) -> QuerySet[Review]:
    """Revealed reviews about ``user`` (without safety tags)."""
    return (
        _revealed_received(user)
        .select_related("author", "window")
        .order_by("-window__revealed_at", "-id")
    )


def rating_summary(*, user: User) -> dict:
    """{"count": n, "average": float | None} over revealed reviews of ``user``."""
    summary = _revealed_received(user).aggregate(count=Count("id"), average=Avg("rating"))
    average = summary["average"]
    return {
        "count": summary["count"],
        "average": round(float(average), 2) if average is not None else None,
    }


def rating_for_subject(*, subject: str, subject_user: User) -> float | None:
    """Average revealed rating of ``subject_user`` in the interaction ``subject``, or None.

    Contributions read ``rating_level_for_subject`` instead, which also knows when the
    rating is final.
    """
    average = (
        _revealed_received(subject_user)
        .filter(window__subject=subject)
        .aggregate(a=Avg("rating"))["a"]
    )
    return float(average) if average is not None else None


def rating_level_for_subject(
    *, subject: str, subject_user: User, levels: dict, now=None, wait_until=None
) -> str | None:
    """The rating level (good / neutral / bad) the other parties gave ``subject_user`` in
    the interaction ``subject``, once it is final; None while a review may still come.

    Final means the window is revealed, or closed and ``wait_until`` (the caller's own
    deadline, if any) passed: reviews can no longer be written, so their average decides
    (``rules.rating_level`` with the caller's dated ``levels``), and no review at all is
    **neutral**. Without a window (the interaction opened none), the rating is neutral
    once ``wait_until`` has passed, and unknown before. This is the one path from reviews
    to a contribution's rating coefficient: CV-E1 (the guest's rating of the host) and
    CV-E2 (the learner's rating of the teacher) both read it.
    """
    now = now or timezone.now()
    window = window_for_subject(subject=subject)
    if window is None:
        return "neutral" if wait_until is not None and now >= wait_until else None
    if window.revealed_at is None and now < max(window.closes_at, wait_until or window.closes_at):
        return None
    # The window is final: a closed window's reviews count even before the reveal job ran.
    average = Review.objects.filter(window=window, subject_user=subject_user).aggregate(
        a=Avg("rating")
    )["a"]
    return rating_level(float(average) if average is not None else None, levels=levels)


def pending_reviews_for(*, user: User) -> QuerySet[ReviewWindow]:
    """Open windows where ``user`` still has someone to review, closing soonest first.

    Each window carries ``to_review``: how many other parties ``user`` has not reviewed.
    """
    if not user.is_authenticated:
        return ReviewWindow.objects.none()
    now = timezone.now()
    others = Party.objects.filter(window=OuterRef("pk")).exclude(user=user).values("window")
    written = Review.objects.filter(window=OuterRef("pk"), author=user).values("window")
    count_others = Subquery(others.annotate(n=Count("id")).values("n")[:1])
    count_written = Subquery(written.annotate(n=Count("id")).values("n")[:1])
    return (
        ReviewWindow.objects.filter(
            Exists(Party.objects.filter(window=OuterRef("pk"), user=user)),
            revealed_at__isnull=True,
            opens_at__lte=now,
            closes_at__gt=now,
        )
        .annotate(to_review=Coalesce(count_others, 0) - Coalesce(count_written, 0))
        .filter(to_review__gt=0)
        .order_by("closes_at", "id")
    )


def safety_tags_for_moderators(*, user: User) -> QuerySet[SafetyTag]:
    """Every safety tag, newest first; PermissionDenied unless ``user`` is a moderator."""
    if not is_moderator(user=user):
        raise PermissionDenied
    return SafetyTag.objects.select_related(
        "review__author", "review__subject_user", "review__window"
    ).order_by("-created_at", "-id")


def windows_of(*, user: User) -> QuerySet[ReviewWindow]:
    return ReviewWindow.objects.filter(parties__user=user).order_by("-opens_at", "-id")


def window_ids_for_subjects(*, subjects: list[str]) -> dict[str, int]:
    """The review window of each of ``subjects`` that has one, by subject, in one query."""
    return dict(ReviewWindow.objects.filter(subject__in=subjects).values_list("subject", "pk"))
