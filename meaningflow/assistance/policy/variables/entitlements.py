"""Entitlements: subsidies, posts, loans and the 低保 deduction, with their limits."""

import numpy
from openfisca_core.periods import DateUnit
from openfisca_core.variables import Variable

from meaningflow.assistance.policy.entities import Household, Person
from meaningflow.assistance.policy.variables._dates import full_months_between, instant_array

MONTH = DateUnit.MONTH


class retirement_age_months(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    label = "Statutory retirement age in months, after the gradual increase decided in 2024"
    reference = "全国人民代表大会常务委员会关于实施渐进式延迟法定退休年龄的决定 (2024-09-13)"

    def formula(person, period, parameters):
        rules = parameters(period).retirement
        female = person("is_female", period)
        base = numpy.where(female, rules.age.women, rules.age.men) * 12
        if not rules.gradual_increase.in_force:
            return base
        increase = rules.gradual_increase
        # Months since 1970-01 of the birth month, of the original retirement month and of
        # the first postponed one: the postponement grows by one month per step of original
        # retirement months from there (men every 4, women workers every 2), up to the cap.
        birth_month = person("birth_date", period).astype("datetime64[M]").astype(numpy.int64)
        original = birth_month + base
        first = increase.first_delayed_month
        since_first = original - ((first // 100 - 1970) * 12 + first % 100 - 1)
        step = numpy.where(female, increase.months_per_step.women, increase.months_per_step.men)
        cap = numpy.where(female, increase.max_delay_months.women, increase.max_delay_months.men)
        delay = numpy.where(since_first >= 0, numpy.minimum(cap, since_first // step + 1), 0)
        return base + delay


class retirement_age(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    label = "Statutory retirement age (whole years)"

    def formula(person, period, parameters):
        return person("retirement_age_months", period) // 12


class months_to_retirement(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    label = "Months left until the statutory retirement age"

    def formula(person, period, parameters):
        return person("retirement_age_months", period) - person("age_in_months", period)


def _months_to_retirement_at(person, period, first_approval):
    """Months from each date to retirement, the retirement age taken as the rules in force
    on that date had it: a near-retirement status granted before the 2024 decision is kept
    (the subsidy then runs to the new, later retirement date)."""
    birth = person("birth_date", period)
    age_months_then = full_months_between(birth, first_approval)
    dates, position = numpy.unique(numpy.asarray(first_approval, "datetime64[D]"), return_inverse=True)
    in_force = person.simulation.tax_benefit_system.parameters.retirement.gradual_increase.in_force
    reformed_then = numpy.array([bool(in_force(str(day))) for day in dates], dtype=bool)[position]
    ages = parameters_at(person, period).retirement.age
    baseline = numpy.where(person("is_female", period), ages.women, ages.men) * 12
    retirement = numpy.where(reformed_then, person("retirement_age_months", period), baseline)
    return retirement - age_months_then


def parameters_at(person, period):
    return person.simulation.tax_benefit_system.parameters(period.start)


class flexible_subsidy_near_retirement(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "Within the near-retirement window at first approval: the subsidy runs to retirement"
    reference = "财社〔2023〕181号 第九条"

    def formula(person, period, parameters):
        rules = parameters(period).flexible_employment.subsidy
        already = person("flexible_subsidy_months_used", period) > 0
        first = numpy.where(
            already,
            person("flexible_subsidy_first_approval_date", period),
            instant_array(period.start, person.count),
        )
        return _months_to_retirement_at(person, period, first) <= rules.near_retirement_years * 12


class flexible_subsidy_eligible(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "Eligible for the flexible-employment social-insurance subsidy this month"
    reference = "财社〔2023〕181号 第九条"

    def formula(person, period, parameters):
        rules = parameters(period).flexible_employment.subsidy
        used = person("flexible_subsidy_months_used", period)
        before_retirement = person("months_to_retirement", period) > 0
        within = numpy.where(
            person("flexible_subsidy_near_retirement", period),
            before_retirement,
            (used < rules.max_months) & before_retirement,
        )
        recognised = person("employment_difficulty_person", period) | person("flexibly_employed", period)
        return (
            recognised
            & person("flexibly_employed", period)
            & within
            & ~person("receives_unemployment_insurance", period)
        )


class flexible_employment_social_insurance_subsidy(Variable):
    value_type = float
    entity = Person
    definition_period = MONTH
    label = "Flexible-employment social-insurance subsidy (yuan), at most 2/3 of what was paid"
    reference = "财社〔2023〕181号 第九条"

    def formula(person, period, parameters):
        rules = parameters(period).flexible_employment.subsidy
        # Inputs are float32: round back to the fen before taking the share.
        paid = numpy.round(person("social_insurance_contributions_paid", period).astype(numpy.float64), 2)
        # Round down to the fen so the subsidy never exceeds the share.
        share = numpy.floor(paid * rules.share_numerator / rules.share_denominator * 100 + 1e-6) / 100
        return numpy.where(person("flexible_subsidy_eligible", period), share, 0.0)


class public_welfare_post_eligible(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "May be placed on a public-welfare post (托底安置)"
    reference = "人社部发〔2019〕124号"

    def formula(person, period, parameters):
        rules = parameters(period).public_welfare_post
        months_left = person("months_to_retirement", period)
        near = months_left <= rules.near_retirement_years * 12
        within = numpy.where(
            near,
            months_left > 0,
            person("public_welfare_post_months_used", period) < rules.max_months,
        )
        # The first placement plus at most ``max_replacements`` re-placements.
        placements_ok = person("public_welfare_post_placements", period) <= rules.max_replacements
        return person("employment_difficulty_person", period) & within & placements_ok


class skill_evaluation_subsidy(Variable):
    value_type = float
    entity = Person
    definition_period = MONTH
    label = "Skill-evaluation subsidy for the level certified this month (yuan)"
    reference = "财社〔2023〕181号 第七条"

    def formula(person, period, parameters):
        rules = parameters(period).skill_evaluation
        level = person("skill_evaluation_level_passed", period)
        amount = numpy.select(
            [level == 5, level == 4, level == 3],
            [rules.amount.level_5, rules.amount.level_4, rules.amount.level_3],
            0.0,
        )
        under_limit = person("skill_evaluation_subsidies_received", period) < rules.max_times
        return numpy.where(under_limit & person("training_subsidy_eligible", period), amount, 0.0)


class training_subsidy_eligible(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "May receive employment-skills training and evaluation subsidies"
    reference = "财社〔2023〕181号 第七条"

    def formula(person, period, parameters):
        rules = parameters(period).skill_evaluation
        eligible_group = person("registered_unemployed", period) | person("employment_difficulty_person", period)
        return eligible_group & (person("skill_evaluation_subsidies_received", period) < rules.max_times)


class startup_loan_eligible(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "May apply for a start-up guarantee loan (创业担保贷款)"
    reference = "财金〔2020〕21号"

    def formula(person, period, parameters):
        rules = parameters(period).startup_loan
        return person("registered_unemployed", period) & (person("startup_loans_received", period) < rules.max_times)


class startup_loan_max_amount(Variable):
    value_type = float
    entity = Person
    definition_period = MONTH
    label = "Largest start-up guarantee loan for an individual (yuan)"
    reference = "财金〔2020〕21号"

    def formula(person, period, parameters):
        return person("startup_loan_eligible", period) * parameters(period).startup_loan.individual_max_amount


class startup_loan_max_years(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    label = "Longest term of an individual start-up guarantee loan (years)"
    reference = "财金〔2020〕21号"

    def formula(person, period, parameters):
        return person("startup_loan_eligible", period) * parameters(period).startup_loan.individual_max_years


class dibao_standard(Variable):
    value_type = float
    entity = Household
    definition_period = MONTH
    label = "Local 低保 standard per person per month (yuan)"

    def formula(household, period, parameters):
        return numpy.full(household.count, parameters(period).dibao.standard_monthly)


class dibao_employment_cost_deduction(Variable):
    value_type = float
    entity = Person
    definition_period = MONTH
    label = "Employment costs deducted from income when assessing 低保 (yuan)"
    reference = "民发〔2021〕57号 第十四条"

    def formula(person, period, parameters):
        rate = parameters(period).dibao.employment_cost_deduction_rate
        income = person("employment_income", period)
        deduction = numpy.round(numpy.minimum(income, rate * person.household("dibao_standard", period)), 2)
        return numpy.where(person("in_dibao_household", period) & (income > 0), deduction, 0.0)
