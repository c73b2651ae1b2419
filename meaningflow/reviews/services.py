"""Writes of the reviews app (SPEC DG-6, SW-6, SK-3, BX-15).

There is deliberately no service to edit or delete a review: once submitted it stands.
Locks: a submission locks its window row only (``core.transactions``: after the booking or
application that completed, before the ledger).
"""

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from meaningflow.core import transactions
from meaningflow.core.errors import Forbidden
from meaningflow.core.services import audit_log, notification_send
from meaningflow.reviews.models import Party, Review, ReviewWindow, SafetyTag
from meaningflow.reviews.rules import COMMENT_MAX_LENGTH, RATING_MAX, RATING_MIN, REVIEW_WINDOW_DAYS


@transactions.entry_point
def review_window_open(
    *,
    subject: str,
    parties: Sequence[tuple[AbstractBaseUser, str]],
    opens_at: datetime | None = None,
    title: str = "",
) -> ReviewWindow:
    """Open the review window of a completed interaction ``subject`` (e.g. ``resources.booking:7``).

    The owning app calls this only when the interaction completes, which is how "only
    completed interactions can be reviewed" is enforced. ``parties`` are (user, role label)
    pairs. Idempotent per subject: a second call returns the existing window and adds any
    missing parties. Joins the caller's transaction.
    """
    if not subject:
        raise ValidationError(
            {"subject": ValidationError(_("A review window needs a subject."), code="review_window.subject_missing")}
        )
    opens_at = opens_at or timezone.now()
    with transactions.atomic():
        window, created = ReviewWindow.objects.get_or_create(
            subject=subject,
            defaults={
                "title": title[:200],
                "opens_at": opens_at,
                "closes_at": opens_at + timedelta(days=REVIEW_WINDOW_DAYS),
            },
        )
        Party.objects.bulk_create(
            [Party(window=window, user_id=user.pk, role=role[:40]) for user, role in parties],
            ignore_conflicts=True,
        )
        if created:
            audit_log(
                action="reviews.window.opened",
                subject=f"reviews.reviewwindow:{window.pk}",
                data={"subject": subject, "parties": [u.pk for u, _r in parties]},
            )
    return window


def _validate_review(
    *,
    window: ReviewWindow,
    author: AbstractBaseUser,
    subject_user: AbstractBaseUser,
    rating: int,
    comment: str,
    outcome: str,
    safety_tags: Iterable[str],
    now: datetime,
) -> None:
    party_ids = set(window.parties.values_list("user_id", flat=True))
    if author.pk not in party_ids:
        raise Forbidden(_("Only the people who took part can write a review."), code="review.not_party")
    if subject_user.pk not in party_ids:
        raise ValidationError(
            {
                "subject_user": ValidationError(
                    _("This person did not take part in this interaction."), code="review.subject_not_party"
                )
            }
        )
    if author.pk == subject_user.pk:
        raise ValidationError({"subject_user": ValidationError(_("You cannot review yourself."), code="review.self")})
    if not (window.opens_at <= now < window.closes_at) or window.revealed_at is not None:
        raise ValidationError(_("The review window is closed."), code="review_window.closed")
    errors: dict[str, ValidationError] = {}
    if isinstance(rating, bool) or not isinstance(rating, int) or not RATING_MIN <= rating <= RATING_MAX:
        errors["rating"] = ValidationError(
            _("Choose a rating from %(min)d to %(max)d.") % {"min": RATING_MIN, "max": RATING_MAX},
            code="review.bad_rating",
        )
    if len(comment) > COMMENT_MAX_LENGTH:
        errors["comment"] = ValidationError(
            _("A comment can be at most %(max)d characters long.") % {"max": COMMENT_MAX_LENGTH},
            code="review.comment_too_long",
        )
    if outcome and outcome not in Review.Outcome.values:
        errors["outcome"] = ValidationError(_("Unknown outcome."), code="review.unknown_outcome")
    unknown = sorted(set(safety_tags) - set(SafetyTag.Tag.values))
    if unknown:
        errors["safety_tags"] = ValidationError(
            _("Unknown safety tag: %(tag)s") % {"tag": ", ".join(unknown)}, code="review.unknown_safety_tag"
        )
    if errors:
        raise ValidationError(errors)
    if Review.objects.filter(window=window, author_id=author.pk, subject_user_id=subject_user.pk).exists():
        raise ValidationError(
            _("You have already reviewed this person; reviews cannot be changed."), code="review.already_exists"
        )


@transactions.entry_point
def review_submit(
    *,
    window: ReviewWindow,
    author: AbstractBaseUser,
    subject_user: AbstractBaseUser,
    rating: int,
    comment: str = "",
    safety_tags: Iterable[str] = (),
    safety_note: str = "",
    outcome: str = "",
) -> Review:
    """Submit ``author``'s review of ``subject_user`` in ``window``.

    Raises PermissionDenied when the author is not a party; ValidationError when the
    subject is not a party or is the author, the window is not open, the rating is outside
    1–5, a field is invalid, or the author has already reviewed this person. When every
    party has reviewed every other party the window is revealed at once.
    """
    comment = (comment or "").strip()
    safety_tags = list(dict.fromkeys(safety_tags))
    with transactions.atomic():
        # Lock the window: the "all reviewed → reveal" count must see every concurrent submit.
        window = ReviewWindow.objects.select_for_update(no_key=True).get(pk=window.pk)
        now = timezone.now()
        _validate_review(
            window=window,
            author=author,
            subject_user=subject_user,
            rating=rating,
            comment=comment,
            outcome=outcome,
            safety_tags=safety_tags,
            now=now,
        )
        try:
            with transaction.atomic():
                # The user model is settings.AUTH_USER_MODEL, another app's class that cannot
                # be named here (import-linter), so mypy knows these only as AbstractBaseUser.
                review = Review.objects.create(  # type: ignore[misc]
                    window=window,
                    author=author,
                    subject_user=subject_user,
                    rating=rating,
                    comment=comment,
                    outcome=outcome,
                )
        except IntegrityError as exc:
            raise ValidationError(
                _("You have already reviewed this person; reviews cannot be changed."), code="review.already_exists"
            ) from exc
        SafetyTag.objects.bulk_create(
            [SafetyTag(review=review, tag=tag, note=safety_note[:500]) for tag in safety_tags]
        )
        audit_log(
            actor=author,
            action="reviews.review.submitted",
            subject=f"reviews.review:{review.pk}",
            data={"window": window.pk, "subject_user": subject_user.pk, "safety_tags": safety_tags},
        )
        if safety_tags:
            audit_log(
                actor=author,
                action="reviews.safety_tag.raised",
                subject=f"reviews.review:{review.pk}",
                data={"tags": safety_tags},
            )
        parties = window.parties.count()
        if window.reviews.count() >= parties * (parties - 1):
            _reveal(window=window, now=now, reason="all_reviewed")
    return review


def _reveal(*, window: ReviewWindow, now: datetime, reason: str) -> bool:
    """Reveal ``window`` unless someone else already did; notifies the parties on commit."""
    claimed = ReviewWindow.objects.filter(pk=window.pk, revealed_at__isnull=True).update(revealed_at=now)
    if not claimed:
        return False
    window.revealed_at = now
    audit_log(
        action="reviews.window.revealed",
        subject=f"reviews.reviewwindow:{window.pk}",
        data={"reason": reason},
    )
    url = reverse("reviews:window_detail", args=[window.pk])
    for party in window.parties.select_related("user"):
        with translation.override(party.user.preferred_language or translation.get_language()):
            notification_send(
                recipient=party.user,
                kind="reviews.revealed",
                title=_("Reviews are now visible: %(title)s") % {"title": window.title or window.subject},
                body=_("The reviews of this interaction have been revealed to everyone who took part."),
                url=url,
            )
    return True


def review_windows_close_due(*, now: datetime | None = None) -> int:
    """Reveal every window whose closing time has passed; returns how many were revealed.

    Idempotent: a window is claimed with a conditional UPDATE, so a re-run (or two
    schedulers at once) reveals each window exactly once.
    """
    now = now or timezone.now()
    revealed = 0
    due = list(ReviewWindow.objects.filter(revealed_at__isnull=True, closes_at__lte=now).order_by("id"))
    for window in due:
        revealed += _reveal_closed(window=window, now=now)
    return revealed


@transactions.entry_point
def _reveal_closed(*, window: ReviewWindow, now: datetime) -> bool:
    with transactions.atomic():
        return _reveal(window=window, now=now, reason="closed")
