"""What a booking costs and what a stay earns: the ledger's formulas (SPEC section 3) with
the parameters in force, applied to a resource and a duration.

CV cost (burn) = base_cost[type, region] × duration × demand_heat (``cv_consumption``);
host credit (CV-E1) = base_value[type] × duration × demand_index × rating_coef
(``cv_resource``). Durations are converted to the formula's unit by
``rules.duration_in``; the demand level comes from ``selectors.demand_index_of``.
"""

from datetime import date
from decimal import Decimal

from django.utils.text import slugify

from meaningflow.ledger import formulas
from meaningflow.ledger.parameters import parameters_in_force
from meaningflow.resources import rules


def region_slug(resource) -> str:
    """The key of the ledger's regional base costs: "tokyo", "chiang-mai", "berlin" …"""
    place = resource.city if resource.city_id else resource.division
    return slugify(place.name_en) if place is not None else ""


def _duration(document: dict, table: str, resource, slots, params: dict) -> Decimal:
    entry = document[table]["base_cost" if table == "consumption" else "base_value"][resource.type]
    return rules.duration_in(entry["per"], slot=resource.slot, slots=slots, hours_per_day=params["hours_per_day"])


def cv_cost(resource, *, slots: int, demand: str = "normal", on: date | None = None):
    """The CV a guest pays for ``slots`` of ``resource``: a ledger FormulaResult."""
    document = parameters_in_force(on=on).document
    params = rules.rules_in_force(on=on)
    return formulas.cv_consumption(
        document,
        resource_type=resource.type,
        duration=_duration(document, "consumption", resource, slots, params),
        region=region_slug(resource),
        demand=demand,
    )


def cv_per_slot(resource, *, on: date | None = None) -> int:
    return cv_cost(resource, slots=1, on=on).amount


def host_credit_inputs(resource, *, slots: int, demand: str, rating: str, on: date) -> dict:
    """The inputs of the ledger's ``resource`` contribution (CV-E1) for a stay."""
    document = parameters_in_force(on=on).document
    params = rules.rules_in_force(on=on)
    duration = _duration(document, "resource", resource, slots, params)
    return {
        "resource_type": resource.type,
        "duration": str(duration),
        "demand": demand,
        "rating": rating,
    }


def money_cost(resource, *, slots: int) -> Decimal | None:
    if not resource.accepts_money or resource.price_amount is None:
        return None
    return (resource.price_amount * slots).quantize(Decimal("0.01"))
