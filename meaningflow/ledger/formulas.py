"""The CV formulas of SPEC section 3 as pure functions over plain data (no database).

Each takes the parameter document in force and the inputs, refuses bad inputs with a
ValidationError whose messages are translated, and returns a ``FormulaResult``: the
whole-CV amount (rounded half-to-even) and an explanation of every factor used.
"""

import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_DURATION = 10_000  # nights/days/hours: anything larger is a data error, not a stay


@dataclass(frozen=True)
class FormulaResult:
    amount: int
    formula: str
    factors: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"amount": self.amount, "formula": self.formula, "factors": self.factors}


def _round(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def _dec(value) -> Decimal:
    return Decimal(str(value))


def _choice(table: dict, key, label: str) -> Decimal:
    if key not in table:
        raise ValidationError(
            _("Unknown %(label)s “%(value)s”; expected one of: %(choices)s.")
            % {"label": label, "value": key, "choices": ", ".join(sorted(table))},
            code="ledger.input_unknown_choice",
        )
    return _dec(table[key])


def _positive(value, label: str, *, allow_zero: bool = False, integer: bool = False) -> Decimal:
    try:
        number = _dec(value)
    except Exception:
        number = None
    if number is None or not number.is_finite() or isinstance(value, bool):
        raise ValidationError(_("%(label)s must be a number.") % {"label": label}, code="ledger.input_not_number")
    if integer and number != number.to_integral_value():
        raise ValidationError(_("%(label)s must be a whole number.") % {"label": label}, code="ledger.input_not_whole")
    if number < 0 or (number == 0 and not allow_zero):
        raise ValidationError(
            _("%(label)s must be greater than zero.") % {"label": label}, code="ledger.input_not_positive"
        )
    if number > MAX_DURATION and not integer:
        raise ValidationError(_("%(label)s is too large.") % {"label": label}, code="ledger.input_too_large")
    return number


def _demand(table: dict, demand: str, demand_index, key: str) -> tuple[Decimal, dict]:
    """The demand coefficient and its factors: from the level ``demand`` (a key of
    ``table``: peak, normal, off_peak), or from a continuous ``demand_index`` (requests
    per available unit, as the resources app computes it), clipped to the bounds the
    parameters give the levels (by default 0.8…1.5). Giving a level other than the
    default together with an index is refused as ambiguous."""
    if demand_index is None:
        value = _choice(table, demand, _("demand level"))
        return value, {key: str(value)}
    if demand != "normal":
        raise ValidationError(
            _("Give either a demand level or a demand index, not both."), code="ledger.demand_both_given"
        )
    given = _positive(demand_index, _("Demand index"), allow_zero=True)
    values = [_dec(v) for v in table.values()]
    value = min(max(given, min(values)), max(values))
    return value, {key: str(value), "demand_index_input": str(given)}


def cv_resource(
    params: dict,
    *,
    resource_type: str,
    duration,
    demand: str = "normal",
    rating: str = "good",
    demand_index=None,
) -> FormulaResult:
    """CV-E1: base_value[type] × duration × demand_index × rating_coef.

    The demand index comes from the level ``demand`` or, as an alternative, from a
    numeric ``demand_index`` (Decimal, float, int or numeric string), clipped to the
    parameter bounds; the factors then also record the index as given
    (``demand_index_input``)."""
    table = params["resource"]
    if resource_type not in table["base_value"]:
        _choice(table["base_value"], resource_type, _("resource type"))
    entry = table["base_value"][resource_type]
    base = _dec(entry["value"])
    duration = _positive(duration, _("Duration"))
    index, demand_factors = _demand(table["demand_index"], demand, demand_index, "demand_index")
    rating_coef = _choice(table["rating_coef"], rating, _("rating"))
    return FormulaResult(
        amount=_round(base * duration * index * rating_coef),
        formula="base_value × duration × demand_index × rating_coef",
        factors={
            "base_value": str(base),
            "per": entry["per"],
            "duration": str(duration),
            **demand_factors,
            "rating_coef": str(rating_coef),
        },
    )


def headcount_factor(n: int, cap) -> Decimal:
    """1 + ln(n)/ln(10), capped: 1 learner → 1.0, 10 learners → 2.0 (concave)."""
    value = Decimal(1) + Decimal(math.log(n) / math.log(10)).quantize(Decimal("0.0001"))
    return min(value, _dec(cap))


def cv_skill(
    params: dict,
    *,
    hours,
    learners: int = 1,
    learner_rating: str = "good",
    difficulty=None,
    difficulty_class: str = "basic",
) -> FormulaResult:
    """CV-E2: difficulty × hours × learner_rating × headcount_factor × hourly_base.

    ``difficulty`` is the skill's own coefficient (``Skill.difficulty``) when known;
    otherwise the default of ``difficulty_class`` applies."""
    table = params["skill"]
    if difficulty is None:
        difficulty = _choice(table["difficulty"], difficulty_class, _("difficulty class"))
    else:
        difficulty = _positive(difficulty, _("Difficulty"))
    hours = _positive(hours, _("Hours"))
    learners = _positive(learners, _("Number of learners"), integer=True)
    rating = _choice(table["learner_rating"], learner_rating, _("learner rating"))
    factor = headcount_factor(int(learners), table["headcount_cap"])
    hourly_base = _dec(table["hourly_base"])
    return FormulaResult(
        amount=_round(difficulty * hours * rating * factor * hourly_base),
        formula="difficulty × hours × learner_rating × headcount_factor × hourly_base",
        factors={
            "difficulty": str(difficulty),
            "hours": str(hours),
            "learner_rating": str(rating),
            "learners": int(learners),
            "headcount_factor": str(factor),
            "hourly_base": str(hourly_base),
        },
    )


def cv_project(
    params: dict, *, project_type: str, role: str, people_reached: int = 0, completion: str = "full"
) -> FormulaResult:
    """CV-E3: project_base × personal_share × impact_coef × completion."""
    table = params["project"]
    base = _choice(table["base"], project_type, _("project type"))
    share = _choice(table["share"], role, _("role"))
    reached = _positive(people_reached, _("People reached"), allow_zero=True, integer=True)
    impact = _dec(table["impact_high"] if reached >= table["impact_threshold"] else table["impact_normal"])
    done = _choice(table["completion"], completion, _("completion"))
    return FormulaResult(
        amount=_round(base * share * impact * done),
        formula="project_base × personal_share × impact_coef × completion",
        factors={
            "project_base": str(base),
            "personal_share": str(share),
            "people_reached": int(reached),
            "impact_coef": str(impact),
            "completion": str(done),
        },
    )


def cv_community(
    params: dict, *, participants: int, activity: str = "normal", content: str = "normal"
) -> FormulaResult:
    """CV-E4: participants × activity_impact × content_quality × per_head_base."""
    table = params["community"]
    participants = _positive(participants, _("Participants"), integer=True)
    impact = _choice(table["activity_impact"], activity, _("activity impact"))
    quality = _choice(table["content_quality"], content, _("content quality"))
    base = _dec(table["per_head_base"])
    return FormulaResult(
        amount=_round(participants * impact * quality * base),
        formula="participants × activity_impact × content_quality × per_head_base",
        factors={
            "participants": int(participants),
            "activity_impact": str(impact),
            "content_quality": str(quality),
            "per_head_base": str(base),
        },
    )


def cv_consumption(
    params: dict,
    *,
    resource_type: str,
    duration,
    region: str = "",
    demand: str = "normal",
    demand_index=None,
) -> FormulaResult:
    """Burn: base_cost[type, region] × duration × demand_heat (duration in the type's ``per``).

    ``demand_heat`` comes from the level ``demand`` or, as an alternative, from a numeric
    ``demand_index`` clipped to the bounds of the ``demand_heat`` parameters (recorded as
    ``demand_index_input`` in the factors)."""
    table = params["consumption"]
    if resource_type not in table["base_cost"]:
        _choice(table["base_cost"], resource_type, _("resource type"))
    entry = table["base_cost"][resource_type]
    region_key = (region or "").strip().lower()
    base = _dec(entry["regions"].get(region_key, entry["default"]))
    duration = _positive(duration, _("Duration"))
    heat, demand_factors = _demand(table["demand_heat"], demand, demand_index, "demand_heat")
    return FormulaResult(
        amount=_round(base * duration * heat),
        formula="base_cost × duration × demand_heat",
        factors={
            "base_cost": str(base),
            "per": entry["per"],
            "region": region_key or "default",
            "duration": str(duration),
            **demand_factors,
        },
    )


FORMULAS = {
    "resource": cv_resource,
    "skill": cv_skill,
    "project": cv_project,
    "community": cv_community,
}


def cv_for(kind: str, params: dict, inputs: dict) -> FormulaResult:
    """Dispatch on the contribution kind; unknown input names are refused, not ignored."""
    if kind not in FORMULAS:
        raise ValidationError(_("Unknown contribution kind “%(kind)s”.") % {"kind": kind}, code="ledger.kind_unknown")
    if not isinstance(inputs, dict):
        raise ValidationError(_("The inputs must be an object."), code="ledger.inputs_not_object")
    try:
        return FORMULAS[kind](params, **inputs)
    except TypeError as exc:
        raise ValidationError(
            _("The inputs do not fit the %(kind)s formula: %(error)s") % {"kind": kind, "error": exc},
            code="ledger.inputs_mismatch",
        ) from exc
