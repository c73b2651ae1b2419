"""The rules package: OpenFisca YAML tests for every variable, and boundary cases."""

from pathlib import Path

import numpy
import pytest
import yaml
from openfisca_core.simulations import SimulationBuilder
from openfisca_core.tools.test_runner import run_tests

from meaningflow.assistance import policy

POLICY = Path(policy.__file__).resolve().parent
YAML_DIRS = [POLICY / "tests", POLICY / "extensions" / "hunan" / "tests"]


def test_yaml_tests_pass():
    # OpenFisca's runner is itself pytest; run it isolated from this project's plugins.
    args = [str(d) for d in YAML_DIRS] + [
        "-q",
        "-p",
        "no:django",
        "-p",
        "no:cacheprovider",
        "-o",
        "addopts=",
    ]
    assert run_tests(policy.national_system(), args) == 0


def test_every_variable_has_yaml_cases():
    mentioned = set()
    for directory in YAML_DIRS:
        for path in directory.glob("*.yaml"):
            for case in yaml.safe_load(path.read_text()):
                mentioned |= set(case.get("output", {}))
                inputs = case.get("input", {})
                for group in ("persons", "households"):
                    for entity in (inputs.get(group) or {}).values():
                        mentioned |= set(entity)
                mentioned |= {k for k in inputs if k not in ("persons", "households")}
    variables = set(policy.system_for_region("43").variables)
    assert variables - mentioned == set()


def _one(system, period="2025-06", **inputs):
    simulation = SimulationBuilder().build_from_entities(
        system,
        {
            "persons": {
                "p": {
                    k: {period if not k.startswith(("birth", "is_female")) else "ETERNITY": v}
                    for k, v in inputs.items()
                }
            },
            "households": {"h": {"members": ["p"]}},
        },
    )
    return simulation


@pytest.mark.parametrize(("birth", "expected"), [("1985-06-01", True), ("1985-06-02", False)])
def test_birthday_on_the_day(birth, expected):
    simulation = _one(policy.national_system(), birth_date=birth, is_female=True)
    assert bool(simulation.calculate("is_4050", "2025-06")[0]) is expected


@pytest.mark.parametrize(("since", "months", "long_term"), [("2024-06-01", 12, True), ("2024-06-02", 11, False)])
def test_exactly_twelve_months(since, months, long_term):
    simulation = _one(policy.national_system(), registered_unemployed=True, unemployment_start_date=since)
    assert simulation.calculate("months_unemployed", "2025-06")[0] == months
    assert bool(simulation.calculate("long_term_unemployed", "2025-06")[0]) is long_term


@pytest.mark.parametrize(("first_approval", "near"), [("2020-01-01", True), ("2019-12-31", False)])
def test_near_retirement_boundary(first_approval, near):
    # A man born 1965-01-01 retires at 60 on 2025-01-01; exactly 5 years before is 2020-01-01.
    simulation = _one(
        policy.national_system(),
        birth_date="1965-01-01",
        is_female=False,
        flexible_subsidy_months_used=10,
        flexible_subsidy_first_approval_date=first_approval,
    )
    assert bool(simulation.calculate("flexible_subsidy_near_retirement", "2025-06")[0]) is near


@pytest.mark.parametrize(("paid", "subsidy"), [(100, 66.66), (0.03, 0.02), (1234.56, 823.04), (999.99, 666.66)])
def test_two_thirds_rounds_down_to_the_fen(paid, subsidy):
    simulation = _one(
        policy.national_system(),
        registered_unemployed=True,
        unemployment_start_date="2024-01-01",
        flexibly_employed=True,
        social_insurance_contributions_paid=paid,
        birth_date="1990-01-01",
    )
    value = float(simulation.calculate("flexible_employment_social_insurance_subsidy", "2025-06")[0])
    assert value == pytest.approx(subsidy, abs=0.006)
    assert value <= paid * 2 / 3 + 1e-4


def test_regional_override_applies_by_region_code():
    inputs = {
        "birth_date": "1983-01-01",
        "is_female": True,
        "registered_unemployed": True,
        "unemployment_start_date": "2025-05-01",
    }
    national = _one(policy.system_for_region("110101"), **inputs)
    hunan = _one(policy.system_for_region("430102"), **inputs)
    assert bool(national.calculate("employment_difficulty_person", "2025-06")[0]) is True  # 42 ≥ 40
    assert bool(hunan.calculate("employment_difficulty_person", "2025-06")[0]) is False  # 42 < 45
    assert policy.rules_label("430102").endswith("HunanRules")


def test_parameters_carry_references():
    system = policy.national_system()

    def leaves(node):
        for child in node.children.values():
            if hasattr(child, "children"):
                yield from leaves(child)
            else:
                yield child

    for parameter in leaves(system.parameters):
        assert parameter.metadata.get("reference"), parameter.name
        assert all((at.metadata or {}).get("reference") for at in parameter.values_list), parameter.name


def test_vectorised_dates_match_python():
    from meaningflow.assistance.policy.variables._dates import full_years_between

    births = numpy.array(["2000-02-29", "1990-12-31", "1985-06-01"], dtype="datetime64[D]")
    on = numpy.array(["2025-02-28", "2025-12-31", "2025-05-31"], dtype="datetime64[D]")
    assert full_years_between(births, on).tolist() == [24, 35, 39]
