"""Completion into the ledger (DG-6): the CV-E2 / CV-E3 inputs of a completed application,
recording the applicant's contribution, and completing a whole need with its organiser's
share. Nothing here takes a lock: the callers hold the need row (and the application)."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from meaningflow.core.services import audit_log
from meaningflow.ledger import services as ledger_services
from meaningflow.ledger.parameters import parameters_in_force
from meaningflow.needs.models import Application, Need
from meaningflow.needs.services.common import HOLDS_PLACE, S

# DG-6: which CV formula credits which kind of need.
SKILL_TYPES = frozenset({Need.Type.SKILL, Need.Type.TRAINING})
COMMUNITY_EVENT_TYPES = frozenset({Need.Type.COMMUNITY_SERVICE, Need.Type.PUBLIC_WELFARE, Need.Type.CULTURAL})
# An application's confirmed outcome → the ledger's CV-E3 completion key.
COMPLETION_INPUT = {
    Application.Outcome.COMPLETED: Need.Completion.FULL,
    Application.Outcome.PARTLY_COMPLETED: Need.Completion.PARTIAL,
    Application.Outcome.NOT_COMPLETED: Need.Completion.NONE,
}


def _parameters(on: date) -> dict[str, Any]:
    document: dict[str, Any] = parameters_in_force(on=on).document
    return document


def _skill_hours(*, application: Application, need: Need, on: date) -> Decimal:
    """CV-E2's service time. The hours the poster stated are the hours actually given, so
    a partly completed contribution is already reduced by them; only when none were
    stated are the planned hours reduced by the ledger's partial-completion factor
    (0.6 by default). Either way it is reduced once."""
    if application.hours:
        return Decimal(application.hours)
    planned = Decimal(need.total_hours or need.hours_per_week or 1)
    if application.proposed_outcome == Application.Outcome.PARTLY_COMPLETED:
        partial = Decimal(str(_parameters(on)["project"]["completion"][Need.Completion.PARTIAL]))
        planned = (planned * partial).quantize(Decimal("0.1"))
    return planned


def _project_type(need: Need) -> str:
    return "community_event" if need.type in COMMUNITY_EVENT_TYPES else "medium_project"


def contribution_inputs(
    *, application: Application, need: Need, learner_rating: str = "neutral", on: date | None = None
) -> tuple[str, dict[str, Any]]:
    """(ledger contribution kind, formula inputs) for a completed application: CV-E2 for
    skill needs and training with the learner's rating level (good / neutral / bad, from
    the poster's review), CV-E3 for everything else with the person's role."""
    if need.type in SKILL_TYPES:
        hours = _skill_hours(application=application, need=need, on=on or timezone.localdate())
        inputs: dict[str, Any] = {
            "hours": str(hours),
            "learners": max(1, need.impact_people or 1),
            "learner_rating": learner_rating,
        }
        main_skill = need.skills.order_by("-level", "skill_id").first()
        if main_skill is not None:
            inputs["skill_id"] = main_skill.skill_id
        return "skill", inputs
    return "project", {
        "project_type": _project_type(need),
        "role": application.role,
        "people_reached": int(need.impact_people or 0),
        "completion": str(COMPLETION_INPUT[Application.Outcome(application.proposed_outcome)]),
    }


def _contribution_record(*, application: Application, need: Need, learner_rating: str = "neutral") -> None:
    if application.proposed_outcome == Application.Outcome.NOT_COMPLETED:
        return  # nothing to credit; the review window still opens
    if application.contribution_id is not None:
        return  # recorded already (a skill contribution confirmed before credit waited for the review)
    # The work happened when the applicant confirmed it, whenever the credit follows.
    on = timezone.localdate(application.confirmed_at or timezone.now())
    kind, inputs = contribution_inputs(application=application, need=need, learner_rating=learner_rating, on=on)
    contribution = ledger_services.contribution_record(
        beneficiary=application.applicant,
        kind=kind,
        inputs=inputs,
        idempotency_key=f"{application.subject}:contribution",
        cause=application.subject,
        occurred_on=on,
    )
    application.contribution_id = contribution.pk
    application.save(update_fields=["contribution_id"])


def need_completion(*, outcomes: list[str]) -> str:
    """How a need's work went as a whole, from its participants' confirmed outcomes: full
    when everyone completed, none when nobody completed even partly, else partial."""
    if outcomes and all(o == Application.Outcome.COMPLETED for o in outcomes):
        return Need.Completion.FULL
    if any(o in (Application.Outcome.COMPLETED, Application.Outcome.PARTLY_COMPLETED) for o in outcomes):
        return Need.Completion.PARTIAL
    return Need.Completion.NONE


def _need_complete(*, need: Need, now: datetime | None = None) -> bool:
    """Record that a project or community need's work is done and credit its organiser
    (CV-E3, share of the core organiser) — once, under the need's row lock, which the
    caller holds.

    Done means nobody can join any more (filled, closed, expired or past its end), at
    least one person held a place, and every place holder's outcome is confirmed. The
    organiser is the person who posted the need; completion as ``need_completion``;
    nothing is credited when nobody completed. Returns True when recorded now."""
    now = now or timezone.now()
    if need.type in SKILL_TYPES or need.completed_at is not None:
        return False
    if need.status in (Need.Status.DRAFT, Need.Status.PUBLISHED) and need.ends_at > now:
        return False
    holders = list(need.applications.filter(status__in=HOLDS_PLACE).values_list("status", "proposed_outcome"))
    if not holders or any(status in (S.ACCEPTED, S.IN_PROGRESS) for status, _outcome in holders):
        return False
    completion = need_completion(outcomes=[outcome for _status, outcome in holders])
    need.completion, need.completed_at = completion, now
    fields = ["completion", "completed_at", "updated_at"]
    organiser = need.created_by
    if completion != Need.Completion.NONE and organiser is not None:
        contribution = ledger_services.contribution_record(
            beneficiary=organiser,
            kind="project",
            inputs={
                "project_type": _project_type(need),
                "role": Application.Role.CORE_ORGANISER.value,
                "people_reached": int(need.impact_people or 0),
                "completion": str(completion),
            },
            idempotency_key=f"{need.subject}:organiser",
            cause=need.subject,
            occurred_on=timezone.localdate(now),
        )
        need.organiser_contribution_id = contribution.pk
        fields.append("organiser_contribution_id")
    need.save(update_fields=fields)
    audit_log(
        action="needs.need.completed",
        subject=need.subject,
        region_code=need.region_code,
        data={"completion": completion, "organiser": need.created_by_id, "holders": len(holders)},
    )
    return True
