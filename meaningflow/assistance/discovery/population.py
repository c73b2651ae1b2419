"""Reading a region's registry column-wise into numpy arrays (one SQL query; binary COPY on
PostgreSQL, see core.columnar)."""

import datetime
from dataclasses import dataclass

import numpy
from django.db import connection
from django.utils import timezone

from meaningflow.assistance.models import (
    AssistanceProfile,
    Household,
    IncomeRecord,
    Recognition,
    RegistryPerson,
    ServiceNeed,
)
from meaningflow.core import columnar

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


def registry_sql(region_prefix: str, person_ids: list[int] | None) -> tuple[str, list]:
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
    sql, params = registry_sql(region_prefix, person_ids)
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
