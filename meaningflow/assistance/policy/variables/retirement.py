"""Statutory retirement age (法定退休年龄): nobody at or past it is recognised or offered a post
or subsidy, and the near-retirement rules count the time left to it."""

from datetime import date

import numpy
from openfisca_core.periods import DateUnit
from openfisca_core.variables import Variable

from meaningflow.assistance.policy.entities import Person
from meaningflow.assistance.policy.i18n import gettext_noop
from meaningflow.assistance.policy.variables._dates import add_months, full_months_between, known

MONTH = DateUnit.MONTH
GROUPS = ("men", "women_cadres", "women_workers")  # the three tables of the 2024 decision
DECISION = "全国人民代表大会常务委员会关于实施渐进式延迟法定退休年龄的决定 (2024-09-13)"


def original_retirement_months(ages, female, cadre) -> numpy.ndarray:
    """The retirement age before the 2024 decision, in months: men 60, women cadres 55,
    women workers 50 (国发〔1978〕104号)."""
    women = numpy.where(cadre, ages.women_cadres, ages.women_workers)
    return numpy.where(female, women, ages.men) * 12


def retirement_months_under(rules, birth, female, cadre) -> numpy.ndarray:
    """The statutory retirement age in months under ``rules`` (the retirement parameters at
    an instant). From the original retirement month, every ``months_per_step`` original
    months postpone retirement by one more month (men and women cadres every 4, women
    workers every 2), up to the cap (63, 58 and 55 years): the official tables of the
    decision's annexes 1–3."""
    base = original_retirement_months(rules.age, female, cadre)
    if not rules.gradual_increase.in_force:
        return base
    increase = rules.gradual_increase
    # Months since 1970-01 of the birth month, of the original retirement month and of the
    # first postponed one.
    original = numpy.asarray(birth, dtype="datetime64[M]").astype(numpy.int64) + base
    first = increase.first_delayed_month
    since_first = original - ((first // 100 - 1970) * 12 + first % 100 - 1)
    group = [~female, female & cadre, female & ~cadre]
    step = numpy.select(group, [getattr(increase.months_per_step, g) for g in GROUPS])
    cap = numpy.select(group, [getattr(increase.max_delay_months, g) for g in GROUPS])
    return base + numpy.where(since_first >= 0, numpy.minimum(cap, since_first // step + 1), 0)


class retirement_age_months(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    label = gettext_noop("Statutory retirement age in months, after the gradual increase decided in 2024")
    reference = f"{DECISION} 及附件1–3 对照表; 国发〔1978〕104号"

    def formula(person, period, parameters):
        return retirement_months_under(
            parameters(period).retirement,
            person("birth_date", period),
            person("is_female", period),
            person("is_cadre", period),
        )


class retirement_age(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    label = gettext_noop("Statutory retirement age (whole years)")

    def formula(person, period, parameters):
        return person("retirement_age_months", period) // 12


class retirement_date(Variable):
    value_type = date
    entity = Person
    definition_period = MONTH
    label = gettext_noop("Date the person reaches the statutory retirement age")

    def formula(person, period, parameters):
        return add_months(person("birth_date", period), person("retirement_age_months", period))


class reached_retirement_age(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = gettext_noop("At or past the statutory retirement age on the evaluation date")
    reference = "就业服务与就业管理规定 第六十三条 (失业登记: 在法定劳动年龄内)"

    def formula(person, period, parameters):
        return person("evaluation_date", period) >= person("retirement_date", period)


class months_to_retirement(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    label = gettext_noop("Whole months left from the evaluation date to the statutory retirement age")

    def formula(person, period, parameters):
        return full_months_between(person("evaluation_date", period), person("retirement_date", period))


def judged_on(person, period, first_date_variable: str) -> numpy.ndarray:
    """The date a rule judged "at first approval/placement" is judged on: the recorded first
    date, else (a first application, or a date the registry does not hold) the evaluation
    date."""
    first = person(first_date_variable, period)
    return numpy.where(known(first), first, person("evaluation_date", period))


def fewer_years_to_retirement(person, period, dates, years) -> numpy.ndarray:
    """On each date, strictly fewer than ``years`` years (不足N年) to the retirement age the
    rules in force on that date set: a near-retirement status granted before the 2024
    decision is kept (the benefit then runs to the new, later retirement date)."""
    tbs = person.simulation.tax_benefit_system
    days, position = numpy.unique(numpy.asarray(dates, dtype="datetime64[D]"), return_inverse=True)
    in_force = tbs.parameters.retirement.gradual_increase.in_force
    reformed_then = numpy.array([bool(in_force(str(day))) for day in days], dtype=bool)[position]
    birth = person("birth_date", period)
    ages = parameters_on(person, period).retirement.age
    baseline = original_retirement_months(ages, person("is_female", period), person("is_cadre", period))
    retirement = numpy.where(reformed_then, person("retirement_age_months", period), baseline)
    return numpy.asarray(dates, dtype="datetime64[D]") > add_months(birth, retirement - years * 12)


def parameters_on(person, period):
    return person.simulation.tax_benefit_system.parameters(period.start)
