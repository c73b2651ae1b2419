"""What the modules of the package share: the application statuses that hold or ask for a
place, who manages a need, and how its people hear of a change."""

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from meaningflow.accounts import selectors as accounts_selectors
from meaningflow.accounts.models import User
from meaningflow.core.services import notification_send
from meaningflow.needs.models import Application, Need

S = Application.Status
# Statuses in which an application holds one of the need's places.
HOLDS_PLACE = frozenset({S.ACCEPTED, S.IN_PROGRESS, S.COMPLETED, S.PARTLY_COMPLETED, S.NOT_COMPLETED, S.REVIEWED})
OPEN_APPLICATION = frozenset({S.APPLIED, S.SHORTLISTED})


def can_manage_need(*, user, need: Need) -> bool:
    """Only active members (owner, admin or member) of the posting organisation."""
    return bool(getattr(user, "is_authenticated", False)) and accounts_selectors.user_is_active_member(
        user=user, organisation=need.organisation
    )


def _require_manager(*, actor, need: Need) -> None:
    if not can_manage_need(user=actor, need=need):
        raise PermissionDenied(_("Only members of the posting organisation can manage this need."))


def _need_team(need: Need) -> list[User]:
    """Who speaks for the need: its author (while a member) and the organisation's managers."""
    team = {u.pk: u for u in accounts_selectors.organisation_managers(organisation=need.organisation)}
    if need.created_by_id and need.created_by_id not in team and can_manage_need(user=need.created_by, need=need):
        team[need.created_by_id] = need.created_by
    return list(team.values())


def _notify(*, users, kind: str, title, body, url: str) -> None:
    for user in users:
        with translation.override(user.preferred_language or translation.get_language()):
            notification_send(recipient=user, kind=kind, title=str(title()), body=str(body()), url=url, email=True)


def application_url(application: Application) -> str:
    return reverse("needs:application_detail", args=[application.pk])
