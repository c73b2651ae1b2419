"""Reads of the accounts app, including the permission checks other apps rely on."""

from functools import lru_cache

import phonenumbers
import pycountry
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from meaningflow.accounts.models import (
    Identity,
    Membership,
    Organisation,
    Profile,
    ProfileSkill,
    Skill,
    SkillDomain,
    StaffRole,
    User,
)

# Languages offered in profiles: ISO 639-1 codes, named through pycountry's catalogues.
PROFILE_LANGUAGES = (
    "zh", "en", "ja", "ko", "fr", "de", "es", "pt", "ru", "ar", "th", "vi", "ms", "id", "it", "hi",
)
CHINESE_LANGUAGE_NAMES = {
    "zh": "中文", "en": "英语", "ja": "日语", "ko": "韩语", "fr": "法语", "de": "德语", "es": "西班牙语",
    "pt": "葡萄牙语", "ru": "俄语", "ar": "阿拉伯语", "th": "泰语", "vi": "越南语", "ms": "马来语",
    "id": "印度尼西亚语", "it": "意大利语", "hi": "印地语",
}


def language_codes() -> tuple[str, ...]:
    return PROFILE_LANGUAGES


@lru_cache(maxsize=64)
def language_name(code: str, lang: str) -> str:
    if lang.startswith("zh"):
        return CHINESE_LANGUAGE_NAMES.get(code, code)
    found = pycountry.languages.get(alpha_2=code)
    return found.name if found else code


def normalise_phone(raw: str, region: str = "CN") -> str:
    """E.164 form of a phone number, or ValidationError (phonenumbers)."""
    try:
        parsed = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        raise ValidationError({"phone": [_("Enter a valid mobile phone number.")]})
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def profile_of(*, user: User) -> Profile:
    profile, _created = Profile.objects.get_or_create(user=user)
    return profile


def profile_skills(*, user: User) -> QuerySet[ProfileSkill]:
    return ProfileSkill.objects.filter(profile__user=user).select_related("skill__domain")


def skill_taxonomy() -> QuerySet[SkillDomain]:
    return SkillDomain.objects.prefetch_related(Prefetch("skills", queryset=Skill.objects.order_by("code")))


def skill_search(*, q: str = "", domain: str = "", limit: int = 50) -> QuerySet[Skill]:
    skills = Skill.objects.select_related("domain")
    if domain:
        skills = skills.filter(domain__code=domain)
    if q:
        from django.db.models import Q

        skills = skills.filter(Q(name_zh__icontains=q) | Q(name_en__icontains=q) | Q(code__icontains=q))
    return skills[:limit]


# --- Organisations and roles --------------------------------------------------------


def organisations_of(*, user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("organisation")


def organisation_list(*, q: str = "", type: str = "") -> QuerySet[Organisation]:
    organisations = Organisation.objects.select_related("division", "city")
    if type:
        organisations = organisations.filter(type=type)
    if q:
        from django.db.models import Q

        organisations = organisations.filter(Q(name__icontains=q) | Q(name_en__icontains=q))
    return organisations


def membership_of(*, user: User, organisation: Organisation) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(user=user, organisation=organisation).first()


def user_can_manage_organisation(*, user: User, organisation: Organisation) -> bool:
    membership = membership_of(user=user, organisation=organisation)
    return membership is not None and membership.can_manage


def user_is_active_member(*, user: User, organisation: Organisation) -> bool:
    membership = membership_of(user=user, organisation=organisation)
    return membership is not None and membership.status == Membership.Status.ACTIVE


def organisation_managers(*, organisation: Organisation) -> list[User]:
    return [
        m.user
        for m in organisation.memberships.filter(
            status=Membership.Status.ACTIVE, role__in=[Membership.Role.OWNER, Membership.Role.ADMIN]
        ).select_related("user")
    ]


def is_moderator(*, user: User) -> bool:
    if not user.is_authenticated:
        return False
    return user.is_superuser or StaffRole.objects.filter(
        user=user, role=StaffRole.Role.MODERATOR, active=True
    ).exists()


def officer_region_prefixes(*, user: User) -> list[str]:
    if not user.is_authenticated:
        return []
    return list(
        StaffRole.objects.filter(user=user, role=StaffRole.Role.OFFICER, active=True).values_list(
            "region_prefix", flat=True
        )
    )


def is_officer(*, user: User) -> bool:
    return bool(officer_region_prefixes(user=user))


def can_view_region(*, user: User, region_code: str) -> bool:
    """Officers see only codes under one of their prefixes (PR-3); superusers see all."""
    if user.is_authenticated and user.is_superuser:
        return True
    return bool(region_code) and any(
        region_code.startswith(prefix) for prefix in officer_region_prefixes(user=user)
    )


def identity_verified(*, user: User) -> bool:
    """ID-2: the person has bound a verified real-name identity to the account."""
    return Identity.objects.filter(user=user).exists()


def verified_users(*, ids) -> QuerySet[User]:
    """The users among ``ids`` (ids or a subquery of ids) who have a verified identity."""
    return User.objects.filter(pk__in=ids, identity__isnull=False).order_by("pk")


def identity_hashes(*, document_type: str = "cn_resident_id") -> dict[str, int]:
    """Every verified identity's keyed hash → user id: the small side of a registry link."""
    return dict(Identity.objects.filter(document_type=document_type).values_list("number_hash", "user_id"))


def is_staff_member(*, user: User) -> bool:
    """Superusers and holders of an active staff role (moderator, officer): the accounts
    that must sign in with a second factor (PR-4)."""
    if not user.is_authenticated:
        return False
    return user.is_superuser or StaffRole.objects.filter(user=user, active=True).exists()


def two_factor_device(*, user: User):
    """The user's confirmed authenticator-app device, or None."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def backup_codes_left(*, user: User) -> int:
    from django_otp.plugins.otp_static.models import StaticToken

    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()
