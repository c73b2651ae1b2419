"""Proactive discovery (GV-4, BX-11): the rules over a whole region in one simulation.

The registry of a region is read column-wise with one SQL query into numpy arrays, one
OpenFisca simulation is built for the whole population (per province rule set), every
recognition and entitlement is computed vectorised, and results are written set-based
(multi-row upserts in chunks). Only what changed is written: each recognition carries a
64-bit fingerprint of its results (read back in the same query as the registry), so an
unchanged person is not rewritten, and push items already created for the month are not
inserted again; a repeated run is then nearly write-free. Per person, only the JSON of
the written results is built in Python. ``explain_person`` re-runs the rules for one person with tracing on.
"""

import datetime
import inspect
import json
import uuid
import zlib
from dataclasses import dataclass

import numpy
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openfisca_core import periods
from openfisca_core.simulations import SimulationBuilder

from meaningflow.assistance import policy
from meaningflow.assistance.models import (
    AssistanceProfile,
    Household,
    IncomeRecord,
    PushItem,
    Recognition,
    RegistryPerson,
)
from meaningflow.assistance.opportunities import OpportunityIndex, opportunities_for
from meaningflow.assistance.reasons import PUSH_REASONS, RECOGNITION_REASONS
from meaningflow.core.services import JobProgress, audit_log

WRITE_CHUNK = 5_000
EPOCH = numpy.datetime64("1970-01-01", "D")
CATEGORY_INPUTS = {
    "land_expropriated": "is_land_expropriated_farmer",
    "veteran": "is_veteran",
    "single_parent": "is_single_parent",
    "carer": "is_carer_of_seriously_ill",
    "poor_graduate": "is_graduate_from_poor_family",
    "released_prisoner": "is_released_prisoner",
    "rehabilitated_drug_user": "is_rehabilitated_drug_user",
    "poverty_relapse_monitored": "is_poverty_relapse_monitored",
}
OUTPUTS = (
    "employment_difficulty_person",
    "nearly_employment_difficulty_person",
    "turns_4050_next_month",
    "reaches_long_term_unemployment_next_month",
    "months_unemployed",
    "age",
    "flexible_employment_social_insurance_subsidy",
    "public_welfare_post_eligible",
    "training_subsidy_eligible",
    "startup_loan_eligible",
    "startup_loan_max_amount",
    "dibao_employment_cost_deduction",
    *[variable for _label, variable in RECOGNITION_REASONS.values()],
)


@dataclass
class Population:
    """Column arrays of a registry extract; index i is one person."""

    ids: numpy.ndarray
    columns: dict[str, numpy.ndarray]
    region_codes: list[str]
    service_needs: list
    skills: list
    user_ids: list
    stored_fingerprints: numpy.ndarray | None = None

    def __len__(self) -> int:
        return len(self.ids)


def current_period(today: datetime.date | None = None) -> str:
    return (today or timezone.localdate()).strftime("%Y-%m")


# --- reading ------------------------------------------------------------------------


def _day_number(column: str) -> str:
    """SQL for days since 1970-01-01 (NULL stays NULL): no per-row date objects in Python."""
    if connection.vendor == "postgresql":
        return f"({column} - DATE '1970-01-01')"
    return f"CAST(julianday({column}) - 2440587.5 AS INTEGER)"


def _sql(region_prefix: str, person_ids: list[int] | None) -> tuple[str, list]:
    p, h, pr, r = (
        RegistryPerson._meta.db_table,
        Household._meta.db_table,
        AssistanceProfile._meta.db_table,
        Recognition._meta.db_table,
    )
    where, params = (
        ["p.employment_status <> %s", "p.region_code LIKE %s"],
        ["exited", f"{region_prefix}%"],
    )
    if person_ids is not None:
        where.append(f"p.id IN ({', '.join(['%s'] * len(person_ids))})")
        params.extend(person_ids)
    birth, since = _day_number("p.birth_date"), _day_number("p.registered_unemployed_since")
    approved = _day_number("p.flexible_subsidy_first_approved")
    # Table names come from model meta and every value is a bound parameter.
    flags = " + ".join(
        f"CASE WHEN {condition} THEN {1 << bit} ELSE 0 END" for bit, condition in enumerate(FLAG_CONDITIONS)
    )
    sql = f"""
        SELECT p.id, {birth}, p.region_code, {since}, {flags}, p.categories, p.household_id,
               p.social_insurance_paid_monthly,
               p.flexible_subsidy_months_used, {approved},
               p.public_welfare_post_months_used, p.public_welfare_post_placements,
               p.skill_evaluation_subsidies, p.startup_loans, p.user_id, pr.service_needs, pr.skills,
               COALESCE(r.fingerprint, 0)
        FROM {p} p LEFT JOIN {h} h ON h.id = p.household_id
        LEFT JOIN {pr} pr ON pr.person_id = p.id
        LEFT JOIN {r} r ON r.person_id = p.id
        WHERE {" AND ".join(where)} ORDER BY p.id"""  # noqa: S608
    return sql, params


# Boolean inputs packed into one integer column by the query (fewer Python objects to read).
FLAG_CONDITIONS = (
    "p.has_disability",
    "p.dibao",
    "h.dibao",
    "h.zero_employment",
    "p.receives_unemployment_insurance",
    "p.sex = 'F'",
    "p.employment_status = 'unemployed'",
    "p.employment_status = 'flexible'",
)


def _numbers(values) -> numpy.ndarray:
    """A column as float64 with NULL as NaN (numpy converts None itself, in C)."""
    return numpy.array(values, dtype=numpy.float64)


def _dates(values) -> numpy.ndarray:
    days = numpy.nan_to_num(_numbers(values), nan=0.0).astype(numpy.int64)
    return days.astype("datetime64[D]")


def _flags(values) -> numpy.ndarray:
    return numpy.nan_to_num(_numbers(values), nan=0.0).astype(bool)


def _categories(values, n: int) -> dict[str, numpy.ndarray]:
    """Category flags; only the few rows with any category are inspected."""
    flags = {variable: numpy.zeros(n, dtype=bool) for variable in CATEGORY_INPUTS.values()}
    for i, value in enumerate(values):
        if not value or value == "[]":
            continue
        for code, variable in CATEGORY_INPUTS.items():
            if (f'"{code}"' in value) if isinstance(value, str) else (code in value):
                flags[variable][i] = True
    return flags


def load_population(
    region_prefix: str, *, person_ids: list[int] | None = None, period: str | None = None
) -> Population:
    """Read the non-exited registry persons under ``region_prefix`` into column arrays."""
    sql, params = _sql(region_prefix, person_ids)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    n = len(rows)
    cols = list(zip(*rows, strict=True)) if rows else [()] * 18
    ids = numpy.array(cols[0], dtype=numpy.int64)
    flags = numpy.array(cols[4], dtype=numpy.int64)
    bit = {condition: (flags >> i & 1).astype(bool) for i, condition in enumerate(FLAG_CONDITIONS)}
    since = _numbers(cols[3])
    household = _numbers(cols[6])
    counts = {
        name: numpy.nan_to_num(_numbers(cols[i]), nan=0.0).astype(numpy.int32)
        for i, name in (
            (8, "flexible_subsidy_months_used"),
            (10, "public_welfare_post_months_used"),
            (11, "public_welfare_post_placements"),
            (12, "skill_evaluation_subsidies_received"),
            (13, "startup_loans_received"),
        )
    }
    columns = {
        "birth_date": _dates(cols[1]),
        "is_female": bit["p.sex = 'F'"],
        "registered_unemployed": bit["p.employment_status = 'unemployed'"] & ~numpy.isnan(since),
        "unemployment_start_date": _dates(cols[3]),
        "flexibly_employed": bit["p.employment_status = 'flexible'"],
        "has_disability_card": bit["p.has_disability"],
        "dibao_member": bit["p.dibao"],
        # Persons without a household record each form their own (negative ids never clash).
        "household_id": numpy.where(numpy.isnan(household), -ids, numpy.nan_to_num(household)).astype(numpy.int64),
        "household_dibao": bit["h.dibao"],
        "household_zero_employment": bit["h.zero_employment"],
        "receives_unemployment_insurance": bit["p.receives_unemployment_insurance"],
        "social_insurance_contributions_paid": numpy.nan_to_num(_numbers(cols[7])).astype(numpy.float32),
        "flexible_subsidy_first_approval_date": _dates(cols[9]),
        **counts,
        **_categories(cols[5], n),
    }
    columns["employment_income"] = _incomes(ids, period or current_period())
    return Population(
        ids=ids,
        columns=columns,
        region_codes=list(cols[2]),
        service_needs=list(cols[15]),
        skills=list(cols[16]),
        user_ids=list(cols[14]),
        stored_fingerprints=numpy.array(cols[17], dtype=numpy.int64),
    )


def _incomes(ids: numpy.ndarray, period: str) -> numpy.ndarray:
    """Last month's recorded income (encrypted; few rows, decrypted here only)."""
    incomes = numpy.zeros(len(ids), dtype=numpy.float32)
    if not len(ids):
        return incomes
    month = (numpy.datetime64(period, "M") - 1).astype("datetime64[D]").item()
    records = IncomeRecord.objects.filter(month=month, person_id__gte=int(ids.min()), person_id__lte=int(ids.max()))
    position = {int(pid): i for i, pid in enumerate(ids)} if records.exists() else {}
    for person_id, amount in records.values_list("person_id", "amount"):
        if person_id in position:
            incomes[position[person_id]] = float(amount)
    return incomes


# --- the simulation -----------------------------------------------------------------

HOUSEHOLD_INPUTS = ("household_dibao", "household_zero_employment")


def build_simulation(system, population: Population, period: str, index: numpy.ndarray | None = None):
    """One OpenFisca simulation for the (sub)population, inputs set from arrays."""
    cols = population.columns if index is None else {k: v[index] for k, v in population.columns.items()}
    ids = population.ids if index is None else population.ids[index]
    builder = SimulationBuilder()
    builder.create_entities(system)
    builder.declare_person_entity("person", ids)
    household_ids, members = numpy.unique(cols["household_id"], return_inverse=True)
    households = builder.declare_entity("household", household_ids)
    builder.join_with_persons(households, cols["household_id"], numpy.zeros(len(ids), dtype=numpy.int16))
    simulation = builder.build(system)
    month = periods.period(period)
    # A household is 低保 / zero-employment if its record or any member's row says so.
    for name in HOUSEHOLD_INPUTS:
        flag = cols[name] | (cols["dibao_member"] if name == "household_dibao" else False)
        simulation.set_input(name, month, numpy.bincount(members, weights=flag, minlength=len(household_ids)) > 0)
    simulation.set_input("birth_date", periods.period("eternity"), cols["birth_date"])
    simulation.set_input("is_female", periods.period("eternity"), cols["is_female"])
    for name, values in cols.items():
        if name in ("birth_date", "is_female", "household_id", *HOUSEHOLD_INPUTS):
            continue
        if name in system.variables:
            simulation.set_input(name, month, values)
    return simulation


def compute(simulation, period: str) -> dict[str, numpy.ndarray]:
    return {name: simulation.calculate(name, period) for name in OUTPUTS}


def _province_groups(population: Population) -> dict[str, numpy.ndarray]:
    provinces = numpy.array([code[:2] for code in population.region_codes]) if len(population) else numpy.array([])
    return {province: numpy.flatnonzero(provinces == province) for province in numpy.unique(provinces)}


def compute_population(population: Population, period: str) -> dict[str, numpy.ndarray]:
    """Results for every person; one simulation per provincial rule set (usually one)."""
    results = {name: numpy.zeros(len(population), dtype=numpy.float64) for name in OUTPUTS}
    groups = _province_groups(population)
    for province, index in groups.items():
        system = policy.system_for_region(province)
        simulation = build_simulation(system, population, period, None if len(groups) == 1 else index)
        for name, values in compute(simulation, period).items():
            results[name][index] = values
    return results


# --- writing ------------------------------------------------------------------------


def _reason_masks(results) -> numpy.ndarray:
    mask = numpy.zeros(len(results["age"]), dtype=numpy.int64)
    for bit, (_label, variable) in enumerate(RECOGNITION_REASONS.values()):
        mask |= results[variable].astype(bool).astype(numpy.int64) << bit
    return mask


def _reason_table() -> numpy.ndarray:
    codes = list(RECOGNITION_REASONS)
    return numpy.array(
        [json.dumps([c for bit, c in enumerate(codes) if m >> bit & 1]) for m in range(1 << len(codes))],
        dtype=object,
    )


def _entitlements_json(results) -> list[str]:
    flex = results["flexible_employment_social_insurance_subsidy"]
    post = results["public_welfare_post_eligible"].astype(bool)
    training = results["training_subsidy_eligible"].astype(bool)
    loan = results["startup_loan_max_amount"]
    deduction = results["dibao_employment_cost_deduction"]
    t, f = "true", "false"
    return [
        f'{{"flexible_subsidy": {a:.2f}, "public_welfare_post": {t if b else f}, '
        f'"training": {t if c else f}, "startup_loan_max": {d:.0f}, "dibao_deduction": {e:.2f}}}'
        for a, b, c, d, e in zip(
            flex.tolist(),
            post.tolist(),
            training.tolist(),
            loan.tolist(),
            deduction.tolist(),
            strict=True,
        )
    ]


def _json_param() -> str:
    return "%s::jsonb" if connection.vendor == "postgresql" else "%s"


_GOLDEN = numpy.uint64(0x9E3779B97F4A7C15)
_MIX = numpy.uint64(0xBF58476D1CE4E5B9)


def _mix(digest: numpy.ndarray, values: numpy.ndarray) -> numpy.ndarray:
    """One splitmix64-style round folding a column into the running per-person digest."""
    digest = (digest ^ values.astype(numpy.int64).astype(numpy.uint64)) * _GOLDEN
    return (digest ^ (digest >> numpy.uint64(31))) * _MIX


def fingerprints(results, versions: numpy.ndarray) -> numpy.ndarray:
    """Per person, a positive non-zero int64 digest of everything a recognition row stores
    except its period and timestamp (0 is "no row"; old rows hold 0 and are rewritten)."""
    digest = numpy.zeros(len(results["age"]), dtype=numpy.uint64)
    with numpy.errstate(over="ignore"):
        for column in (
            _reason_masks(results),
            results["employment_difficulty_person"].astype(bool),
            results["nearly_employment_difficulty_person"].astype(bool),
            numpy.round(results["flexible_employment_social_insurance_subsidy"] * 100),
            results["public_welfare_post_eligible"].astype(bool),
            results["training_subsidy_eligible"].astype(bool),
            numpy.round(results["startup_loan_max_amount"]),
            numpy.round(results["dibao_employment_cost_deduction"] * 100),
            versions,
        ):
            digest = _mix(digest, column)
    return ((digest >> numpy.uint64(1)) | numpy.uint64(1)).astype(numpy.int64)


def _versions(population) -> tuple[list[str], numpy.ndarray]:
    """Rules label per person (computed once per province) and a stable number for each."""
    labels = {code[:2]: policy.rules_label(code) for code in set(population.region_codes)}
    per_person = [labels[code[:2]] for code in population.region_codes]
    numbers = {label: zlib.crc32(label.encode()) for label in set(labels.values())}
    return per_person, numpy.array([numbers[label] for label in per_person], dtype=numpy.int64)


def _write_recognitions(population, results, period: str, region_prefix: str, now, progress) -> int:
    """Upsert the recognitions whose results changed; refresh the month of the others."""
    table, persons = Recognition._meta.db_table, RegistryPerson._meta.db_table
    j = _json_param()
    # The table name comes from model meta; every value is bound.
    sql = (
        f"INSERT INTO {table} (person_id, period, recognised, nearly, reasons, "  # noqa: S608
        f"entitlements, rules_version, computed_at, fingerprint) VALUES (%s, %s, %s, %s, {j}, {j}, %s, %s, %s) "
        "ON CONFLICT (person_id) DO UPDATE SET "
        "period = excluded.period, recognised = excluded.recognised, nearly = excluded.nearly, "
        "reasons = excluded.reasons, entitlements = excluded.entitlements, "
        "rules_version = excluded.rules_version, computed_at = excluded.computed_at, "
        "fingerprint = excluded.fingerprint"
    )
    versions, version_numbers = _versions(population)
    digests = fingerprints(results, version_numbers)
    stored = population.stored_fingerprints
    changed = numpy.flatnonzero(digests != stored) if stored is not None else numpy.arange(len(population))
    picked = {name: results[name][changed] for name in OUTPUTS}
    reasons = _reason_table()[_reason_masks(picked)]
    entitlements = _entitlements_json(picked)
    stamp = connection.ops.adapt_datetimefield_value(now)
    rows = list(
        zip(
            population.ids[changed].tolist(),
            [period] * len(changed),
            picked["employment_difficulty_person"].astype(bool).tolist(),
            picked["nearly_employment_difficulty_person"].astype(bool).tolist(),
            reasons.tolist(),
            entitlements,
            [versions[i] for i in changed.tolist()],
            [stamp] * len(changed),
            digests[changed].tolist(),
            strict=True,
        )
    )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), WRITE_CHUNK):
            cursor.executemany(sql, rows[start : start + WRITE_CHUNK])
            progress.advance(min(WRITE_CHUNK, len(rows) - start))
        if len(rows) < len(population):
            # Unchanged results carried into a new month: one set-based statement, no rows in Python.
            cursor.execute(
                f"UPDATE {table} SET period = %s, computed_at = %s WHERE period <> %s "  # noqa: S608
                f"AND person_id IN (SELECT id FROM {persons} WHERE region_code LIKE %s "
                "AND employment_status <> %s)",
                [period, stamp, period, f"{region_prefix}%", "exited"],
            )
    progress.advance(len(population) - len(rows))
    return len(rows)


def _push_rows(population, results, period: str, today: datetime.date, expiry_days: int, opportunities) -> list[tuple]:
    """(person_id, kind, reason_code, opportunity_ref, rule_reference, data_used, expires_on)."""
    ids = population.ids.tolist()
    month_end = (numpy.datetime64(period, "M") + 1).astype("datetime64[D]").item() - datetime.timedelta(days=1)
    policy_expiry = (today + datetime.timedelta(days=expiry_days)).isoformat()
    nearly_expiry = (
        (numpy.datetime64(period, "M") + 2).astype("datetime64[D]").item() - datetime.timedelta(days=1)
    ).isoformat()
    needs = _as_lists(population.service_needs)
    months = results["months_unemployed"].astype(int).tolist()
    ages = results["age"].astype(int).tolist()
    rows = []

    def add(mask, kind, code, expiry, data_of):
        reference = PUSH_REASONS[code][2]
        for i in numpy.flatnonzero(mask).tolist():
            rows.append((ids[i], kind, code, "", reference, data_of(i), expiry))

    recognised = results["employment_difficulty_person"].astype(bool)
    reason_json = _reason_table()[_reason_masks(results)]
    add(
        recognised,
        "policy",
        "policy.recognition",
        policy_expiry,
        lambda i: f'{{"reasons": {reason_json[i]}, "age": {ages[i]}, "months_unemployed": {months[i]}}}',
    )
    flex = results["flexible_employment_social_insurance_subsidy"]
    add(
        flex > 0,
        "policy",
        "policy.flexible_subsidy",
        policy_expiry,
        lambda i: f'{{"monthly_amount": {flex[i]:.2f}}}',
    )
    wants = {need: numpy.array([need in n for n in needs], dtype=bool) for need in ("job", "training", "startup")}
    add(
        results["public_welfare_post_eligible"].astype(bool) & wants["job"],
        "policy",
        "policy.public_welfare_post",
        policy_expiry,
        lambda i: '{"service_need": "job"}',
    )
    add(
        results["training_subsidy_eligible"].astype(bool) & wants["training"],
        "policy",
        "policy.training_subsidy",
        policy_expiry,
        lambda i: '{"service_need": "training"}',
    )
    loan_max = results["startup_loan_max_amount"]
    add(
        results["startup_loan_eligible"].astype(bool) & wants["startup"],
        "policy",
        "policy.startup_loan",
        policy_expiry,
        lambda i: f'{{"service_need": "startup", "max_amount": {loan_max[i]:.0f}}}',
    )
    deduction = results["dibao_employment_cost_deduction"]
    add(
        deduction > 0,
        "policy",
        "policy.dibao_deduction",
        policy_expiry,
        lambda i: f'{{"monthly_deduction": {deduction[i]:.2f}}}',
    )
    births = population.columns["birth_date"]
    eligible_from = month_end + datetime.timedelta(days=1)
    add(
        results["turns_4050_next_month"].astype(bool) & results["nearly_employment_difficulty_person"].astype(bool),
        "nearly",
        "nearly.4050",
        nearly_expiry,
        lambda i: f'{{"birth_date": "{births[i]}", "age": {ages[i]}, "eligible_from": "{eligible_from}"}}',
    )
    starts = population.columns["unemployment_start_date"]
    add(
        results["reaches_long_term_unemployment_next_month"].astype(bool),
        "nearly",
        "nearly.long_term",
        nearly_expiry,
        lambda i: (
            f'{{"registered_unemployed_since": "{starts[i]}", "months_unemployed": {months[i]}, '
            f'"eligible_from": "{eligible_from}"}}'
        ),
    )
    rows.extend(_opportunity_rows(population, needs, opportunities, policy_expiry))
    return rows


def _as_list(value) -> list:
    if not value:
        return []
    return json.loads(value) if isinstance(value, str) else list(value)


def _as_lists(values) -> list[list]:
    """JSON list columns parsed once per distinct text (a few distinct values, many rows)."""
    parsed: dict = {}
    out = []
    for value in values:
        if isinstance(value, str) or value is None:
            if value not in parsed:
                parsed[value] = _as_list(value)
            out.append(parsed[value])
        else:
            out.append(_as_list(value))
    return out


def _opportunity_rows(population, needs, index: OpportunityIndex, expiry: str) -> list[tuple]:
    rows = []
    if not index.by_area:
        return rows
    ids = population.ids.tolist()
    for i, person_needs in enumerate(needs):
        if not person_needs:
            continue
        skills = set(_as_list(population.skills[i]))
        for need in person_needs:
            found = index.best(population.region_codes[i], need, skills)
            if found is not None:
                data = json.dumps({"title": found.title, "service_need": need}, ensure_ascii=False)
                rows.append((ids[i], "opportunity", found.reason_code, found.ref, "", data, expiry))
    return rows


def _existing_pushes(population, period: str) -> set[tuple]:
    """(person_id, reason_code, opportunity_ref) already created for the month."""
    if not len(population):
        return set()
    table = PushItem._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT person_id, reason_code, opportunity_ref FROM {table} "  # noqa: S608
            "WHERE period = %s AND person_id BETWEEN %s AND %s",
            [period, int(population.ids.min()), int(population.ids.max())],
        )
        return set(cursor.fetchall())


def _write_pushes(rows: list[tuple], period: str, now, progress, existing: set | None = None) -> int:
    """Insert the push items not yet created this month; returns how many were new."""
    table = PushItem._meta.db_table
    if existing:
        rows = [row for row in rows if (row[0], row[2], row[3]) not in existing]
    j = _json_param()
    # The table name comes from model meta; every value is bound.
    sql = (
        f"INSERT INTO {table} (person_id, period, kind, reason_code, opportunity_ref, "  # noqa: S608
        "rule_reference, data_used, expires_on, status, channels, created_at) "
        f"VALUES (%s, %s, %s, %s, %s, %s, {j}, %s, %s, {j}, %s) "
        "ON CONFLICT (person_id, period, reason_code, opportunity_ref) DO NOTHING"
    )
    stamp = connection.ops.adapt_datetimefield_value(now)
    values = [
        (pid, period, kind, code, ref, reference, data, expiry, "pending", "[]", stamp)
        for pid, kind, code, ref, reference, data, expiry in rows
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(values), WRITE_CHUNK):
            cursor.executemany(sql, values[start : start + WRITE_CHUNK])
            progress.advance(min(WRITE_CHUNK, len(values) - start))
    return len(values)


def discovery_run(*, region_prefix: str, actor=None, today: datetime.date | None = None, stream=None) -> dict:
    """Recognise, compute entitlements and create pushes for every person under the prefix.

    Idempotent per month: recognitions are upserted, pushes are unique per person,
    month, reason and opportunity. Returns the summary (also stored in core.JobRun).
    """
    from meaningflow.assistance.services import pushes_expire, registry_link_users

    today = today or timezone.localdate()
    period = current_period(today)
    registry_link_users(region_prefix=region_prefix)
    pushes_expire(today=today)
    population = load_population(region_prefix, period=period)
    expiry_days = int(policy.national_system().parameters(period).discovery.push_expiry_days)
    with JobProgress(
        job="assistance.discovery",
        key=f"{region_prefix}:{period}:{uuid.uuid4().hex[:8]}",
        total=len(population) * 2,
        stream=stream,
    ) as progress:
        results = compute_population(population, period)
        progress.advance(len(population))
        rows = _push_rows(
            population,
            results,
            period,
            today,
            expiry_days,
            OpportunityIndex(opportunities_for(region_prefix)),
        )
        now = timezone.now()
        progress.run.total = len(population) * 2 + len(rows)
        with transaction.atomic():
            written = _write_recognitions(population, results, period, region_prefix, now, progress)
            created = _write_pushes(rows, period, now, progress, _existing_pushes(population, period))
        progress.advance(len(rows) - created)
        summary = {
            "persons": len(population),
            "recognised": int(results["employment_difficulty_person"].astype(bool).sum()),
            "nearly": int(results["nearly_employment_difficulty_person"].astype(bool).sum()),
            "push_candidates": len(rows),
            "recognitions_written": written,
            "pushes_created": created,
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


# --- explanation --------------------------------------------------------------------

EXPLAINED = (
    "employment_difficulty_person",
    "nearly_employment_difficulty_person",
    "flexible_employment_social_insurance_subsidy",
    "public_welfare_post_eligible",
    "training_subsidy_eligible",
    "startup_loan_max_amount",
    "dibao_employment_cost_deduction",
)


def _scalar(value):
    item = value[0].item() if hasattr(value, "__len__") and len(value) else value
    if isinstance(item, float):
        return round(item, 2)
    return str(item) if isinstance(item, (datetime.date, numpy.datetime64)) else item


def _parameter_reference(system, name: str, instant: str) -> str:
    node = system.parameters
    try:
        for part in name.split("."):
            node = node.children[part]
    except (KeyError, AttributeError):
        return ""
    for at in getattr(node, "values_list", []):
        if str(at.instant_str) <= instant:
            return (at.metadata or {}).get("reference", "") or node.metadata.get("reference", "")
    return node.metadata.get("reference", "")


def _formula_source(variable) -> str:
    formula = variable.get_formula() if variable.formulas else None
    if formula is None:
        return ""
    lines = inspect.getsource(formula).splitlines()
    return "\n".join(line for line in lines[1:] if line.strip())


def _node(system, node, seen: set) -> dict:
    variable = system.variables.get(node.name)
    key = (node.name, str(node.period))
    entry = {
        "variable": node.name,
        "period": str(node.period),
        "value": _scalar(node.value),
        "label": variable.label if variable else "",
        "input": not (variable and variable.formulas),
    }
    if key in seen:
        entry["repeat"] = True
        return entry
    seen.add(key)
    entry["reference"] = getattr(variable, "reference", "") or ""
    if isinstance(entry["reference"], (list, tuple)):
        entry["reference"] = "; ".join(entry["reference"])
    entry["formula"] = _formula_source(variable) if variable and variable.formulas else ""
    entry["parameters"] = [
        {
            "name": p.name,
            "value": _scalar(p.value),
            "reference": _parameter_reference(system, p.name, str(p.period)),
        }
        for p in node.parameters
    ]
    entry["children"] = [_node(system, child, seen) for child in node.children]
    return entry


def explain_person(person: RegistryPerson, *, today: datetime.date | None = None) -> dict:
    """Why: the traced computation of the key results for one person (GV-2)."""
    period = current_period(today)
    population = load_population(person.region_code, person_ids=[person.pk], period=period)
    if not len(population):
        return {
            "period": period,
            "rules_version": policy.rules_label(person.region_code),
            "trees": [],
            "note": _("This person has left the registry; no rules apply."),
        }
    system = policy.system_for_region(person.region_code)
    simulation = build_simulation(system, population, period)
    simulation.trace = True
    for name in EXPLAINED:
        simulation.calculate(name, period)
    seen: set = set()
    trees = [_node(system, tree, seen) for tree in simulation.tracer.trees]
    inputs = {name: _scalar(values) for name, values in population.columns.items() if name in system.variables}
    return {
        "period": period,
        "rules_version": policy.rules_label(person.region_code),
        "system": type(system).__name__,
        "trees": trees,
        "inputs": inputs,
        "log": simulation.tracer.computation_log.lines(aggregate=False, max_depth=4),
    }
