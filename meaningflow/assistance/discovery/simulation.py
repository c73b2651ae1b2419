"""One OpenFisca simulation for a whole population, inputs set from arrays (per rule set in
use, usually one)."""

import datetime

import numpy
from openfisca_core import periods
from openfisca_core.simulations import SimulationBuilder

from meaningflow.assistance import policy
from meaningflow.assistance.discovery.population import Population
from meaningflow.assistance.reasons import RECOGNITION_REASONS

OUTPUTS = (
    "employment_difficulty_person",
    "nearly_employment_difficulty_person",
    "turns_4050_next_month",
    "reaches_long_term_unemployment_next_month",
    "months_unemployed",
    "age",
    "flexible_employment_social_insurance_subsidy",
    "public_welfare_post_eligible",
    "training_subsidy_eligible",
    "startup_loan_eligible",
    "startup_loan_max_amount",
    "dibao_employment_cost_deduction",
    *[variable for _label, variable in RECOGNITION_REASONS.values()],
)


# --- the simulation -----------------------------------------------------------------

HOUSEHOLD_INPUTS = ("household_dibao", "household_zero_employment")


def build_simulation(
    system, population: Population, period: str, index: numpy.ndarray | None = None, *, on: datetime.date | None = None
):
    """One OpenFisca simulation for the (sub)population, inputs set from arrays. ``on``: the
    day the rules are judged on (the run's date); without it, the last day of the month."""
    cols = population.columns if index is None else {k: v[index] for k, v in population.columns.items()}
    ids = population.ids if index is None else population.ids[index]
    builder = SimulationBuilder()
    builder.create_entities(system)
    builder.declare_person_entity("person", ids)
    household_ids, members = numpy.unique(cols["household_id"], return_inverse=True)
    households = builder.declare_entity("household", household_ids)
    builder.join_with_persons(households, cols["household_id"], numpy.zeros(len(ids), dtype=numpy.int16))
    simulation = builder.build(system)
    month = periods.period(period)
    # A household is 低保 / zero-employment if its record or any member's row says so.
    for name in HOUSEHOLD_INPUTS:
        flag = cols[name] | (cols["dibao_member"] if name == "household_dibao" else False)
        simulation.set_input(name, month, numpy.bincount(members, weights=flag, minlength=len(household_ids)) > 0)
    for name, values in cols.items():
        variable = system.variables.get(name)
        if variable is None or name in HOUSEHOLD_INPUTS:
            continue
        eternal = variable.definition_period == periods.DateUnit.ETERNITY
        simulation.set_input(name, periods.period("eternity") if eternal else month, values)
    if on is not None:
        simulation.set_input("run_date", month, numpy.full(len(ids), numpy.datetime64(on, "D")))
    return simulation


def compute(simulation, period: str) -> dict[str, numpy.ndarray]:
    return {name: simulation.calculate(name, period) for name in OUTPUTS}


def _rule_set_groups(population: Population) -> dict[policy.RulesStatus, numpy.ndarray]:
    """Persons by the rules in use for them: the national rules, or a province's reform where
    it is switched on (usually one group)."""
    provinces = population.region_codes // 10_000
    groups: dict[policy.RulesStatus, list[numpy.ndarray]] = {}
    for province in numpy.unique(provinces).tolist():
        status = policy.rules_status(f"{province:02d}")
        key = status if status.regional else policy.RulesStatus(province="")
        groups.setdefault(key, []).append(numpy.flatnonzero(provinces == province))
    return {key: numpy.concatenate(parts) for key, parts in groups.items()}


def compute_population(
    population: Population, period: str, *, on: datetime.date | None = None
) -> dict[str, numpy.ndarray]:
    """Results for every person, judged on ``on`` (the run's date); one simulation per rule
    set in use (usually one)."""
    results = {name: numpy.zeros(len(population), dtype=numpy.float64) for name in OUTPUTS}
    groups = _rule_set_groups(population)
    for status, index in groups.items():
        system = policy.system_for_status(status)
        simulation = build_simulation(system, population, period, None if len(groups) == 1 else index, on=on)
        for name, values in compute(simulation, period).items():
            results[name][index] = values
    return results
