"""The discovery job: read, compute, write in one transaction, summarise."""

import datetime
import uuid

from django.utils import timezone

from meaningflow.assistance import policy
from meaningflow.assistance.discovery.population import current_period, load_population
from meaningflow.assistance.discovery.simulation import compute_population
from meaningflow.assistance.discovery.writing import (
    departed_with_results,
    expire_lapsed_policy_pushes,
    opportunity_push_rows,
    policy_pushes,
    result_digests,
    write_opportunity_pushes,
    write_policy_pushes,
    write_recognitions,
)
from meaningflow.assistance.opportunities import OpportunityIndex, opportunities_for
from meaningflow.assistance.services import pushes_expire, registry_link_users, registry_results_withdraw
from meaningflow.core import transactions
from meaningflow.core.services import JobProgress, audit_log


def discovery_run(*, region_prefix: str, actor=None, today: datetime.date | None = None, stream=None) -> dict:
    """Recognise, compute entitlements and create pushes for every person under the prefix.

    Idempotent per month: recognitions are upserted, pushes are unique per person,
    month, reason and opportunity. Returns the summary (also stored in core.JobRun).
    """
    today = today or timezone.localdate()
    period = current_period(today)
    registry_link_users(region_prefix=region_prefix)
    pushes_expire(today=today)
    population = load_population(region_prefix, period=period)
    expiry_days = int(policy.national_system().parameters(period).discovery.push_expiry_days)
    with JobProgress(
        job="assistance.discovery",
        key=f"{region_prefix}:{period}:{uuid.uuid4().hex[:8]}",
        total=len(population) * 3,
        stream=stream,
    ) as progress:
        results = compute_population(population, period, on=today)
        progress.advance(len(population))
        digests = result_digests(population, results)
        # A person whose stored recognition has the same fingerprint was told by the run that
        # stored it (a recognition and its pushes are written in one transaction), this month
        # or an earlier one: the policy pushes are a function of what the fingerprint covers.
        # An unchanged finding is not pushed again each month; a changed one is pushed anew.
        settled = digests[2] == population.stored_fingerprints
        staged = policy_pushes(population, results, ~settled)
        opportunity_rows = opportunity_push_rows(
            population,
            OpportunityIndex(opportunities_for(region_prefix)),
            (today + datetime.timedelta(days=expiry_days)).isoformat(),
        )
        now = timezone.now()
        with transactions.atomic():
            # Before the new pushes: only what was pushed before can lapse.
            lapsed = expire_lapsed_policy_pushes(population, staged, ~settled)
            written = write_recognitions(population, results, digests, period, now, progress)
            created = write_policy_pushes(staged, population, period, today, expiry_days, now)
            created += write_opportunity_pushes(opportunity_rows, population, period, now)
            # Persons no longer in the population (deregistered, 注销) keep no results.
            withdrawn = registry_results_withdraw(person_ids=departed_with_results(region_prefix))
        progress.advance(len(population))
        summary = {
            "persons": len(population),
            "recognised": int(results["employment_difficulty_person"].astype(bool).sum()),
            "nearly": int(results["nearly_employment_difficulty_person"].astype(bool).sum()),
            "push_candidates": len(staged["person_id"]) + len(opportunity_rows),
            "recognitions_written": written,
            "pushes_created": created,
            "results_withdrawn": withdrawn,
            "pushes_lapsed": lapsed,
            "period": period,
        }
        progress.summary.update(summary)
    audit_log(
        actor=actor,
        action="assistance.discovery.ran",
        subject=f"assistance.region:{region_prefix}",
        region_code=region_prefix,
        data=summary,
    )
    return summary
