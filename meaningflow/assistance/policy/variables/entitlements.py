"""Entitlements: subsidies, posts, loans and the 低保 rules, with their limits.

Nobody at or past the statutory retirement age (``reached_retirement_age``) is offered a
post, a subsidy or a loan.
"""

from datetime import date

import numpy
from openfisca_core.periods import DateUnit
from openfisca_core.variables import Variable

from meaningflow.assistance.policy.entities import Household, Person
from meaningflow.assistance.policy.i18n import gettext_noop
from meaningflow.assistance.policy.variables._dates import add_months, known
from meaningflow.assistance.policy.variables._params import optional, values_on
from meaningflow.assistance.policy.variables.retirement import fewer_years_to_retirement, judged_on

MONTH = DateUnit.MONTH
FUNDS_2023 = "财社〔2023〕181号 就业补助资金管理办法; before 2023-10 财社〔2017〕164号"


# --- flexible-employment social-insurance subsidy -------------------------------------


class flexible_subsidy_judged_on(Variable):
    value_type = date
    entity = Person
    definition_period = MONTH
    label = gettext_noop("Date the subsidy's conditions are judged on: the first approval, else the evaluation date")
    reference = f"{FUNDS_2023} (以初次核定其享受社会保险补贴时年龄为准)"

    def formula(person, period, parameters):
        return judged_on(person, period, "flexible_subsidy_first_approval_date")


class flexible_subsidy_near_retirement(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = gettext_noop("Fewer than 5 years to retirement at first approval: the subsidy runs to retirement")
    reference = FUNDS_2023

    def formula(person, period, parameters):
        years = parameters(period).flexible_employment.subsidy.near_retirement_years
        return fewer_years_to_retirement(person, period, person("flexible_subsidy_judged_on", period), years)


class flexible_subsidy_graduate(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = gettext_noop("Left school within 2 years at first approval (graduates' flexible-employment subsidy)")
    reference = f"{FUNDS_2023} (离校2年内未就业高校毕业生灵活就业)"

    def formula(person, period, parameters):
        window = parameters(period).flexible_employment.subsidy.graduate_window_months
        left_school = person("graduation_date", period)
        on = person("flexible_subsidy_judged_on", period)
        return known(left_school) & (left_school <= on) & (on < add_months(left_school, window))


class flexible_subsidy_eligible(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = gettext_noop("Eligible for the flexible-employment social-insurance subsidy this month")
    reference = FUNDS_2023

    def formula(person, period, parameters):
        rules = parameters(period).flexible_employment.subsidy
        used = person("flexible_subsidy_months_used", period)
        # Recognised persons: 3 years, or to retirement when fewer than 5 years from it at
        # first approval. Graduates within 2 years of leaving school: 2 years.
        recognised = person("employment_difficulty_person", period) & (
            person("flexible_subsidy_near_retirement", period) | (used < rules.max_months)
        )
        graduate = person("flexible_subsidy_graduate", period) & (used < rules.graduate_max_months)
        return (
            (recognised | graduate)
            & person("flexibly_employed", period)
            & ~person("reached_retirement_age", period)
            & ~person("receives_unemployment_insurance", period)
        )


class flexible_employment_social_insurance_subsidy(Variable):
    value_type = float
    entity = Person
    definition_period = MONTH
    label = gettext_noop("Flexible-employment social-insurance subsidy (yuan), at most 2/3 of what was paid")
    reference = FUNDS_2023

    def formula(person, period, parameters):
        rules = parameters(period).flexible_employment.subsidy
        # Inputs are float32: round back to the fen before taking the share.
        paid = numpy.round(person("social_insurance_contributions_paid", period).astype(numpy.float64), 2)
        # Round down to the fen so the subsidy never exceeds the share.
        share = numpy.floor(paid * rules.share_numerator / rules.share_denominator * 100 + 1e-6) / 100
        return numpy.where(person("flexible_subsidy_eligible", period), share, 0.0)


# --- public-welfare posts -------------------------------------------------------------


class public_welfare_post_judged_on(Variable):
    value_type = date
    entity = Person
    definition_period = MONTH
    label = gettext_noop("Date near-retirement is judged on for posts: the first placement, else the evaluation date")
    reference = "财社〔2017〕164号 (以初次核定其享受公益性岗位补贴时年龄为准); 人社部发〔2019〕124号"

    def formula(person, period, parameters):
        return judged_on(person, period, "public_welfare_post_first_placement_date")


class public_welfare_post_near_retirement(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = gettext_noop("Fewer than 5 years to retirement at first placement: may stay on the post until retirement")
    reference = "人社部发〔2019〕124号; 财社〔2017〕164号"

    def formula(person, period, parameters):
        years = parameters(period).public_welfare_post.near_retirement_years
        return fewer_years_to_retirement(person, period, person("public_welfare_post_judged_on", period), years)


class public_welfare_post_eligible(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = gettext_noop("May be placed on a public-welfare post (托底安置)")
    reference = "人社部发〔2019〕124号"

    def formula(person, period, parameters):
        rules = parameters(period).public_welfare_post
        within = person("public_welfare_post_near_retirement", period) | (
            person("public_welfare_post_months_used", period) < rules.max_months
        )
        # The first placement plus at most ``max_replacements`` re-placements (no limit
        # where the parameter is not in force).
        limit = optional(rules, "max_replacements")
        placements_ok = (
            numpy.ones(person.count, dtype=bool)
            if limit is None
            else person("public_welfare_post_placements", period) <= limit
        )
        # Recognition already excludes anyone at or past the retirement age.
        return person("employment_difficulty_person", period) & within & placements_ok


# --- training and skill evaluation ----------------------------------------------------


class training_subsidy_eligible(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = gettext_noop("May receive employment-skills training and evaluation subsidies")
    reference = FUNDS_2023

    def formula(person, period, parameters):
        rules = parameters(period).skill_evaluation
        eligible_group = person("registered_unemployed", period) | person("employment_difficulty_person", period)
        under_limit = person("skill_evaluation_subsidies_received", period) < rules.max_times
        return eligible_group & under_limit & ~person("reached_retirement_age", period)


class skill_evaluation_subsidy(Variable):
    value_type = float
    entity = Person
    definition_period = MONTH
    label = gettext_noop("Skill-evaluation subsidy for the level certified this month (yuan)")
    reference = f"{FUNDS_2023}; 国办发〔2019〕24号 (同一职业同一等级不可重复享受)"

    def formula(person, period, parameters):
        rules = parameters(period).skill_evaluation
        level = person("skill_evaluation_level_passed", period)
        amount = numpy.select(
            [level == 5, level == 4, level == 3],
            [rules.amount.level_5, rules.amount.level_4, rules.amount.level_3],
            0.0,
        )
        # At most ``max_times`` in all (training_subsidy_eligible), the same occupation and
        # level once.
        new_certificate = ~person("skill_evaluation_occupation_level_already_subsidised", period)
        return numpy.where(person("training_subsidy_eligible", period) & new_certificate, amount, 0.0)


# --- start-up guarantee loans ---------------------------------------------------------

LOANS = "财金〔2020〕21号; before 2020-04 财金〔2018〕22号"


class startup_loan_eligible(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = gettext_noop("May apply for a start-up guarantee loan (创业担保贷款)")
    reference = LOANS

    def formula(person, period, parameters):
        rules = parameters(period).startup_loan
        return (
            person("registered_unemployed", period)
            & (person("startup_loans_received", period) < rules.max_times)
            & ~person("reached_retirement_age", period)
        )


class startup_loan_max_amount(Variable):
    value_type = float
    entity = Person
    definition_period = MONTH
    label = gettext_noop("Largest start-up guarantee loan for an individual (yuan)")
    reference = LOANS

    def formula(person, period, parameters):
        return person("startup_loan_eligible", period) * parameters(period).startup_loan.individual_max_amount


class startup_loan_max_years(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    label = gettext_noop("Longest term of an individual start-up guarantee loan (years)")
    reference = LOANS

    def formula(person, period, parameters):
        return person("startup_loan_eligible", period) * parameters(period).startup_loan.individual_max_years


class small_firm_startup_loan_eligible(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = gettext_noop("The person's small firm may apply for a start-up guarantee loan (new hires reach the share)")
    reference = LOANS

    def formula(person, period, parameters):
        rules = parameters(period).startup_loan
        firm = rules.small_firm
        staff = person("small_firm_staff", period)
        share = numpy.where(staff > firm.large_firm_staff, firm.new_hire_share_large, firm.new_hire_share)
        # Integers against a product of decimals: a hair of tolerance, 15 % of 20 is 3.
        enough = (staff > 0) & (person("small_firm_new_eligible_hires", period) >= staff * share - 1e-9)
        under_limit = person("small_firm_startup_loans_received", period) < rules.max_times
        return person("runs_small_firm", period) & enough & under_limit


class small_firm_startup_loan_max_amount(Variable):
    value_type = float
    entity = Person
    definition_period = MONTH
    label = gettext_noop("Largest start-up guarantee loan for the person's small firm (yuan)")
    reference = LOANS

    def formula(person, period, parameters):
        amount = parameters(period).startup_loan.small_firm.max_amount
        return person("small_firm_startup_loan_eligible", period) * amount


class small_firm_startup_loan_max_years(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    label = gettext_noop("Longest term of the small firm's start-up guarantee loan (years)")
    reference = LOANS

    def formula(person, period, parameters):
        years = parameters(period).startup_loan.small_firm.max_years
        return person("small_firm_startup_loan_eligible", period) * years


class startup_loan_lpr(Variable):
    value_type = float
    entity = Person
    definition_period = MONTH
    label = gettext_noop("One-year LPR on the loan contract date, else on the evaluation date (0.0345 = 3.45 %)")
    reference = "全国银行间同业拆借中心受权公布贷款市场报价利率（LPR）公告"

    def formula(person, period, parameters):
        on = judged_on(person, period, "startup_loan_contract_date")
        lpr = person.simulation.tax_benefit_system.parameters.interest.lpr_one_year
        return values_on(lpr, on).astype(numpy.float64)


class startup_loan_interest_reference_in_force(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = gettext_noop("The LPR − 150 bp interest rule applies on the contract date (from 2020-04)")
    reference = "财金〔2020〕21号"

    def formula(person, period, parameters):
        on = judged_on(person, period, "startup_loan_contract_date")
        below = person.simulation.tax_benefit_system.parameters.startup_loan.interest.borrower_below_lpr
        return numpy.array([value is not None for value in values_on(below, on)], dtype=bool)


class startup_loan_borrower_max_rate(Variable):
    value_type = float
    entity = Person
    definition_period = MONTH
    label = gettext_noop("Highest yearly interest the borrower pays: LPR − 150 bp; the rest is subsidised")
    reference = "财金〔2020〕21号 (LPR-150BP以下部分由借款人承担，剩余部分财政给予贴息)"

    def formula(person, period, parameters):
        on = judged_on(person, period, "startup_loan_contract_date")
        below = person.simulation.tax_benefit_system.parameters.startup_loan.interest.borrower_below_lpr
        discount = numpy.array([value or 0.0 for value in values_on(below, on)], dtype=numpy.float64)
        in_force = person("startup_loan_interest_reference_in_force", period)
        return numpy.where(in_force, numpy.round(person("startup_loan_lpr", period) - discount, 6), 0.0)


class startup_loan_interest_subsidy_rate(Variable):
    value_type = float
    entity = Person
    definition_period = MONTH
    label = gettext_noop("Yearly interest subsidised by public funds: contract rate above LPR − 150 bp")
    reference = "财金〔2020〕21号"

    def formula(person, period, parameters):
        contract = numpy.round(person("startup_loan_contract_rate", period).astype(numpy.float64), 6)
        borrower = person("startup_loan_borrower_max_rate", period)
        eligible = person("startup_loan_eligible", period) | person("small_firm_startup_loan_eligible", period)
        applies = eligible & person("startup_loan_interest_reference_in_force", period) & (contract > 0)
        return numpy.where(applies, numpy.maximum(numpy.round(contract - borrower, 6), 0.0), 0.0)


# --- 低保 -----------------------------------------------------------------------------


class dibao_standard(Variable):
    value_type = float
    entity = Household
    definition_period = MONTH
    label = gettext_noop("Local 低保 standard per person per month (yuan)")

    def formula(household, period, parameters):
        return numpy.full(household.count, parameters(period).dibao.standard_monthly)


class dibao_employment_cost_deduction(Variable):
    value_type = float
    entity = Person
    definition_period = MONTH
    label = gettext_noop("Employment costs deducted from income when assessing 低保 (yuan)")
    reference = "民发〔2021〕57号 第十四条"

    def formula(person, period, parameters):
        rate = optional(parameters(period).dibao, "employment_cost_deduction_rate")
        if rate is None:  # no national rate before 民发〔2021〕57号
            return numpy.zeros(person.count)
        income = person("employment_income", period)
        deduction = numpy.round(numpy.minimum(income, rate * person.household("dibao_standard", period)), 2)
        return numpy.where(person("in_dibao_household", period) & (income > 0), deduction, 0.0)


class dibao_gradual_exit_months(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    label = gettext_noop("Length of the 低保 gradual exit (渐退期) after employment, in months")
    reference = (
        "民发〔2021〕57号 (渐退期); SPEC section 4: longer for persons placed by employment services or disabled"
    )

    def formula(person, period, parameters):
        rules = parameters(period).dibao.gradual_exit
        longer = person("placed_by_employment_services", period) | person("disabled", period)
        months = numpy.where(longer, rules.extended_months, rules.months)
        return numpy.where(person("in_dibao_household", period), months, 0)


class dibao_gradual_exit(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = gettext_noop("In the 低保 gradual exit: the household keeps 低保 for a time after employment lifted it")
    reference = "民发〔2021〕57号 (渐退期)"

    def formula(person, period, parameters):
        since = person("dibao_income_above_standard_since", period)
        on = person("evaluation_date", period)
        ends = add_months(since, person("dibao_gradual_exit_months", period))
        return person("in_dibao_household", period) & known(since) & (since <= on) & (on < ends)
