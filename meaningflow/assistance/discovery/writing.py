"""Writing discovery's results set-based: recognitions, policy and opportunity pushes, and
what lapses when a finding changes."""

import datetime
import json
import zlib
from contextlib import contextmanager

import numpy
from django.db import connection
from django.db.models import Exists, OuterRef

from meaningflow.assistance import policy
from meaningflow.assistance.discovery.simulation import OUTPUTS
from meaningflow.assistance.models import (
    OPEN_PUSH_STATUSES,
    AssistanceProfile,
    PushItem,
    Recognition,
    RegistryPerson,
)
from meaningflow.assistance.opportunities import OpportunityIndex
from meaningflow.assistance.reasons import PUSH_REASONS, RECOGNITION_REASONS
from meaningflow.core import columnar

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


def result_digests(population, results) -> tuple[list[str], numpy.ndarray, numpy.ndarray]:
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


def write_recognitions(population, results, fingerprinted, period: str, now, progress) -> int:
    """Upsert the recognitions whose results changed; the others are not touched (their
    month is the month the result was first computed for, and it has held since: no
    monthly rewrite of every row). ``fingerprinted``: what ``result_digests`` returned."""
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


def policy_pushes(population, results, among: numpy.ndarray) -> dict[str, numpy.ndarray]:
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


def _push_key_sql(table: str = "") -> str:
    """SQL for a policy push's key, person id × 16 + its stage code (as staged pushes have);
    ``table``: the alias of the push table, if the query joins another."""
    prefix = f"{table}." if table else ""
    number = f"CASE {prefix}reason_code " + " ".join(f"WHEN '{code}' THEN {i}" for i, code in enumerate(POLICY_PUSHES))
    key = f"{prefix}person_id * 16 + {number} END"
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


def write_policy_pushes(staged: dict, population, period: str, today, expiry_days: int, now) -> int:
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


def opportunity_push_rows(population, index: OpportunityIndex, expiry: str) -> list[tuple]:
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


def write_opportunity_pushes(rows: list[tuple], population, period: str, now) -> int:
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


def expire_lapsed_policy_pushes(population, staged: dict, among: numpy.ndarray) -> int:
    """End the open policy and nearly-eligible pushes whose reason no longer holds for the
    persons whose findings changed (``among``): a person who found work is no longer told
    about subsidies for the recognised. ``staged`` holds every reason that holds for them
    now. Only the changed persons' open pushes are read (joined through a staging table).
    Returns how many expired."""
    # Only persons with a stored result can have policy pushes (they come with it).
    stored = population.stored_fingerprints
    changed = population.ids[among if stored is None else among & (stored != 0)]
    if not len(changed):
        return 0
    table, key = PushItem._meta.db_table, _push_key_sql("p")
    with columnar.staging_table("discovery_changed_stage", {"person_id": "int8"}) as staging:
        columnar.write_columns(staging, {"person_id": (changed.astype(numpy.int64), "int8")})
        read = columnar.read_columns(
            f"SELECT {'p.id::int8' if _postgres() else 'p.id'}, {key} "  # noqa: S608
            f"FROM {table} p JOIN {staging} s ON s.person_id = p.person_id "
            f"WHERE p.opportunity_ref = '' AND p.reason_code IN ({', '.join(['%s'] * len(POLICY_PUSHES))}) "
            f"AND p.status IN ({', '.join(['%s'] * len(OPEN_PUSH_STATUSES))})",
            [*POLICY_PUSHES, *OPEN_PUSH_STATUSES],
            [("id", "int8"), ("key", "int8")],
        )
    holds = staged["person_id"].astype(numpy.int64) * 16 + staged["code"]
    ids = read["id"][~numpy.isin(read["key"], holds)].tolist()
    expired = 0
    for start in range(0, len(ids), 10_000):
        expired += PushItem.objects.filter(pk__in=ids[start : start + 10_000]).update(status=PushItem.Status.EXPIRED)
    return expired


def departed_with_results(region_prefix: str) -> list[int]:
    """Ids of the deregistered persons under the prefix who still have a recognition or an
    open push (few: the import and the case file withdraw them at once)."""
    departed = RegistryPerson.objects.filter(
        region_code__startswith=region_prefix, registration_status=RegistryPerson.RegistrationStatus.DEREGISTERED
    ).filter(
        Exists(Recognition.objects.filter(person=OuterRef("pk")))
        | Exists(PushItem.objects.filter(person=OuterRef("pk"), status__in=OPEN_PUSH_STATUSES))
    )
    return list(departed.order_by("pk").values_list("pk", flat=True))
