"""China employment-assistance rules as code (GV-2, SPEC section 4), on OpenFisca.

``ChinaEmploymentRules`` is the national baseline: entities, variables and dated YAML
parameters, each value carrying a ``metadata: reference:`` to its policy document.
Provinces override the baseline through reforms registered in ``REGIONAL_REFORMS`` by
GB/T 2260 province prefix; ``system_for_region(code)`` returns the right system. See
docs/RULES.md.
"""

from functools import lru_cache
from pathlib import Path

from openfisca_core.taxbenefitsystems import TaxBenefitSystem

from meaningflow.assistance.policy.entities import entities

POLICY_DIR = Path(__file__).resolve().parent
# Bump when a formula changes; parameters carry their own dates. Stored with every result.
RULES_VERSION = "2026.2"  # 2026.2: the gradual retirement-age increase of 2024


class ChinaEmploymentRules(TaxBenefitSystem):
    """National baseline of the employment-assistance rules."""

    CURRENCY = "CNY"

    def __init__(self) -> None:
        super().__init__(entities)
        self.add_variables_from_directory(str(POLICY_DIR / "variables"))
        self.load_parameters(str(POLICY_DIR / "parameters"))


def _regional_reforms() -> dict[str, str]:
    # Province prefix → dotted path of the Reform class that restates the national rules.
    return {"43": "meaningflow.assistance.policy.extensions.hunan.HunanRules"}


REGIONAL_REFORMS = _regional_reforms()


@lru_cache(maxsize=1)
def national_system() -> ChinaEmploymentRules:
    return ChinaEmploymentRules()


@lru_cache(maxsize=64)
def _system_for_province(province: str) -> TaxBenefitSystem:
    reform_path = REGIONAL_REFORMS.get(province)
    if reform_path is None:
        return national_system()
    return national_system().apply_reform(reform_path)


def system_for_region(region_code: str) -> TaxBenefitSystem:
    """The rules that apply to a person registered in ``region_code`` (GB/T 2260)."""
    return _system_for_province((region_code or "")[:2])


def rules_label(region_code: str) -> str:
    """Human-readable version stamp: national version plus the regional reform, if any."""
    reform = REGIONAL_REFORMS.get((region_code or "")[:2])
    return f"{RULES_VERSION}+{reform.rsplit('.', 1)[-1]}" if reform else RULES_VERSION
