"""Writes of the assistance app: profiles, reveals, pushes, plans, warnings, exports.

Registry imports live in ``imports.py`` (file reading and row checks in the ``importing``
package), discovery (the batch rules run) in the ``discovery`` package.
"""

import csv
import datetime
import hashlib
import io
import secrets
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, TypedDict

import openpyxl
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_stubs_ext import WithAnnotations

from meaningflow.accounts import selectors as account_selectors
from meaningflow.assistance import selectors
from meaningflow.assistance.imports import (  # the import half of the app's write API lives there
    DEFAULT_MAX_BYTES,  # noqa: F401
    DEFAULT_MAX_ROWS,  # noqa: F401
    import_report_csv,  # noqa: F401
    registry_import,  # noqa: F401
    registry_link_users,  # noqa: F401
    registry_results_withdraw,
    skill_lookup,
)
from meaningflow.assistance.models import (
    AssistancePlan,
    AssistanceProfile,
    CaseEvent,
    IncomeRecord,
    PlanStep,
    PushItem,
    RegistryApiClient,
    RegistryPerson,
    ServiceNeed,
    Warning,
)
from meaningflow.assistance.providers import get_provider
from meaningflow.assistance.reasons import push_text, recognition_label
from meaningflow.core import transactions
from meaningflow.core.crypto import mask
from meaningflow.core.errors import Forbidden
from meaningflow.core.services import audit_log, notification_send
from meaningflow.places.selectors import normalise_region_prefix

User = get_user_model()
# Who acts: a request's user (a person, settings.AUTH_USER_MODEL, or anonymous) or, for
# jobs, nobody. Where a service needs the person it narrows with ``isinstance(actor, User)``.
Actor = AbstractBaseUser | AnonymousUser | None

# --- API clients --------------------------------------------------------------------


def registry_api_client_create(*, actor: Actor, name: str, region_prefix: str) -> tuple[RegistryApiClient, str]:
    """Create a system client for registry pushes. Returns the client and its token (shown once)."""
    if not (isinstance(actor, User) and actor.is_authenticated and actor.is_superuser):
        raise Forbidden(
            _("Only platform administrators can create registry API clients."), code="registry_client.not_admin"
        )
    prefix = normalise_region_prefix(region_prefix)
    token = "mfr_" + secrets.token_urlsafe(32)
    client = RegistryApiClient.objects.create(
        name=name[:120],
        region_prefix=prefix,
        token_prefix=token[:10],
        token_hash=hashlib.sha256(token.encode()).hexdigest(),
        created_by=actor,
    )
    audit_log(
        actor=actor,
        action="assistance.api_client.created",
        subject=f"assistance.registryapiclient:{client.pk}",
        region_code=prefix,
    )
    return client, token


# --- profile (the four clears) ------------------------------------------------------


def assistance_profile_update(
    *,
    actor: Actor,
    person: RegistryPerson,
    skills: list[str],
    intentions: list[str],
    region_preference: str,
    service_needs: list[str],
    notes: str = "",
) -> AssistanceProfile:
    """Officers of the person's region, or the linked person, edit the four-clears profile."""
    if not isinstance(actor, User) or not selectors.can_edit_profile(user=actor, person=person):
        raise Forbidden(_("You may not edit this profile."), code="assistance_profile.not_allowed")
    known = set(skill_lookup().values())
    unknown = [code for code in skills if code not in known]
    if unknown:
        raise ValidationError(
            {
                "skills": ValidationError(
                    _("Unknown skills: %(codes)s") % {"codes": ", ".join(unknown)},
                    code="assistance_profile.unknown_skills",
                )
            }
        )
    if any(n not in ServiceNeed.values for n in service_needs):
        raise ValidationError(
            {
                "service_needs": ValidationError(
                    _("Choose training, job or start-up."), code="assistance_profile.unknown_service_need"
                )
            }
        )
    profile, _created = AssistanceProfile.objects.get_or_create(person=person)
    profile.skills, profile.intentions = skills, intentions
    profile.region_preference, profile.service_needs, profile.notes = (
        region_preference,
        service_needs,
        notes[:2000],
    )
    profile.updated_by = actor
    profile.save()
    audit_log(
        actor=actor,
        action="assistance.profile.updated",
        subject=f"assistance.registryperson:{person.pk}",
        region_code=person.region_code,
    )
    return profile


# --- sensitive data -----------------------------------------------------------------

REVEALABLE = ("name", "id_number", "phone", "disability_level", "incomes")


def person_reveal(
    *, actor: Actor, person: RegistryPerson, reason: str, fields: Iterable[str] = REVEALABLE
) -> dict[str, Any]:
    """Decrypt sensitive fields for an officer of the person's region; audited (PR-2)."""
    if not _in_region(actor, person.region_code):
        raise Forbidden(_("You may not see this person."), code="registry_person.outside_region")
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise ValidationError(
            {
                "reason": ValidationError(
                    _("Say why you need to see this (at least 5 characters)."), code="reveal.reason_too_short"
                )
            }
        )
    revealed: dict[str, Any] = {}
    for name in fields:
        if name == "incomes":
            revealed[name] = [(r.month.strftime("%Y-%m"), r.amount) for r in person.incomes.all()]
        elif name in REVEALABLE:
            revealed[name] = getattr(person, name)
    audit_log(
        actor=actor,
        action="assistance.person.revealed",
        subject=f"assistance.registryperson:{person.pk}",
        region_code=person.region_code,
        reason=reason,
        data={"fields": list(revealed)},
    )
    return revealed


def income_record(
    *, person: RegistryPerson, month: datetime.date, amount: Decimal | int | str, source: str = ""
) -> None:
    IncomeRecord.objects.update_or_create(
        person=person,
        month=month.replace(day=1),
        defaults={"amount": str(amount), "source": source},
    )


# --- pushes -------------------------------------------------------------------------

PUSH_TRANSITIONS: dict[str, set[str]] = {
    PushItem.Status.PENDING: {PushItem.Status.SENT, PushItem.Status.EXPIRED},
    PushItem.Status.SENT: {
        PushItem.Status.VIEWED,
        PushItem.Status.ACCEPTED,
        PushItem.Status.DECLINED,
        PushItem.Status.EXPIRED,
    },
    PushItem.Status.VIEWED: {
        PushItem.Status.ACCEPTED,
        PushItem.Status.DECLINED,
        PushItem.Status.EXPIRED,
    },
}


def _push_transition(*, push: PushItem, to: str, actor: Actor) -> PushItem:
    if to not in PUSH_TRANSITIONS.get(push.status, set()):
        raise ValidationError(
            _("This push cannot go from %(old)s to %(new)s.") % {"old": push.status, "new": to},
            code="push.illegal_transition",
        )
    old, push.status = push.status, to
    now = timezone.now()
    if to == PushItem.Status.SENT:
        push.sent_at, push.sent_by_id = now, actor.pk if isinstance(actor, User) else None
    elif to in (PushItem.Status.VIEWED, PushItem.Status.ACCEPTED, PushItem.Status.DECLINED):
        push.responded_at = now
    push.save(update_fields=["status", "sent_at", "sent_by", "responded_at", "channels"])
    audit_log(
        actor=actor,
        action=f"assistance.push.{to}",
        subject=f"assistance.pushitem:{push.pk}",
        region_code=push.person.region_code,
        data={"from": old, "reason_code": push.reason_code},
    )
    return push


@transactions.entry_point
def push_send(*, actor: Actor, push: PushItem, channels: tuple[str, ...] = ("in_app", "sms")) -> PushItem:
    """Send a discovered item to the person: in-app when linked, SMS/e-mail via the provider."""
    if not _in_region(actor, push.person.region_code):
        raise Forbidden(_("You may not push to this person."), code="registry_person.outside_region")
    title, body = push_text(push)
    person = push.person
    with transactions.atomic():
        push = PushItem.objects.select_for_update(no_key=True).get(pk=push.pk)
        used = []
        if "in_app" in channels and person.user is not None:
            notification_send(
                recipient=person.user,
                kind="assistance.push",
                title=title,
                body=body,
                url="/assistance/me/",
            )
            used.append("in_app")
        if "sms" in channels and person.phone:
            used.append("sms")
            transaction.on_commit(lambda: _send_sms(person_id=person.pk, push_id=push.pk, text=f"{title} {body}"))
        if "email" in channels and person.email:
            used.append("email")
            transaction.on_commit(lambda: _send_email(person_id=person.pk, push_id=push.pk, subject=title, text=body))
        if not used:
            raise ValidationError(_("This person has no account, phone or e-mail to push to."), code="push.no_channel")
        push.channels = used
        push.person = person
        return _push_transition(push=push, to=PushItem.Status.SENT, actor=actor)


def _send_sms(*, person_id: int, push_id: int, text: str) -> None:
    person = RegistryPerson.objects.get(pk=person_id)
    provider = get_provider()
    # The number is decrypted here only, handed to the provider, and audited masked.
    message_id = provider.send_sms(phone=person.phone, text=text)
    audit_log(
        action="assistance.push.sms_sent",
        subject=f"assistance.pushitem:{push_id}",
        region_code=person.region_code,
        data={
            "provider": provider.name,
            "to": mask(person.phone, keep_start=3, keep_end=2),
            "id": message_id,
        },
    )


def _send_email(*, person_id: int, push_id: int, subject: str, text: str) -> None:
    person = RegistryPerson.objects.get(pk=person_id)
    provider = get_provider()
    message_id = provider.send_email(address=person.email, subject=subject, text=text)
    audit_log(
        action="assistance.push.email_sent",
        subject=f"assistance.pushitem:{push_id}",
        region_code=person.region_code,
        data={"provider": provider.name, "id": message_id},
    )


@transactions.entry_point
def push_respond(*, user: AbstractBaseUser | AnonymousUser, push: PushItem, response: str) -> PushItem:
    """The person marks a push viewed, accepted or declined."""
    if push.person.user_id != user.pk:
        raise Forbidden(_("This is not your message."), code="push.not_yours")
    if response not in (PushItem.Status.VIEWED, PushItem.Status.ACCEPTED, PushItem.Status.DECLINED):
        raise ValidationError(_("Choose accept or decline."), code="push.unknown_response")
    with transactions.atomic():
        push = PushItem.objects.select_for_update(no_key=True, of=("self",)).select_related("person").get(pk=push.pk)
        if response == PushItem.Status.VIEWED and push.status != PushItem.Status.SENT:
            return push
        return _push_transition(push=push, to=response, actor=user)


def pushes_expire(*, today: datetime.date | None = None) -> int:
    today = today or timezone.localdate()
    return PushItem.objects.filter(
        status__in=[PushItem.Status.PENDING, PushItem.Status.SENT, PushItem.Status.VIEWED],
        expires_on__lt=today,
    ).update(status=PushItem.Status.EXPIRED)


# --- case file and plan -------------------------------------------------------------


def _in_region(actor: Actor, region_code: str) -> bool:
    return isinstance(actor, User) and account_selectors.can_view_region(user=actor, region_code=region_code)


def _require_region(actor: Actor, person: RegistryPerson) -> None:
    if not _in_region(actor, person.region_code):
        raise Forbidden(_("You may not manage this person."), code="registry_person.outside_region")


@transactions.transactional
def case_event_record(
    *,
    actor: Actor,
    person: RegistryPerson,
    kind: str,
    occurred_on: datetime.date,
    title: str,
    data: dict[str, Any] | None = None,
) -> CaseEvent:
    _require_region(actor, person)
    if kind not in CaseEvent.Kind.values:
        raise ValidationError({"kind": ValidationError(_("Choose a kind of event."), code="case_event.unknown_kind")})
    event = CaseEvent.objects.create(
        person=person,
        kind=kind,
        occurred_on=occurred_on,
        title=title[:200],
        data=data or {},
        created_by_id=actor.pk if isinstance(actor, User) else None,
    )
    Status, Work = RegistryPerson.RegistrationStatus, RegistryPerson.WorkForm
    changes: dict[str, tuple[str, str]] = {
        CaseEvent.Kind.EMPLOYED: (Status.REGISTERED, Work.EMPLOYED),
        CaseEvent.Kind.UNEMPLOYED: (Status.REGISTERED, Work.NONE),
        CaseEvent.Kind.EXIT: (Status.DEREGISTERED, person.work_form),
    }
    change = changes.get(kind)
    if change:
        person.registration_status, person.work_form = change
        if kind == CaseEvent.Kind.EXIT:
            person.exited_on = occurred_on
        else:
            person.exited_on = None
            if kind == CaseEvent.Kind.UNEMPLOYED:
                person.registered_unemployed_since = occurred_on
        person.save(
            update_fields=[
                "registration_status",
                "work_form",
                "exited_on",
                "registered_unemployed_since",
                "updated_at",
            ]
        )
        if kind == CaseEvent.Kind.EXIT:
            registry_results_withdraw(person_ids=[person.pk])
    audit_log(
        actor=actor,
        action=f"assistance.case.{kind}",
        subject=f"assistance.registryperson:{person.pk}",
        region_code=person.region_code,
        data={"event": event.pk},
    )
    return event


def plan_set(*, actor: Actor, person: RegistryPerson, goals: str) -> AssistancePlan:
    _require_region(actor, person)
    goals = (goals or "").strip()
    if not goals:
        raise ValidationError({"goals": ValidationError(_("Write the goals of the plan."), code="plan.goals_blank")})
    plan, _created = AssistancePlan.objects.update_or_create(person=person, defaults={"goals": goals[:4000]})
    if _created:
        plan.created_by_id = actor.pk if isinstance(actor, User) else None
        plan.save(update_fields=["created_by"])
    audit_log(
        actor=actor,
        action="assistance.plan.saved",
        subject=f"assistance.registryperson:{person.pk}",
        region_code=person.region_code,
    )
    return plan


def plan_step_add(*, actor: Actor, plan: AssistancePlan, title: str, due_on: datetime.date) -> PlanStep:
    _require_region(actor, plan.person)
    if not (title or "").strip():
        raise ValidationError({"title": ValidationError(_("Name the step."), code="plan_step.title_blank")})
    return PlanStep.objects.create(plan=plan, title=title.strip()[:200], due_on=due_on)


def plan_step_set_status(*, actor: Actor, step: PlanStep, status: str) -> PlanStep:
    _require_region(actor, step.plan.person)
    if status not in PlanStep.Status.values:
        raise ValidationError({"status": ValidationError(_("Choose a status."), code="plan_step.unknown_status")})
    step.status = status
    step.done_on = timezone.localdate() if status == PlanStep.Status.DONE else None
    step.save(update_fields=["status", "done_on"])
    return step


def warning_resolve(*, actor: Actor, warning: Warning, resolution: str) -> Warning:
    _require_region(actor, warning.person)
    if warning.resolved_at:
        raise ValidationError(_("This warning is already resolved."), code="warning.already_resolved")
    warning.resolved_at = timezone.now()
    warning.resolved_by_id = actor.pk if isinstance(actor, User) else None
    warning.resolution = (resolution or "").strip()[:300]
    warning.save(update_fields=["resolved_at", "resolved_by", "resolution"])
    audit_log(
        actor=actor,
        action="assistance.warning.resolved",
        subject=f"assistance.warning:{warning.pk}",
        region_code=warning.person.region_code,
    )
    return warning


# --- exports ------------------------------------------------------------------------


class ListedPerson(TypedDict):
    """What ``selectors.persons_for_officer`` annotates each person with."""

    open_warnings: int


EXPORT_COLUMNS = (
    "id_number_masked",
    "region_code",
    "sex",
    "birth_year",
    "registration_status",
    "work_form",
    "registered_unemployed_since",
    "recognised",
    "reasons",
    "open_warnings",
)


def persons_export(
    *, actor: Actor, persons: "Iterable[WithAnnotations[RegistryPerson, ListedPerson]]", fmt: str, reason: str
) -> tuple[bytes, str, str]:
    """Masked export of a region's list (CSV or XLSX); audited with the reason."""
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise ValidationError(
            {
                "reason": ValidationError(
                    _("Say why you export this list (at least 5 characters)."), code="export.reason_too_short"
                )
            }
        )
    rows = [
        [
            p.id_masked,
            p.region_code,
            p.sex,
            p.birth_date.year,
            p.get_registration_status_display(),
            p.get_work_form_display(),
            p.registered_unemployed_since.isoformat() if p.registered_unemployed_since else "",
            _("yes") if getattr(getattr(p, "recognition", None), "recognised", False) else _("no"),
            "; ".join(
                recognition_label(code) for code in getattr(getattr(p, "recognition", None), "reasons", None) or []
            ),
            p.open_warnings,
        ]
        for p in persons
    ]
    if fmt == "xlsx":
        workbook = openpyxl.Workbook(write_only=True)
        sheet = workbook.create_sheet("registry")
        sheet.append(list(EXPORT_COLUMNS))
        for row in rows:
            sheet.append(row)
        buffer = io.BytesIO()
        workbook.save(buffer)
        content, content_type = (
            buffer.getvalue(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(EXPORT_COLUMNS)
        writer.writerows(rows)
        content, content_type = out.getvalue().encode("utf-8-sig"), "text/csv; charset=utf-8"
        fmt = "csv"
    audit_log(
        actor=actor,
        action="assistance.registry.exported",
        subject="assistance.registryperson:*",
        reason=reason,
        data={"rows": len(rows), "format": fmt},
    )
    return content, content_type, f"registry-{timezone.localdate():%Y%m%d}.{fmt}"
