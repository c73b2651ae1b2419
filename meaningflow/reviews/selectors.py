"""Reads of the reviews app. Double-blind: before a window is revealed each party sees
only the reviews they wrote; safety tags are only ever shown to moderators."""

from collections.abc import Mapping
from datetime import datetime
from typing import TypedDict

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Avg, Count, Exists, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from meaningflow.accounts.selectors import is_moderator
from meaningflow.core.errors import Forbidden
from meaningflow.reviews.models import Party, Review, ReviewWindow, SafetyTag
from meaningflow.reviews.rules import rating_level


def window_for_subject(*, subject: str) -> ReviewWindow | None:
    return ReviewWindow.objects.filter(subject=subject).first()


def is_party(*, window: ReviewWindow, user: AbstractBaseUser | AnonymousUser) -> bool:
    return user.is_authenticated and Party.objects.filter(window=window, user_id=user.pk).exists()


def window_get_for_user(*, user: AbstractBaseUser | AnonymousUser, window_id: int) -> ReviewWindow:
    """The window, or Http404 unless ``user`` is one of its parties or a moderator."""
    if not user.is_authenticated:
        raise Http404
    window = ReviewWindow.objects.filter(pk=window_id).first()
    if window is None or not (is_party(window=window, user=user) or is_moderator(user=user)):
        raise Http404
    return window


def window_is_open(*, window: ReviewWindow, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return window.revealed_at is None and window.opens_at <= now < window.closes_at


def parties_of(*, window: ReviewWindow) -> QuerySet[Party]:
    return Party.objects.filter(window=window).select_related("user").order_by("id")


def parties_to_review(*, window: ReviewWindow, user: AbstractBaseUser) -> list[Party]:
    """The other parties ``user`` has not reviewed yet (empty when the window is not open)."""
    if not window_is_open(window=window) or not is_party(window=window, user=user):
        return []
    done = Review.objects.filter(window=window, author_id=user.pk).values("subject_user_id")
    return list(parties_of(window=window).exclude(user_id=user.pk).exclude(user_id__in=done))


def reviews_visible_to(*, user: AbstractBaseUser | AnonymousUser, window: ReviewWindow) -> QuerySet[Review]:
    """Reviews of ``window`` that ``user`` may read.

    Parties: before the reveal only the reviews they wrote, after it every review. A
    moderator who is not a party sees every review (a moderator who is a party is held to
    the party rules). Each review carries ``visible_safety_tags``: the tags for
    moderators, an empty list for everyone else. Pass a freshly loaded ``window``.
    """
    moderator = is_moderator(user=user)
    party = is_party(window=window, user=user)
    reviews = Review.objects.filter(window=window).select_related("author", "subject_user").order_by("id")
    if party and window.revealed_at is None:
        reviews = reviews.filter(author_id=user.pk)
    elif not (party or moderator):
        reviews = reviews.none()
    tags = SafetyTag.objects.all() if moderator else SafetyTag.objects.none()
    return reviews.prefetch_related(Prefetch("safety_tags", queryset=tags, to_attr="visible_safety_tags"))


def _revealed_received(user: AbstractBaseUser) -> QuerySet[Review]:
    return Review.objects.filter(subject_user_id=user.pk, window__revealed_at__isnull=False)


def reviews_received(*, user: AbstractBaseUser) -> QuerySet[Review]:
    """Revealed reviews about ``user`` (without safety tags)."""
    return _revealed_received(user).select_related("author", "window").order_by("-window__revealed_at", "-id")


class RatingSummary(TypedDict):
    count: int
    average: float | None


def rating_summary(*, user: AbstractBaseUser) -> RatingSummary:
    """{"count": n, "average": float | None} over revealed reviews of ``user``."""
    summary = _revealed_received(user).aggregate(count=Count("id"), average=Avg("rating"))
    average = summary["average"]
    return {
        "count": summary["count"],
        "average": round(float(average), 2) if average is not None else None,
    }


def rating_for_subject(*, subject: str, subject_user: AbstractBaseUser) -> float | None:
    """Average revealed rating of ``subject_user`` in the interaction ``subject``, or None.

    Contributions read ``rating_level_for_subject`` instead, which also knows when the
    rating is final.
    """
    average = _revealed_received(subject_user).filter(window__subject=subject).aggregate(a=Avg("rating"))["a"]
    return float(average) if average is not None else None


def rating_level_for_subject(
    *,
    subject: str,
    subject_user: AbstractBaseUser,
    levels: Mapping[str, float],
    now: datetime | None = None,
    wait_until: datetime | None = None,
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
    average = Review.objects.filter(window=window, subject_user_id=subject_user.pk).aggregate(a=Avg("rating"))["a"]
    return rating_level(float(average) if average is not None else None, levels=levels)


def pending_reviews_for(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[ReviewWindow]:
    """Open windows where ``user`` still has someone to review, closing soonest first.

    Each window carries ``to_review``: how many other parties ``user`` has not reviewed.
    """
    if not user.is_authenticated:
        return ReviewWindow.objects.none()
    now = timezone.now()
    others = Party.objects.filter(window=OuterRef("pk")).exclude(user_id=user.pk).values("window")
    written = Review.objects.filter(window=OuterRef("pk"), author_id=user.pk).values("window")
    count_others = Subquery(others.annotate(n=Count("id")).values("n")[:1])
    count_written = Subquery(written.annotate(n=Count("id")).values("n")[:1])
    return (
        ReviewWindow.objects.filter(
            Exists(Party.objects.filter(window=OuterRef("pk"), user_id=user.pk)),
            revealed_at__isnull=True,
            opens_at__lte=now,
            closes_at__gt=now,
        )
        .annotate(to_review=Coalesce(count_others, 0) - Coalesce(count_written, 0))
        .filter(to_review__gt=0)
        .order_by("closes_at", "id")
    )


def safety_tags_for_moderators(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[SafetyTag]:
    """Every safety tag, newest first; PermissionDenied unless ``user`` is a moderator."""
    if not is_moderator(user=user):
        raise Forbidden(_("Only moderators can see safety tags."), code="review.safety_tags_not_moderator")
    return SafetyTag.objects.select_related("review__author", "review__subject_user", "review__window").order_by(
        "-created_at", "-id"
    )


def windows_of(*, user: AbstractBaseUser) -> QuerySet[ReviewWindow]:
    return ReviewWindow.objects.filter(parties__user_id=user.pk).order_by("-opens_at", "-id")


def window_ids_for_subjects(*, subjects: list[str]) -> dict[str, int]:
    """The review window of each of ``subjects`` that has one, by subject, in one query."""
    return dict(ReviewWindow.objects.filter(subject__in=subjects).values_list("subject", "pk"))
