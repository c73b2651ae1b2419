"""The rules answer for every month from 2019-01 to a year ahead: every parameter has a value
or an explicit "not in force" (a null with a reference), and every variable computes."""

import datetime

import numpy
import pytest
from openfisca_core.periods import DateUnit
from openfisca_core.simulations import SimulationBuilder

from meaningflow.assistance import policy

FIRST_MONTH = "2019-01"


def _months() -> list[str]:
    today = datetime.date.today()  # the range is relative to today, no assertion on time
    last = numpy.datetime64(f"{today:%Y-%m}", "M") + 12
    return [str(month) for month in numpy.arange(numpy.datetime64(FIRST_MONTH, "M"), last + 1)]


def _systems():
    yield "national", policy.national_system()
    for province, reform in policy.REGIONAL_REFORMS.items():
        yield province, policy.reformed_system(reform)


SYSTEMS = dict(_systems())


def _leaves(node):
    for child in node.children.values():
        if hasattr(child, "children"):
            yield from _leaves(child)
        else:
            yield child


@pytest.mark.parametrize("name", list(SYSTEMS))
def test_every_parameter_answers_for_every_month(name):
    months = _months()
    for parameter in _leaves(SYSTEMS[name].parameters):
        entries = sorted(parameter.values_list, key=lambda at: at.instant_str)
        assert entries[0].instant_str <= f"{FIRST_MONTH}-01", f"{parameter.name} has no entry for {FIRST_MONTH}"
        for month in months:
            value = parameter(f"{month}-01")
            if value is None:
                # Only an explicit null, with the reason in its reference, may say "not in force".
                in_force = [at for at in entries if at.instant_str <= f"{month}-01"][-1]
                assert in_force.value is None and in_force.metadata.get("reference"), (parameter.name, month)


# A small population that reaches every branch: recognised and not, cadres, graduates,
# flexible workers, persons near and past retirement, small firms, 低保 households.
PERSONS = {
    "woman_cadre": {
        "birth_date": "1970-05-15",
        "is_female": True,
        "is_cadre": True,
        "registered_unemployed": True,
        "unemployment_start_date": "2018-03-15",
        "flexibly_employed": True,
        "social_insurance_contributions_paid": 900.0,
        "flexible_subsidy_months_used": 20,
        "flexible_subsidy_first_approval_date": "2018-06-01",
        "public_welfare_post_first_placement_date": "2019-02-01",
        "public_welfare_post_months_used": 10,
        "public_welfare_post_placements": 1,
    },
    "woman_worker": {
        "birth_date": "1976-02-29",
        "is_female": True,
        "registered_unemployed": True,
        "unemployment_start_date": "2019-01-31",
        "has_disability_card": True,
        "dibao_member": True,
        "employment_income": 1500.0,
        "dibao_income_above_standard_since": "2020-02-29",
        "placed_by_employment_services": True,
    },
    "graduate": {
        "birth_date": "2000-01-31",
        "graduation_date": "2022-06-30",
        "flexibly_employed": True,
        "social_insurance_contributions_paid": 450.0,
        "skill_evaluation_level_passed": 4,
        "skill_evaluation_occupation_level_already_subsidised": True,
    },
    "firm_owner": {
        "birth_date": "1965-01-15",
        "registered_unemployed": True,
        "unemployment_start_date": "2017-01-01",
        "runs_small_firm": True,
        "small_firm_staff": 120,
        "small_firm_new_eligible_hires": 10,
        "startup_loan_contract_date": "2020-05-20",
        "startup_loan_contract_rate": 0.0435,
        "formally_employed": False,
    },
    "employed": {"birth_date": "1990-12-31", "formally_employed": True, "registered_unemployed": True},
}


def _simulation(system, month: str, run_date: str | None):
    persons = {}
    for key, inputs in PERSONS.items():
        persons[key] = {}
        for name, value in inputs.items():
            eternal = system.variables[name].definition_period == DateUnit.ETERNITY
            persons[key][name] = {"ETERNITY" if eternal else month: value}
        if run_date:
            persons[key]["run_date"] = {month: run_date}
    households = {"dibao": {"members": ["woman_worker", "graduate"], "household_dibao": {month: True}}}
    households.update({f"own_{key}": {"members": [key]} for key in ("woman_cadre", "firm_owner", "employed")})
    return SimulationBuilder().build_from_entities(system, {"persons": persons, "households": households})


@pytest.mark.parametrize("name", list(SYSTEMS))
def test_every_variable_computes_for_every_month(name):
    system = SYSTEMS[name]
    formulas = sorted(n for n, v in system.variables.items() if v.formulas)
    assert len(formulas) > 40
    for month in _months():
        # Judged on a whole month (its last day) and on a mid-month run date.
        for run_date in (None, f"{month}-15"):
            simulation = _simulation(system, month, run_date)
            for variable in formulas:
                values = simulation.calculate(variable, month)
                if values.dtype.kind == "f":
                    assert numpy.isfinite(values).all(), (variable, month)
