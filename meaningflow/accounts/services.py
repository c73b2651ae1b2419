"""Writes of the accounts app. Every function is keyword-only and raises ValidationError
(with translated messages) or PermissionDenied; none leaves partial state behind."""

import hashlib
import json
import secrets
from collections.abc import Iterable, Sequence
from datetime import time
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeAlias

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone
from django.utils.translation import gettext as _

from meaningflow.accounts import selectors
from meaningflow.accounts.identity import validate_cn_resident_id, validate_passport
from meaningflow.accounts.models import (
    ApiToken,
    AvailabilityWindow,
    Identity,
    Intention,
    Interest,
    Membership,
    Organisation,
    Profile,
    ProfileSkill,
    Skill,
    SkillDomain,
    StaffRole,
    User,
)
from meaningflow.accounts.signals import identity_verified
from meaningflow.core import transactions
from meaningflow.core.crypto import keyed_hash, mask
from meaningflow.core.errors import Forbidden, validation_errors
from meaningflow.core.services import audit_log, notification_send
from meaningflow.core.throttle import AttemptLimiter

DATA_DIR = Path(__file__).resolve().parent / "data"
API_TOKEN_PREFIX = "mfn_"  # noqa: S105 - a visible prefix, not a secret

# A places Division or City (the places selectors give them). Another app's models are out
# of reach here even for annotations (import-linter counts imports under TYPE_CHECKING), so
# mypy sees them as Any.
Place: TypeAlias = Any


# --- Users --------------------------------------------------------------------------


@transactions.entry_point
def user_register(*, username: str, email: str, password: str, display_name: str = "", language: str = "") -> User:
    """Create a user with an empty profile. Raises ValidationError on a taken username or
    e-mail, or a weak password."""
    errors: dict[str, list[ValidationError]] = {}
    if User.objects.filter(username__iexact=username).exists():
        errors["username"] = [ValidationError(_("This username is already taken."), code="user.username_taken")]
    if email and User.objects.filter(email__iexact=email).exists():
        errors["email"] = [_email_taken()]
    candidate = User(username=username, email=email, display_name=display_name)
    try:
        validate_password(password, user=candidate)
    except ValidationError as exc:
        errors["password"] = exc.error_list  # Django's password validators' own codes
    if errors:
        raise ValidationError(errors)
    with transactions.atomic():
        user = User(username=username, email=email, display_name=display_name, preferred_language=language)
        user.set_password(password)
        user.save()
        Profile.objects.create(user=user)
        audit_log(actor=user, action="accounts.user.registered", subject=f"accounts.user:{user.pk}")
    return user


def _email_taken() -> ValidationError:
    return ValidationError(_("An account with this e-mail address already exists."), code="user.email_taken")


def user_settings_update(
    *,
    user: User,
    display_name: str,
    email: str,
    phone: str = "",
    preferred_language: str = "",
    large_type: bool = False,
) -> User:
    if email and User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists():
        raise ValidationError({"email": [_email_taken()]})
    user.display_name = display_name
    user.email = email
    user.phone = selectors.normalise_phone(phone) if phone else ""
    user.preferred_language = preferred_language
    user.large_type = large_type
    user.save(update_fields=["display_name", "email", "phone", "preferred_language", "large_type"])
    return user


# --- Identity -----------------------------------------------------------------------


def identity_number_hash(*, document_type: str, country: str, number: str) -> str:
    return keyed_hash(f"{document_type}:{country}:{number}", purpose="identity")


IDENTITY_ATTEMPTS = AttemptLimiter("accounts.identity_verify")


@transactions.entry_point
def identity_verify(
    *,
    user: User,
    document_type: str,
    legal_name: str,
    number: str,
    country: str = "CN",
    ip_address: str | None = None,
) -> Identity:
    """Bind a real-name identity to ``user`` (ID-2); see ``_identity_bind``.

    Failed attempts are audited and counted per account and per address (``ip_address``):
    past ``IDENTITY_VERIFY_FAILURES_PER_USER``/``_PER_IP`` in an hour every attempt is refused
    (code ``identity.too_many_attempts``), so nobody can probe which documents are bound."""
    idents = {"user": user.pk, "ip": ip_address}
    IDENTITY_ATTEMPTS.check(
        {
            "user": (user.pk, settings.IDENTITY_VERIFY_FAILURES_PER_USER),
            "ip": (ip_address, settings.IDENTITY_VERIFY_FAILURES_PER_IP),
        },
        code="identity.too_many_attempts",
    )
    try:
        return _identity_bind(
            user=user, document_type=document_type, legal_name=legal_name, number=number, country=country
        )
    except ValidationError as exc:
        IDENTITY_ATTEMPTS.failed(idents)
        audit_log(
            actor=user,
            action="accounts.identity.verify_failed",
            subject=f"accounts.user:{user.pk}",
            data={"document_type": document_type, "codes": [code for _f, _m, code in validation_errors(exc)]},
            ip_address=ip_address,
        )
        raise


def _identity_bind(*, user: User, document_type: str, legal_name: str, number: str, country: str = "CN") -> Identity:
    """Bind a real-name identity to ``user`` (ID-2).

    Raises ValidationError if the document is invalid, the user already has an identity,
    or the same document is bound to another account (one person, one CV identity).
    """
    legal_name = (legal_name or "").strip()
    if not legal_name or len(legal_name) > 100:
        raise ValidationError(
            {
                "legal_name": ValidationError(
                    _("Enter your legal name as on the document (at most 100 characters)."),
                    code="identity.bad_legal_name",
                )
            }
        )
    birth_date, region_code = None, ""
    if document_type == Identity.DocumentType.CN_RESIDENT_ID:
        info = validate_cn_resident_id(number)
        number, country = info.number, "CN"
        birth_date, region_code = info.birth_date, info.region_code
    elif document_type == Identity.DocumentType.PASSPORT:
        number, country = validate_passport(number, country)
    else:
        raise ValidationError(
            {"document_type": ValidationError(_("Choose a document type."), code="identity.unknown_document_type")}
        )
    number_hash = identity_number_hash(document_type=document_type, country=country, number=number)
    if Identity.objects.filter(user=user).exists():
        raise ValidationError(_("Your account already has a verified identity."), code="identity.already_verified")
    if Identity.objects.filter(number_hash=number_hash).exists():
        raise ValidationError(
            _("This document is already bound to another account. Each person may have one account."),
            code="identity.already_bound",
        )
    try:
        with transactions.atomic():
            identity = Identity.objects.create(
                user=user,
                document_type=document_type,
                country=country,
                legal_name=legal_name,
                number=number,
                number_hash=number_hash,
                number_masked=mask(number),
                birth_date=birth_date,
                region_code=region_code,
            )
            audit_log(
                actor=user,
                action="accounts.identity.verified",
                subject=f"accounts.identity:{identity.pk}",
                region_code=region_code,
                data={"document_type": document_type, "country": country},
            )
            # The ledger credits the person's waiting contributions (ID-2) in this transaction.
            identity_verified.send(sender=Identity, user=user, identity=identity)
    except IntegrityError:
        # Lost a race with a concurrent verification of the same document or user.
        raise ValidationError(
            _("This document is already bound to another account. Each person may have one account."),
            code="identity.already_bound",
        ) from None
    return identity


def identity_reveal(*, actor: User, identity: Identity, reason: str) -> str:
    """Return the clear document number to a staff member, auditing who, what, when, why."""
    if not selectors.can_view_region(user=actor, region_code=identity.region_code):
        raise Forbidden(_("You may not see identity data of this region."), code="identity.region_not_yours")
    if len((reason or "").strip()) < 5:
        raise ValidationError(
            {
                "reason": ValidationError(
                    _("State why you need to see this number."), code="identity.reveal_reason_missing"
                )
            }
        )
    audit_log(
        actor=actor,
        action="accounts.identity.revealed",
        subject=f"accounts.identity:{identity.pk}",
        region_code=identity.region_code,
        reason=reason.strip(),
    )
    number: str = identity.number  # an encrypted field, untyped to mypy
    return number


# --- Capability profile -------------------------------------------------------------


@transactions.entry_point
def profile_update(
    *,
    user: User,
    bio: str = "",
    home_division: Place | None = None,
    home_city: Place | None = None,
    travel_willingness: str = "local",
    travel_regions: Iterable[Place] = (),
    languages: Sequence[str] = (),
    intentions: Sequence[str] = (),
    interests: Iterable[Interest] = (),
) -> Profile:
    """Replace the capability profile. ``home_division``, ``home_city`` and ``travel_regions``
    are places' divisions and cities (the places selectors give them)."""
    profile = selectors.profile_of(user=user)
    unknown_intentions = set(intentions) - set(Intention.values)
    if unknown_intentions:
        raise ValidationError(
            {
                "intentions": ValidationError(
                    _("Unknown intention: %(value)s") % {"value": ", ".join(sorted(unknown_intentions))},
                    code="profile.unknown_intention",
                )
            }
        )
    languages = [code.lower() for code in languages]
    unknown_languages = [code for code in languages if code not in selectors.language_codes()]
    if unknown_languages:
        raise ValidationError(
            {
                "languages": ValidationError(
                    _("Unknown language: %(value)s") % {"value": ", ".join(unknown_languages)},
                    code="profile.unknown_language",
                )
            }
        )
    if home_division is not None and home_city is not None:
        raise ValidationError(
            {
                "home_city": ValidationError(
                    _("Choose a home city in China or abroad, not both."), code="profile.two_home_places"
                )
            }
        )
    profile.bio = bio
    profile.home_division = home_division
    profile.home_city = home_city
    profile.travel_willingness = travel_willingness
    profile.languages = list(dict.fromkeys(languages))
    profile.intentions = [i for i in Intention.values if i in intentions]
    with transactions.atomic():
        profile.full_clean(exclude=["user"])
        profile.save()
        profile.travel_regions.set(travel_regions)
        profile.interests.set(interests)
    return profile


def profile_skill_set(*, user: User, skill_code: str, level: int, years: int = 0) -> ProfileSkill:
    skill = Skill.objects.filter(code=skill_code).first()
    if skill is None:
        raise ValidationError(
            {"skill": ValidationError(_("Unknown skill: %(code)s") % {"code": skill_code}, code="skill.unknown")}
        )
    if not 1 <= int(level) <= 5:
        raise ValidationError(
            {"level": ValidationError(_("The level must be between 1 and 5."), code="skill.level_out_of_range")}
        )
    if not 0 <= int(years) <= 80:
        raise ValidationError(
            {
                "years": ValidationError(
                    _("Years of experience must be between 0 and 80."), code="skill.years_out_of_range"
                )
            }
        )
    profile = selectors.profile_of(user=user)
    entry, _created = ProfileSkill.objects.update_or_create(
        profile=profile, skill=skill, defaults={"level": int(level), "years": int(years)}
    )
    return entry


def profile_skill_remove(*, user: User, skill_code: str) -> None:
    ProfileSkill.objects.filter(profile__user=user, skill__code=skill_code).delete()


MAX_AVAILABILITY_WINDOWS = 7 * 6  # six windows a day is more than anyone keeps


@transactions.entry_point
def availability_replace(*, user: User, windows: list[tuple[int, time, time]]) -> list[AvailabilityWindow]:
    """Replace the weekly availability with ``windows`` (weekday, start, end)."""
    if len(windows) > MAX_AVAILABILITY_WINDOWS:
        raise ValidationError(
            _("Give at most %(n)d availability windows.") % {"n": MAX_AVAILABILITY_WINDOWS},
            code="availability.too_many",
        )
    cleaned = []
    for weekday, start, end in windows:
        if not 0 <= int(weekday) <= 6:
            raise ValidationError(_("The weekday must be between Monday and Sunday."), code="availability.bad_weekday")
        if end <= start:
            raise ValidationError(
                _("Each availability window must end after it starts."), code="availability.ends_before_start"
            )
        cleaned.append((int(weekday), start, end))
    profile = selectors.profile_of(user=user)
    with transactions.atomic():
        profile.availability.all().delete()
        return AvailabilityWindow.objects.bulk_create(
            AvailabilityWindow(profile=profile, weekday=d, start_time=s, end_time=e) for d, s, e in cleaned
        )


# --- Organisations ------------------------------------------------------------------


@transactions.entry_point
def organisation_create(
    *,
    creator: User,
    name: str,
    type: str,
    name_en: str = "",
    description: str = "",
    division: Place | None = None,
    city: Place | None = None,
    website: str = "",
) -> Organisation:
    organisation = Organisation(
        name=name.strip(),
        name_en=name_en.strip(),
        type=type,
        description=description,
        division=division,
        city=city,
        website=website,
        created_by=creator,
    )
    organisation.full_clean(exclude=["created_by", "verified_by"])
    with transactions.atomic():
        organisation.save()
        Membership.objects.create(
            organisation=organisation, user=creator, role=Membership.Role.OWNER, status=Membership.Status.ACTIVE
        )
        audit_log(
            actor=creator,
            action="accounts.organisation.created",
            subject=f"accounts.organisation:{organisation.pk}",
            region_code=organisation.region_code,
        )
    return organisation


@transactions.entry_point
def organisation_join_request(*, user: User, organisation: Organisation) -> Membership:
    """Ask to join; an owner or administrator approves. Raises if already a member."""
    if Membership.objects.filter(organisation=organisation, user=user).exists():
        raise ValidationError(
            _("You are already a member of this organisation or have asked to join."), code="membership.already_exists"
        )
    with transactions.atomic():
        membership = Membership.objects.create(organisation=organisation, user=user)
        for manager in selectors.organisation_managers(organisation=organisation):
            notification_send(
                recipient=manager,
                kind="accounts.membership.requested",
                title=_("%(user)s asks to join %(organisation)s") % {"user": user, "organisation": organisation.name},
                url=f"/accounts/organisations/{organisation.pk}/",
            )
    return membership


def _require_manager(*, actor: User, organisation: Organisation) -> None:
    if not selectors.user_can_manage_organisation(user=actor, organisation=organisation):
        raise Forbidden(
            _("Only the organisation's owners and administrators can do this."), code="organisation.not_manager"
        )


def membership_approve(*, actor: User, membership: Membership) -> Membership:
    _require_manager(actor=actor, organisation=membership.organisation)
    membership.status = Membership.Status.ACTIVE
    membership.save(update_fields=["status"])
    audit_log(actor=actor, action="accounts.membership.approved", subject=f"accounts.membership:{membership.pk}")
    notification_send(
        recipient=membership.user,
        kind="accounts.membership.approved",
        title=_("You are now a member of %(organisation)s") % {"organisation": membership.organisation.name},
        url=f"/accounts/organisations/{membership.organisation_id}/",
    )
    return membership


@transactions.entry_point
def membership_set_role(*, actor: User, membership: Membership, role: str) -> Membership:
    _require_manager(actor=actor, organisation=membership.organisation)
    if role not in Membership.Role.values:
        raise ValidationError({"role": ValidationError(_("Unknown role."), code="membership.unknown_role")})
    with transactions.atomic():
        owners = Membership.objects.select_for_update(no_key=True).filter(
            organisation=membership.organisation, role=Membership.Role.OWNER, status=Membership.Status.ACTIVE
        )
        if membership.role == Membership.Role.OWNER and role != Membership.Role.OWNER and owners.count() <= 1:
            raise ValidationError(_("An organisation needs at least one owner."), code="organisation.last_owner")
        membership.role = role
        membership.save(update_fields=["role"])
        audit_log(
            actor=actor,
            action="accounts.membership.role_changed",
            subject=f"accounts.membership:{membership.pk}",
            data={"role": role},
        )
    return membership


@transactions.entry_point
def membership_remove(*, actor: User, membership: Membership) -> None:
    if actor.pk != membership.user_id:
        _require_manager(actor=actor, organisation=membership.organisation)
    with transactions.atomic():
        owners = Membership.objects.select_for_update(no_key=True).filter(
            organisation=membership.organisation, role=Membership.Role.OWNER, status=Membership.Status.ACTIVE
        )
        if membership.role == Membership.Role.OWNER and owners.count() <= 1:
            raise ValidationError(_("An organisation needs at least one owner."), code="organisation.last_owner")
        membership.delete()
        audit_log(
            actor=actor,
            action="accounts.membership.removed",
            subject=f"accounts.organisation:{membership.organisation_id}",
            data={"user": membership.user_id},
        )


def organisation_request_verification(*, actor: User, organisation: Organisation) -> Organisation:
    _require_manager(actor=actor, organisation=organisation)
    if organisation.verification_status == Organisation.Verification.VERIFIED:
        raise ValidationError(_("This organisation is already verified."), code="organisation.already_verified")
    organisation.verification_status = Organisation.Verification.PENDING
    organisation.save(update_fields=["verification_status"])
    audit_log(
        actor=actor,
        action="accounts.organisation.verification_requested",
        subject=f"accounts.organisation:{organisation.pk}",
    )
    return organisation


def organisation_decide_verification(
    *, moderator: User, organisation: Organisation, approve: bool, reason: str = ""
) -> Organisation:
    if not selectors.is_moderator(user=moderator):
        raise Forbidden(_("Only moderators can verify organisations."), code="organisation.not_moderator")
    organisation.verification_status = (
        Organisation.Verification.VERIFIED if approve else Organisation.Verification.REJECTED
    )
    organisation.verified_by = moderator
    organisation.verified_at = timezone.now()
    organisation.save(update_fields=["verification_status", "verified_by", "verified_at"])
    audit_log(
        actor=moderator,
        action="accounts.organisation.verified" if approve else "accounts.organisation.rejected",
        subject=f"accounts.organisation:{organisation.pk}",
        reason=reason,
    )
    return organisation


# --- Roles --------------------------------------------------------------------------


@transactions.entry_point
def staff_role_grant(
    *, granted_by: User | None, user: User, role: str, region_prefix: str = "", department: str = ""
) -> StaffRole:
    """Grant a moderator or region-scoped officer role. Only superusers grant roles."""
    if granted_by is not None and not granted_by.is_superuser:
        raise Forbidden(_("Only platform administrators can grant roles."), code="staff_role.not_administrator")
    if role == StaffRole.Role.OFFICER and not (region_prefix.isdigit() and 2 <= len(region_prefix) <= 6):
        raise ValidationError(
            {
                "region_prefix": ValidationError(
                    _("An officer needs a region code prefix of 2 to 6 digits."), code="staff_role.bad_region_prefix"
                )
            }
        )
    staff_role, _created = StaffRole.objects.update_or_create(
        user=user,
        role=role,
        region_prefix=region_prefix if role == StaffRole.Role.OFFICER else "",
        defaults={"department": department, "granted_by": granted_by, "active": True},
    )
    audit_log(
        actor=granted_by,
        action="accounts.role.granted",
        subject=f"accounts.user:{user.pk}",
        region_code=region_prefix,
        data={"role": role},
    )
    return staff_role


# --- API tokens ---------------------------------------------------------------------


def api_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Return the token row and the plain token, which is never stored and shown once."""
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise ValidationError(
            {"name": ValidationError(_("Give the token a name of at most 80 characters."), code="api_token.bad_name")}
        )
    plain = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, prefix=plain[:8], token_hash=api_token_hash(plain))
    audit_log(actor=user, action="accounts.api_token.created", subject=f"accounts.api_token:{token.pk}")
    return token, plain


def api_token_revoke(*, user: User, token_id: int) -> ApiToken:
    token = ApiToken.objects.filter(user=user, pk=token_id, revoked_at__isnull=True).first()
    if token is None:
        raise ValidationError(_("No such active token."), code="api_token.not_found")
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_log(actor=user, action="accounts.api_token.revoked", subject=f"accounts.api_token:{token.pk}")
    return token


# --- Reference data -----------------------------------------------------------------


@transactions.entry_point
def reference_data_load() -> dict[str, int]:
    """Upsert the shipped skill taxonomy and interests (idempotent)."""
    taxonomy = json.loads((DATA_DIR / "skill_taxonomy.json").read_text(encoding="utf-8"))
    interests = json.loads((DATA_DIR / "interests.json").read_text(encoding="utf-8"))["interests"]
    skills = 0
    with transactions.atomic():
        for position, domain_data in enumerate(taxonomy["domains"]):
            domain, _created = SkillDomain.objects.update_or_create(
                code=domain_data["code"],
                defaults={"name_zh": domain_data["name_zh"], "name_en": domain_data["name_en"], "position": position},
            )
            for skill in domain_data["skills"]:
                Skill.objects.update_or_create(
                    code=skill["code"],
                    defaults={
                        "domain": domain,
                        "name_zh": skill["name_zh"],
                        "name_en": skill["name_en"],
                        "difficulty": Decimal(skill["difficulty"]),
                        "keywords": skill.get("keywords_zh", []) + skill.get("keywords_en", []),
                    },
                )
                skills += 1
        for interest in interests:
            Interest.objects.update_or_create(
                code=interest["code"], defaults={"name_zh": interest["name_zh"], "name_en": interest["name_en"]}
            )
    return {"domains": len(taxonomy["domains"]), "skills": skills, "interests": len(interests)}


# --- Benchmarks -----------------------------------------------------------------------


def identities_bind_unchecked(*, user_ids: list[int], prefix: str = "B") -> None:
    """Bind a verified test passport to each of ``user_ids`` in one bulk insert, with no
    document checks, throttling or audit: for benchmarks only (``ledger.benchmarking``),
    never for people."""
    Identity.objects.bulk_create(
        Identity(
            user_id=pk,
            document_type=Identity.DocumentType.PASSPORT,
            country="DE",
            legal_name=f"Bench {pk}",
            number=f"{prefix}{pk:08d}",
            number_hash=identity_number_hash(document_type="passport", country="DE", number=f"{prefix}{pk:08d}"),
            number_masked=f"{prefix}****",
        )
        for pk in user_ids
    )
