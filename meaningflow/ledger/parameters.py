"""Dated, versioned formula parameters (CV-7): the schema, the defaults and the lookup.

A ``ParameterSet`` holds one JSON document; ``validate_document`` checks it against the
schema below so that an admin cannot publish a set a formula would choke on.
"""

import copy
from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from meaningflow.ledger.models import ParameterSet

# SPEC section 3 defaults. Units: resource base values are per the unit in ``per``.
DEFAULT_PARAMETERS: dict = {
    "resource": {
        "base_value": {
            "room": {"value": 200, "per": "night"},
            "vehicle": {"value": 150, "per": "day"},
            "bicycle": {"value": 30, "per": "day"},
            "workspace": {"value": 100, "per": "day"},
            "meeting_room": {"value": 20, "per": "hour"},
            "kitchen": {"value": 20, "per": "hour"},
            "tools": {"value": 30, "per": "day"},
            "local_guide": {"value": 25, "per": "hour"},
        },
        "demand_index": {"peak": 1.5, "normal": 1.0, "off_peak": 0.8},
        "rating_coef": {"good": 1.0, "neutral": 0.7, "bad": 0.3},
    },
    "skill": {
        "difficulty": {"programming": 1.5, "language_teaching": 1.2, "basic": 1.0},
        "learner_rating": {"good": 1.0, "neutral": 0.7, "bad": 0.3},
        "headcount_cap": 2.0,
        "hourly_base": 50,
    },
    "project": {
        "base": {"community_event": 500, "medium_project": 2000},
        "share": {"core_organiser": 0.3, "participant": 0.1},
        "impact_threshold": 100,
        "impact_high": 1.5,
        "impact_normal": 1.0,
        "completion": {"full": 1.0, "partial": 0.6, "none": 0.0},
    },
    "community": {
        "per_head_base": 10,
        "activity_impact": {"lasting_community": 1.5, "normal": 1.0},
        "content_quality": {"highly_rated": 1.2, "normal": 1.0},
    },
    "consumption": {
        "base_cost": {
            "room": {"per": "night", "default": 200, "regions": {"tokyo": 300}},
            "workspace": {"per": "day", "default": 100, "regions": {"chiang-mai": 150}},
            "bicycle": {"per": "week", "default": 100, "regions": {"berlin": 200}},
            "vehicle": {"per": "day", "default": 150, "regions": {}},
            "meeting_room": {"per": "hour", "default": 20, "regions": {}},
            "kitchen": {"per": "hour", "default": 20, "regions": {}},
            "tools": {"per": "day", "default": 30, "regions": {}},
            "local_guide": {"per": "hour", "default": 25, "regions": {}},
        },
        "demand_heat": {"peak": 1.5, "normal": 1.0, "off_peak": 0.8},
    },
    "decay": {"global_rate": 0.05, "domain_rate": 0.10, "inactivity_days": 730, "inactivity_ramp_days": 365},
    "annual_cap": 20000,
    "conversion": {"default_rate": 0.5, "default_budget": 10000},
    "trust": {"l3": 1000, "l4": 5000, "l5": 10000},
    # Which average of review stars (1..5) is a good / neutral / bad rating: the levels of
    # resource.rating_coef (CV-E1, the guest's review of the host) and skill.learner_rating
    # (CV-E2, the learner's review of the teacher).
    "rating_levels": {"good_from": 4, "neutral_from": 3},
}

# The schema: for each dotted path, the type the value must have. ``mapping`` means a
# non-empty dict of name → non-negative number.
SCHEMA: dict[str, str] = {
    "resource.demand_index": "mapping",
    "resource.rating_coef": "mapping",
    "skill.difficulty": "mapping",
    "skill.learner_rating": "mapping",
    "skill.headcount_cap": "number",
    "skill.hourly_base": "number",
    "project.base": "mapping",
    "project.share": "mapping",
    "project.impact_threshold": "number",
    "project.impact_high": "number",
    "project.impact_normal": "number",
    "project.completion": "mapping",
    "community.per_head_base": "number",
    "community.activity_impact": "mapping",
    "community.content_quality": "mapping",
    "consumption.demand_heat": "mapping",
    "decay.global_rate": "rate",
    "decay.domain_rate": "rate",
    "decay.inactivity_days": "number",
    "decay.inactivity_ramp_days": "number",
    "annual_cap": "number",
    "conversion.default_rate": "number",
    "conversion.default_budget": "number",
    "trust.l3": "number",
    "trust.l4": "number",
    "trust.l5": "number",
    "rating_levels.good_from": "number",
    "rating_levels.neutral_from": "number",
}
DURATION_UNITS = ("hour", "night", "day", "week")


def _lookup(document: dict, path: str):
    value = document
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            raise KeyError(path)
        value = value[part]
    return value


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value >= 0


def validate_document(document) -> None:
    """Raise ValidationError naming every missing or malformed parameter."""
    if not isinstance(document, dict):
        raise ValidationError(_("The parameters must be a JSON object."), code="ledger.parameters_not_object")
    errors = []
    for path, kind in SCHEMA.items():
        try:
            value = _lookup(document, path)
        except KeyError:
            errors.append(
                ValidationError(_("Missing parameter %(path)s.") % {"path": path}, code="ledger.parameter_missing")
            )
            continue
        ok = (
            (kind == "number" and _is_number(value))
            or (kind == "rate" and _is_number(value) and value <= 1)
            or (kind == "mapping" and isinstance(value, dict) and value and all(map(_is_number, value.values())))
        )
        if not ok:
            errors.append(
                ValidationError(
                    _("Parameter %(path)s has a wrong value.") % {"path": path}, code="ledger.parameter_invalid"
                )
            )
    for group, key in (("resource", "base_value"), ("consumption", "base_cost")):
        table = document.get(group, {}).get(key)
        if not isinstance(table, dict) or not table:
            errors.append(
                ValidationError(
                    _("Missing parameter %(path)s.") % {"path": f"{group}.{key}"}, code="ledger.parameter_missing"
                )
            )
            continue
        for name, entry in table.items():
            amount = entry.get("value", entry.get("default")) if isinstance(entry, dict) else None
            if not _is_number(amount) or entry.get("per") not in DURATION_UNITS:
                errors.append(
                    ValidationError(
                        _("Parameter %(path)s has a wrong value.") % {"path": f"{group}.{key}.{name}"},
                        code="ledger.parameter_invalid",
                    )
                )
    if not errors and not document["trust"]["l3"] <= document["trust"]["l4"] <= document["trust"]["l5"]:
        errors.append(
            ValidationError(_("Trust thresholds must increase from L3 to L5."), code="ledger.trust_thresholds_order")
        )
    if errors:
        raise ValidationError(errors)


def default_document() -> dict:
    return copy.deepcopy(DEFAULT_PARAMETERS)


def parameters_in_force(*, on: date | None = None):
    """The published ParameterSet in force on ``on`` (today by default).

    Raises ValidationError when none is in force (e.g. a date before the first set)."""
    on = on or timezone.localdate()
    found = (
        ParameterSet.objects.filter(published=True, effective_from__lte=on)
        .order_by("-effective_from", "-version")
        .first()
    )
    if found is None:
        raise ValidationError(
            _("No CV parameters are in force on %(date)s.") % {"date": on}, code="ledger.parameters_missing"
        )
    return found
