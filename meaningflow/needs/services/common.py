"""What the modules of the package share: the application statuses that hold or ask for a
place, who manages a need, and how its people hear of a change."""

from collections.abc import Callable, Iterable
from typing import Any, TypeAlias

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from meaningflow.accounts import selectors as accounts_selectors
from meaningflow.core.errors import Forbidden
from meaningflow.core.services import notification_send
from meaningflow.needs.models import Application, Need

User = get_user_model()
# Another app's models are out of reach here, even for annotations (import-linter counts
# imports under TYPE_CHECKING too), so a person (settings.AUTH_USER_MODEL) or an accounts
# organisation or skill is annotated with these names; to mypy they are Any until the
# contract lets annotation-only imports through.
Person: TypeAlias = Any
AccountsModel: TypeAlias = Any
S = Application.Status
# Statuses in which an application holds one of the need's places.
HOLDS_PLACE = frozenset({S.ACCEPTED, S.IN_PROGRESS, S.COMPLETED, S.PARTLY_COMPLETED, S.NOT_COMPLETED, S.REVIEWED})
OPEN_APPLICATION = frozenset({S.APPLIED, S.SHORTLISTED})


def can_manage_need(*, user: AbstractBaseUser | AnonymousUser | None, need: Need) -> bool:
    """Only active members (owner, admin or member) of the posting organisation."""
    return (
        isinstance(user, User)
        and user.is_authenticated
        and accounts_selectors.user_is_active_member(user=user, organisation=need.organisation)
    )


def _require_manager(*, actor: Person | None, need: Need) -> None:
    if not can_manage_need(user=actor, need=need):
        raise Forbidden(_("Only members of the posting organisation can manage this need."), code="need.not_manager")


def _need_team(need: Need) -> list[Person]:
    """Who speaks for the need: its author (while a member) and the organisation's managers."""
    team: dict[int, Person] = {
        u.pk: u for u in accounts_selectors.organisation_managers(organisation=need.organisation)
    }
    author = need.created_by
    if author is not None and author.pk not in team and can_manage_need(user=author, need=need):
        team[author.pk] = author
    return list(team.values())


def _notify(
    *, users: Iterable[Person], kind: str, title: Callable[[], object], body: Callable[[], object], url: str
) -> None:
    """Each user hears of it in their own language (``title`` and ``body`` are called under it)."""
    for user in users:
        with translation.override(getattr(user, "preferred_language", "") or translation.get_language()):
            notification_send(recipient=user, kind=kind, title=str(title()), body=str(body()), url=url, email=True)


def application_url(application: Application) -> str:
    return reverse("needs:application_detail", args=[application.pk])
