"""Reads of the assistance app, with the region checks every view relies on (PR-3)."""

import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_stubs_ext import StrOrPromise

from meaningflow.accounts import selectors as account_selectors
from meaningflow.assistance.models import (
    CaseEvent,
    ImportBatch,
    PlanStep,
    PushItem,
    RegistryPerson,
    Warning,
)
from meaningflow.assistance.reasons import push_title, recognition_label
from meaningflow.ledger.selectors import contributions_of
from meaningflow.places.selectors import normalise_region_prefix

User = get_user_model()
# A request's user: a person (settings.AUTH_USER_MODEL) or anonymous.
AnyUser = AbstractBaseUser | AnonymousUser


def officer_prefixes(*, user: AnyUser) -> list[str]:
    """Normalised prefixes the user may see; [""] for superusers (everything)."""
    if not isinstance(user, User):
        return []
    if user.is_authenticated and user.is_superuser:
        return [""]
    return [normalise_region_prefix(p) for p in account_selectors.officer_region_prefixes(user=user)]


def is_assistance_officer(*, user: AnyUser) -> bool:
    return bool(officer_prefixes(user=user))


def _region_q(prefixes: list[str], field: str = "region_code") -> Q:
    q = Q(pk__in=[])
    for prefix in prefixes:
        q |= Q(**{f"{field}__startswith": prefix})
    return q


def persons_for_officer(
    *, user: AnyUser, recognised: str = "", category: str = "", warnings: str = "", prefix: str = ""
) -> QuerySet[RegistryPerson]:
    """The officer's list (and export) of persons on the registry: deregistered persons (注销)
    are not listed, whatever result they had (issue 11, item 15)."""
    prefixes = officer_prefixes(user=user)
    persons = (
        RegistryPerson.objects.filter(_region_q(prefixes))
        .exclude(registration_status=RegistryPerson.RegistrationStatus.DEREGISTERED)
        .select_related("recognition")
    )
    if prefix:
        persons = persons.filter(region_code__startswith=prefix)
    if recognised == "yes":
        persons = persons.filter(recognition__recognised=True)
    elif recognised == "no":
        persons = persons.exclude(recognition__recognised=True)
    elif recognised == "nearly":
        persons = persons.filter(recognition__nearly=True)
    if category:
        # JSON containment differs per database; the reasons list is short: match the quoted code.
        persons = persons.filter(recognition__reasons__icontains=f'"{category}"')
    open_warnings = Warning.objects.filter(person=OuterRef("pk"), resolved_at__isnull=True)
    persons = persons.annotate(open_warnings=Count("warnings", filter=Q(warnings__resolved_at__isnull=True)))
    if warnings == "yes":
        persons = persons.filter(Exists(open_warnings))
    return persons.order_by("region_code", "id")


def person_for_officer(*, user: AnyUser, pk: int) -> RegistryPerson:
    """The person if the user is an officer of their region; 404 otherwise (PR-3)."""
    person = RegistryPerson.objects.select_related("household", "profile", "user").filter(pk=pk).first()
    if (
        person is None
        or not isinstance(user, User)
        or not account_selectors.can_view_region(user=user, region_code=person.region_code)
    ):
        raise Http404
    return person


def can_edit_profile(*, user: AnyUser, person: RegistryPerson) -> bool:
    if not isinstance(user, User) or not user.is_authenticated:
        return False
    return person.user_id == user.pk or account_selectors.can_view_region(user=user, region_code=person.region_code)


def persons_of_user(*, user: AnyUser) -> QuerySet[RegistryPerson]:
    if not isinstance(user, User):
        return RegistryPerson.objects.none()
    return RegistryPerson.objects.filter(user=user).select_related("profile")


def pushes_for_user(*, user: AnyUser) -> QuerySet[PushItem]:
    if not isinstance(user, User):
        return PushItem.objects.none()
    return (
        PushItem.objects.filter(person__user=user)
        .exclude(status__in=[PushItem.Status.PENDING])
        .select_related("person")
        .order_by("-sent_at", "-id")
    )


def pushes_of(*, person: RegistryPerson) -> QuerySet[PushItem]:
    return person.pushes.order_by("status", "-created_at")


def imports_for_officer(*, user: AnyUser) -> QuerySet[ImportBatch]:
    return ImportBatch.objects.filter(_region_q(officer_prefixes(user=user), "region_prefix"))


def import_for_officer(*, user: AnyUser, pk: int) -> ImportBatch:
    batch = ImportBatch.objects.filter(pk=pk).first()
    if batch is None or not any(batch.region_prefix.startswith(p) for p in officer_prefixes(user=user)):
        raise Http404
    return batch


def warnings_for_officer(*, user: AnyUser, resolved: bool = False) -> QuerySet[Warning]:
    warnings = Warning.objects.filter(_region_q(officer_prefixes(user=user), "person__region_code")).exclude(
        person__registration_status=RegistryPerson.RegistrationStatus.DEREGISTERED
    )
    return warnings.filter(resolved_at__isnull=not resolved).select_related("person")


def stable_employment_since(*, person: RegistryPerson, today: datetime.date, months: int) -> datetime.date | None:
    """Start of the current employment spell if it has lasted ``months`` or more (有进有出)."""
    last = person.case_events.filter(kind__in=[CaseEvent.Kind.EMPLOYED, CaseEvent.Kind.UNEMPLOYED]).last()
    if last is None or last.kind != CaseEvent.Kind.EMPLOYED:
        return None
    start = last.occurred_on
    elapsed = (today.year - start.year) * 12 + today.month - start.month - (today.day < start.day)
    return start if elapsed >= months else None


# What a timeline entry is, in words (its ``kind`` stays a code for filters and tests).
TIMELINE_KINDS: dict[str, StrOrPromise] = {
    "registered": gettext_lazy("Registered"),
    "recognised": gettext_lazy("Recognised"),
    "push": gettext_lazy("Push"),
    "plan_step": gettext_lazy("Plan step"),
    "warning": gettext_lazy("Early warning"),
    "contribution": gettext_lazy("Contribution"),
    **{kind.value: kind.label for kind in CaseEvent.Kind},
}


def timeline(*, person: RegistryPerson) -> list[dict[str, Any]]:
    """One list, oldest first, of everything that happened in the case (GV-7); each entry
    has a ``kind`` code, its ``kind_label`` and a ``title`` and ``detail`` in words."""
    items: list[dict[str, Any]] = [
        {
            "date": person.created_at.date(),
            "kind": "registered",
            "title": _("Registered as unemployed since %(date)s") % {"date": person.registered_unemployed_since}
            if person.registered_unemployed_since
            else _("Entered in the registry"),
            "detail": "",
        }
    ]
    recognition = getattr(person, "recognition", None)
    if recognition is not None and recognition.recognised:
        items.append(
            {
                "date": recognition.computed_at.date(),
                "kind": "recognised",
                "title": _("Employment-difficulty person"),
                "detail": "; ".join(recognition_label(code) for code in recognition.reasons),
            }
        )
    for push in person.pushes.exclude(status=PushItem.Status.PENDING):
        items.append(
            {
                "date": (push.sent_at or push.created_at).date(),
                "kind": "push",
                "title": push_title(push.reason_code),
                "detail": push.get_status_display(),
            }
        )
    for event in person.case_events.all():
        items.append({"date": event.occurred_on, "kind": event.kind, "title": event.title, "detail": ""})
    plan = getattr(person, "plan", None)
    if plan is not None:
        for step in plan.steps.all():
            items.append(
                {
                    "date": step.done_on or step.due_on,
                    "kind": "plan_step",
                    "title": step.title,
                    "detail": step.get_status_display(),
                }
            )
    for warning in person.warnings.all():
        items.append(
            {
                "date": warning.created_at.date(),
                "kind": "warning",
                "title": warning.get_kind_display(),
                "detail": warning.reason,
            }
        )
    items.extend(_ledger_items(person))
    for item in items:
        item["kind_label"] = TIMELINE_KINDS.get(item["kind"], item["kind"])
    return sorted(items, key=lambda item: (item["date"], item["kind"]))


def _ledger_items(person: RegistryPerson) -> list[dict[str, Any]]:
    """Contributions recorded in the ledger (CV), when the person has an account."""
    if person.user is None:
        return []
    return [
        {
            "date": c.occurred_on,
            "kind": "contribution",
            "title": c.get_kind_display(),
            "detail": f"+{c.credited} CV",
        }
        for c in contributions_of(person.user).order_by("-occurred_on")[:50]
    ]


def overdue_steps(*, person: RegistryPerson, today: datetime.date) -> QuerySet[PlanStep]:
    return PlanStep.objects.filter(plan__person=person, status=PlanStep.Status.OPEN, due_on__lt=today)
