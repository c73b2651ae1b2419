"""Reads of the accounts app, including the permission checks other apps rely on."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

import phonenumbers
import pycountry
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.db.models import Max, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from meaningflow.accounts.models import (
    AvailabilityWindow,
    Consent,
    ConsentEvent,
    ConsentPurpose,
    ConsentText,
    DisclosureRule,
    Identity,
    Intention,
    Interest,
    Membership,
    Organisation,
    Profile,
    ProfileSkill,
    Skill,
    SkillDomain,
    SkillLevel,
    StaffRole,
    User,
)
from meaningflow.core import selectors as core_selectors

# Languages offered in profiles: ISO 639-1 codes, named through pycountry's catalogues.
PROFILE_LANGUAGES = (
    "zh",
    "en",
    "ja",
    "ko",
    "fr",
    "de",
    "es",
    "pt",
    "ru",
    "ar",
    "th",
    "vi",
    "ms",
    "id",
    "it",
    "hi",
)
CHINESE_LANGUAGE_NAMES = {
    "zh": "中文",
    "en": "英语",
    "ja": "日语",
    "ko": "韩语",
    "fr": "法语",
    "de": "德语",
    "es": "西班牙语",
    "pt": "葡萄牙语",
    "ru": "俄语",
    "ar": "阿拉伯语",
    "th": "泰语",
    "vi": "越南语",
    "ms": "马来语",
    "id": "印度尼西亚语",
    "it": "意大利语",
    "hi": "印地语",
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
        raise ValidationError(
            {"phone": ValidationError(_("Enter a valid mobile phone number."), code="user.bad_phone")}
        )
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


def is_moderator(*, user: AbstractBaseUser | AnonymousUser) -> bool:
    if not isinstance(user, User) or not user.is_authenticated:
        return False
    return user.is_superuser or StaffRole.objects.filter(user=user, role=StaffRole.Role.MODERATOR, active=True).exists()


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
    return bool(region_code) and any(region_code.startswith(prefix) for prefix in officer_region_prefixes(user=user))


def identity_verified(*, user: User) -> bool:
    """ID-2: the person has bound a verified real-name identity to the account."""
    return Identity.objects.filter(user=user).exists()


def verified_users(*, ids: Iterable[int] | QuerySet[Any, Any]) -> QuerySet[User]:
    """The users among ``ids`` (ids or a subquery of ids) who have a verified identity."""
    return User.objects.filter(pk__in=ids, identity__isnull=False).order_by("pk")


def identity_hashes(*, document_type: str = "cn_resident_id", user: User | None = None) -> dict[str, int]:
    """The keyed hash → user id of every verified identity whose person agreed to share
    their platform record with employment-assistance officers (purpose
    ``government_sharing``, PR-1): the small side of a registry link. Only ``user``'s
    when given."""
    identities = Identity.objects.filter(
        document_type=document_type,
        user__in=consenting_users(purpose=ConsentPurpose.GOVERNMENT_SHARING),
        user__is_active=True,
    )
    if user is not None:
        identities = identities.filter(user=user)
    return dict(identities.values_list("number_hash", "user_id"))


def is_staff_member(*, user: User) -> bool:
    """Superusers and holders of an active staff role (moderator, officer): the accounts
    that must sign in with a second factor (PR-4)."""
    if not user.is_authenticated:
        return False
    return user.is_superuser or StaffRole.objects.filter(user=user, active=True).exists()


def two_factor_device(*, user: User) -> TOTPDevice | None:
    """The user's confirmed authenticator-app device, or None."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def backup_codes_left(*, user: User) -> int:
    left: int = StaticToken.objects.filter(device__user=user, device__confirmed=True).count()  # django_otp is untyped
    return left


# --- Consents and disclosure (PR-1, DG-3) --------------------------------------------


def consent_texts_in_force(*, on: date | None = None) -> dict[str, ConsentText]:
    """Per purpose, the newest text version in force on ``on`` (today by default)."""
    texts: dict[str, ConsentText] = {}
    for text in ConsentText.objects.filter(effective_from__lte=on or timezone.localdate()).order_by(
        "purpose", "-version"
    ):
        texts.setdefault(text.purpose, text)
    return texts


def _renewal_floor(purpose: str, on: date | None = None) -> int:
    """The oldest text version whose agreement still counts: the newest version in force
    that asked everyone again (``requires_renewal``), else any."""
    floor = ConsentText.objects.filter(
        purpose=purpose, requires_renewal=True, effective_from__lte=on or timezone.localdate()
    ).aggregate(v=Max("version"))["v"]
    return floor or 0


def consenting_users(*, purpose: str) -> QuerySet[Consent, Any]:
    """Ids of the people whose agreement to ``purpose`` counts today (a subquery): nobody
    who never answered, withdrew, or agreed to a text that has since asked again."""
    return Consent.objects.filter(purpose=purpose, granted=True, text__version__gte=_renewal_floor(purpose)).values(
        "user_id"
    )


def consent_granted(*, user: User, purpose: str) -> bool:
    """Whether processing for ``purpose`` may go on for ``user`` (never for a deleted account)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    consent = Consent.objects.filter(user=user, purpose=purpose, granted=True).select_related("text").first()
    return consent is not None and consent.text.version >= _renewal_floor(purpose)


@dataclass
class ConsentState:
    """What the privacy page and the API show for one purpose."""

    purpose: str
    label: str
    text: ConsentText | None
    consent: Consent | None
    granted: bool
    # Agreed to an earlier text that has since asked everyone again.
    renewal_needed: bool


def consents_of(*, user: User) -> list[ConsentState]:
    """Every purpose with the text in force and the person's answer, in a fixed order."""
    texts = consent_texts_in_force()
    answers = {c.purpose: c for c in Consent.objects.filter(user=user).select_related("text")}
    states = []
    for purpose in ConsentPurpose:
        consent = answers.get(purpose.value)
        counts = consent is not None and consent.granted and consent.text.version >= _renewal_floor(purpose.value)
        states.append(
            ConsentState(
                purpose=purpose.value,
                label=str(purpose.label),
                text=texts.get(purpose.value),
                consent=consent,
                granted=counts,
                renewal_needed=consent is not None and consent.granted and not counts,
            )
        )
    return states


def consent_history(*, user: User) -> QuerySet[ConsentEvent]:
    return ConsentEvent.objects.filter(user=user).select_related("text")


def disclosure_rule_in_force(*, on: date | None = None) -> DisclosureRule:
    """Who sees the people suggested for a need: the dated row in force, else the defaults
    (an unsaved row)."""
    rule = DisclosureRule.objects.filter(effective_from__lte=on or timezone.localdate()).first()
    return rule or DisclosureRule(effective_from=date(2025, 1, 1))


# What a poster who may see candidates sees of a person who agreed to be suggested, and
# what they never see (docs/MATCHING.md "Who sees suggested people"; the privacy page).
CANDIDATE_SHOWN = (
    gettext_lazy("the name you show to others"),
    gettext_lazy("what you wrote about yourself"),
    gettext_lazy("your skills and their levels"),
    gettext_lazy("the languages you speak"),
    gettext_lazy("your interests"),
    gettext_lazy("your trust level"),
    gettext_lazy("how well you fit their need, in words"),
)
CANDIDATE_HIDDEN = (
    gettext_lazy("your home city and where you would travel"),
    gettext_lazy("when you are available"),
    gettext_lazy("what you are looking for (your intentions)"),
    gettext_lazy("what you looked at and applied to"),
    gettext_lazy("your e-mail address, phone number and identity"),
)


def candidate_profile(*, user: User) -> dict[str, Any]:
    """The fields of a suggested person a poster may see (CANDIDATE_SHOWN), trust level
    aside (the ledger's; the needs app adds it)."""
    profile = profile_of(user=user)
    lang = get_language() or "en"
    return {
        "user_id": user.pk,
        "display_name": str(user),
        "bio": profile.bio,
        "skills": [
            {
                "code": ps.skill.code,
                "name": ps.skill.name,
                "level": ps.level,
                "level_label": str(ps.get_level_display()),
            }
            for ps in profile_skills(user=user)
        ],
        "languages": [language_name(code, lang) for code in profile.languages or []],
        "interests": [interest.name for interest in profile.interests.order_by("code")],
    }


# The audit action of a poster opening a suggested person's profile (written by the needs
# app, read here so that the person sees who looked).
CANDIDATE_VIEWED = "needs.candidate.viewed"


def profile_views_of(*, user: User, limit: int | None = None) -> list[dict[str, Any]]:
    """Who opened ``user``'s profile as a suggested person: when, for which organisation
    and need (as they were named then), newest first."""
    events = core_selectors.audit_events_about(subjects=[f"accounts.user:{user.pk}"], actions=[CANDIDATE_VIEWED])
    if limit is not None:
        events = events[:limit]
    return [
        {
            "at": event.created_at,
            "organisation": event.data.get("organisation", ""),
            "need": event.data.get("need_title", ""),
            "need_id": event.data.get("need"),
        }
        for event in events
    ]


# --- Reads the needs app makes: posting, explaining and matching -------------------------


def active_organisations_of(*, user: User) -> QuerySet[Organisation]:
    """The organisations in which ``user`` is an active member: those they may post for."""
    active = Membership.objects.filter(user=user, status=Membership.Status.ACTIVE)
    return Organisation.objects.filter(pk__in=active.values("organisation_id"))


def organisation_get(*, organisation_id: int) -> Organisation | None:
    return Organisation.objects.filter(pk=organisation_id).first()


def first_active_member(*, organisation: Organisation) -> User | None:
    """The longest-standing active member of ``organisation`` (by membership id)."""
    membership = (
        Membership.objects.filter(organisation=organisation, status=Membership.Status.ACTIVE)
        .order_by("pk")
        .select_related("user")
        .first()
    )
    return membership.user if membership is not None else None


def verified_people() -> QuerySet[User]:
    """Verified people who are neither superusers nor staff, by id (demo data applies as them)."""
    return User.objects.filter(is_superuser=False, staff_roles__isnull=True, identity__isnull=False).order_by("pk")


def interest_list() -> QuerySet[Interest]:
    return Interest.objects.all()


def interests_by_code(*, codes: list[str]) -> QuerySet[Interest]:
    return Interest.objects.filter(code__in=list(codes))


def skills_by_code(*, codes: list[str]) -> dict[str, Skill]:
    """The known skills among ``codes``, by code, in one query."""
    return {skill.code: skill for skill in Skill.objects.filter(code__in=list(codes))}


def skill_choices() -> list[tuple[str, str]]:
    """Every skill as (code, "domain · name") in the active language, for a choice field."""
    return [(s.code, f"{s.domain.name} · {s.name}") for s in Skill.objects.select_related("domain")]


def skill_level_choices() -> list[tuple[int, str]]:
    return [(value, str(label)) for value, label in SkillLevel.choices]


def skill_level_label(level: int) -> str:
    return str(SkillLevel(level).label)


def intention_labels(codes: list[str] | tuple[str, ...]) -> list[str]:
    """The labels of the known intentions among ``codes``, in their order."""
    return [str(Intention(code).label) for code in codes if code in Intention.values]


def profile_for_matching(*, user: User) -> Profile:
    """``user``'s profile with its home place (and a city's division) loaded."""
    return Profile.objects.select_related("home_division", "home_city__division").get(pk=profile_of(user=user).pk)


def profiles_for_matching(*, profile_ids: list[int]) -> dict[int, Profile]:
    """Profiles by id with their user, home place and interests loaded."""
    profiles = (
        Profile.objects.select_related("user", "home_division", "home_city")
        .prefetch_related("interests")
        .filter(pk__in=profile_ids)
    )
    return {profile.pk: profile for profile in profiles}


def weekly_hours_by_profile(*, profile_ids: list[int]) -> dict[int, float]:
    """Hours a week each profile is available (its windows summed); profiles without any absent."""
    hours: dict[int, float] = {}
    for window in AvailabilityWindow.objects.filter(profile_id__in=profile_ids):
        start = window.start_time.hour * 60 + window.start_time.minute
        end = window.end_time.hour * 60 + window.end_time.minute
        hours[window.profile_id] = hours.get(window.profile_id, 0.0) + max(0, end - start) / 60
    return hours


def skill_id_bounds() -> tuple[int, int]:
    """The largest skill id and the largest skill-domain id in use (0 when none)."""
    bounds = Skill.objects.aggregate(skill=Max("pk"), domain=Max("domain_id"))
    return bounds["skill"] or 0, bounds["domain"] or 0


def profile_skill_rows(*, profile_ids: list[int]) -> list[tuple[int, int, int, int]]:
    """(profile id, skill id, domain id, level) of every skill of the given profiles."""
    rows = ProfileSkill.objects.filter(profile_id__in=profile_ids).values_list(
        "profile_id", "skill_id", "skill__domain_id", "level"
    )
    return [(p, s, d, level) for p, s, d, level in rows]


def suggestable_profiles(
    *, excluding_users: QuerySet[Any, Any] | list[int], outside: Organisation, domain_ids: list[int]
) -> QuerySet[Profile]:
    """Profiles of active people who agreed to be suggested (purpose ``matching``), are not
    among ``excluding_users`` (ids or an id subquery), not members of ``outside`` and, when
    ``domain_ids`` is not empty, have a skill in one of those domains."""
    profiles = (
        Profile.objects.filter(user__is_active=True, user__in=consenting_users(purpose="matching"))
        .exclude(user__in=excluding_users)
        .exclude(user__memberships__organisation=outside)
    )
    if domain_ids:
        profiles = profiles.filter(skills__skill__domain_id__in=domain_ids)
    return profiles


# --- Reads the resources app makes: who to tell, and demo organisations ------------------


def active_moderators() -> QuerySet[User]:
    """Everyone who holds an active moderator role (told of problems and safeguard cases)."""
    ids = StaffRole.objects.filter(role=StaffRole.Role.MODERATOR, active=True).values("user_id")
    return User.objects.filter(pk__in=ids)


def organisations_of_types(*, types: list[str]) -> QuerySet[Organisation]:
    """Organisations of the given ``Organisation.Type`` values, with their place loaded."""
    return Organisation.objects.filter(type__in=types).select_related("division", "city")


# --- Reads the ledger makes -----------------------------------------------------------------


def skill_get(*, skill_id: int) -> Skill | None:
    """The taxonomy skill ``skill_id`` (its difficulty weighs a skill contribution, CV-E2)."""
    return Skill.objects.filter(pk=skill_id).first()


# --- Reads the assistance app makes ---------------------------------------------------------


def intention_choices() -> list[tuple[str, str]]:
    """``(value, label)`` of the intentions a person may state, for a form's choices."""
    return [(value, str(label)) for value, label in Intention.choices]
