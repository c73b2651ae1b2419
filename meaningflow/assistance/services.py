"""Writes of the assistance app: imports, profiles, reveals, pushes, plans, warnings, exports.

Discovery (the batch rules run) lives in ``discovery.py``; file parsing in ``importing.py``.
"""

import csv
import datetime
import hashlib
import io
import json
import secrets
import uuid
from collections import defaultdict

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from meaningflow.accounts import selectors as account_selectors
from meaningflow.assistance import importing, selectors
from meaningflow.assistance.models import (
    AssistancePlan,
    AssistanceProfile,
    CaseEvent,
    Household,
    ImportBatch,
    PlanStep,
    PushItem,
    RegistryApiClient,
    RegistryPerson,
    ServiceNeed,
    Warning,
)
from meaningflow.assistance.providers import get_provider
from meaningflow.core.crypto import mask
from meaningflow.core.services import JobProgress, audit_log, notification_send
from meaningflow.places.selectors import normalise_region_prefix, region_code_is_within

DEFAULT_MAX_ROWS = 200_000
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
# Reports keep every row up to this size; larger imports keep the rejected rows only.
REPORT_ALL_ROWS_UP_TO = 10_000
CHUNK = 2_000

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


def _hash_id(number: str) -> str:
    from meaningflow.accounts.services import identity_number_hash

    return identity_number_hash(document_type="cn_resident_id", country="CN", number=number)


def _import_scope(*, actor, api_client, region_prefix: str, system: bool = False) -> str:
    """The prefix an import may write under, or PermissionDenied."""
    try:
        prefix = normalise_region_prefix(region_prefix)
    except ValueError:
        raise ValidationError({"region": [_("Enter a region code prefix of 2 to 6 digits.")]}) from None
    if system:  # the operator's CLI: the region given is the scope
        return prefix
    if api_client is not None:
        allowed = [api_client.region_prefix]
    elif actor is not None and actor.is_authenticated and actor.is_superuser:
        return prefix
    else:
        allowed = account_selectors.officer_region_prefixes(user=actor) if actor is not None else []
    if not any(prefix.startswith(normalise_region_prefix(a)) for a in allowed):
        raise PermissionDenied(_("You may import only into your own region."))
    return prefix


def _skill_lookup() -> dict[str, str]:
    lookup = {}
    for domain in account_selectors.skill_taxonomy():
        for skill in domain.skills.all():
            for key in (skill.code, skill.name_zh, skill.name_en):
                lookup[key.lower()] = skill.code
    return lookup


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
    except the ImportBatch with its report (status ``rejected``). Rows are upserted by
    the keyed hash of the ID number, so re-importing the same file changes nothing.
    Raises PermissionDenied if the importer may not write under ``region_prefix``;
    ``system=True`` (the operator's CLI) trusts the region given.
    """
    prefix = _import_scope(actor=actor, api_client=api_client, region_prefix=region_prefix, system=system)
    max_rows = max_rows or getattr(settings, "ASSISTANCE_IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS)
    max_bytes = max_bytes or getattr(settings, "ASSISTANCE_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES)
    today = today or timezone.localdate()
    if rows is not None:
        source = "api"
        digest = hashlib.sha256(json.dumps(rows, sort_keys=True, default=str).encode()).hexdigest()
    else:
        source = "xlsx" if filename.lower().endswith(".xlsx") else "csv"
        digest = hashlib.sha256(content or b"").hexdigest()
    batch = ImportBatch(
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        api_client=api_client,
        region_prefix=prefix,
        filename=filename[:200],
        file_sha256=digest,
        source=source,
    )
    try:
        parsed = (
            importing.parse_api_rows(rows, max_rows=max_rows)
            if rows is not None
            else importing.parse_file(content or b"", filename, max_rows=max_rows, max_bytes=max_bytes)
        )
    except importing.FileError as exc:
        return _batch_finish(batch, status=ImportBatch.Status.REJECTED, errors=[str(exc)], results=[])
    with JobProgress(
        job="assistance.import",
        key=f"{digest[:16]}-{uuid.uuid4().hex[:8]}",
        total=len(parsed.rows),
        stream=stream,
    ) as progress:
        results = _validate_rows(parsed, prefix=prefix, today=today, progress=progress)
        rejected = [r for r in results if r["status"] == "rejected"]
        progress.summary.update(rows=len(results), rejected=len(rejected))
        if rejected:
            for r in results:
                if r["status"] != "rejected":
                    r["status"] = "valid"
            errors = [
                _(
                    "%(count)s of %(total)s rows were rejected, so nothing was imported. "
                    "Correct them and import the whole file again."
                )
                % {"count": len(rejected), "total": len(results)}
            ]
            return _batch_finish(
                batch,
                status=ImportBatch.Status.REJECTED,
                errors=errors,
                results=results,
                unknown=parsed.unknown_headers,
            )
        with transaction.atomic(durable=True):
            batch = _batch_finish(
                batch,
                status=ImportBatch.Status.APPLIED,
                errors=[],
                results=results,
                unknown=parsed.unknown_headers,
                save=True,
            )
            _apply_rows(batch, results)
            batch.accepted = sum(r["status"] == "new" for r in results)
            batch.updated = sum(r["status"] == "updated" for r in results)
            batch.unchanged = sum(r["status"] == "unchanged" for r in results)
            batch.report["rows"] = _report_rows(results)
            batch.save(update_fields=["accepted", "updated", "unchanged", "report"])
            registry_link_users(region_prefix=prefix)
            audit_log(
                actor=actor,
                action="assistance.registry.imported",
                subject=f"assistance.importbatch:{batch.pk}",
                region_code=prefix,
                data={
                    "new": batch.accepted,
                    "updated": batch.updated,
                    "unchanged": batch.unchanged,
                    "source": source,
                },
            )
        progress.summary.update(new=batch.accepted, updated=batch.updated, unchanged=batch.unchanged)
    return batch


def _validate_rows(parsed, *, prefix: str, today, progress) -> list[dict]:
    skills = _skill_lookup()
    results, first_row_of = [], {}
    for index, raw in enumerate(parsed.rows, start=2):  # line 1 holds the headers
        values, reasons = importing.validate_row(raw, scope_prefixes=[prefix], skill_lookup=skills, today=today)
        result = {
            "row": index,
            "status": "rejected",
            "id": "",
            "reasons": reasons,
            "values": values,
        }
        if values:
            result["id"] = mask(values["id_number"])
            values["id_hash"] = _hash_id(values["id_number"])
            duplicate = first_row_of.setdefault(values["id_hash"], index)
            if duplicate != index:
                result["reasons"] = [_("The same ID number appears on line %(line)s.") % {"line": duplicate}]
                result["values"] = None
            else:
                result["status"] = "valid"
        results.append(result)
        if index % 1000 == 0:
            progress.advance(1000)
    progress.advance(len(parsed.rows) % 1000)
    _check_against_database([r for r in results if r["status"] == "valid"], prefix=prefix)
    return results


def _check_against_database(results: list[dict], *, prefix: str) -> None:
    """Reject rows that would move a person or household from outside the importer's region."""
    by_hash = {r["values"]["id_hash"]: r for r in results}
    hashes = list(by_hash)
    for start in range(0, len(hashes), CHUNK):
        for id_hash, region in RegistryPerson.objects.filter(id_hash__in=hashes[start : start + CHUNK]).values_list(
            "id_hash", "region_code"
        ):
            if not region_code_is_within(region, prefix):
                _reject(
                    by_hash[id_hash],
                    _(
                        "This person is registered in region %(code)s, outside yours; "
                        "ask that region to transfer the record."
                    )
                    % {"code": region},
                )
    codes = defaultdict(list)
    for r in results:
        if r["values"] and r["values"]["household_code"]:
            codes[r["values"]["household_code"]].append(r)
    for code, region in Household.objects.filter(code__in=list(codes)).values_list("code", "region_code"):
        if not region_code_is_within(region, prefix):
            for r in codes[code]:
                _reject(r, _("Household %(code)s belongs to another region.") % {"code": code})


def _reject(result: dict, reason: str) -> None:
    result["status"], result["values"] = "rejected", None
    result["reasons"].append(reason)


def _report_rows(results: list[dict]) -> list[dict]:
    keep = results if len(results) <= REPORT_ALL_ROWS_UP_TO else [r for r in results if r["status"] == "rejected"]
    return [{"row": r["row"], "status": r["status"], "id": r["id"], "reasons": r["reasons"]} for r in keep]


def _batch_finish(
    batch: ImportBatch,
    *,
    status: str,
    errors: list[str],
    results: list[dict],
    unknown: list[str] | None = None,
    save: bool = True,
) -> ImportBatch:
    batch.status = status
    batch.total_rows = len(results)
    batch.rejected = sum(r["status"] == "rejected" for r in results)
    batch.report = {
        "errors": errors,
        "unknown_columns": unknown or [],
        "rows": _report_rows(results),
    }
    if save:
        batch.save()
    return batch


def _apply_rows(batch: ImportBatch, results: list[dict]) -> None:
    valid = [r for r in results if r["values"]]
    households = _households_upsert([r["values"] for r in valid])
    by_hash = {r["values"]["id_hash"]: r for r in valid}
    hashes = list(by_hash)
    existing = {}
    for start in range(0, len(hashes), CHUNK):
        for person in RegistryPerson.objects.filter(id_hash__in=hashes[start : start + CHUNK]):
            existing[person.id_hash] = person
    new, changed = [], []
    for id_hash, result in by_hash.items():
        values = result["values"]
        print_ = importing.fingerprint({k: v for k, v in values.items() if k != "id_hash"})
        person = existing.get(id_hash)
        if person is not None and person.row_fingerprint == print_:
            result["status"] = "unchanged"
            continue
        person = person or RegistryPerson(id_hash=id_hash)
        for name in PERSON_FIELDS:
            setattr(person, name, values[name])
        for name in OPTIONAL_PERSON_FIELDS:
            if name in values:
                setattr(person, name, values[name])
        person.id_masked = mask(values["id_number"])
        person.household = households.get(values["household_code"])
        person.row_fingerprint, person.last_batch = print_, batch
        if values["registration_status"] == RegistryPerson.RegistrationStatus.DEREGISTERED:
            person.exited_on = person.exited_on or timezone.localdate()
        else:
            person.exited_on = None
        result["status"] = "updated" if person.pk else "new"
        (changed if person.pk else new).append(person)
    RegistryPerson.objects.bulk_create(new, batch_size=CHUNK)
    RegistryPerson.objects.bulk_update(
        changed,
        [
            *PERSON_FIELDS,
            *OPTIONAL_PERSON_FIELDS,
            "id_masked",
            "household",
            "row_fingerprint",
            "last_batch",
            "exited_on",
            "updated_at",
        ],
        batch_size=CHUNK,
    )
    _profiles_from_rows([*new, *changed], by_hash)


def _households_upsert(rows: list[dict]) -> dict[str, Household]:
    flags: dict[str, dict] = {}
    for values in rows:
        code = values["household_code"]
        if code:
            entry = flags.setdefault(
                code,
                {"region_code": values["region_code"], "dibao": False, "zero_employment": False},
            )
            entry["dibao"] |= values["dibao"]
            entry["zero_employment"] |= values["reports_zero_employment"]
    existing = {h.code: h for h in Household.objects.filter(code__in=list(flags))}
    to_update = []
    for code, entry in flags.items():
        household = existing.get(code)
        if household is None:
            existing[code] = Household(code=code, **entry)
        elif (household.dibao, household.zero_employment) != (
            entry["dibao"],
            entry["zero_employment"],
        ):
            household.dibao, household.zero_employment = entry["dibao"], entry["zero_employment"]
            to_update.append(household)
    Household.objects.bulk_create([h for h in existing.values() if h.pk is None], batch_size=CHUNK)
    Household.objects.bulk_update(to_update, ["dibao", "zero_employment"], batch_size=CHUNK)
    return {h.code: h for h in Household.objects.filter(code__in=list(flags))}


def _profiles_from_rows(persons: list[RegistryPerson], by_hash: dict) -> None:
    """The file's skills, intentions and needs fill the profile; empty cells keep edits."""
    ids = [p.pk for p in persons]
    profiles = {p.person_id: p for p in AssistanceProfile.objects.filter(person_id__in=ids)}
    new, changed = [], []
    for person in persons:
        values = by_hash[person.id_hash]["values"]
        profile = profiles.get(person.pk) or AssistanceProfile(person=person)
        for name in ("skills", "intentions", "service_needs", "region_preference"):
            if values[name]:
                setattr(profile, name, values[name])
        (changed if profile.pk else new).append(profile)
    AssistanceProfile.objects.bulk_create(new, batch_size=CHUNK)
    AssistanceProfile.objects.bulk_update(
        changed, ["skills", "intentions", "service_needs", "region_preference"], batch_size=CHUNK
    )


def registry_link_users(*, region_prefix: str = "") -> int:
    """Link registry persons to platform users through the verified identity hash.

    Walks the (small) set of verified identities rather than the (large) registry: a
    province has millions of registry rows and far fewer verified platform users."""
    from meaningflow.accounts.selectors import identity_hashes

    unlinked = RegistryPerson.objects.filter(user__isnull=True)
    if region_prefix:
        unlinked = unlinked.filter(region_code__startswith=normalise_region_prefix(region_prefix))
    linked = 0
    verified = list(identity_hashes().items())
    for start in range(0, len(verified), CHUNK):
        chunk = dict(verified[start : start + CHUNK])
        for id_hash in unlinked.filter(id_hash__in=list(chunk)).values_list("id_hash", flat=True):
            linked += unlinked.filter(id_hash=id_hash).update(user_id=chunk[id_hash])
    return linked


def import_report_csv(*, batch: ImportBatch) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["line", "status", "id_number_masked", "reasons"])
    for error in batch.report.get("errors", []):
        writer.writerow(["", batch.status, "", error])
    for row in batch.report.get("rows", []):
        writer.writerow([row["row"], row["status"], row["id"], " | ".join(row["reasons"])])
    return out.getvalue()


# --- API clients --------------------------------------------------------------------


def registry_api_client_create(*, actor, name: str, region_prefix: str) -> tuple[RegistryApiClient, str]:
    """Create a system client for registry pushes. Returns the client and its token (shown once)."""
    if not (actor and actor.is_authenticated and actor.is_superuser):
        raise PermissionDenied(_("Only platform administrators can create registry API clients."))
    prefix = normalise_region_prefix(region_prefix)
    token = "mfr_" + secrets.token_urlsafe(32)
    client = RegistryApiClient.objects.create(
        name=name[:120],
        region_prefix=prefix,
        token_prefix=token[:10],
        token_hash=hashlib.sha256(token.encode()).hexdigest(),
        created_by=actor,
    )
    audit_log(
        actor=actor,
        action="assistance.api_client.created",
        subject=f"assistance.registryapiclient:{client.pk}",
        region_code=prefix,
    )
    return client, token


# --- profile (the four clears) ------------------------------------------------------


def assistance_profile_update(
    *,
    actor,
    person: RegistryPerson,
    skills: list[str],
    intentions: list[str],
    region_preference: str,
    service_needs: list[str],
    notes: str = "",
) -> AssistanceProfile:
    """Officers of the person's region, or the linked person, edit the four-clears profile."""
    if not selectors.can_edit_profile(user=actor, person=person):
        raise PermissionDenied(_("You may not edit this profile."))
    known = set(_skill_lookup().values())
    unknown = [code for code in skills if code not in known]
    if unknown:
        raise ValidationError({"skills": [_("Unknown skills: %(codes)s") % {"codes": ", ".join(unknown)}]})
    if any(n not in ServiceNeed.values for n in service_needs):
        raise ValidationError({"service_needs": [_("Choose training, job or start-up.")]})
    profile, _created = AssistanceProfile.objects.get_or_create(person=person)
    profile.skills, profile.intentions = skills, intentions
    profile.region_preference, profile.service_needs, profile.notes = (
        region_preference,
        service_needs,
        notes[:2000],
    )
    profile.updated_by = actor
    profile.save()
    audit_log(
        actor=actor,
        action="assistance.profile.updated",
        subject=f"assistance.registryperson:{person.pk}",
        region_code=person.region_code,
    )
    return profile


# --- sensitive data -----------------------------------------------------------------

REVEALABLE = ("name", "id_number", "phone", "disability_level", "incomes")


def person_reveal(*, actor, person: RegistryPerson, reason: str, fields=REVEALABLE) -> dict:
    """Decrypt sensitive fields for an officer of the person's region; audited (PR-2)."""
    if not account_selectors.can_view_region(user=actor, region_code=person.region_code):
        raise PermissionDenied(_("You may not see this person."))
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise ValidationError({"reason": [_("Say why you need to see this (at least 5 characters).")]})
    revealed = {}
    for name in fields:
        if name == "incomes":
            revealed[name] = [(r.month.strftime("%Y-%m"), r.amount) for r in person.incomes.all()]
        elif name in REVEALABLE:
            revealed[name] = getattr(person, name)
    audit_log(
        actor=actor,
        action="assistance.person.revealed",
        subject=f"assistance.registryperson:{person.pk}",
        region_code=person.region_code,
        reason=reason,
        data={"fields": list(revealed)},
    )
    return revealed


def income_record(*, person: RegistryPerson, month: datetime.date, amount, source: str = "") -> None:
    from meaningflow.assistance.models import IncomeRecord

    IncomeRecord.objects.update_or_create(
        person=person,
        month=month.replace(day=1),
        defaults={"amount": str(amount), "source": source},
    )


# --- pushes -------------------------------------------------------------------------

PUSH_TRANSITIONS = {
    PushItem.Status.PENDING: {PushItem.Status.SENT, PushItem.Status.EXPIRED},
    PushItem.Status.SENT: {
        PushItem.Status.VIEWED,
        PushItem.Status.ACCEPTED,
        PushItem.Status.DECLINED,
        PushItem.Status.EXPIRED,
    },
    PushItem.Status.VIEWED: {
        PushItem.Status.ACCEPTED,
        PushItem.Status.DECLINED,
        PushItem.Status.EXPIRED,
    },
}


def _push_transition(*, push: PushItem, to: str, actor) -> PushItem:
    if to not in PUSH_TRANSITIONS.get(push.status, set()):
        raise ValidationError(_("This push cannot go from %(old)s to %(new)s.") % {"old": push.status, "new": to})
    old, push.status = push.status, to
    now = timezone.now()
    if to == PushItem.Status.SENT:
        push.sent_at, push.sent_by = now, actor
    elif to in (PushItem.Status.VIEWED, PushItem.Status.ACCEPTED, PushItem.Status.DECLINED):
        push.responded_at = now
    push.save(update_fields=["status", "sent_at", "sent_by", "responded_at", "channels"])
    audit_log(
        actor=actor,
        action=f"assistance.push.{to}",
        subject=f"assistance.pushitem:{push.pk}",
        region_code=push.person.region_code,
        data={"from": old, "reason_code": push.reason_code},
    )
    return push


def push_send(*, actor, push: PushItem, channels: tuple[str, ...] = ("in_app", "sms")) -> PushItem:
    """Send a discovered item to the person: in-app when linked, SMS/e-mail via the provider."""
    if not account_selectors.can_view_region(user=actor, region_code=push.person.region_code):
        raise PermissionDenied(_("You may not push to this person."))
    from meaningflow.assistance.reasons import push_text

    title, body = push_text(push)
    person = push.person
    with transaction.atomic():
        push = PushItem.objects.select_for_update().get(pk=push.pk)
        used = []
        if "in_app" in channels and person.user_id:
            notification_send(
                recipient=person.user,
                kind="assistance.push",
                title=title,
                body=body,
                url="/assistance/me/",
            )
            used.append("in_app")
        if "sms" in channels and person.phone:
            used.append("sms")
            transaction.on_commit(lambda: _send_sms(person_id=person.pk, push_id=push.pk, text=f"{title} {body}"))
        if "email" in channels and person.email:
            used.append("email")
            transaction.on_commit(lambda: _send_email(person_id=person.pk, push_id=push.pk, subject=title, text=body))
        if not used:
            raise ValidationError(_("This person has no account, phone or e-mail to push to."))
        push.channels = used
        push.person = person
        return _push_transition(push=push, to=PushItem.Status.SENT, actor=actor)


def _send_sms(*, person_id: int, push_id: int, text: str) -> None:
    person = RegistryPerson.objects.get(pk=person_id)
    provider = get_provider()
    # The number is decrypted here only, handed to the provider, and audited masked.
    message_id = provider.send_sms(phone=person.phone, text=text)
    audit_log(
        action="assistance.push.sms_sent",
        subject=f"assistance.pushitem:{push_id}",
        region_code=person.region_code,
        data={
            "provider": provider.name,
            "to": mask(person.phone, keep_start=3, keep_end=2),
            "id": message_id,
        },
    )


def _send_email(*, person_id: int, push_id: int, subject: str, text: str) -> None:
    person = RegistryPerson.objects.get(pk=person_id)
    provider = get_provider()
    message_id = provider.send_email(address=person.email, subject=subject, text=text)
    audit_log(
        action="assistance.push.email_sent",
        subject=f"assistance.pushitem:{push_id}",
        region_code=person.region_code,
        data={"provider": provider.name, "id": message_id},
    )


def push_respond(*, user, push: PushItem, response: str) -> PushItem:
    """The person marks a push viewed, accepted or declined."""
    if push.person.user_id != user.pk:
        raise PermissionDenied(_("This is not your message."))
    if response not in (PushItem.Status.VIEWED, PushItem.Status.ACCEPTED, PushItem.Status.DECLINED):
        raise ValidationError(_("Choose accept or decline."))
    with transaction.atomic():
        push = PushItem.objects.select_for_update().select_related("person").get(pk=push.pk)
        if response == PushItem.Status.VIEWED and push.status != PushItem.Status.SENT:
            return push
        return _push_transition(push=push, to=response, actor=user)


def pushes_expire(*, today: datetime.date | None = None) -> int:
    today = today or timezone.localdate()
    return PushItem.objects.filter(
        status__in=[PushItem.Status.PENDING, PushItem.Status.SENT, PushItem.Status.VIEWED],
        expires_on__lt=today,
    ).update(status=PushItem.Status.EXPIRED)


# --- case file and plan -------------------------------------------------------------


def _require_region(actor, person: RegistryPerson) -> None:
    if not account_selectors.can_view_region(user=actor, region_code=person.region_code):
        raise PermissionDenied(_("You may not manage this person."))


def case_event_record(
    *,
    actor,
    person: RegistryPerson,
    kind: str,
    occurred_on: datetime.date,
    title: str,
    data: dict | None = None,
) -> CaseEvent:
    _require_region(actor, person)
    if kind not in CaseEvent.Kind.values:
        raise ValidationError({"kind": [_("Choose a kind of event.")]})
    event = CaseEvent.objects.create(
        person=person,
        kind=kind,
        occurred_on=occurred_on,
        title=title[:200],
        data=data or {},
        created_by=actor,
    )
    Status, Work = RegistryPerson.RegistrationStatus, RegistryPerson.WorkForm
    change = {
        CaseEvent.Kind.EMPLOYED: (Status.REGISTERED, Work.EMPLOYED),
        CaseEvent.Kind.UNEMPLOYED: (Status.REGISTERED, Work.NONE),
        CaseEvent.Kind.EXIT: (Status.DEREGISTERED, person.work_form),
    }.get(kind)
    if change:
        person.registration_status, person.work_form = change
        if kind == CaseEvent.Kind.EXIT:
            person.exited_on = occurred_on
        else:
            person.exited_on = None
            if kind == CaseEvent.Kind.UNEMPLOYED:
                person.registered_unemployed_since = occurred_on
        person.save(
            update_fields=[
                "registration_status",
                "work_form",
                "exited_on",
                "registered_unemployed_since",
                "updated_at",
            ]
        )
    audit_log(
        actor=actor,
        action=f"assistance.case.{kind}",
        subject=f"assistance.registryperson:{person.pk}",
        region_code=person.region_code,
        data={"event": event.pk},
    )
    return event


def plan_set(*, actor, person: RegistryPerson, goals: str) -> AssistancePlan:
    _require_region(actor, person)
    goals = (goals or "").strip()
    if not goals:
        raise ValidationError({"goals": [_("Write the goals of the plan.")]})
    plan, _created = AssistancePlan.objects.update_or_create(person=person, defaults={"goals": goals[:4000]})
    if _created:
        plan.created_by = actor
        plan.save(update_fields=["created_by"])
    audit_log(
        actor=actor,
        action="assistance.plan.saved",
        subject=f"assistance.registryperson:{person.pk}",
        region_code=person.region_code,
    )
    return plan


def plan_step_add(*, actor, plan: AssistancePlan, title: str, due_on: datetime.date) -> PlanStep:
    _require_region(actor, plan.person)
    if not (title or "").strip():
        raise ValidationError({"title": [_("Name the step.")]})
    return PlanStep.objects.create(plan=plan, title=title.strip()[:200], due_on=due_on)


def plan_step_set_status(*, actor, step: PlanStep, status: str) -> PlanStep:
    _require_region(actor, step.plan.person)
    if status not in PlanStep.Status.values:
        raise ValidationError({"status": [_("Choose a status.")]})
    step.status = status
    step.done_on = timezone.localdate() if status == PlanStep.Status.DONE else None
    step.save(update_fields=["status", "done_on"])
    return step


def warning_resolve(*, actor, warning: Warning, resolution: str) -> Warning:
    _require_region(actor, warning.person)
    if warning.resolved_at:
        raise ValidationError(_("This warning is already resolved."))
    warning.resolved_at, warning.resolved_by = timezone.now(), actor
    warning.resolution = (resolution or "").strip()[:300]
    warning.save(update_fields=["resolved_at", "resolved_by", "resolution"])
    audit_log(
        actor=actor,
        action="assistance.warning.resolved",
        subject=f"assistance.warning:{warning.pk}",
        region_code=warning.person.region_code,
    )
    return warning


# --- exports ------------------------------------------------------------------------

EXPORT_COLUMNS = (
    "id_number_masked",
    "region_code",
    "sex",
    "birth_year",
    "registration_status",
    "work_form",
    "registered_unemployed_since",
    "recognised",
    "reasons",
    "open_warnings",
)


def persons_export(*, actor, persons, fmt: str, reason: str) -> tuple[bytes, str, str]:
    """Masked export of a region's list (CSV or XLSX); audited with the reason."""
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise ValidationError({"reason": [_("Say why you export this list (at least 5 characters).")]})
    rows = [
        [
            p.id_masked,
            p.region_code,
            p.sex,
            p.birth_date.year,
            p.get_registration_status_display(),
            p.get_work_form_display(),
            p.registered_unemployed_since.isoformat() if p.registered_unemployed_since else "",
            "yes" if getattr(getattr(p, "recognition", None), "recognised", False) else "no",
            " ".join(getattr(getattr(p, "recognition", None), "reasons", []) or []),
            p.open_warnings,
        ]
        for p in persons
    ]
    if fmt == "xlsx":
        import openpyxl

        workbook = openpyxl.Workbook(write_only=True)
        sheet = workbook.create_sheet("registry")
        sheet.append(list(EXPORT_COLUMNS))
        for row in rows:
            sheet.append(row)
        buffer = io.BytesIO()
        workbook.save(buffer)
        content, content_type = (
            buffer.getvalue(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(EXPORT_COLUMNS)
        writer.writerows(rows)
        content, content_type = out.getvalue().encode("utf-8-sig"), "text/csv; charset=utf-8"
        fmt = "csv"
    audit_log(
        actor=actor,
        action="assistance.registry.exported",
        subject="assistance.registryperson:*",
        reason=reason,
        data={"rows": len(rows), "format": fmt},
    )
    return content, content_type, f"registry-{timezone.localdate():%Y%m%d}.{fmt}"
