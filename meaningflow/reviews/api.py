"""JSON API of the reviews app, over the same services and selectors as the pages."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Status

from meaningflow.core.idempotency import idempotent
from meaningflow.core.routers import ApiRouter
from meaningflow.core.validators import Id
from meaningflow.reviews import selectors, services
from meaningflow.reviews.schemas import (
    ReviewIn,
    ReviewOut,
    SummaryOut,
    WindowDetailOut,
    WindowOut,
)

User = get_user_model()

router = ApiRouter(tags=["reviews"])


@router.get("/pending", response=list[WindowOut])
def pending(request):
    """Open review windows where I still have someone to review."""
    return selectors.pending_reviews_for(user=request.user)


def _window_detail(request, window) -> dict:
    return {
        "id": window.pk,
        "subject": window.subject,
        "title": window.title,
        "opens_at": window.opens_at,
        "closes_at": window.closes_at,
        "revealed_at": window.revealed_at,
        "is_open": selectors.window_is_open(window=window),
        "parties": list(selectors.parties_of(window=window)),
        "to_review": [p.user for p in selectors.parties_to_review(window=window, user=request.user)],
        "reviews": list(selectors.reviews_visible_to(user=request.user, window=window)),
    }


@router.get("/windows/{window_id}", response=WindowDetailOut)
def window_detail(request, window_id: Id):
    """A window with the reviews I may see: my own before the reveal, all after it."""
    window = selectors.window_get_for_user(user=request.user, window_id=window_id)
    return _window_detail(request, window)


@router.post("/windows/{window_id}", response={201: ReviewOut})
@idempotent
def review_submit(request, window_id: Id, payload: ReviewIn):
    window = selectors.window_get_for_user(user=request.user, window_id=window_id)
    party = selectors.parties_of(window=window).filter(user_id=payload.subject_user_id).first()
    if party is None:
        raise ValidationError(
            {
                "subject_user": ValidationError(
                    _("This person did not take part in this interaction."), code="review.subject_not_party"
                )
            }
        )
    review = services.review_submit(
        window=window,
        author=request.user,
        subject_user=party.user,
        rating=payload.rating,
        comment=payload.comment,
        outcome=payload.outcome,
        safety_tags=payload.safety_tags,
        safety_note=payload.safety_note,
    )
    visible = selectors.reviews_visible_to(user=request.user, window=window).get(pk=review.pk)
    return Status(201, visible)


@router.get("/users/{user_id}/summary", response=SummaryOut)
def user_summary(request, user_id: Id):
    """Count and average of a person's revealed reviews."""
    user = get_object_or_404(User, pk=user_id, is_active=True)
    return {"user_id": user.pk, **selectors.rating_summary(user=user)}
