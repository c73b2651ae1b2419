"""Employment-difficulty recognition (就业困难人员认定) and its components."""

import numpy
from openfisca_core.periods import DateUnit
from openfisca_core.variables import Variable

from meaningflow.assistance.policy.entities import Person
from meaningflow.assistance.policy.variables._dates import (
    full_months_between,
    full_years_between,
    instant_array,
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


class age(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    label = "Age in whole years on the first day of the month"

    def formula(person, period, parameters):
        birth = person("birth_date", period)
        return full_years_between(birth, instant_array(period.start, len(birth)))


class age_in_months(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    label = "Age in whole months on the first day of the month"

    def formula(person, period, parameters):
        birth = person("birth_date", period)
        return full_months_between(birth, instant_array(period.start, len(birth)))


class is_4050(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "Older worker (4050): women from the women's age, men from the men's age"
    reference = "就业服务与就业管理规定 第三十条; provincial restatements"

    def formula(person, period, parameters):
        thresholds = parameters(period).employment_difficulty.age_threshold
        years = person("age", period)
        female = person("is_female", period)
        return numpy.where(female, years >= thresholds.women, years >= thresholds.men)


class turns_4050_next_month(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "Not 4050 yet, but will be on the first day of next month (nearly eligible)"

    def formula(person, period, parameters):
        return ~person("is_4050", period) & person("is_4050", period.offset(1))


class months_unemployed(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    label = "Whole months since unemployment registration, on the first day of the month"

    def formula(person, period, parameters):
        start = person("unemployment_start_date", period)
        months = full_months_between(start, instant_array(period.start, len(start)))
        return numpy.where(person("registered_unemployed", period), numpy.maximum(months, 0), 0)


class long_term_unemployed(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "Registered unemployed continuously for at least the set number of months"

    def formula(person, period, parameters):
        threshold = parameters(period).employment_difficulty.long_term_unemployment_months
        return person("months_unemployed", period) >= threshold


class reaches_long_term_unemployment_next_month(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "Will reach the long-term unemployment threshold on the first day of next month"

    def formula(person, period, parameters):
        threshold = parameters(period).employment_difficulty.long_term_unemployment_months
        start = person("unemployment_start_date", period)
        next_months = full_months_between(start, instant_array(period.offset(1).start, len(start)))
        registered = person("registered_unemployed", period)
        return registered & ~person("long_term_unemployed", period) & (next_months >= threshold)


class disabled(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "Person with a disability (holds a disability card)"

    def formula(person, period, parameters):
        return person("has_disability_card", period)


class in_dibao_household(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "Member of a 低保 household"

    def formula(person, period, parameters):
        return person.household("household_dibao", period) | person("dibao_member", period)


class in_zero_employment_household(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "Member of a zero-employment household (零就业家庭)"

    def formula(person, period, parameters):
        return person.household("household_zero_employment", period)


class in_regional_category(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "In one of the extra categories the region recognises (失地农民, 退役军人 …)"

    def formula(person, period, parameters):
        enabled = parameters(period).employment_difficulty.categories
        result = numpy.zeros(person.count, dtype=bool)
        for key, variable in CATEGORY_VARIABLES.items():
            if enabled[key]:
                result |= person(variable, period)
        return result


class employment_difficulty_person(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "Employment-difficulty person (就业困难人员)"
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
        return person("registered_unemployed", period) & reasons


class nearly_employment_difficulty_person(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "Will be recognised next month if nothing changes (turns 40/50, reaches 12 months)"

    def formula(person, period, parameters):
        soon = person("turns_4050_next_month", period) | person("reaches_long_term_unemployment_next_month", period)
        recognised = person("employment_difficulty_person", period)
        return person("registered_unemployed", period) & ~recognised & soon
