"""The rules package: OpenFisca YAML tests for every variable, and boundary cases."""

import subprocess
import sys
from pathlib import Path

import numpy
import pytest
import yaml
from openfisca_core.simulations import SimulationBuilder
from openfisca_core.tools.test_runner import run_tests

from meaningflow.assistance import policy
from meaningflow.assistance.policy.variables._dates import full_years_between

POLICY = Path(policy.__file__).resolve().parent
YAML_DIRS = [POLICY / "tests", POLICY / "extensions" / "hunan" / "tests"]
ROOT = POLICY.parents[2]


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


def test_openfisca_command_runs_the_yaml_tests():
    # The exact command docs/RULES.md gives, from the repository root.
    openfisca = Path(sys.executable).parent / "openfisca"
    command = [str(openfisca), "test", *[str(d.relative_to(ROOT)) for d in YAML_DIRS]]
    completed = subprocess.run(  # noqa: S603 — our own interpreter's script, fixed arguments
        [*command, "--country-package", "meaningflow.assistance.policy"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout[-2000:] + completed.stderr[-2000:]
    assert " passed" in completed.stdout and "failed" not in completed.stdout


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
    variables = set(policy.reformed_system(policy.REGIONAL_REFORMS["43"]).variables)  # national + Hunan
    assert variables - mentioned == set()


def _one(system, period="2025-06", run_date=None, **inputs):
    if run_date is not None:
        inputs["run_date"] = run_date
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


@pytest.mark.parametrize(
    ("run_date", "expected"), [("2025-06-14", False), ("2025-06-15", True), (None, True), ("2025-06-01", False)]
)
def test_birthday_mid_month_counts_on_the_day(run_date, expected):
    # Turns 40 on the 15th: recognised from that day, not from the next month (a whole
    # month without a run date is judged on its last day).
    simulation = _one(
        policy.national_system(),
        run_date=run_date,
        birth_date="1985-06-15",
        is_female=True,
        registered_unemployed=True,
        unemployment_start_date="2025-05-01",
    )
    assert bool(simulation.calculate("is_4050", "2025-06")[0]) is expected
    assert bool(simulation.calculate("employment_difficulty_person", "2025-06")[0]) is expected


@pytest.mark.parametrize(
    ("run_date", "months", "long_term"), [("2025-06-14", 11, False), ("2025-06-15", 12, True), (None, 12, True)]
)
def test_twelve_months_reached_mid_month(run_date, months, long_term):
    simulation = _one(
        policy.national_system(),
        run_date=run_date,
        registered_unemployed=True,
        unemployment_start_date="2024-06-15",
        birth_date="1995-01-01",
    )
    assert simulation.calculate("months_unemployed", "2025-06")[0] == months
    assert bool(simulation.calculate("long_term_unemployed", "2025-06")[0]) is long_term


@pytest.mark.parametrize(
    ("first_approval", "near"), [("2020-01-02", True), ("2020-01-01", False), ("2019-12-31", False)]
)
def test_near_retirement_is_strictly_fewer_than_five_years(first_approval, near):
    # A man born 1965-01-01 retired at 60 on 2025-01-01 (the rules at first approval);
    # exactly 5 years before is 2020-01-01, which is not "不足5年".
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
        has_disability_card=True,
    )
    value = float(simulation.calculate("flexible_employment_social_insurance_subsidy", "2025-06")[0])
    assert value == pytest.approx(subsidy, abs=0.006)
    assert value <= paid * 2 / 3 + 1e-4


HUNAN_CASE = {
    "birth_date": "1983-01-01",
    "is_female": True,
    "registered_unemployed": True,
    "unemployment_start_date": "2025-05-01",
}


def test_regional_rules_are_off_by_default(settings):
    settings.ASSISTANCE_REGIONAL_RULES = []
    assert policy.system_for_region("430102") is policy.national_system()
    assert policy.rules_label("430102") == policy.RULES_VERSION
    assert not policy.rules_status("430102").regional
    hunan = _one(policy.system_for_region("430102"), **HUNAN_CASE)
    assert bool(hunan.calculate("employment_difficulty_person", "2025-06")[0]) is True  # 42 ≥ 40, national


def test_regional_override_applies_when_switched_on(settings):
    settings.ASSISTANCE_REGIONAL_RULES = ["43"]
    national = _one(policy.system_for_region("110101"), **HUNAN_CASE)
    hunan = _one(policy.system_for_region("430102"), **HUNAN_CASE)
    assert bool(national.calculate("employment_difficulty_person", "2025-06")[0]) is True  # 42 ≥ 40
    assert bool(hunan.calculate("employment_difficulty_person", "2025-06")[0]) is False  # 42 < 45
    assert policy.rules_label("430102").endswith("HunanRules")
    status = policy.rules_status("430102")
    assert (status.regional, status.status, status.region_label) == (True, policy.DEMONSTRATION, "Hunan")
    assert not policy.rules_status("110101").regional  # switched on, but Beijing has no reform


def _leaves(node):
    for child in node.children.values():
        if hasattr(child, "children"):
            yield from _leaves(child)
        else:
            yield child


@pytest.mark.parametrize("system", ["national", "hunan"])
def test_parameters_carry_references(system):
    rules = policy.national_system() if system == "national" else policy.reformed_system(policy.REGIONAL_REFORMS["43"])
    for parameter in _leaves(rules.parameters):
        assert parameter.metadata.get("reference"), parameter.name
        assert all((at.metadata or {}).get("reference") for at in parameter.values_list), parameter.name


def test_regional_parameters_say_they_are_demonstration_values():
    hunan = policy.reformed_system(policy.REGIONAL_REFORMS["43"])
    regional = [p for p in _leaves(hunan.parameters) if p.metadata.get("regional")]
    assert {p.name for p in regional} == {
        "employment_difficulty.age_threshold.men",
        "employment_difficulty.age_threshold.women",
        "dibao.standard_monthly",
    }
    assert {p.metadata["status"] for p in regional} == {policy.DEMONSTRATION}
    assert not any(p.metadata.get("regional") for p in _leaves(policy.national_system().parameters))


def test_vectorised_dates_match_python():
    births = numpy.array(["2000-02-29", "1990-12-31", "1985-06-01"], dtype="datetime64[D]")
    on = numpy.array(["2025-02-28", "2025-12-31", "2025-05-31"], dtype="datetime64[D]")
    assert full_years_between(births, on).tolist() == [24, 35, 39]
