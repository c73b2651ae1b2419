"""Opportunities that discovery can offer, gathered from other apps through their selectors.

The needs app offers its open needs (``needs.selectors.opportunities_for_discovery``), the
resources app its listed start-up spaces and tools (``resources.selectors``, same name).
Verified organisations of the accounts app are offered too. A source selector has the
contract::

    opportunities_for_discovery(*, region_prefix: str, limit: int) -> list[dict]
        # each: {"ref": "needs.need:42", "title": str, "region_code": "430102",
        #        "skills": ["cooking", …], "service_need": "job" | "training" | "startup",
        #        "reason_code": "opportunity.resource"}  # optional, "opportunity.need" if absent
"""

import importlib
import logging
from dataclasses import dataclass

from meaningflow.accounts import selectors as account_selectors
from meaningflow.assistance.reasons import PUSH_REASONS

logger = logging.getLogger(__name__)
SOURCES = ("meaningflow.needs.selectors", "meaningflow.resources.selectors")
# Which kinds of organisation answer which service need.
ORGANISATION_TYPES = {
    "training": ("school", "ngo", "cultural_body"),
    "job": ("small_business", "enterprise", "community"),
    "startup": ("government_agency", "community", "enterprise"),
}


@dataclass(frozen=True)
class Opportunity:
    ref: str
    title: str
    region_code: str
    service_need: str
    skills: frozenset = frozenset()
    reason_code: str = "opportunity.organisation"


def _from_sources(region_prefix: str, limit: int) -> list[Opportunity]:
    found = []
    for path in SOURCES:
        try:
            module = importlib.import_module(path)
        except ImportError:
            continue
        selector = getattr(module, "opportunities_for_discovery", None)
        if selector is None:
            continue
        try:
            rows = selector(region_prefix=region_prefix, limit=limit)
        except Exception:  # another team's code must not stop a province-wide run
            logger.exception("opportunity source %s failed", path)
            continue
        for row in rows:
            reason_code = row.get("reason_code", "opportunity.need")
            if not reason_code.startswith("opportunity.") or reason_code not in PUSH_REASONS:
                logger.error("opportunity source %s gave an unknown reason code %r", path, reason_code)
                continue
            found.append(
                Opportunity(
                    ref=row["ref"],
                    title=row.get("title", ""),
                    region_code=row.get("region_code", ""),
                    service_need=row.get("service_need", "job"),
                    skills=frozenset(row.get("skills") or ()),
                    reason_code=reason_code,
                )
            )
    return found


def _from_organisations(region_prefix: str) -> list[Opportunity]:
    found = []
    for organisation in account_selectors.organisation_list().filter(
        verification_status="verified", division__code__startswith=region_prefix[:2]
    ):
        for need, types in ORGANISATION_TYPES.items():
            if organisation.type in types:
                found.append(
                    Opportunity(
                        ref=f"accounts.organisation:{organisation.pk}",
                        title=organisation.name,
                        region_code=organisation.division.code,
                        service_need=need,
                    )
                )
    return found


def opportunities_for(region_prefix: str, *, limit: int = 500) -> list[Opportunity]:
    return _from_sources(region_prefix, limit) + _from_organisations(region_prefix)


class OpportunityIndex:
    """Best opportunity per (area, service need, skill), looked up per person in O(1)."""

    def __init__(self, opportunities: list[Opportunity]):
        self.by_area: dict[tuple[str, str], list[Opportunity]] = {}
        for opportunity in opportunities:
            for area in {opportunity.region_code[:4], opportunity.region_code[:2]}:
                self.by_area.setdefault((area, opportunity.service_need), []).append(opportunity)

    def best(self, region_code: str, need: str, skills: set[str]) -> Opportunity | None:
        for area in (region_code[:4], region_code[:2]):
            candidates = self.by_area.get((area, need))
            if candidates:
                skilled = [o for o in candidates if o.skills & skills]
                return (skilled or candidates)[0]
        return None
