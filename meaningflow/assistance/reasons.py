"""Reason codes of recognitions and pushes, with their labels and rule references."""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# code → (label, OpenFisca variable that decides it)
RECOGNITION_REASONS = {
    "4050": (_("Older worker (women 40+/men 50+, regional ages)"), "is_4050"),
    "disability": (_("Person with a disability"), "disabled"),
    "dibao": (_("Member of a 低保 household"), "in_dibao_household"),
    "long_term_unemployed": (
        _("Registered unemployed for 12 months or more"),
        "long_term_unemployed",
    ),
    "zero_employment": (_("Zero-employment household"), "in_zero_employment_household"),
    "regional_category": (_("Regional category (失地农民, 退役军人 …)"), "in_regional_category"),
}

# push reason code → (title, variable, rule reference)
PUSH_REASONS = {
    "policy.recognition": (
        _("You may be recognised as an employment-difficulty person"),
        "employment_difficulty_person",
        "就业服务与就业管理规定 第三十条",
    ),
    "policy.flexible_subsidy": (
        _("Flexible-employment social-insurance subsidy"),
        "flexible_employment_social_insurance_subsidy",
        "财社〔2023〕181号",
    ),
    "policy.public_welfare_post": (
        _("Public-welfare post"),
        "public_welfare_post_eligible",
        "人社部发〔2019〕124号",
    ),
    "policy.training_subsidy": (
        _("Subsidised vocational training and skill evaluation"),
        "training_subsidy_eligible",
        "财社〔2023〕181号",
    ),
    "policy.startup_loan": (
        _("Start-up guarantee loan for your own business (the amount is in the details)"),
        "startup_loan_eligible",
        "财金〔2020〕21号",
    ),
    "policy.dibao_deduction": (
        _("Part of your earnings is not counted for 低保"),
        "dibao_employment_cost_deduction",
        "民发〔2021〕57号",
    ),
    "nearly.4050": (
        _("From next month you may be recognised (age)"),
        "turns_4050_next_month",
        "就业服务与就业管理规定 第三十条",
    ),
    "nearly.long_term": (
        _("From next month you may be recognised (12 months unemployed)"),
        "reaches_long_term_unemployment_next_month",
        "就业服务与就业管理规定 第三十条",
    ),
    "opportunity.organisation": (
        _("An organisation near you offers what you are looking for"),
        "",
        "",
    ),
    "opportunity.need": (_("A participation opportunity matches your skills"), "", ""),
    "opportunity.resource": (_("A shared space or tool to start your business"), "", ""),
}


def recognition_label(code: str) -> str:
    entry = RECOGNITION_REASONS.get(code)
    return str(entry[0]) if entry else code


def push_title(code: str) -> str:
    entry = PUSH_REASONS.get(code)
    return str(entry[0]) if entry else code


def push_text(push) -> tuple[str, str]:
    """Title and body of a push, in the current language."""
    title = push_title(push.reason_code)
    parts = []
    if push.data_used.get("title"):
        parts.append(str(push.data_used["title"]))
    if push.rule_reference:
        parts.append(gettext("Rule: %(ref)s") % {"ref": push.rule_reference})
    if push.expires_on:
        parts.append(gettext("Valid until %(date)s") % {"date": push.expires_on.isoformat()})
    return title, " · ".join(parts)
