"""Pages of the reviews app: my pending and received reviews, one window, moderation."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from meaningflow.accounts.selectors import is_moderator
from meaningflow.core.errors import add_errors_to_form, error_codes
from meaningflow.reviews import selectors, services
from meaningflow.reviews.forms import ReviewForm


def _get_window_for_user(request, window_id: int):
    return selectors.window_get_for_user(user=request.user, window_id=window_id)


@login_required
@require_GET
def review_home(request):
    user = request.user
    return render(
        request,
        "reviews/home.html",
        {
            "pending": selectors.pending_reviews_for(user=user),
            "received": selectors.reviews_received(user=user)[:50],
            "summary": selectors.rating_summary(user=user),
            "is_moderator": is_moderator(user=user),
        },
    )


def _submit(request, window, form) -> bool:
    data = form.cleaned_data
    subject = selectors.parties_of(window=window).filter(user_id=data["subject_user"]).first()
    if subject is None:
        form.add_error(
            None,
            ValidationError(_("This person did not take part in this interaction."), code="review.subject_not_party"),
        )
        return False
    try:
        services.review_submit(
            window=window,
            author=request.user,
            subject_user=subject.user,
            rating=data["rating"],
            comment=data["comment"],
            outcome=data["outcome"],
            safety_tags=data["safety_tags"],
            safety_note=data["safety_note"],
        )
    except (ValidationError, PermissionDenied) as exc:
        if isinstance(exc, PermissionDenied):
            exc = ValidationError(str(exc), code=error_codes(exc)[0])
        add_errors_to_form(form, exc)
        return False
    return True


@login_required
def window_detail(request, window_id: int):
    window = _get_window_for_user(request, window_id)
    posted_for = None
    bound = None
    if request.method == "POST":
        bound = ReviewForm(request.POST, prefix=f"p{request.POST.get('party', '')}")
        posted_for = request.POST.get("party")
        if bound.is_valid() and _submit(request, window, bound):
            messages.success(
                request,
                _(
                    "Thank you. Your review is saved and stays hidden until "
                    "everyone has reviewed or the review period ends."
                ),
            )
            return redirect("reviews:window_detail", window_id=window.pk)
    to_review = []
    for party in selectors.parties_to_review(window=window, user=request.user):
        if bound is not None and posted_for == str(party.user_id):
            form = bound
        else:
            form = ReviewForm(prefix=f"p{party.user_id}", initial={"subject_user": party.user_id})
        to_review.append((party, form))
    return render(
        request,
        "reviews/window_detail.html",
        {
            "window": window,
            "parties": selectors.parties_of(window=window),
            "to_review": to_review,
            "is_open": selectors.window_is_open(window=window),
            "reviews": selectors.reviews_visible_to(user=request.user, window=window),
            "is_moderator": is_moderator(user=request.user),
            "stale_form": bound if bound is not None and not to_review else None,
        },
    )


@login_required
@require_GET
def moderation(request):
    tags = selectors.safety_tags_for_moderators(user=request.user)[:200]
    return render(request, "reviews/moderation.html", {"tags": tags})
