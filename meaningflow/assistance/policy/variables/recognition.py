"""Employment-difficulty recognition (就业困难人员认定) and its components.

Every date-dependent condition is judged on ``evaluation_date``: the day discovery runs (or
the officer opens the case), else the last day of the month asked (docs/RULES.md).
"""

from datetime import date

import numpy
from openfisca_core.periods import DateUnit
from openfisca_core.variables import Variable

from meaningflow.assistance.policy.entities import Person
from meaningflow.assistance.policy.i18n import gettext_noop
from meaningflow.assistance.policy.variables._dates import (
    full_months_between,
    full_years_between,
    known,
    last_day,
    same_day_next_month,
)

MONTH = DateUnit.MONTH

# Category inputs and the parameter (employment_difficulty.categories.<key>) that enables each.
CATEGORY_VARIABLES = {
    "land_expropriated": "is_land_expropriated_farmer",
    "veteran": "is_veteran",
    "single_parent": "is_single_parent",
    "carer": "is_carer_of_seriously_ill",
    "poor_graduate": "is_graduate_from_poor_family",
    "released_prisoner": "is_released_prisoner",
    "rehabilitated_drug_user": "is_rehabilitated_drug_user",
}


class run_date(Variable):
    value_type = date
    default_value = date(1970, 1, 1)
    entity = Person
    definition_period = MONTH
    label = gettext_noop("Day of the discovery run or of the officer's look (1970-01-01: none, a whole month)")


class evaluation_date(Variable):
    value_type = date
    entity = Person
    definition_period = MONTH
    label = gettext_noop("Date the rules are judged on: the day of the run, else the last day of the month")
    reference = "就业服务与就业管理规定 第三十一条 (认定 on application: conditions as they stand that day)"

    def formula(person, period, parameters):
        run = person("run_date", period)
        return numpy.where(known(run), run, last_day(period))


class next_evaluation_date(Variable):
    value_type = date
    entity = Person
    definition_period = MONTH
    label = gettext_noop("The same day next month: the horizon of the nearly eligible")

    def formula(person, period, parameters):
        return same_day_next_month(person("evaluation_date", period))


class age(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    label = gettext_noop("Age in whole years on the evaluation date")

    def formula(person, period, parameters):
        return full_years_between(person("birth_date", period), person("evaluation_date", period))


class age_in_months(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    label = gettext_noop("Age in whole months on the evaluation date")

    def formula(person, period, parameters):
        return full_months_between(person("birth_date", period), person("evaluation_date", period))


def _older_worker(years, female, thresholds) -> numpy.ndarray:
    return numpy.where(female, years >= thresholds.women, years >= thresholds.men)


class is_4050(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = gettext_noop("Older worker (4050): women from the women's age, men from the men's age")
    reference = "就业服务与就业管理规定 第三十条; provincial restatements"

    def formula(person, period, parameters):
        thresholds = parameters(period).employment_difficulty.age_threshold
        return _older_worker(person("age", period), person("is_female", period), thresholds)


class turns_4050_next_month(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = gettext_noop("Not 4050 yet, but will be within a month of the evaluation date (nearly eligible)")

    def formula(person, period, parameters):
        thresholds = parameters(period.offset(1)).employment_difficulty.age_threshold
        years = full_years_between(person("birth_date", period), person("next_evaluation_date", period))
        return ~person("is_4050", period) & _older_worker(years, person("is_female", period), thresholds)


class months_unemployed(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    label = gettext_noop("Whole months since unemployment registration, on the evaluation date")
    reference = "就业服务与就业管理规定 第三十条 (连续失业一定时间); the registration counts, not the work form"

    def formula(person, period, parameters):
        start = person("unemployment_start_date", period)
        months = full_months_between(start, person("evaluation_date", period))
        return numpy.where(person("registered_unemployed", period), numpy.maximum(months, 0), 0)


class long_term_unemployed(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = gettext_noop("Registered unemployed continuously for at least the set number of months")

    def formula(person, period, parameters):
        threshold = parameters(period).employment_difficulty.long_term_unemployment_months
        return person("months_unemployed", period) >= threshold


class reaches_long_term_unemployment_next_month(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = gettext_noop("Will reach the long-term unemployment threshold within a month of the evaluation date")

    def formula(person, period, parameters):
        threshold = parameters(period.offset(1)).employment_difficulty.long_term_unemployment_months
        start = person("unemployment_start_date", period)
        next_months = full_months_between(start, person("next_evaluation_date", period))
        registered = person("registered_unemployed", period)
        return registered & ~person("long_term_unemployed", period) & (next_months >= threshold)


class disabled(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = gettext_noop("Person with a disability (holds a disability card)")

    def formula(person, period, parameters):
        return person("has_disability_card", period)


class in_dibao_household(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = gettext_noop("Member of a 低保 household")

    def formula(person, period, parameters):
        return person.household("household_dibao", period) | person("dibao_member", period)


class in_zero_employment_household(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = gettext_noop("Member of a zero-employment household (零就业家庭)")

    def formula(person, period, parameters):
        return person.household("household_zero_employment", period)


class in_regional_category(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = gettext_noop("In one of the extra categories the region recognises (失地农民, 退役军人 …)")

    def formula(person, period, parameters):
        enabled = parameters(period).employment_difficulty.categories
        result = numpy.zeros(person.count, dtype=bool)
        for key, variable in CATEGORY_VARIABLES.items():
            if enabled[key]:
                result |= person(variable, period)
        return result


class may_be_recognised(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = gettext_noop("Registered unemployed, not employed by an employer and below the retirement age")
    reference = "就业服务与就业管理规定 第三十条, 第六十三条, 第六十六条 (注销失业登记)"

    def formula(person, period, parameters):
        return (
            person("registered_unemployed", period)
            & ~person("formally_employed", period)
            & ~person("reached_retirement_age", period)
        )


class employment_difficulty_person(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = gettext_noop("Employment-difficulty person (就业困难人员)")
    reference = "中华人民共和国就业促进法 第五十二条; 就业服务与就业管理规定 第三十条"

    def formula(person, period, parameters):
        reasons = (
            person("is_4050", period)
            | person("disabled", period)
            | person("in_dibao_household", period)
            | person("long_term_unemployed", period)
            | person("in_zero_employment_household", period)
            | person("in_regional_category", period)
        )
        return person("may_be_recognised", period) & reasons


class nearly_employment_difficulty_person(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = gettext_noop("Will be recognised within a month if nothing changes (reaches the age or 12 months)")

    def formula(person, period, parameters):
        soon = person("turns_4050_next_month", period) | person("reaches_long_term_unemployment_next_month", period)
        retired_by_then = person("next_evaluation_date", period) >= person("retirement_date", period)
        recognised = person("employment_difficulty_person", period)
        return person("may_be_recognised", period) & ~recognised & soon & ~retired_by_then
