"""Writes of registry imports (GV-1): a file or an API push, all rows or none.

Two passes, so that a 200,000-row file never sits in memory as rows (docs/REGISTRY_IMPORT.md,
"Memory"):

1. *check* — the rows stream from ``importing`` (CSV reader, openpyxl read-only), each is
   validated, and only a compact result stays: a report entry (every row of a small file,
   the rows with problems of a large one), the keyed hash of its ID number (duplicates), and
   the normalised values of a valid row, pickled into a temporary spool file. Persons already
   on the registry in another region are looked up per chunk of rows.
2. *apply* — only when no row was rejected: in one transaction (a PostgreSQL advisory lock
   serialises imports; SQLite's IMMEDIATE transactions do the same), the spool is read back
   in chunks and upserted. Household flags are then derived from every member on the
   registry, not from this file; persons who left the registry lose their results.

Lock order: the import advisory lock, then registry persons (a chunk at a time), then
households, then recognitions and pushes of deregistered persons.
"""

import csv
import datetime
import hashlib
import io
import json
import pickle
import tempfile
import uuid
import zlib
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from meaningflow.accounts import selectors as account_selectors
from meaningflow.accounts.services import identity_number_hash
from meaningflow.assistance import importing
from meaningflow.assistance.models import (
    OPEN_PUSH_STATUSES,
    AssistanceProfile,
    Household,
    ImportBatch,
    PushItem,
    Recognition,
    RegistryApiClient,
    RegistryPerson,
)
from meaningflow.core import transactions
from meaningflow.core.crypto import mask
from meaningflow.core.errors import Forbidden
from meaningflow.core.services import JobProgress, audit_log
from meaningflow.places.selectors import normalise_region_prefix, region_code_is_within

DEFAULT_MAX_ROWS = 200_000
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
# Reports list every row up to this size; larger imports list the rows with problems only,
REPORT_ALL_ROWS_UP_TO = 10_000
# and never more than this many (the counts are complete).
REPORT_ROWS_MAX = 10_000
CHUNK = 2_000
# The spool of valid rows stays in memory up to this size, then goes to a temporary file.
SPOOL_IN_MEMORY = 8 * 1024 * 1024
IMPORT_LOCK = zlib.crc32(b"assistance.registry_import")

PERSON_FIELDS = (
    "name",
    "id_number",
    "birth_date",
    "sex",
    "region_code",
    "registered_unemployed_since",
    "registration_status",
    "work_form",
    "has_disability",
    "disability_level",
    "dibao",
    "reports_zero_employment",
    "categories",
    "phone",
    "email",
    "receives_unemployment_insurance",
    "social_insurance_paid_monthly",
    "flexible_subsidy_months_used",
    "flexible_subsidy_first_approved",
    "public_welfare_post_months_used",
    "public_welfare_post_placements",
    "skill_evaluation_subsidies",
    "startup_loans",
)
# Columns a file may leave out: the stored value is kept then (importing.validate_row).
OPTIONAL_PERSON_FIELDS = ("occupation_category", "graduation_date")
PROFILE_FIELDS = ("skills", "skills_other", "intentions", "intentions_other", "service_needs", "region_preference")
DEREGISTERED = RegistryPerson.RegistrationStatus.DEREGISTERED


class _Conflict(Exception):
    """Another import changed persons of this file between the check and the apply pass."""


def _hash_id(number: str) -> str:
    return identity_number_hash(document_type="cn_resident_id", country="CN", number=number)


def _import_scope(*, actor, api_client, region_prefix: str, system: bool = False) -> str:
    """The prefix an import may write under, or PermissionDenied."""
    try:
        prefix = normalise_region_prefix(region_prefix)
    except ValueError:
        raise ValidationError(
            {"region": ValidationError(_("Enter a region code prefix of 2 to 6 digits."), code="import.bad_region")}
        ) from None
    if system:  # the operator's CLI: the region given is the scope
        return prefix
    if api_client is not None:
        allowed = [api_client.region_prefix]
    elif actor is not None and actor.is_authenticated and actor.is_superuser:
        return prefix
    else:
        allowed = account_selectors.officer_region_prefixes(user=actor) if actor is not None else []
    if not any(prefix.startswith(normalise_region_prefix(a)) for a in allowed):
        raise Forbidden(_("You may import only into your own region."), code="import.outside_region")
    return prefix


def skill_lookup() -> dict[str, str]:
    """Skill code, Chinese or English name (lower case) → skill code."""
    lookup = {}
    for domain in account_selectors.skill_taxonomy():
        for skill in domain.skills.all():
            for key in (skill.code, skill.name_zh, skill.name_en):
                lookup[key.lower()] = skill.code
    return lookup


# --- the report ------------------------------------------------------------------------


@dataclass
class _Report:
    """Report rows kept while the file streams: every row of a small file, only the rows with
    problems or notes of a large one, at most REPORT_ROWS_MAX; the counts are complete."""

    rows: list[dict] = field(default_factory=list)
    total: int = 0
    rejected: int = 0
    not_listed: int = 0
    all_rows: bool = True
    codes: Counter = field(default_factory=Counter)

    def add(self, entry: dict) -> None:
        self.total += 1
        self.rejected += entry["status"] == "rejected"
        self.codes.update(entry["codes"])
        if self.all_rows and self.total > REPORT_ALL_ROWS_UP_TO:
            self.all_rows = False
            kept = [row for row in self.rows if row["status"] == "rejected" or row["notes"]]
            for row in self.rows:
                row["listed"] = False
            self.rows = []
            for row in kept:
                self._list(row)
        self._list(entry)

    def _list(self, entry: dict) -> None:
        if not (self.all_rows or entry["status"] == "rejected" or entry["notes"]):
            return
        if self.all_rows or len(self.rows) < REPORT_ROWS_MAX:
            self.rows.append(entry)
            entry["listed"] = True
        else:
            self.not_listed += 1

    def reject(self, entry: dict, reason: str, code: str) -> None:
        entry["reasons"].append(reason)
        entry["codes"].append(code)
        self.codes[code] += 1
        if entry["status"] != "rejected":
            entry["status"] = "rejected"
            self.rejected += 1
            if not entry.get("listed"):
                self._list(entry)

    def json_rows(self) -> list[dict]:
        return [{key: value for key, value in row.items() if key != "listed"} for row in self.rows]


def _entry(line: int, reasons, notes) -> dict:
    return {
        "row": line,
        "status": "rejected" if reasons else "valid",
        "id": "",
        "reasons": list(reasons),
        "codes": list(reasons.codes),
        "notes": list(notes),
        "note_codes": list(notes.codes),
    }


# --- the entry point ---------------------------------------------------------------------


def registry_import(
    *,
    actor=None,
    api_client: RegistryApiClient | None = None,
    region_prefix: str,
    filename: str = "",
    content: bytes | None = None,
    rows: list[dict] | None = None,
    max_rows: int | None = None,
    max_bytes: int | None = None,
    stream=None,
    today: datetime.date | None = None,
    system: bool = False,
) -> ImportBatch:
    """Import registry rows from a CSV/XLSX file (``content``) or an API push (``rows``).

    All or nothing: if the file is unreadable or any row is rejected, nothing is written
    except the ImportBatch with its report (status ``rejected``; ``report["error_codes"]``
    and each row's ``codes`` say why). Rows are upserted by the keyed hash of the ID number,
    so re-importing the same file changes nothing. Raises PermissionDenied if the importer
    may not write under ``region_prefix``; ``system=True`` (the operator's CLI) trusts the
    region given.
    """
    prefix = _import_scope(actor=actor, api_client=api_client, region_prefix=region_prefix, system=system)
    max_rows = max_rows or getattr(settings, "ASSISTANCE_IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS)
    max_bytes = max_bytes or getattr(settings, "ASSISTANCE_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES)
    today = today or timezone.localdate()
    if rows is not None:
        source = "api"
        digest = hashlib.sha256(json.dumps(rows, sort_keys=True, default=str).encode()).hexdigest()
    else:
        source = _source_kind(content or b"", filename)
        digest = hashlib.sha256(content or b"").hexdigest()
    batch = ImportBatch(
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        api_client=api_client,
        region_prefix=prefix,
        filename=filename[:200],
        file_sha256=digest,
        source=source,
    )
    with (
        JobProgress(job="assistance.import", key=f"{digest[:16]}-{uuid.uuid4().hex[:8]}", stream=stream) as progress,
        tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as spool,
    ):
        report = _Report()
        try:
            with _table(content, rows, filename, max_rows=max_rows, max_bytes=max_bytes) as parsed:
                _check_rows(parsed.rows, report, spool, prefix=prefix, today=today, progress=progress)
        except importing.FileError as exc:  # the whole file: no row is reported
            return _finish(batch, _Report(), errors=[(exc.code, str(exc))])
        batch.report = {"sheet": parsed.sheet, "header_row": parsed.header_line}
        progress.summary.update(rows=report.total, rejected=report.rejected)
        if report.rejected:
            return _finish(batch, report, errors=_rejection_errors(report), table=parsed)
        progress.run.total = 2 * report.total
        progress.run.save(update_fields=["total"])
        try:
            with transactions.atomic(durable=True):
                counts = _apply(batch, report, spool, prefix=prefix, progress=progress, table=parsed)
                registry_link_users(region_prefix=prefix)
                audit_log(
                    actor=actor,
                    action="assistance.registry.imported",
                    subject=f"assistance.importbatch:{batch.pk}",
                    region_code=prefix,
                    data={**counts, "source": source},
                )
        except _Conflict as exc:
            batch.pk = None  # its row was rolled back with the rest
            for entry in report.rows:
                entry["status"] = "valid" if entry["status"] != "rejected" else "rejected"
            return _finish(batch, report, errors=[("import.conflict", str(exc))], table=parsed)
        progress.summary.update(counts)
    return batch


def _source_kind(content: bytes, filename: str) -> str:
    if content.startswith(importing.OLE_MAGIC) or filename.lower().endswith(".xls"):
        return "xls"
    return "xlsx" if content.startswith(importing.ZIP_MAGIC) else "csv"


@contextmanager
def _table(content: bytes | None, rows: list[dict] | None, filename: str, *, max_rows: int, max_bytes: int):
    """The rows of an API push or a file (a workbook is closed after the block)."""
    if rows is not None:
        yield importing.api_table(rows, max_rows=max_rows)
    else:
        with importing.open_table(content or b"", filename, max_rows=max_rows, max_bytes=max_bytes) as table:
            yield table


def _rejection_errors(report: _Report) -> list[tuple[str, str]]:
    errors = [
        (
            "import.rows_rejected",
            _(
                "%(count)s of %(total)s rows were rejected, so nothing was imported. "
                "Correct them and import the whole file again."
            )
            % {"count": report.rejected, "total": report.total},
        )
    ]
    if report.codes["import.id_number.not_text"]:
        errors.append(
            (
                "import.id_number.not_text",
                _(
                    "The 身份证号 column holds numbers instead of text in %(count)s rows: a spreadsheet keeps only 15 "
                    "digits of a number, so these ID numbers may already be wrong. %(help)s"
                )
                % {"count": report.codes["import.id_number.not_text"], "help": importing.TEXT_COLUMN_HELP},
            )
        )
    return errors


def _finish(batch: ImportBatch, report: _Report, *, errors: list[tuple[str, str]], table=None) -> ImportBatch:
    """Save a rejected batch with its report; nothing else is written."""
    batch.status = ImportBatch.Status.REJECTED
    _fill_report(batch, report, errors=errors, table=table)
    batch.save()
    return batch


def _fill_report(batch: ImportBatch, report: _Report, *, errors: list[tuple[str, str]], table=None) -> None:
    batch.total_rows, batch.rejected = report.total, report.rejected
    notes = table.notes if table is not None else []
    batch.report = {
        **(batch.report or {}),
        "errors": [message for _code, message in errors],
        "error_codes": [code for code, _message in errors],
        "notes": [message for _code, message in notes],
        "note_codes": [code for code, _message in notes],
        "unknown_columns": table.unknown_headers if table is not None else [],
        "rows": report.json_rows(),
        "rows_not_listed": report.not_listed,
    }


# --- pass 1: check -----------------------------------------------------------------------


def _check_rows(rows, report: _Report, spool, *, prefix: str, today, progress) -> None:
    """Validate every row as it streams; spool the values of valid rows. Keeps no row."""
    skills = skill_lookup()
    first_line_of: dict[bytes, int] = {}
    pending: list[tuple[str, dict]] = []  # valid rows awaiting the database check
    for line, raw in rows:
        values, reasons, notes = importing.validate_row(raw, scope_prefixes=[prefix], skill_lookup=skills, today=today)
        entry = _entry(line, reasons, notes)
        report.add(entry)
        if values is not None:
            entry["id"] = mask(values["id_number"])
            values["id_hash"] = _hash_id(values["id_number"])
            first = first_line_of.setdefault(bytes.fromhex(values["id_hash"]), line)
            if first != line:
                report.reject(
                    entry, _("The same ID number appears on line %(line)s.") % {"line": first}, "import.duplicate"
                )
            else:
                pickle.dump((line, values), spool, protocol=pickle.HIGHEST_PROTOCOL)
                pending.append((values["id_hash"], entry))
        if len(pending) >= CHUNK:
            _check_against_database(pending, report, prefix=prefix)
            pending = []
        if report.total % 1000 == 0:
            progress.advance(1000)
    _check_against_database(pending, report, prefix=prefix)
    progress.advance(report.total % 1000)


def _moved_message(region: str) -> str:
    return _("This person is registered in region %(code)s, outside yours; ask that region to transfer the record.") % {
        "code": region
    }


def _check_against_database(pending: list[tuple[str, dict]], report: _Report, *, prefix: str) -> None:
    """Reject rows that would move a person from outside the importer's region."""
    by_hash = dict(pending)
    for id_hash, region in RegistryPerson.objects.filter(id_hash__in=list(by_hash)).values_list(
        "id_hash", "region_code"
    ):
        if not region_code_is_within(region, prefix):
            report.reject(by_hash[id_hash], _moved_message(region), "import.person_elsewhere")


# --- pass 2: apply -----------------------------------------------------------------------


def _spooled_chunks(spool):
    spool.seek(0)
    chunk = []
    while True:
        try:
            chunk.append(pickle.load(spool))  # noqa: S301 - our own spool, written above
        except EOFError:
            break
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _apply(batch: ImportBatch, report: _Report, spool, *, prefix: str, progress, table) -> dict:
    """Upsert the spooled rows (inside the caller's transaction); returns the counts."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # one import at a time: see the module docstring
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK])
    batch.status = ImportBatch.Status.APPLIED
    _fill_report(batch, report, errors=[], table=table)
    batch.save()
    by_line = {entry["row"]: entry for entry in report.rows} if report.all_rows else {}
    counts: Counter = Counter()
    households: set[int] = set()
    departed: list[int] = []
    for chunk in _spooled_chunks(spool):
        statuses = _apply_chunk(batch, chunk, prefix=prefix, households=households, departed=departed)
        for line, status in statuses:
            counts[status] += 1
            if line in by_line:
                by_line[line]["status"] = status
        progress.advance(len(chunk))
    _households_derive(households)
    withdrawn = registry_results_withdraw(person_ids=departed)
    batch.accepted, batch.updated, batch.unchanged = counts["new"], counts["updated"], counts["unchanged"]
    batch.report["rows"] = report.json_rows()
    batch.save(update_fields=["accepted", "updated", "unchanged", "report"])
    return {"new": batch.accepted, "updated": batch.updated, "unchanged": batch.unchanged, "withdrawn": withdrawn}


def _apply_chunk(batch, chunk: list, *, prefix: str, households: set, departed: list) -> list[tuple[int, str]]:
    # Only what the comparison needs: the encrypted columns are not decrypted for unchanged rows.
    existing = {
        person.id_hash: person
        for person in RegistryPerson.objects.filter(id_hash__in=[values["id_hash"] for _line, values in chunk]).only(
            "id_hash",
            "row_fingerprint",
            "region_code",
            "household_id",
            "registration_status",
            "exited_on",
            *OPTIONAL_PERSON_FIELDS,
        )
    }
    for person in existing.values():
        if not region_code_is_within(person.region_code, prefix):
            raise _Conflict(_moved_message(person.region_code))
    household_of = _households_upsert([values for _line, values in chunk])
    statuses, new, changed = [], [], []
    for line, values in chunk:
        print_ = importing.fingerprint({k: v for k, v in values.items() if k != "id_hash"})
        person = existing.get(values["id_hash"])
        if person is not None and person.row_fingerprint == print_:
            statuses.append((line, "unchanged"))
            continue
        if person is not None:
            households.add(person.household_id)
            if person.registration_status != DEREGISTERED and values["registration_status"] == DEREGISTERED:
                departed.append(person.pk)
        person = person or RegistryPerson(id_hash=values["id_hash"])
        _set_fields(person, values, household_of, batch=batch, fingerprint=print_)
        households.add(person.household_id)
        statuses.append((line, "updated" if person.pk else "new"))
        (changed if person.pk else new).append(person)
    RegistryPerson.objects.bulk_create(new, batch_size=CHUNK)
    RegistryPerson.objects.bulk_update(
        changed,
        [*PERSON_FIELDS, *OPTIONAL_PERSON_FIELDS, "id_masked", "household", "row_fingerprint", "last_batch"]
        + ["exited_on", "updated_at"],
        batch_size=CHUNK,
    )
    _profiles_from_rows([*new, *changed], {values["id_hash"]: values for _line, values in chunk})
    return statuses


def _set_fields(person: RegistryPerson, values: dict, household_of: dict, *, batch, fingerprint: str) -> None:
    for name in PERSON_FIELDS:
        setattr(person, name, values[name])
    for name in OPTIONAL_PERSON_FIELDS:
        if name in values:
            setattr(person, name, values[name])
    person.id_masked = mask(values["id_number"])
    person.household = household_of.get((values["region_code"], values["household_code"]))
    person.row_fingerprint, person.last_batch = fingerprint, batch
    if values["registration_status"] == DEREGISTERED:
        person.exited_on = person.exited_on or timezone.localdate()
    else:
        person.exited_on = None
    person.updated_at = timezone.now()


def _households_upsert(rows: list[dict]) -> dict[tuple[str, str], Household]:
    """The households of the rows, by (county, number), created where missing. Their flags
    are derived afterwards from all members (``_households_derive``)."""
    keys = {(values["region_code"], values["household_code"]) for values in rows if values["household_code"]}
    if not keys:
        return {}
    codes, regions = {code for _region, code in keys}, {region for region, _code in keys}

    def read():
        found = Household.objects.filter(code__in=codes, region_code__in=regions)
        return {(h.region_code, h.code): h for h in found if (h.region_code, h.code) in keys}

    existing = read()
    missing = [Household(region_code=region, code=code) for region, code in sorted(keys - set(existing))]
    if missing:
        Household.objects.bulk_create(missing, batch_size=CHUNK)
        existing = read()
    return existing


def _households_derive(household_ids: set) -> None:
    """A household is 低保 / zero-employment when a member on the registry says so (issue 11,
    item 14): derived from every member in the database, so a partial file keeps the flags
    other members reported."""
    ids = sorted(pk for pk in household_ids if pk)
    on_registry = RegistryPerson.objects.filter(household=OuterRef("pk")).exclude(registration_status=DEREGISTERED)
    for start in range(0, len(ids), CHUNK):
        Household.objects.filter(pk__in=ids[start : start + CHUNK]).update(
            dibao=Exists(on_registry.filter(dibao=True)),
            zero_employment=Exists(on_registry.filter(reports_zero_employment=True)),
            updated_at=timezone.now(),
        )


def _profiles_from_rows(persons: list[RegistryPerson], by_hash: dict) -> None:
    """The file's skills, intentions and needs fill the profile; empty cells keep edits."""
    profiles = {p.person_id: p for p in AssistanceProfile.objects.filter(person_id__in=[p.pk for p in persons])}
    new, changed = [], []
    for person in persons:
        values = by_hash[person.id_hash]
        profile = profiles.get(person.pk) or AssistanceProfile(person=person)
        for name in PROFILE_FIELDS:
            if values[name]:
                setattr(profile, name, values[name])
        (changed if profile.pk else new).append(profile)
    AssistanceProfile.objects.bulk_create(new, batch_size=CHUNK)
    AssistanceProfile.objects.bulk_update(changed, list(PROFILE_FIELDS), batch_size=CHUNK)


def registry_results_withdraw(*, person_ids) -> int:
    """Persons who left the registry (注销 / 退出) lose their results: the recognition goes and
    the pushes not answered yet expire (issue 11, item 15). Returns how many recognitions went."""
    ids = sorted(set(person_ids))
    withdrawn = 0
    for start in range(0, len(ids), CHUNK):
        part = ids[start : start + CHUNK]
        withdrawn += Recognition.objects.filter(person_id__in=part).delete()[0]
        PushItem.objects.filter(person_id__in=part, status__in=OPEN_PUSH_STATUSES).update(
            status=PushItem.Status.EXPIRED
        )
    return withdrawn


def registry_link_users(*, region_prefix: str = "") -> int:
    """Link registry persons to platform users through the verified identity hash.

    Walks the (small) set of verified identities rather than the (large) registry: a
    province has millions of registry rows and far fewer verified platform users."""
    unlinked = RegistryPerson.objects.filter(user__isnull=True)
    if region_prefix:
        unlinked = unlinked.filter(region_code__startswith=normalise_region_prefix(region_prefix))
    linked = 0
    verified = list(account_selectors.identity_hashes().items())
    for start in range(0, len(verified), CHUNK):
        chunk = dict(verified[start : start + CHUNK])
        for id_hash in unlinked.filter(id_hash__in=list(chunk)).values_list("id_hash", flat=True):
            linked += unlinked.filter(id_hash=id_hash).update(user_id=chunk[id_hash])
    return linked


def import_report_csv(*, batch: ImportBatch) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["line", "status", "id_number_masked", "reasons", "notes"])
    for error in batch.report.get("errors", []):
        writer.writerow(["", batch.status, "", error, ""])
    for note in batch.report.get("notes", []):
        writer.writerow(["", batch.status, "", "", note])
    for row in batch.report.get("rows", []):
        writer.writerow(
            [row["row"], row["status"], row["id"], " | ".join(row["reasons"]), " | ".join(row.get("notes", []))]
        )
    return out.getvalue()
