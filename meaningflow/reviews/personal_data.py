"""Reviews' part of a person's data (PR-1): what the export holds and what account deletion
does (registered in ``ReviewsConfig.ready``; ``accounts.personal_data``)."""

from django.utils.translation import gettext_lazy

from meaningflow.accounts.personal_data import Provider, Section, choice_label
from meaningflow.reviews.models import Review

COLUMNS = (
    ("about", gettext_lazy("About")),
    ("person", gettext_lazy("Person")),
    ("rating", gettext_lazy("Rating")),
    ("outcome", gettext_lazy("Outcome")),
    ("comment", gettext_lazy("Comment")),
    ("at", gettext_lazy("Written")),
)


def _row(review: Review, person) -> dict:
    return {
        "about": review.window.title,
        "person": str(person),
        "rating": review.rating,
        "outcome": choice_label(Review.Outcome, review.outcome) if review.outcome else "",
        "comment": review.comment,
        "at": review.created_at,
    }


def _sections(*, user, reveal_identity: bool) -> list[Section]:
    return [
        Section(
            "reviews_written",
            gettext_lazy("Reviews you wrote"),
            COLUMNS,
            Review.objects.filter(author=user).select_related("window", "subject_user").order_by("created_at", "pk"),
            lambda r: _row(r, r.subject_user),
        ),
        Section(
            "reviews_received",
            gettext_lazy("Reviews of you (once revealed)"),
            COLUMNS,
            Review.objects.filter(subject_user=user, window__revealed_at__isnull=False)
            .select_related("window", "author")
            .order_by("created_at", "pk"),
            lambda r: _row(r, r.author),
        ),
    ]


def _erase(*, user) -> dict:
    """A rating stays (it is part of the other person's record and of CV-E1/E2 already
    computed); the comment the person wrote goes."""
    return {"review_comments": Review.objects.filter(author=user).exclude(comment="").update(comment="")}


PROVIDER = Provider(name="reviews", sections=_sections, erase=_erase)
