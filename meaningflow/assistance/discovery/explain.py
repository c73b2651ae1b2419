"""``explain_person``: the rules for one person with tracing on, in words for officers."""

import datetime
import inspect

import numpy
from django.utils import timezone
from django.utils.translation import gettext as _

from meaningflow.assistance import policy
from meaningflow.assistance.discovery.population import current_period, load_population
from meaningflow.assistance.discovery.simulation import build_simulation
from meaningflow.assistance.models import (
    RegistryPerson,
)

# --- explanation --------------------------------------------------------------------

EXPLAINED = (
    "employment_difficulty_person",
    "nearly_employment_difficulty_person",
    "flexible_employment_social_insurance_subsidy",
    "public_welfare_post_eligible",
    "training_subsidy_eligible",
    "startup_loan_max_amount",
    "dibao_employment_cost_deduction",
    "dibao_gradual_exit",
)


def rules_status_text(status: policy.RulesStatus) -> str:
    """In words, for officers: which rules a result was computed with, and whether regional
    values were checked against the provincial documents."""
    if not status.regional:
        return _("National rules (no regional restatement is switched on for this region)")
    region = _(status.region_label)
    if status.status == policy.VERIFIED:
        return _("Regional rules of %(region)s, checked against the provincial documents") % {"region": region}
    return _(
        "Regional rules of %(region)s — demonstration values, not yet checked against the provincial documents"
    ) % {"region": region}


def _parameter_node(system, name: str):
    node = system.parameters
    try:
        for part in name.split("."):
            node = node.children[part]
    except (KeyError, AttributeError):
        return None
    return node


def _parameter_status(node, status: policy.RulesStatus) -> str:
    if node is None or not node.metadata.get("regional"):
        return _("national value")
    if node.metadata.get("status") == policy.VERIFIED:
        return _("regional value of %(region)s, checked") % {"region": _(status.region_label)}
    return _("regional value of %(region)s — demonstration, not checked") % {"region": _(status.region_label)}


def _scalar(value):
    item = value[0].item() if hasattr(value, "__len__") and len(value) else value
    if isinstance(item, float):
        return round(item, 2)
    return str(item) if isinstance(item, (datetime.date, numpy.datetime64)) else item


def _parameter_reference(node, instant: str) -> str:
    if node is None:
        return ""
    for at in getattr(node, "values_list", []):
        if str(at.instant_str) <= instant:
            return (at.metadata or {}).get("reference", "") or node.metadata.get("reference", "")
    return node.metadata.get("reference", "")


def _formula_source(variable) -> str:
    formula = variable.get_formula() if variable.formulas else None
    if formula is None:
        return ""
    lines = inspect.getsource(formula).splitlines()
    return "\n".join(line for line in lines[1:] if line.strip())


def _node(system, node, seen: set, status: policy.RulesStatus) -> dict:
    variable = system.variables.get(node.name)
    key = (node.name, str(node.period))
    entry = {
        "variable": node.name,
        "period": str(node.period),
        "value": _scalar(node.value),
        "label": _(variable.label) if variable and variable.label else "",
        "input": not (variable and variable.formulas),
    }
    if key in seen:
        entry["repeat"] = True
        return entry
    seen.add(key)
    entry["reference"] = getattr(variable, "reference", "") or ""
    if isinstance(entry["reference"], (list, tuple)):
        entry["reference"] = "; ".join(entry["reference"])
    entry["formula"] = _formula_source(variable) if variable and variable.formulas else ""
    entry["parameters"] = []
    for p in node.parameters:
        parameter = _parameter_node(system, p.name)
        entry["parameters"].append(
            {
                "name": p.name,
                "value": _scalar(p.value),
                "reference": _parameter_reference(parameter, str(p.period)),
                "status": _parameter_status(parameter, status),
            }
        )
    entry["children"] = [_node(system, child, seen, status) for child in node.children]
    return entry


def explain_person(person: RegistryPerson, *, today: datetime.date | None = None) -> dict:
    """Why: the traced computation of the key results for one person (GV-2), judged on
    ``today`` as discovery would judge them that day, with the status of the rules used."""
    today = today or timezone.localdate()
    period = current_period(today)
    status = policy.rules_status(person.region_code)
    population = load_population(person.region_code, person_ids=[person.pk], period=period)
    if not len(population):
        return {
            "period": period,
            "evaluated_on": today.isoformat(),
            "rules_version": policy.rules_label(person.region_code),
            "rules_status": rules_status_text(status),
            "regional": status.regional,
            "trees": [],
            "note": _("This person has left the registry; no rules apply."),
        }
    system = policy.system_for_status(status)
    simulation = build_simulation(system, population, period, on=today)
    simulation.trace = True
    for name in EXPLAINED:
        simulation.calculate(name, period)
    seen: set = set()
    trees = [_node(system, tree, seen, status) for tree in simulation.tracer.trees]
    inputs = {name: _scalar(values) for name, values in population.columns.items() if name in system.variables}
    return {
        "period": period,
        "evaluated_on": today.isoformat(),
        "rules_version": policy.rules_label(person.region_code),
        "rules_status": rules_status_text(status),
        "regional": status.regional,
        "system": type(system).__name__,
        "trees": trees,
        "inputs": inputs,
        "log": simulation.tracer.computation_log.lines(aggregate=False, max_depth=4),
    }
