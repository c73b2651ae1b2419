"""Opportunities that discovery can offer, gathered from other apps.

The needs app offers its open needs, the resources app its listed start-up spaces and
tools: each registers a source in ``core.registry.opportunity_sources`` from its
``AppConfig.ready()`` (this app may not import them: docs/ARCHITECTURE.md). The contract of
a source and of its rows is ``core.registry.OpportunitySource``. Verified organisations of
the accounts app are offered too, read through its selectors.

A source that raises, or gives a reason code discovery does not know, is a bug in that
source: the discovery run fails (its ``JobRun`` is marked failed with the error) rather
than quietly offering less.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from meaningflow.accounts import selectors as account_selectors
from meaningflow.assistance.reasons import PUSH_REASONS
from meaningflow.core.registry import opportunity_sources

# Which kinds of organisation answer which service need.
ORGANISATION_TYPES = {
    "training": ("school", "ngo", "cultural_body"),
    "job": ("small_business", "enterprise", "community"),
    "startup": ("government_agency", "community", "enterprise"),
}


class UnknownReasonCode(ValueError):
    """An opportunity source gave a reason code that is not an ``opportunity.*`` push reason."""


@dataclass(frozen=True)
class Opportunity:
    ref: str
    title: str
    region_code: str
    service_need: str
    skills: frozenset[str] = frozenset()
    reason_code: str = "opportunity.organisation"


def _opportunity(source: str, row: Mapping[str, Any]) -> Opportunity:
    reason_code = row.get("reason_code", "opportunity.need")
    if not reason_code.startswith("opportunity.") or reason_code not in PUSH_REASONS:
        raise UnknownReasonCode(f"opportunity source {source!r} gave an unknown reason code {reason_code!r}")
    return Opportunity(
        ref=row["ref"],
        title=row.get("title", ""),
        region_code=row.get("region_code", ""),
        service_need=row.get("service_need", "job"),
        skills=frozenset(row.get("skills") or ()),
        reason_code=reason_code,
    )


def _from_sources(region_prefix: str, limit: int) -> list[Opportunity]:
    return [
        _opportunity(name, row)
        for name, source in opportunity_sources.items()
        for row in source(region_prefix=region_prefix, limit=limit)
    ]


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
