"""After completion (DG-6): the double-blind review window of a completed application, the
reviews written through it, and settling an application once the learner's rating is
final (a skill or training need is credited then, CV-E2)."""

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from meaningflow.core import transactions
from meaningflow.core.errors import Forbidden
from meaningflow.ledger import selectors as ledger_selectors
from meaningflow.needs.models import Application, Need
from meaningflow.needs.services.common import Person, S, _need_team, can_manage_need
from meaningflow.needs.services.contributions import SKILL_TYPES, _contribution_record
from meaningflow.needs.services.transitions import _apply_application_transition, _lock
from meaningflow.reviews import selectors as review_selectors
from meaningflow.reviews import services as review_services
from meaningflow.reviews.rules import REVIEW_WINDOW_DAYS

DONE = frozenset({S.COMPLETED, S.PARTLY_COMPLETED, S.NOT_COMPLETED})


def _review_window_open(*, application: Application, need: Need) -> None:
    poster = need.created_by if need.created_by_id and can_manage_need(user=need.created_by, need=need) else None
    poster = poster or next(iter(_need_team(need)), None)
    if poster is None:
        return
    review_services.review_window_open(
        subject=application.subject,
        parties=[(poster, "poster"), (application.applicant, "applicant")],
        title=need.display_title,
    )


def _learner_rating(*, application: Application, now: datetime) -> str | None:
    """The learner's rating of the applicant once final: the poster's review through the
    reviews app's one path to a rating coefficient, with the same dated star thresholds
    as the guest's rating of a host (the ledger's dated ``rating_levels``); neutral when no
    review came; None while one may still come."""
    confirmed = application.confirmed_at or now
    return review_selectors.rating_level_for_subject(
        subject=application.subject,
        subject_user=application.applicant,
        levels=ledger_selectors.rating_levels_in_force(on=timezone.localdate(confirmed)),
        now=now,
        # Without a window (no poster left to review) the rating is neutral after as long.
        wait_until=confirmed + timedelta(days=REVIEW_WINDOW_DAYS),
    )


@transactions.entry_point
def _application_settle(*, application: Application, now: datetime) -> bool:
    """Once the learner's rating is final, record a skill contribution (CV-E2) with it and
    mark the application reviewed. False while a review may still come."""
    with transactions.atomic():
        need, application = _lock(application)
        if application.status not in DONE:
            return False
        rating = _learner_rating(application=application, now=now)
        if rating is None:
            return False
        if need.type in SKILL_TYPES:
            _contribution_record(application=application, need=need, learner_rating=rating)
        _apply_application_transition(application=application, need=need, action="mark_reviewed", actor=None)
    return True


def applications_mark_reviewed(
    *, applications: Iterable[Application] | None = None, now: datetime | None = None
) -> int:
    """Job (part of ``needs_auto_confirm``, also called after a review is written):
    completed applications whose learner's rating is final — the review window revealed
    or closed, or no window and its length passed — become ``reviewed``; skill and
    training needs are credited then (CV-E2 with that rating)."""
    done = applications if applications is not None else Application.objects.filter(status__in=DONE).order_by("pk")
    now = now or timezone.now()
    count = 0
    for application in done:
        if _learner_rating(application=application, now=now) is None:
            continue  # not final yet: no lock taken
        try:
            count += _application_settle(application=application, now=now)
        except ValidationError:
            continue
    return count


def review_write(*, application: Application, author: Person, rating: int, comment: str = "") -> None:
    """Write the author's review of the other party of a completed application (through
    the reviews app), then mark the application reviewed if the window is now revealed."""
    window = review_selectors.window_for_subject(subject=application.subject)
    if window is None:
        raise ValidationError(_("Reviews open when the work is completed."), code="review.not_open")
    others = [p.user for p in review_selectors.parties_of(window=window) if p.user_id != author.pk]
    if not others:
        raise Forbidden(_("Only the people who took part can write a review."), code="review.not_a_party")
    review_services.review_submit(window=window, author=author, subject_user=others[0], rating=rating, comment=comment)
    applications_mark_reviewed(applications=[application])
