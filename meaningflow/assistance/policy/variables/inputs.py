"""Input variables: facts from the registry, the household and the limits ledger (BX-9)."""

from datetime import date

from openfisca_core.periods import DateUnit
from openfisca_core.variables import Variable

from meaningflow.assistance.policy.entities import Household, Person
from meaningflow.assistance.policy.i18n import gettext_noop

# Labels are shown, translated, on the officer's trace: gettext_noop marks them for the
# catalogue and changes nothing here (the rules run without Django).

ETERNITY = DateUnit.ETERNITY
MONTH = DateUnit.MONTH


class birth_date(Variable):
    value_type = date
    default_value = date(1970, 1, 1)
    entity = Person
    definition_period = ETERNITY
    label = gettext_noop("Date of birth (from the resident ID number)")


class is_female(Variable):
    value_type = bool
    entity = Person
    definition_period = ETERNITY
    label = gettext_noop("Female (from the resident ID number)")


class registered_unemployed(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = gettext_noop("Unemployment registration in force (登记失业, not deregistered)")


class unemployment_start_date(Variable):
    value_type = date
    default_value = date(1970, 1, 1)
    entity = Person
    definition_period = MONTH
    label = gettext_noop("Date of unemployment registration (登记失业日期)")


class has_disability_card(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = gettext_noop("Holds a disability card (残疾人证)")


class dibao_member(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = gettext_noop("Recorded as a member of a 低保 household")


class household_dibao(Variable):
    value_type = bool
    entity = Household
    definition_period = MONTH
    label = gettext_noop("Household receives minimum living allowance (低保户)")


class household_zero_employment(Variable):
    value_type = bool
    entity = Household
    definition_period = MONTH
    label = gettext_noop("Zero-employment household (零就业家庭)")


class is_land_expropriated_farmer(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = gettext_noop("Land-expropriated farmer (失地农民)")


class is_veteran(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = gettext_noop("Retired soldier (退役军人)")


class is_single_parent(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = gettext_noop("Single parent (单亲家庭)")


class is_carer_of_seriously_ill(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = gettext_noop("Carer of a seriously ill relative")


class is_graduate_from_poor_family(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = gettext_noop("Graduate from a poor family")


class is_released_prisoner(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = gettext_noop("Released prisoner (刑满释放人员)")


class is_rehabilitated_drug_user(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = gettext_noop("Rehabilitated drug user")


class flexibly_employed(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = gettext_noop("Current work form: flexible employment (灵活就业)")


class formally_employed(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = gettext_noop("Current work form: employed by an employer (单位就业)")


class is_cadre(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = gettext_noop("Occupation category cadre (干部); otherwise worker (工人)")
    documentation = (
        "Decides a woman's original statutory retirement age: 55 for cadres, 50 for workers. "
        "Unrecorded means worker (the registry's default), so an unrecorded woman cadre is treated "
        "as past retirement age earlier than she is."
    )


class graduation_date(Variable):
    value_type = date
    default_value = date(1970, 1, 1)
    entity = Person
    definition_period = MONTH
    label = gettext_noop("Date the person left school (毕业离校); 1970-01-01 = not a graduate or unknown")


class social_insurance_contributions_paid(Variable):
    value_type = float
    entity = Person
    definition_period = MONTH
    label = gettext_noop("Social-insurance contributions actually paid this month (yuan)")


class receives_unemployment_insurance(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = gettext_noop("Receives unemployment-insurance benefit this month")


class flexible_subsidy_months_used(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    label = gettext_noop("Months of flexible-employment social-insurance subsidy already received")


class flexible_subsidy_first_approval_date(Variable):
    value_type = date
    default_value = date(1970, 1, 1)
    entity = Person
    definition_period = MONTH
    label = gettext_noop("Date the flexible-employment subsidy was first approved (if ever)")


class public_welfare_post_months_used(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    label = gettext_noop("Months already spent on public-welfare posts")


class public_welfare_post_first_placement_date(Variable):
    value_type = date
    default_value = date(1970, 1, 1)
    entity = Person
    definition_period = MONTH
    label = gettext_noop("Date of the first public-welfare post placement (if ever)")


class public_welfare_post_placements(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    label = gettext_noop("Number of public-welfare post placements so far")


class skill_evaluation_level_passed(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    label = gettext_noop("Skill level certified this month (5 = 初级 … 1 = 高级技师; 0 = none)")


class skill_evaluation_subsidies_received(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    label = gettext_noop("Skill-evaluation subsidies already received")


class skill_evaluation_occupation_level_already_subsidised(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = gettext_noop("The occupation and level certified this month were already subsidised before")


class startup_loans_received(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    label = gettext_noop("Start-up guarantee loans already received")


class employment_income(Variable):
    value_type = float
    entity = Person
    definition_period = MONTH
    label = gettext_noop("Income from employment this month (yuan)")


class startup_loan_contract_date(Variable):
    value_type = date
    default_value = date(1970, 1, 1)
    entity = Person
    definition_period = MONTH
    label = gettext_noop("Date the start-up guarantee loan contract was signed (1970-01-01: not yet)")


class startup_loan_contract_rate(Variable):
    value_type = float
    entity = Person
    definition_period = MONTH
    label = gettext_noop("Yearly interest rate of the start-up guarantee loan contract (%; 0 = none)")


class runs_small_firm(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = gettext_noop("Runs a small or micro firm (小微企业) that applies for a start-up guarantee loan")


class small_firm_staff(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    label = gettext_noop("Employees of that firm now (在职职工人数)")


class small_firm_new_eligible_hires(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    label = gettext_noop(
        "Persons meeting the loan conditions the firm hired this year, with contracts of a year or more"
    )


class small_firm_startup_loans_received(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    label = gettext_noop("Start-up guarantee loans that firm already received")


class placed_by_employment_services(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = gettext_noop("Found the current work through public employment services (就业援助安置)")


class dibao_income_above_standard_since(Variable):
    value_type = date
    default_value = date(1970, 1, 1)
    entity = Person
    definition_period = MONTH
    label = gettext_noop(
        "Date this person's employment lifted the 低保 household's income above the standard (1970-01-01: not so)"
    )
