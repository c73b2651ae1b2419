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
from contextlib import contextmanager
from dataclasses import dataclass

import numpy
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openfisca_core import periods
from openfisca_core.simulations import SimulationBuilder

from meaningflow.assistance import policy
from meaningflow.assistance.models import (
    OPEN_PUSH_STATUSES,
    AssistanceProfile,
    Household,
    IncomeRecord,
    PushItem,
    Recognition,
    RegistryPerson,
    ServiceNeed,
)
from meaningflow.assistance.opportunities import OpportunityIndex, opportunities_for
from meaningflow.assistance.reasons import PUSH_REASONS, RECOGNITION_REASONS
from meaningflow.core import columnar
from meaningflow.core.services import JobProgress, audit_log

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
    region_codes: numpy.ndarray  # GB/T 2260 codes as integers (the column holds six digits)
    need_bits: numpy.ndarray  # service needs: bit i set for SERVICE_NEEDS[i]
    user_ids: numpy.ndarray  # 0: no linked account
    stored_fingerprints: numpy.ndarray | None = None

    def __len__(self) -> int:
        return len(self.ids)

    def wants(self, need: str) -> numpy.ndarray:
        return (self.need_bits >> SERVICE_NEEDS.index(need) & 1).astype(bool)

    def needs_of(self, i: int) -> list[str]:
        return [need for bit, need in enumerate(SERVICE_NEEDS) if self.need_bits[i] >> bit & 1]


def current_period(today: datetime.date | None = None) -> str:
    return (today or timezone.localdate()).strftime("%Y-%m")


# --- reading ------------------------------------------------------------------------

SERVICE_NEEDS = tuple(ServiceNeed.values)
# 登记失业 in force: registered, with a registration date, and not employed by a unit
# (employment cancels the registration, 就业服务与就业管理规定 第六十三条; the person stays on
# the registry, followed to stable employment, until an officer records the exit).
REGISTERED_UNEMPLOYED = (
    "p.registration_status = 'registered' AND p.registered_unemployed_since IS NOT NULL AND p.work_form <> 'employed'"
)
# Boolean inputs packed into one integer column by the query.
FLAG_CONDITIONS = (
    "p.has_disability",
    "p.dibao",
    "h.dibao",
    "h.zero_employment",
    "p.receives_unemployment_insurance",
    "p.sex = 'F'",
    REGISTERED_UNEMPLOYED,
    "p.work_form = 'flexible'",
    "p.work_form = 'employed'",
    "p.occupation_category = 'cadre'",
)
# The query's output: every column fixed-width and never NULL (read column-wise, see
# core.columnar: binary COPY on PostgreSQL).
READ_COLUMNS = [
    ("id", "int8"),
    ("birth", "int4"),
    ("region", "int4"),
    ("since", "int4"),
    ("flags", "int4"),
    ("categories", "int4"),
    ("household", "int8"),
    ("paid", "float8"),
    ("flexible_subsidy_months_used", "int4"),
    ("approved", "int4"),
    ("graduated", "int4"),
    ("public_welfare_post_months_used", "int4"),
    ("public_welfare_post_placements", "int4"),
    ("skill_evaluation_subsidies_received", "int4"),
    ("startup_loans_received", "int4"),
    ("user", "int8"),
    ("needs", "int4"),
    ("fingerprint", "int8"),
]


def _day_number(column: str) -> str:
    """SQL for days since 1970-01-01, 0 for NULL: no per-row date objects in Python."""
    if connection.vendor == "postgresql":
        return f"COALESCE({column} - DATE '1970-01-01', 0)"
    return f"COALESCE(CAST(julianday({column}) - 2440587.5 AS INTEGER), 0)"


def _json_has(column: str, value: str) -> str:
    """SQL: the JSON list in ``column`` contains the string ``value`` (a code constant)."""
    if connection.vendor == "postgresql":
        return f"""COALESCE({column} @> '["{value}"]'::jsonb, false)"""
    return f"""COALESCE({column} LIKE '%"{value}"%', 0)"""


def _bits(conditions) -> str:
    return " + ".join(f"CASE WHEN {condition} THEN {1 << bit} ELSE 0 END" for bit, condition in enumerate(conditions))


def _json_list_bits(column: str, values) -> str:
    """Bit i set when the JSON list in ``column`` contains ``values[i]``; the empty list
    (most rows) is answered without testing each value."""
    empty = "'[]'::jsonb" if connection.vendor == "postgresql" else "'[]'"
    tests = _bits(_json_has(column, value) for value in values)
    return f"CASE WHEN {column} IS NULL OR {column} = {empty} THEN 0 ELSE {tests} END"


def _sql(region_prefix: str, person_ids: list[int] | None) -> tuple[str, list]:
    p, h, pr, r = (
        RegistryPerson._meta.db_table,
        Household._meta.db_table,
        AssistanceProfile._meta.db_table,
        Recognition._meta.db_table,
    )
    where, params = (
        ["p.registration_status <> %s", "p.region_code LIKE %s"],
        ["deregistered", f"{region_prefix}%"],
    )
    if person_ids is not None:
        where.append(f"p.id IN ({', '.join(['%s'] * len(person_ids))})")
        params.extend(person_ids)
    expressions = [
        "p.id",
        _day_number("p.birth_date"),
        "CAST(p.region_code AS INTEGER)",  # six digits: a check constraint says so
        _day_number("p.registered_unemployed_since"),
        _bits(FLAG_CONDITIONS),
        _json_list_bits("p.categories", list(CATEGORY_INPUTS)),
        "COALESCE(p.household_id, 0)",
        "p.social_insurance_paid_monthly",
        "p.flexible_subsidy_months_used",
        _day_number("p.flexible_subsidy_first_approved"),
        _day_number("p.graduation_date"),
        "p.public_welfare_post_months_used",
        "p.public_welfare_post_placements",
        "p.skill_evaluation_subsidies",
        "p.startup_loans",
        "COALESCE(p.user_id, 0)",
        _json_list_bits("pr.service_needs", SERVICE_NEEDS),
        "COALESCE(r.fingerprint, 0)",
    ]
    if connection.vendor == "postgresql":  # binary COPY needs the exact declared types
        expressions = [
            f"({expression})::{columnar.KINDS[kind][2]}"
            for expression, (_name, kind) in zip(expressions, READ_COLUMNS, strict=True)
        ]
    # Table names come from model meta, codes from constants; every value is bound.
    sql = f"""
        SELECT {", ".join(expressions)}
        FROM {p} p LEFT JOIN {h} h ON h.id = p.household_id
        LEFT JOIN {pr} pr ON pr.person_id = p.id
        LEFT JOIN {r} r ON r.person_id = p.id
        WHERE {" AND ".join(where)} ORDER BY p.id"""  # noqa: S608
    return sql, params


def load_population(
    region_prefix: str, *, person_ids: list[int] | None = None, period: str | None = None
) -> Population:
    """Read the registry persons under ``region_prefix`` (not deregistered) into column arrays."""
    sql, params = _sql(region_prefix, person_ids)
    read = columnar.read_columns(sql, params, READ_COLUMNS)
    ids = read["id"]
    flags = read["flags"]
    bit = {condition: (flags >> i & 1).astype(bool) for i, condition in enumerate(FLAG_CONDITIONS)}
    categories = read["categories"]
    household = read["household"]
    columns = {
        "birth_date": read["birth"].astype("datetime64[D]"),
        "is_female": bit["p.sex = 'F'"],
        "registered_unemployed": bit[REGISTERED_UNEMPLOYED],
        "unemployment_start_date": read["since"].astype("datetime64[D]"),
        "flexibly_employed": bit["p.work_form = 'flexible'"],
        "formally_employed": bit["p.work_form = 'employed'"],
        "is_cadre": bit["p.occupation_category = 'cadre'"],
        "graduation_date": read["graduated"].astype("datetime64[D]"),  # 1970-01-01: unknown
        "has_disability_card": bit["p.has_disability"],
        "dibao_member": bit["p.dibao"],
        # Persons without a household record each form their own (negative ids never clash).
        "household_id": numpy.where(household == 0, -ids, household),
        "household_dibao": bit["h.dibao"],
        "household_zero_employment": bit["h.zero_employment"],
        "receives_unemployment_insurance": bit["p.receives_unemployment_insurance"],
        "social_insurance_contributions_paid": read["paid"].astype(numpy.float32),
        "flexible_subsidy_first_approval_date": read["approved"].astype("datetime64[D]"),
        **{name: read[name] for name in COUNT_INPUTS},
        **{variable: (categories >> bit & 1).astype(bool) for bit, variable in enumerate(CATEGORY_INPUTS.values())},
    }
    columns["employment_income"] = _incomes(ids, period or current_period())
    return Population(
        ids=ids,
        columns=columns,
        region_codes=read["region"],
        need_bits=read["needs"],
        user_ids=read["user"],
        stored_fingerprints=read["fingerprint"],
    )


COUNT_INPUTS = (
    "flexible_subsidy_months_used",
    "public_welfare_post_months_used",
    "public_welfare_post_placements",
    "skill_evaluation_subsidies_received",
    "startup_loans_received",
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


def build_simulation(
    system, population: Population, period: str, index: numpy.ndarray | None = None, *, on: datetime.date | None = None
):
    """One OpenFisca simulation for the (sub)population, inputs set from arrays. ``on``: the
    day the rules are judged on (the run's date); without it, the last day of the month."""
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
    for name, values in cols.items():
        variable = system.variables.get(name)
        if variable is None or name in HOUSEHOLD_INPUTS:
            continue
        eternal = variable.definition_period == periods.DateUnit.ETERNITY
        simulation.set_input(name, periods.period("eternity") if eternal else month, values)
    if on is not None:
        simulation.set_input("run_date", month, numpy.full(len(ids), numpy.datetime64(on, "D")))
    return simulation


def compute(simulation, period: str) -> dict[str, numpy.ndarray]:
    return {name: simulation.calculate(name, period) for name in OUTPUTS}


def _rule_set_groups(population: Population) -> dict[policy.RulesStatus, numpy.ndarray]:
    """Persons by the rules in use for them: the national rules, or a province's reform where
    it is switched on (usually one group)."""
    provinces = population.region_codes // 10_000
    groups: dict[policy.RulesStatus, list[numpy.ndarray]] = {}
    for province in numpy.unique(provinces).tolist():
        status = policy.rules_status(f"{province:02d}")
        key = status if status.regional else policy.RulesStatus(province="")
        groups.setdefault(key, []).append(numpy.flatnonzero(provinces == province))
    return {key: numpy.concatenate(parts) for key, parts in groups.items()}


def compute_population(
    population: Population, period: str, *, on: datetime.date | None = None
) -> dict[str, numpy.ndarray]:
    """Results for every person, judged on ``on`` (the run's date); one simulation per rule
    set in use (usually one)."""
    results = {name: numpy.zeros(len(population), dtype=numpy.float64) for name in OUTPUTS}
    groups = _rule_set_groups(population)
    for status, index in groups.items():
        system = policy.system_for_status(status)
        simulation = build_simulation(system, population, period, None if len(groups) == 1 else index, on=on)
        for name, values in compute(simulation, period).items():
            results[name][index] = values
    return results


# --- writing ------------------------------------------------------------------------
#
# Results are written set-based: the numbers go column-wise into a staging table
# (core.columnar: binary COPY on PostgreSQL), and one INSERT … SELECT per target table
# builds the JSON columns in SQL and upserts. No JSON text and no row tuple is made in
# Python per person.


def _reason_masks(results) -> numpy.ndarray:
    """Per person, bit i set for the i-th recognition reason that applies — for recognised
    persons only: a person who is not recognised (who found work, say) has no reasons, even
    if a reason variable (a disability, a 低保 household) is still true."""
    mask = numpy.zeros(len(results["age"]), dtype=numpy.int32)
    for bit, (_label, variable) in enumerate(RECOGNITION_REASONS.values()):
        mask |= results[variable].astype(bool).astype(numpy.int32) << bit
    return numpy.where(results["employment_difficulty_person"].astype(bool), mask, 0).astype(numpy.int32)


def _reason_names() -> list[tuple[int, str]]:
    """Every reason mask with the JSON list of its reason codes."""
    codes = list(RECOGNITION_REASONS)
    return [(m, json.dumps([c for bit, c in enumerate(codes) if m >> bit & 1])) for m in range(1 << len(codes))]


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _json_object(*pairs: str) -> str:
    """SQL building a JSON object from alternating key literals and value expressions."""
    return f"{'jsonb_build_object' if _postgres() else 'json_object'}({', '.join(pairs)})"


def _json_value(text: str) -> str:
    """SQL: a JSON text (column or literal) as a JSON value."""
    return f"CAST({text} AS jsonb)" if _postgres() else f"json({text})"


def _json_bool(flag: str) -> str:
    return flag if _postgres() else f"json(CASE WHEN {flag} THEN 'true' ELSE 'false' END)"


def _json_money(cents: str) -> str:
    """A JSON number with two decimals, as the amounts are shown."""
    if _postgres():
        return f"ROUND(CAST({cents} AS numeric) / 100, 2)"
    return f"json(printf('%.2f', {cents} / 100.0))"


def _iso_date(days: str) -> str:
    if _postgres():
        return f"to_char(DATE '1970-01-01' + {days}, 'YYYY-MM-DD')"
    return f"date({days} * 86400, 'unixepoch')"


def _as_date(text: str) -> str:
    return f"CAST({text} AS date)" if _postgres() else text


REASON_TABLE = "discovery_reason_names"
CODE_TABLE = "discovery_push_codes"


@contextmanager
def _lookup_table(name: str, key: str, columns: tuple[str, ...], rows: list[tuple]):
    """A small temporary table of text columns keyed by an integer primary key, for the
    block (inside the caller's transaction). Joined with a million staged rows it is an
    index lookup per row; a VALUES list in a CTE is scanned per row by SQLite."""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {name}")
        cursor.execute(
            f"CREATE TEMP TABLE {name} ({key} integer PRIMARY KEY, {', '.join(f'{c} text NOT NULL' for c in columns)})"
        )
        # Table and column names are code constants; the values are bound.
        cursor.executemany(f"INSERT INTO {name} VALUES ({', '.join(['%s'] * (len(columns) + 1))})", rows)  # noqa: S608
    yield name
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {name}")


def _values_cte(name: str, columns: str, rows: list[tuple]) -> tuple[str, list]:
    """``name(columns) AS (VALUES …)`` with bound values, and the values."""
    width = len(rows[0])
    tuples = ", ".join(["(" + ", ".join(["%s"] * width) + ")"] * len(rows))
    return f"{name}({columns}) AS (VALUES {tuples})", [value for row in rows for value in row]


_GOLDEN = numpy.uint64(0x9E3779B97F4A7C15)
_MIX = numpy.uint64(0xBF58476D1CE4E5B9)


def _mix(digest: numpy.ndarray, values: numpy.ndarray) -> numpy.ndarray:
    """One splitmix64-style round folding a column into the running per-person digest."""
    digest = (digest ^ values.astype(numpy.int64).astype(numpy.uint64)) * _GOLDEN
    return (digest ^ (digest >> numpy.uint64(31))) * _MIX


def fingerprints(results, versions: numpy.ndarray, need_bits: numpy.ndarray) -> numpy.ndarray:
    """Per person, a positive non-zero int64 digest of everything a recognition row stores
    except its period and timestamp, and of what decides which policy pushes the person
    gets (service needs, which nearly-eligible rule applies). 0 is "no row"."""
    digest = numpy.zeros(len(results["age"]), dtype=numpy.uint64)
    with numpy.errstate(over="ignore"):
        for column in (
            _reason_masks(results),
            results["employment_difficulty_person"].astype(bool),
            results["nearly_employment_difficulty_person"].astype(bool),
            _cents(results["flexible_employment_social_insurance_subsidy"]),
            results["public_welfare_post_eligible"].astype(bool),
            results["training_subsidy_eligible"].astype(bool),
            _yuan(results["startup_loan_max_amount"]),
            _cents(results["dibao_employment_cost_deduction"]),
            versions,
            need_bits,
            results["turns_4050_next_month"].astype(bool),
            results["reaches_long_term_unemployment_next_month"].astype(bool),
        ):
            digest = _mix(digest, column)
    return ((digest >> numpy.uint64(1)) | numpy.uint64(1)).astype(numpy.int64)


def _digests(population, results) -> tuple[list[str], numpy.ndarray, numpy.ndarray]:
    """The rules labels in use, each person's label index and each person's fingerprint."""
    labels, version_index = _versions(population)
    version_numbers = numpy.array([zlib.crc32(label.encode()) for label in labels], dtype=numpy.int64)
    versions = version_numbers[version_index] if len(labels) else version_index.astype(numpy.int64)
    return labels, version_index, fingerprints(results, versions, population.need_bits)


def _cents(amounts: numpy.ndarray) -> numpy.ndarray:
    return numpy.round(numpy.asarray(amounts, dtype=numpy.float64) * 100).astype(numpy.int64)


def _yuan(amounts: numpy.ndarray) -> numpy.ndarray:
    return numpy.round(numpy.asarray(amounts, dtype=numpy.float64)).astype(numpy.int64)


def _versions(population) -> tuple[list[str], numpy.ndarray]:
    """The rules labels in use (one per province's rule set) and, per person, the index of
    theirs in that list."""
    provinces = population.region_codes // 10_000
    labels: list[str] = []
    index = numpy.zeros(len(population), dtype=numpy.int16)
    for province in numpy.unique(provinces).tolist():
        label = policy.rules_label(f"{province:02d}")
        if label not in labels:
            labels.append(label)
        index[provinces == province] = labels.index(label)
    return labels, index


RECOGNITION_STAGE = {
    "person_id": "int8",
    "recognised": "bool",
    "nearly": "bool",
    "reason_mask": "int4",
    "flexible_cents": "int8",
    "post": "bool",
    "training": "bool",
    "loan_yuan": "int8",
    "deduction_cents": "int8",
    "version": "int2",
    "fingerprint": "int8",
}


def _recognition_upsert_sql(labels: list[str]) -> tuple[str, list]:
    table = Recognition._meta.db_table
    versions, version_params = _values_cte("versions", "number, label", list(enumerate(labels)))
    entitlements = _json_object(
        "'flexible_subsidy'",
        _json_money("s.flexible_cents"),
        "'public_welfare_post'",
        _json_bool("s.post"),
        "'training'",
        _json_bool("s.training"),
        "'startup_loan_max'",
        "s.loan_yuan",
        "'dibao_deduction'",
        _json_money("s.deduction_cents"),
    )
    # Table names come from model meta; every value is bound. INSERT first (a leading WITH
    # hides the row count from sqlite3); "WHERE true": SQLite's parser needs it between a
    # join and ON CONFLICT.
    sql = (
        f"INSERT INTO {table} (person_id, period, recognised, nearly, reasons, entitlements, rules_version, "  # noqa: S608
        "computed_at, fingerprint) "
        f"WITH {versions} "
        f"SELECT s.person_id, %s, s.recognised, s.nearly, {_json_value('r.reasons')}, {entitlements}, v.label, "
        "%s, s.fingerprint "
        f"FROM discovery_recognition_stage s JOIN {REASON_TABLE} r ON r.mask = s.reason_mask "
        "JOIN versions v ON v.number = s.version WHERE true "
        "ON CONFLICT (person_id) DO UPDATE SET "
        "period = excluded.period, recognised = excluded.recognised, nearly = excluded.nearly, "
        "reasons = excluded.reasons, entitlements = excluded.entitlements, "
        "rules_version = excluded.rules_version, computed_at = excluded.computed_at, "
        "fingerprint = excluded.fingerprint"
    )
    return sql, version_params


def _write_recognitions(population, results, fingerprinted, period: str, now, progress) -> int:
    """Upsert the recognitions whose results changed; the others are not touched (their
    month is the month the result was first computed for, and it has held since: no
    monthly rewrite of every row). ``fingerprinted``: what ``_digests`` returned."""
    labels, version_index, digests = fingerprinted
    stored = population.stored_fingerprints
    changed = numpy.flatnonzero(digests != stored) if stored is not None else numpy.arange(len(population))
    picked = {name: results[name][changed] for name in OUTPUTS}
    stage = {
        "person_id": population.ids[changed],
        "recognised": picked["employment_difficulty_person"].astype(bool),
        "nearly": picked["nearly_employment_difficulty_person"].astype(bool),
        "reason_mask": _reason_masks(picked),
        "flexible_cents": _cents(picked["flexible_employment_social_insurance_subsidy"]),
        "post": picked["public_welfare_post_eligible"].astype(bool),
        "training": picked["training_subsidy_eligible"].astype(bool),
        "loan_yuan": _yuan(picked["startup_loan_max_amount"]),
        "deduction_cents": _cents(picked["dibao_employment_cost_deduction"]),
        "version": version_index[changed],
        "fingerprint": digests[changed],
    }
    if len(changed):
        stamp = connection.ops.adapt_datetimefield_value(now)
        with (
            columnar.staging_table("discovery_recognition_stage", RECOGNITION_STAGE) as staging,
            _lookup_table(REASON_TABLE, "mask", ("reasons",), _reason_names()),
        ):
            columnar.write_columns(staging, {name: (stage[name], kind) for name, kind in RECOGNITION_STAGE.items()})
            sql, params = _recognition_upsert_sql(labels)
            with connection.cursor() as cursor:
                cursor.execute(sql, [*params, period, stamp])
    progress.advance(len(population))
    return len(changed)


# The push items computed from the rules, in the order of their stage code; opportunity
# pushes (a found need or organisation per person) are few and written row by row.
POLICY_PUSHES = (
    "policy.recognition",
    "policy.flexible_subsidy",
    "policy.public_welfare_post",
    "policy.training_subsidy",
    "policy.startup_loan",
    "policy.dibao_deduction",
    "nearly.4050",
    "nearly.long_term",
)
PUSH_STAGE = {
    "person_id": "int8",
    "code": "int2",
    "age": "int4",
    "months": "int4",
    "reason_mask": "int4",
    "cents": "int8",
    "yuan": "int8",
    "day": "int4",
}


def _push_data_sql() -> str:
    """SQL for the data_used JSON of a staged push, by stage code (what the person is told
    the push was computed from)."""
    code = POLICY_PUSHES.index
    shapes = {
        code("policy.recognition"): _json_object(
            "'reasons'", _json_value("r.reasons"), "'age'", "s.age", "'months_unemployed'", "s.months"
        ),
        code("policy.flexible_subsidy"): _json_object("'monthly_amount'", _json_money("s.cents")),
        code("policy.public_welfare_post"): _json_object("'service_need'", "'job'"),
        code("policy.training_subsidy"): _json_object("'service_need'", "'training'"),
        code("policy.startup_loan"): _json_object("'service_need'", "'startup'", "'max_amount'", "s.yuan"),
        code("policy.dibao_deduction"): _json_object("'monthly_deduction'", _json_money("s.cents")),
        code("nearly.4050"): _json_object(
            "'birth_date'", _iso_date("s.day"), "'age'", "s.age", "'eligible_from'", "c.eligible_from"
        ),
        code("nearly.long_term"): _json_object(
            "'registered_unemployed_since'",
            _iso_date("s.day"),
            "'months_unemployed'",
            "s.months",
            "'eligible_from'",
            "c.eligible_from",
        ),
    }
    return "CASE s.code " + " ".join(f"WHEN {number} THEN {shape}" for number, shape in shapes.items()) + " END"


def _policy_pushes(population, results, among: numpy.ndarray) -> dict[str, numpy.ndarray]:
    """Staged policy and nearly-eligible pushes: one row per person (where ``among``) and
    reason that applies."""
    recognised = results["employment_difficulty_person"].astype(bool)
    nearly = results["nearly_employment_difficulty_person"].astype(bool)
    masks = {
        "policy.recognition": recognised,
        "policy.flexible_subsidy": results["flexible_employment_social_insurance_subsidy"] > 0,
        "policy.public_welfare_post": results["public_welfare_post_eligible"].astype(bool) & population.wants("job"),
        "policy.training_subsidy": results["training_subsidy_eligible"].astype(bool) & population.wants("training"),
        "policy.startup_loan": results["startup_loan_eligible"].astype(bool) & population.wants("startup"),
        "policy.dibao_deduction": results["dibao_employment_cost_deduction"] > 0,
        "nearly.4050": results["turns_4050_next_month"].astype(bool) & nearly,
        "nearly.long_term": results["reaches_long_term_unemployment_next_month"].astype(bool),
    }
    cents = {
        "policy.flexible_subsidy": _cents(results["flexible_employment_social_insurance_subsidy"]),
        "policy.dibao_deduction": _cents(results["dibao_employment_cost_deduction"]),
    }
    days = {
        "nearly.4050": population.columns["birth_date"].astype(numpy.int64),
        "nearly.long_term": population.columns["unemployment_start_date"].astype(numpy.int64),
    }
    per_person = {
        "person_id": population.ids,
        "age": results["age"].astype(numpy.int32),
        "months": results["months_unemployed"].astype(numpy.int32),
        "reason_mask": _reason_masks(results),
        "yuan": _yuan(results["startup_loan_max_amount"]),
    }
    parts: dict[str, list] = {name: [] for name in PUSH_STAGE}
    zeros = numpy.zeros(len(population), dtype=numpy.int64)
    for number, code in enumerate(POLICY_PUSHES):
        index = numpy.flatnonzero(masks[code] & among)
        for name, values in per_person.items():
            parts[name].append(values[index])
        parts["code"].append(numpy.full(len(index), number, dtype=numpy.int16))
        parts["cents"].append(cents.get(code, zeros)[index])
        parts["day"].append(days.get(code, zeros)[index].astype(numpy.int32))
    return {name: numpy.concatenate(chunks) for name, chunks in parts.items()}


def _push_key_sql() -> str:
    """SQL for a policy push's key, person id × 16 + its stage code (as staged pushes have)."""
    number = "CASE reason_code " + " ".join(f"WHEN '{code}' THEN {i}" for i, code in enumerate(POLICY_PUSHES)) + " END"
    key = f"person_id * 16 + {number}"
    return f"({key})::int8" if _postgres() else key


def _existing_policy_pushes(population, period: str) -> numpy.ndarray:
    """Keys (person id × 16 + stage code) of the policy pushes already created this month."""
    if not len(population):
        return numpy.zeros(0, dtype=numpy.int64)
    table, key = PushItem._meta.db_table, _push_key_sql()
    read = columnar.read_columns(
        f"SELECT {key} FROM {table} "  # noqa: S608
        f"WHERE period = %s AND opportunity_ref = '' AND reason_code IN ({', '.join(['%s'] * len(POLICY_PUSHES))}) "
        "AND person_id BETWEEN %s AND %s",
        [period, *POLICY_PUSHES, int(population.ids.min()), int(population.ids.max())],
        [("key", "int8")],
    )
    return read["key"]


EMPTY_LIST_SQL = "'[]'"  # a SQL string literal holding an empty JSON list


def _write_policy_pushes(staged: dict, population, period: str, today, expiry_days: int, now) -> int:
    """Insert the staged pushes not yet created this month; returns how many were new."""
    if not len(staged["person_id"]):
        return 0
    keys = staged["person_id"] * 16 + staged["code"]
    fresh = ~numpy.isin(keys, _existing_policy_pushes(population, period))
    staged = {name: values[fresh] for name, values in staged.items()}
    if not len(staged["person_id"]):
        return 0
    month_end = (numpy.datetime64(period, "M") + 1).astype("datetime64[D]").item() - datetime.timedelta(days=1)
    eligible_from = (month_end + datetime.timedelta(days=1)).isoformat()
    nearly_expiry = (numpy.datetime64(period, "M") + 2).astype("datetime64[D]").item() - datetime.timedelta(days=1)
    policy_expiry = (today + datetime.timedelta(days=expiry_days)).isoformat()
    codes = [
        (
            number,
            code.split(".", 1)[0],
            code,
            PUSH_REASONS[code][2],
            nearly_expiry.isoformat() if code.startswith("nearly.") else policy_expiry,
            eligible_from,
        )
        for number, code in enumerate(POLICY_PUSHES)
    ]
    table = PushItem._meta.db_table
    # Table names come from model meta; every value is bound.
    sql = (
        f"INSERT INTO {table} (person_id, period, kind, reason_code, opportunity_ref, rule_reference, data_used, "  # noqa: S608
        "expires_on, status, channels, created_at) "
        f"SELECT s.person_id, %s, c.kind, c.reason_code, '', c.reference, {_push_data_sql()}, "
        f"{_as_date('c.expires_on')}, 'pending', {_json_value(EMPTY_LIST_SQL)}, %s "
        f"FROM discovery_push_stage s JOIN {CODE_TABLE} c ON c.number = s.code "
        f"JOIN {REASON_TABLE} r ON r.mask = s.reason_mask WHERE true "
        "ON CONFLICT (person_id, period, reason_code, opportunity_ref) DO NOTHING"
    )
    with (
        columnar.staging_table("discovery_push_stage", PUSH_STAGE) as staging,
        _lookup_table(CODE_TABLE, "number", ("kind", "reason_code", "reference", "expires_on", "eligible_from"), codes),
        _lookup_table(REASON_TABLE, "mask", ("reasons",), _reason_names()),
    ):
        columnar.write_columns(staging, {name: (staged[name], kind) for name, kind in PUSH_STAGE.items()})
        with connection.cursor() as cursor:
            cursor.execute(sql, [period, connection.ops.adapt_datetimefield_value(now)])
            return cursor.rowcount


def _opportunity_rows(population, index: OpportunityIndex, expiry: str) -> list[tuple]:
    """(person_id, reason_code, opportunity_ref, data_used, expires_on) of the best
    opportunity per person and service need, where an opportunity exists."""
    rows = []
    if not index.by_area:
        return rows
    wanting = numpy.flatnonzero(population.need_bits).tolist()
    if not wanting:
        return rows
    # By id range, not an IN list of every person with needs (hundreds of thousands of
    # bound values, more than SQLite accepts); profiles without skills are not read.
    skills_of = dict(
        AssistanceProfile.objects.filter(
            person_id__gte=int(population.ids[wanting[0]]), person_id__lte=int(population.ids[wanting[-1]])
        )
        .exclude(skills=[])
        .values_list("person_id", "skills")
    )
    for i in wanting:
        person_id = int(population.ids[i])
        skills = set(skills_of.get(person_id) or ())
        region_code = f"{population.region_codes[i]:06d}"
        for need in population.needs_of(i):
            found = index.best(region_code, need, skills)
            if found is not None:
                data = json.dumps({"title": found.title, "service_need": need}, ensure_ascii=False)
                rows.append((person_id, found.reason_code, found.ref, data, expiry))
    return rows


def _write_opportunity_pushes(rows: list[tuple], population, period: str, now) -> int:
    """Insert the opportunity pushes never made to the person before (in any month): the
    same need or organisation is offered to a person once. Returns how many were new."""
    if not rows:
        return 0
    table = PushItem._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT person_id, reason_code, opportunity_ref FROM {table} "  # noqa: S608
            "WHERE opportunity_ref <> '' AND person_id BETWEEN %s AND %s",
            [int(population.ids.min()), int(population.ids.max())],
        )
        existing = set(cursor.fetchall())
    rows = [row for row in rows if row[:3] not in existing]
    j = "%s::jsonb" if _postgres() else "%s"
    stamp = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (person_id, period, kind, reason_code, opportunity_ref, "  # noqa: S608
            "rule_reference, data_used, expires_on, status, channels, created_at) "
            f"VALUES (%s, %s, 'opportunity', %s, %s, '', {j}, %s, 'pending', {j}, %s) "
            "ON CONFLICT (person_id, period, reason_code, opportunity_ref) DO NOTHING",
            [(pid, period, code, ref, data, expiry, "[]", stamp) for pid, code, ref, data, expiry in rows],
        )
    return len(rows)


def _expire_lapsed_policy_pushes(population, staged: dict, among: numpy.ndarray) -> int:
    """End the open policy and nearly-eligible pushes whose reason no longer holds for the
    persons whose findings changed (``among``): a person who found work is no longer told
    about subsidies for the recognised. ``staged`` holds every reason that holds for them
    now. Returns how many expired."""
    changed = population.ids[among]
    if not len(changed):
        return 0
    table, key = PushItem._meta.db_table, _push_key_sql()
    read = columnar.read_columns(
        f"SELECT {'id::int8' if _postgres() else 'id'}, {key} FROM {table} "  # noqa: S608
        f"WHERE opportunity_ref = '' AND reason_code IN ({', '.join(['%s'] * len(POLICY_PUSHES))}) "
        f"AND status IN ({', '.join(['%s'] * len(OPEN_PUSH_STATUSES))}) AND person_id BETWEEN %s AND %s",
        [*POLICY_PUSHES, *OPEN_PUSH_STATUSES, int(changed.min()), int(changed.max())],
        [("id", "int8"), ("key", "int8")],
    )
    holds = staged["person_id"].astype(numpy.int64) * 16 + staged["code"]
    lapsed = numpy.isin(read["key"] // 16, changed) & ~numpy.isin(read["key"], holds)
    ids = read["id"][lapsed].tolist()
    expired = 0
    for start in range(0, len(ids), 10_000):
        expired += PushItem.objects.filter(pk__in=ids[start : start + 10_000]).update(status=PushItem.Status.EXPIRED)
    return expired


def _departed_with_results(region_prefix: str) -> list[int]:
    """Ids of the deregistered persons under the prefix who still have a recognition or an
    open push (few: the import and the case file withdraw them at once)."""
    departed = RegistryPerson.objects.filter(
        region_code__startswith=region_prefix, registration_status=RegistryPerson.RegistrationStatus.DEREGISTERED
    )
    with_recognition = departed.filter(recognition__isnull=False).values_list("pk", flat=True)
    with_pushes = departed.filter(pushes__status__in=OPEN_PUSH_STATUSES).values_list("pk", flat=True)
    return sorted({*with_recognition, *with_pushes})


def discovery_run(*, region_prefix: str, actor=None, today: datetime.date | None = None, stream=None) -> dict:
    """Recognise, compute entitlements and create pushes for every person under the prefix.

    Idempotent per month: recognitions are upserted, pushes are unique per person,
    month, reason and opportunity. Returns the summary (also stored in core.JobRun).
    """
    from meaningflow.assistance.services import pushes_expire, registry_link_users, registry_results_withdraw

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
        digests = _digests(population, results)
        # A person whose stored recognition has the same fingerprint was told by the run that
        # stored it (a recognition and its pushes are written in one transaction), this month
        # or an earlier one: the policy pushes are a function of what the fingerprint covers.
        # An unchanged finding is not pushed again each month; a changed one is pushed anew.
        settled = digests[2] == population.stored_fingerprints
        staged = _policy_pushes(population, results, ~settled)
        opportunity_rows = _opportunity_rows(
            population,
            OpportunityIndex(opportunities_for(region_prefix)),
            (today + datetime.timedelta(days=expiry_days)).isoformat(),
        )
        now = timezone.now()
        with transaction.atomic():
            written = _write_recognitions(population, results, digests, period, now, progress)
            created = _write_policy_pushes(staged, population, period, today, expiry_days, now)
            created += _write_opportunity_pushes(opportunity_rows, population, period, now)
            lapsed = _expire_lapsed_policy_pushes(population, staged, ~settled)
            # Persons no longer in the population (deregistered, 注销) keep no results.
            withdrawn = registry_results_withdraw(person_ids=_departed_with_results(region_prefix))
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


# --- explanation --------------------------------------------------------------------

EXPLAINED = (
    "employment_difficulty_person",
    "nearly_employment_difficulty_person",
    "flexible_employment_social_insurance_subsidy",
    "public_welfare_post_eligible",
    "training_subsidy_eligible",
    "startup_loan_max_amount",
    "dibao_employment_cost_deduction",
    "dibao_gradual_exit",
)


def rules_status_text(status: policy.RulesStatus) -> str:
    """In words, for officers: which rules a result was computed with, and whether regional
    values were checked against the provincial documents."""
    if not status.regional:
        return _("National rules (no regional restatement is switched on for this region)")
    region = _(status.region_label)
    if status.status == policy.VERIFIED:
        return _("Regional rules of %(region)s, checked against the provincial documents") % {"region": region}
    return _(
        "Regional rules of %(region)s — demonstration values, not yet checked against the provincial documents"
    ) % {"region": region}


def _parameter_node(system, name: str):
    node = system.parameters
    try:
        for part in name.split("."):
            node = node.children[part]
    except (KeyError, AttributeError):
        return None
    return node


def _parameter_status(node, status: policy.RulesStatus) -> str:
    if node is None or not node.metadata.get("regional"):
        return _("national value")
    if node.metadata.get("status") == policy.VERIFIED:
        return _("regional value of %(region)s, checked") % {"region": _(status.region_label)}
    return _("regional value of %(region)s — demonstration, not checked") % {"region": _(status.region_label)}


def _scalar(value):
    item = value[0].item() if hasattr(value, "__len__") and len(value) else value
    if isinstance(item, float):
        return round(item, 2)
    return str(item) if isinstance(item, (datetime.date, numpy.datetime64)) else item


def _parameter_reference(node, instant: str) -> str:
    if node is None:
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


def _node(system, node, seen: set, status: policy.RulesStatus) -> dict:
    variable = system.variables.get(node.name)
    key = (node.name, str(node.period))
    entry = {
        "variable": node.name,
        "period": str(node.period),
        "value": _scalar(node.value),
        "label": _(variable.label) if variable and variable.label else "",
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
    entry["parameters"] = []
    for p in node.parameters:
        parameter = _parameter_node(system, p.name)
        entry["parameters"].append(
            {
                "name": p.name,
                "value": _scalar(p.value),
                "reference": _parameter_reference(parameter, str(p.period)),
                "status": _parameter_status(parameter, status),
            }
        )
    entry["children"] = [_node(system, child, seen, status) for child in node.children]
    return entry


def explain_person(person: RegistryPerson, *, today: datetime.date | None = None) -> dict:
    """Why: the traced computation of the key results for one person (GV-2), judged on
    ``today`` as discovery would judge them that day, with the status of the rules used."""
    today = today or timezone.localdate()
    period = current_period(today)
    status = policy.rules_status(person.region_code)
    population = load_population(person.region_code, person_ids=[person.pk], period=period)
    if not len(population):
        return {
            "period": period,
            "evaluated_on": today.isoformat(),
            "rules_version": policy.rules_label(person.region_code),
            "rules_status": rules_status_text(status),
            "regional": status.regional,
            "trees": [],
            "note": _("This person has left the registry; no rules apply."),
        }
    system = policy.system_for_status(status)
    simulation = build_simulation(system, population, period, on=today)
    simulation.trace = True
    for name in EXPLAINED:
        simulation.calculate(name, period)
    seen: set = set()
    trees = [_node(system, tree, seen, status) for tree in simulation.tracer.trees]
    inputs = {name: _scalar(values) for name, values in population.columns.items() if name in system.variables}
    return {
        "period": period,
        "evaluated_on": today.isoformat(),
        "rules_version": policy.rules_label(person.region_code),
        "rules_status": rules_status_text(status),
        "regional": status.regional,
        "system": type(system).__name__,
        "trees": trees,
        "inputs": inputs,
        "log": simulation.tracer.computation_log.lines(aggregate=False, max_depth=4),
    }
