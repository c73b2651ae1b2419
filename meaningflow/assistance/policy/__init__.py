"""China employment-assistance rules as code (GV-2, SPEC section 4), on OpenFisca.

``ChinaEmploymentRules`` is the national baseline: entities, variables and dated YAML
parameters, each value carrying a ``metadata: reference:`` to its policy document.
Provinces restate the baseline through reforms registered in ``REGIONAL_REFORMS`` by
GB/T 2260 province prefix; a reform applies only where it is switched on
(``settings.ASSISTANCE_REGIONAL_RULES``). ``system_for_region(code)`` returns the rules in
use for a region. See docs/RULES.md.

Run the YAML tests from the command line with
``.venv/bin/openfisca test meaningflow/assistance/policy/tests -c meaningflow.assistance.policy``.
"""

import importlib
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from openfisca_core.taxbenefitsystems import TaxBenefitSystem

from meaningflow.assistance.policy.entities import entities

POLICY_DIR = Path(__file__).resolve().parent
# Bump when a formula changes; parameters carry their own dates. Stored with every result.
# 2026.3: women cadres' retirement age, nobody past retirement age, evaluation on the run's
# date, flexible subsidy for recognised persons and graduates only, 不足5年 strictly, new
# rules (small-firm loans and the LPR reference, 低保 gradual exit, skill evaluation once per
# occupation and level).
RULES_VERSION = "2026.3"


class ChinaEmploymentRules(TaxBenefitSystem):
    """National baseline of the employment-assistance rules."""

    CURRENCY = "CNY"

    def __init__(self) -> None:
        super().__init__(entities)
        self.add_variables_from_directory(str(POLICY_DIR / "variables"))
        self.load_parameters(str(POLICY_DIR / "parameters"))


# What `openfisca test --country-package meaningflow.assistance.policy` builds.
CountryTaxBenefitSystem = ChinaEmploymentRules

# Status of a regional restatement: "demonstration" (values not yet checked against the
# provincial documents) or "verified" (a policy officer checked every file).
DEMONSTRATION, VERIFIED = "demonstration", "verified"


@dataclass(frozen=True)
class RulesStatus:
    """Which rules a region gets: national, or regional (a province's reform) with its status."""

    province: str
    reform: str = ""  # dotted path of the Reform class; empty for the national rules
    status: str = ""  # DEMONSTRATION or VERIFIED for a regional reform
    region_label: str = ""  # the region's name (English msgid; shown translated)

    @property
    def regional(self) -> bool:
        return bool(self.reform)

    @property
    def name(self) -> str:
        return self.reform.rsplit(".", 1)[-1]


def _regional_reforms() -> dict[str, str]:
    # Province prefix → dotted path of the Reform class that restates the national rules.
    return {"43": "meaningflow.assistance.policy.extensions.hunan.HunanRules"}


REGIONAL_REFORMS = _regional_reforms()


def enabled_regions() -> tuple[str, ...]:
    """The province prefixes whose reforms are switched on (``ASSISTANCE_REGIONAL_RULES``).
    Outside Django (the ``openfisca`` command) none is: the national rules run."""
    if not (settings.configured or os.environ.get("DJANGO_SETTINGS_MODULE")):
        return ()
    return tuple(getattr(settings, "ASSISTANCE_REGIONAL_RULES", ()) or ())


def _reform_class(path: str):
    module, name = path.rsplit(".", 1)
    return getattr(importlib.import_module(module), name)


def rules_status(region_code: str) -> RulesStatus:
    """The rules in use for a person registered in ``region_code`` (GB/T 2260)."""
    province = (region_code or "")[:2]
    reform = REGIONAL_REFORMS.get(province)
    if reform is None or province not in enabled_regions():
        return RulesStatus(province=province)
    reform_class = _reform_class(reform)
    return RulesStatus(
        province=province,
        reform=reform,
        status=getattr(reform_class, "status", DEMONSTRATION),
        region_label=getattr(reform_class, "region_label", province),
    )


@lru_cache(maxsize=1)
def national_system() -> ChinaEmploymentRules:
    return ChinaEmploymentRules()


@lru_cache(maxsize=64)
def reformed_system(reform_path: str) -> TaxBenefitSystem:
    """The national rules with a reform applied, whether or not it is switched on (tests, tools)."""
    return national_system().apply_reform(reform_path)


def system_for_status(status: RulesStatus) -> TaxBenefitSystem:
    return reformed_system(status.reform) if status.regional else national_system()


def system_for_region(region_code: str) -> TaxBenefitSystem:
    """The rules that apply to a person registered in ``region_code`` (GB/T 2260): the
    national rules unless the province's reform is switched on."""
    return system_for_status(rules_status(region_code))


def rules_label(region_code: str) -> str:
    """Version stamp stored with each result: national version plus the regional reform in use."""
    status = rules_status(region_code)
    return f"{RULES_VERSION}+{status.name}" if status.regional else RULES_VERSION
