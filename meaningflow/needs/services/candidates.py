"""The people suggested for a need (DG-3, issue 12 item 7): who may see them is decided in
``selectors.candidates_refusal``; opening one of them is recorded here."""

from django.contrib.auth.models import AbstractBaseUser

from meaningflow.accounts import selectors as accounts_selectors
from meaningflow.core.services import audit_log
from meaningflow.needs.models import Need


def candidate_view_log(*, viewer: AbstractBaseUser, need: Need, candidate: AbstractBaseUser) -> None:
    """Record that ``viewer`` opened ``candidate``'s profile as a person suggested for
    ``need``: audited with the need, and shown to the candidate on their privacy page with
    the organisation and the need as they were named then."""
    audit_log(
        actor=viewer,
        action=accounts_selectors.CANDIDATE_VIEWED,
        subject=f"accounts.user:{candidate.pk}",
        region_code=need.region_code,
        data={"need": need.pk, "need_title": need.display_title, "organisation": str(need.organisation)},
    )
