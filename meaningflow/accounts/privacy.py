"""Writes of personal-data rights (PR-1, journey J12): consents, the data export and the
deletion of an account. docs/PRIVACY.md says what each does and why.

Every function is keyword-only and raises ValidationError with a code (and a translated
message) or PermissionDenied; none leaves partial state behind.
"""

import csv
import io
import json
import tempfile
import zipfile
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from meaningflow.accounts import personal_data, selectors
from meaningflow.accounts.models import Consent, ConsentEvent, ConsentPurpose, ConsentText, User
from meaningflow.accounts.signals import consent_changed
from meaningflow.core import transactions
from meaningflow.core.services import audit_log
from meaningflow.core.throttle import AttemptLimiter

DATA_DIR = Path(__file__).resolve().parent / "data"
EXPORT_FORMAT = "meaningflow.personal-data/1"
# The export is built while the person waits, in a temporary file that spills to disk past
# this size; past EXPORT_MAX_ROWS rows in all it is refused (code accounts.export.too_large)
# and the page says to ask the platform's contact (docs/PRIVACY.md). Nobody comes near it:
# a year of daily use is a few thousand rows.
EXPORT_MAX_ROWS = getattr(settings, "PERSONAL_DATA_EXPORT_MAX_ROWS", 200_000)
EXPORT_SPOOL_BYTES = 16 * 1024 * 1024
EXPORT_LANGUAGES = (("en", "en"), ("zh-hans", "zh"))
# Re-authentication: wrong passwords per account per hour before every attempt is refused.
REAUTH_FAILURES_ALLOWED = getattr(settings, "REAUTH_FAILURES_PER_HOUR", 5)
REAUTH_ATTEMPTS = AttemptLimiter("accounts.reauthenticate")


# --- Consents ---------------------------------------------------------------------------


def consent_texts_ensure() -> int:
    """Create the shipped consent text versions that are missing (never edits one that
    exists: a version is what people agreed to). Runs after every migrate and flush."""
    shipped = json.loads((DATA_DIR / "consent_texts.json").read_text(encoding="utf-8"))["texts"]
    created = 0
    for entry in shipped:
        _text, was_created = ConsentText.objects.get_or_create(
            purpose=entry["purpose"],
            version=entry["version"],
            defaults={
                "effective_from": date.fromisoformat(entry["effective_from"]),
                "text_zh": entry["text_zh"],
                "text_en": entry["text_en"],
                "legal_basis": entry["legal_basis"],
            },
        )
        created += was_created
    return created


@transactions.entry_point
def consent_set(*, user: User, purpose: str, granted: bool, source: str = ConsentEvent.Source.PAGE) -> Consent:
    """Record the person's answer for ``purpose`` against the text in force, keep it in the
    history, audit it and tell the apps that process data for the purpose (signal
    ``consent_changed``, in this transaction).

    Raises ValidationError ``consent.unknown_purpose`` or ``consent.no_text`` (no text in
    force to agree to); nothing changes then."""
    if purpose not in ConsentPurpose.values:
        raise ValidationError(_("Unknown purpose."), code="consent.unknown_purpose")
    text = selectors.consent_texts_in_force().get(purpose)
    if text is None:
        raise ValidationError(_("There is nothing to agree to for this purpose yet."), code="consent.no_text")
    now = timezone.now()
    with transactions.atomic():
        consent, _created = Consent.objects.select_for_update(no_key=True, of=("self",)).get_or_create(
            user=user, purpose=purpose, defaults={"granted": granted, "text": text, "decided_at": now}
        )
        consent.granted, consent.text, consent.decided_at = granted, text, now
        consent.save(update_fields=["granted", "text", "decided_at"])
        ConsentEvent.objects.create(user=user, purpose=purpose, granted=granted, text=text, source=source)
        audit_log(
            actor=user,
            action="accounts.consent.granted" if granted else "accounts.consent.withdrawn",
            subject=f"accounts.user:{user.pk}",
            data={"purpose": purpose, "version": text.version, "source": source},
        )
        consent_changed.send(sender=Consent, user=user, purpose=purpose, granted=granted)
    return consent


# --- Re-authentication ------------------------------------------------------------------


def reauthenticate(*, user: User, password: str, ip_address: str | None = None) -> None:
    """Check the person's password again before an export or a deletion.

    Raises ValidationError on the ``password`` field: ``reauth.wrong_password`` (audited,
    counted), or ``reauth.too_many_attempts`` past REAUTH_FAILURES_ALLOWED in an hour."""
    REAUTH_ATTEMPTS.check({"user": (user.pk, REAUTH_FAILURES_ALLOWED)}, code="reauth.too_many_attempts")
    if not password or not user.check_password(password):
        REAUTH_ATTEMPTS.failed({"user": user.pk})
        audit_log(
            actor=user, action="accounts.reauth.failed", subject=f"accounts.user:{user.pk}", ip_address=ip_address
        )
        raise ValidationError(
            {"password": ValidationError(_("This is not your password."), code="reauth.wrong_password")}
        )


# --- Export -----------------------------------------------------------------------------


def _plain(value):
    """A value of a section row as JSON can hold it, in the active language."""
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat() if timezone.is_aware(value) else value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def _cell(value) -> str:
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


README = {
    "en": (
        "Your data on Meaning Flow Network, as of {at}.\n\n"
        "en/ holds it in English, zh-hans/ in Chinese: data.json (everything, one document) and one\n"
        "CSV file per table (UTF-8, opens in a spreadsheet). cv_statement.json is your signed\n"
        "contribution-value statement: `manage.py ledger_verify_statement cv_statement.json` checks it\n"
        "offline. What each table holds and what happens to it when you delete your account is\n"
        "explained on the platform's privacy page and in docs/PRIVACY.md.\n"
    ),
    "zh": (
        "您在意义流动网络上的数据，截至 {at}。\n\n"
        "en/ 为英文版，zh-hans/ 为中文版：data.json（全部数据，一个文件）以及每张表一个 CSV 文件\n"
        "（UTF-8 编码，可用电子表格打开）。cv_statement.json 是您带签名的贡献值对账单，可用\n"
        "`manage.py ledger_verify_statement cv_statement.json` 离线核验。每张表的内容以及注销账户后\n"
        "如何处理，见平台的隐私页面和 docs/PRIVACY.md。\n"
    ),
}


def personal_data_export(*, user: User, reveal_identity: bool = False, ip_address: str | None = None):
    """Everything the platform holds about ``user`` as a zip: per language (English and
    Chinese) a JSON document and a CSV file per table, plus the providers' attachments
    (the signed CV statement). The caller has re-authenticated the person; the identity
    document's number and legal name are masked unless ``reveal_identity``.

    Returns (an open binary file positioned at 0, a file name). Raises ValidationError
    ``export.too_large`` past EXPORT_MAX_ROWS rows. Audited."""
    sections = [s for p in personal_data.providers() for s in p.sections(user=user, reveal_identity=reveal_identity)]
    total = sum(section.count() for section in sections)
    if total > EXPORT_MAX_ROWS:
        raise ValidationError(
            _(
                "Your data has more than %(n)d rows, too many to put together while you wait. Write to the platform's contact and we send it to you."
            )
            % {"n": EXPORT_MAX_ROWS},
            code="export.too_large",
        )
    # One read of the database; the rows are rendered once per language below.
    tables = [(section, list(section.rows())) for section in sections]
    now = timezone.now()
    out = tempfile.SpooledTemporaryFile(max_size=EXPORT_SPOOL_BYTES)  # noqa: SIM115 - returned open
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "README.txt", README["en"].format(at=now.isoformat()) + "\n" + README["zh"].format(at=now.isoformat())
        )
        for language, _short in EXPORT_LANGUAGES:
            with translation.override(language):
                document = {
                    "format": EXPORT_FORMAT,
                    "language": language,
                    "generated_at": now.isoformat(),
                    "user": user.pk,
                    "identity_revealed": reveal_identity,
                    "sections": [],
                }
                for section, rows in tables:
                    keys = [key for key, _label in section.columns]
                    document["sections"].append(
                        {
                            "name": section.name,
                            "title": str(section.title),
                            "columns": {key: str(label) for key, label in section.columns},
                            "rows": [{key: _plain(row.get(key)) for key in keys} for row in rows],
                        }
                    )
                    buffer = io.StringIO()
                    writer = csv.writer(buffer)
                    writer.writerow([str(label) for _key, label in section.columns])
                    for row in rows:
                        writer.writerow([_cell(row.get(key)) for key in keys])
                    # A byte-order mark: spreadsheets then read the Chinese text as UTF-8.
                    archive.writestr(f"{language}/{section.name}.csv", "\ufeff" + buffer.getvalue())
                archive.writestr(
                    f"{language}/data.json", json.dumps(document, ensure_ascii=False, indent=1, sort_keys=False)
                )
        for provider in personal_data.providers():
            for name, content in provider.attachments(user=user).items():
                archive.writestr(name, content)
    out.seek(0)
    audit_log(
        actor=user,
        action="accounts.data.exported",
        subject=f"accounts.user:{user.pk}",
        data={"rows": total, "identity_revealed": reveal_identity},
        ip_address=ip_address,
    )
    return out, f"meaningflow-data-{user.pk}-{timezone.localdate():%Y%m%d}.zip"


# --- Deletion ---------------------------------------------------------------------------


def deletion_blockers(*, user: User) -> list[personal_data.Blocker]:
    """What must end before the account can go, each with what to do (empty: nothing)."""
    return [b for p in personal_data.providers() for b in p.blockers(user=user)]


DELETED_MAIL_SUBJECT = "您的账户已注销 / Your account is deleted"
DELETED_MAIL = {
    "zh": (
        "您在意义流动网络上的账户已于 {at} 注销。\n"
        "您的姓名、电子邮件、电话、身份信息、资料、技能和通知已删除；您发送的消息和评价内容已清除。\n"
        "贡献值账本中的记录以化名方式保留（账本中从不包含姓名），以便所有对账单仍可核验。\n"
        "就业援助登记记录由主管部门依法保存，已与您的账户解除关联。\n"
        "如果这不是您本人的操作，请立即回复此邮件。\n"
    ),
    "en": (
        "Your account on Meaning Flow Network was deleted at {at}.\n"
        "Your name, e-mail address, phone, identity, profile, skills and notifications are removed; the text of\n"
        "your messages and reviews is erased. Your entries in the contribution-value ledger stay under a\n"
        "pseudonym (the ledger never held names), so every statement still verifies. A record the\n"
        "employment-assistance registry keeps under the law stays with the authority, no longer linked to you.\n"
        "If you did not do this, answer this e-mail at once.\n"
    ),
}


@transactions.entry_point
def account_delete(*, user: User, password: str, ip_address: str | None = None) -> dict:
    """Delete the person's account (PR-1): after re-authentication, and only when nothing
    is in progress (``deletion_blockers``). Personal data is erased or pseudonymised by each
    app's provider in one transaction; the User row stays, with nothing personal in it, so
    that foreign keys, the ledger and its hashes are untouched; sessions and API tokens
    stop working; a confirmation goes to the e-mail address the account had.

    Raises ValidationError: the re-authentication's codes, or ``account.delete_blocked``
    (one error per blocker, each with its own code and what to do). Nothing changes then.
    Returns per provider what it erased."""
    reauthenticate(user=user, password=password, ip_address=ip_address)
    email = user.email
    with transactions.atomic():
        # The user row first (the global lock order, core.transactions: user → … → ledger):
        # an action of the person that also starts with it waits for this deletion.
        locked = User.objects.select_for_update(no_key=True, of=("self",)).get(pk=user.pk)
        if locked.deleted_at is not None:
            raise ValidationError(_("This account is already deleted."), code="account.already_deleted")
        blockers = deletion_blockers(user=locked)
        if blockers:
            raise ValidationError([ValidationError(b.message, code=b.code) for b in blockers])
        for purpose in Consent.objects.filter(user=locked, granted=True).values_list("purpose", flat=True):
            consent_set(user=locked, purpose=purpose, granted=False, source=ConsentEvent.Source.DELETION)
        erased = {p.name: p.erase(user=locked) for p in personal_data.providers()}
        audit_log(
            actor=locked,
            action="accounts.user.deleted",
            subject=f"accounts.user:{locked.pk}",
            data={"erased": erased},
            ip_address=ip_address,
        )
        if email:
            at = timezone.localtime().strftime("%Y-%m-%d %H:%M")
            body = DELETED_MAIL["zh"].format(at=at) + "\n" + DELETED_MAIL["en"].format(at=at)
            transaction.on_commit(lambda: send_mail(DELETED_MAIL_SUBJECT, body, None, [email], fail_silently=True))
    user.refresh_from_db()
    return erased
