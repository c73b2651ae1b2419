"""Input variables: facts from the registry, the household and the limits ledger (BX-9)."""

from datetime import date

from openfisca_core.periods import DateUnit
from openfisca_core.variables import Variable

from meaningflow.assistance.policy.entities import Household, Person

ETERNITY = DateUnit.ETERNITY
MONTH = DateUnit.MONTH


class birth_date(Variable):
    value_type = date
    default_value = date(1970, 1, 1)
    entity = Person
    definition_period = ETERNITY
    label = "Date of birth (from the resident ID number)"


class is_female(Variable):
    value_type = bool
    entity = Person
    definition_period = ETERNITY
    label = "Female (from the resident ID number)"


class registered_unemployed(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "Registered as unemployed (登记失业)"


class unemployment_start_date(Variable):
    value_type = date
    default_value = date(1970, 1, 1)
    entity = Person
    definition_period = MONTH
    label = "Date of unemployment registration (登记失业日期)"


class has_disability_card(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "Holds a disability card (残疾人证)"


class dibao_member(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "Recorded as a member of a 低保 household"


class household_dibao(Variable):
    value_type = bool
    entity = Household
    definition_period = MONTH
    label = "Household receives minimum living allowance (低保户)"


class household_zero_employment(Variable):
    value_type = bool
    entity = Household
    definition_period = MONTH
    label = "Zero-employment household (零就业家庭)"


class is_land_expropriated_farmer(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "Land-expropriated farmer (失地农民)"


class is_veteran(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "Retired soldier (退役军人)"


class is_single_parent(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "Single parent (单亲家庭)"


class is_carer_of_seriously_ill(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "Carer of a seriously ill relative"


class is_graduate_from_poor_family(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "Graduate from a poor family"


class is_released_prisoner(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "Released prisoner (刑满释放人员)"


class is_rehabilitated_drug_user(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "Rehabilitated drug user"


class flexibly_employed(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "In flexible employment (灵活就业)"


class social_insurance_contributions_paid(Variable):
    value_type = float
    entity = Person
    definition_period = MONTH
    label = "Social-insurance contributions actually paid this month (yuan)"


class receives_unemployment_insurance(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "Receives unemployment-insurance benefit this month"


class flexible_subsidy_months_used(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    label = "Months of flexible-employment social-insurance subsidy already received"


class flexible_subsidy_first_approval_date(Variable):
    value_type = date
    default_value = date(1970, 1, 1)
    entity = Person
    definition_period = MONTH
    label = "Date the flexible-employment subsidy was first approved (if ever)"


class public_welfare_post_months_used(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    label = "Months already spent on public-welfare posts"


class public_welfare_post_placements(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    label = "Number of public-welfare post placements so far"


class skill_evaluation_level_passed(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    label = "Skill level certified this month (5 = 初级 … 1 = 高级技师; 0 = none)"


class skill_evaluation_subsidies_received(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    label = "Skill-evaluation subsidies already received"


class startup_loans_received(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    label = "Start-up guarantee loans already received"


class employment_income(Variable):
    value_type = float
    entity = Person
    definition_period = MONTH
    label = "Income from employment this month (yuan)"
