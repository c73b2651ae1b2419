"""Where a person's data lives, for the export and the deletion of an account (PR-1).

The accounts app sits low in the dependency order (docs/ARCHITECTURE.md) and may not
import the apps that hold the rest of a person's data. So each app that holds personal
data registers one ``Provider`` in its ``AppConfig.ready()``: the sections it exports,
what it has in progress that must end before the account can go (``blockers``), and how
it erases or pseudonymises its rows (``erase``, run inside the deletion's transaction).
An app that adds a table with personal data adds it to its provider; docs/PRIVACY.md
lists every section and what deletion does to it.

This module registers the providers of ``accounts`` itself and of ``core`` (which sits
below accounts: notifications and audit events).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from meaningflow.accounts import selectors
from meaningflow.accounts.models import (
    ApiToken,
    AvailabilityWindow,
    ConsentEvent,
    ConsentPurpose,
    Identity,
    Intention,
    LegalBasis,
    Membership,
    Profile,
    SkillLevel,
    StaffRole,
    TravelWillingness,
    User,
)
from meaningflow.core import selectors as core_selectors
from meaningflow.core import services as core_services
from meaningflow.core.crypto import mask


@dataclass(frozen=True)
class Section:
    """One table of the export: a file per language (``<name>.csv``) and an entry of the
    JSON document. ``rows`` yields one dict per row, keyed by the column keys; values may
    be lazy translations (rendered in each language), dates, numbers, lists or dicts."""

    name: str
    title: Promise
    columns: tuple[tuple[str, Promise], ...]
    source: Any  # a QuerySet or a list
    row: Callable[[Any], dict]

    def count(self) -> int:
        return len(self.source) if isinstance(self.source, list | tuple) else self.source.count()

    def rows(self) -> Iterable[dict]:
        items = self.source if isinstance(self.source, list | tuple) else self.source.iterator(chunk_size=2000)
        return (self.row(item) for item in items)


@dataclass(frozen=True)
class Blocker:
    """Something in progress that must end before the account can be deleted: ``message``
    (translated) says what and what to do; ``url`` where to do it."""

    code: str
    message: str
    url: str = ""


@dataclass(frozen=True)
class Provider:
    name: str
    sections: Callable[..., list[Section]]  # (user=, reveal_identity=) → sections
    blockers: Callable[..., list[Blocker]] = lambda user: []
    erase: Callable[..., dict] = lambda user: {}
    # Extra files of the export, e.g. the ledger's signed statement: (user=) → {name: bytes}.
    attachments: Callable[..., dict[str, bytes]] = field(default=lambda user: {})


_providers: dict[str, Provider] = {}


def provider_register(provider: Provider) -> None:
    """Register (or replace, on a second ``ready()``) the provider of one app."""
    _providers[provider.name] = provider


def providers() -> list[Provider]:
    """Every registered provider; ``accounts`` last, so that the other apps erase their rows
    while the person's own fields are still there to find them by."""
    return sorted(_providers.values(), key=lambda p: p.name == "accounts")


def choice_label(choices, value):
    """The lazy label of ``value`` in a TextChoices/IntegerChoices class, or the value."""
    try:
        return choices(value).label
    except ValueError:
        return value


# --- accounts ---------------------------------------------------------------------------


def _account_sections(*, user: User, reveal_identity: bool) -> list[Section]:
    identity = Identity.objects.filter(user=user).first()
    profile = Profile.objects.filter(user=user).first()
    return [
        Section(
            "account",
            _("Account"),
            (
                ("username", _("Username")),
                ("display_name", _("Name shown to others")),
                ("email", _("E-mail address")),
                ("phone", _("Mobile phone")),
                ("preferred_language", _("Language")),
                ("large_type", _("Large type and simpler pages")),
                ("date_joined", _("Registered")),
                ("last_login", _("Last logged in")),
            ),
            [user],
            lambda u: {
                "username": u.username,
                "display_name": u.display_name,
                "email": u.email,
                "phone": u.phone,
                "preferred_language": dict(settings.LANGUAGES).get(u.preferred_language, ""),
                "large_type": u.large_type,
                "date_joined": u.date_joined,
                "last_login": u.last_login,
            },
        ),
        Section(
            "identity",
            _("Real-name identity"),
            (
                ("document_type", _("Document")),
                ("country", _("Issuing country")),
                ("legal_name", _("Legal name")),
                ("number", _("Document number")),
                ("birth_date", _("Date of birth")),
                ("region_code", _("Region code at issue")),
                ("verified_at", _("Verified")),
            ),
            [identity] if identity else [],
            lambda i: {
                "document_type": choice_label(Identity.DocumentType, i.document_type),
                "country": i.country,
                # Masked unless the person chose to include them (after re-authenticating).
                "legal_name": i.legal_name if reveal_identity else mask(i.legal_name, keep_start=1, keep_end=0),
                "number": i.number if reveal_identity else i.number_masked,
                "birth_date": i.birth_date,
                "region_code": i.region_code,
                "verified_at": i.verified_at,
            },
        ),
        Section(
            "profile",
            _("Capability profile"),
            (
                ("bio", _("About me")),
                ("home", _("Home city")),
                ("travel_willingness", _("Willing to travel")),
                ("travel_regions", _("Regions I would travel to")),
                ("languages", _("Languages")),
                ("intentions", _("Intentions")),
                ("interests", _("Interests")),
                ("updated_at", _("Last changed")),
            ),
            [profile] if profile else [],
            _profile_row,
        ),
        Section(
            "skills",
            _("Skills"),
            (("skill", _("Skill")), ("field", _("Field")), ("level", _("Level")), ("years", _("Years of experience"))),
            selectors.profile_skills(user=user),
            lambda ps: {
                "skill": ps.skill.name_zh + " / " + ps.skill.name_en,
                "field": ps.skill.domain.name_zh + " / " + ps.skill.domain.name_en,
                "level": choice_label(SkillLevel, ps.level),
                "years": ps.years,
            },
        ),
        Section(
            "availability",
            _("Weekly availability"),
            (("weekday", _("Day")), ("from", _("From")), ("until", _("Until"))),
            list(profile.availability.all()) if profile else [],
            lambda w: {
                "weekday": choice_label(AvailabilityWindow.Weekday, w.weekday),
                "from": w.start_time,
                "until": w.end_time,
            },
        ),
        Section(
            "organisations",
            _("Organisations"),
            (("organisation", _("Organisation")), ("role", _("Role")), ("status", _("Status")), ("since", _("Since"))),
            Membership.objects.filter(user=user).select_related("organisation").order_by("created_at"),
            lambda m: {
                "organisation": m.organisation.name,
                "role": choice_label(Membership.Role, m.role),
                "status": choice_label(Membership.Status, m.status),
                "since": m.created_at,
            },
        ),
        Section(
            "api_tokens",
            _("API tokens"),
            (
                ("name", _("Name")),
                ("prefix", _("Begins with")),
                ("created_at", _("Created")),
                ("last_used_at", _("Last used")),
                ("revoked_at", _("Revoked")),
            ),
            ApiToken.objects.filter(user=user).order_by("created_at"),
            lambda t: {
                "name": t.name,
                "prefix": t.prefix,
                "created_at": t.created_at,
                "last_used_at": t.last_used_at,
                "revoked_at": t.revoked_at,
            },
        ),
        Section(
            "consents",
            _("Consents"),
            (
                ("purpose", _("Purpose")),
                ("agreed", _("Agreed")),
                ("version", _("Version of the text")),
                ("legal_basis", _("Legal basis")),
                ("decided_at", _("Decided")),
            ),
            [state for state in selectors.consents_of(user=user) if state.consent is not None],
            lambda s: {
                "purpose": choice_label(ConsentPurpose, s.purpose),
                "agreed": s.granted,
                "version": s.consent.text.version,
                "legal_basis": choice_label(LegalBasis, s.consent.text.legal_basis),
                "decided_at": s.consent.decided_at,
            },
        ),
        Section(
            "consent_history",
            _("Every consent answer"),
            (
                ("purpose", _("Purpose")),
                ("agreed", _("Agreed")),
                ("version", _("Version of the text")),
                ("source", _("Given through")),
                ("at", _("When")),
            ),
            selectors.consent_history(user=user),
            lambda e: {
                "purpose": choice_label(ConsentPurpose, e.purpose),
                "agreed": e.granted,
                "version": e.text.version,
                "source": choice_label(ConsentEvent.Source, e.source),
                "at": e.created_at,
            },
        ),
        Section(
            "profile_views",
            _("Who opened your profile as a suggested person"),
            (("at", _("When")), ("organisation", _("Organisation")), ("need", _("Need"))),
            list(selectors.profile_views_of(user=user)),
            lambda v: {"at": v["at"], "organisation": v["organisation"], "need": v["need"]},
        ),
    ]


def _profile_row(profile: Profile) -> dict:
    place = profile.home_division or profile.home_city
    return {
        "bio": profile.bio,
        "home": f"{place.name_zh} / {place.name_en}" if place else "",
        "travel_willingness": choice_label(TravelWillingness, profile.travel_willingness),
        "travel_regions": [f"{d.name_zh} / {d.name_en}" for d in profile.travel_regions.all()],
        "languages": list(profile.languages or []),
        "intentions": [choice_label(Intention, i) for i in profile.intentions or []],
        "interests": [f"{i.name_zh} / {i.name_en}" for i in profile.interests.all()],
        "updated_at": profile.updated_at,
    }


def _account_blockers(*, user: User) -> list[Blocker]:
    blockers = []
    if user.is_superuser or StaffRole.objects.filter(user=user, active=True).exists():
        blockers.append(
            Blocker(
                "accounts.delete.staff_role",
                str(
                    _(
                        "You hold a staff role (moderator, officer or administrator). Ask a platform "
                        "administrator to end it first: what staff did stays accountable."
                    )
                ),
            )
        )
    for membership in Membership.objects.filter(
        user=user, role=Membership.Role.OWNER, status=Membership.Status.ACTIVE
    ).select_related("organisation"):
        organisation = membership.organisation
        owners = organisation.memberships.filter(role=Membership.Role.OWNER, status=Membership.Status.ACTIVE).count()
        others = organisation.memberships.filter(status=Membership.Status.ACTIVE).exclude(user=user).exists()
        if owners == 1 and others:
            blockers.append(
                Blocker(
                    "accounts.delete.sole_owner",
                    str(
                        _(
                            "You are the only owner of %(organisation)s, which has other members. Make one of them an owner first."
                        )
                        % {"organisation": organisation.name}
                    ),
                    f"/accounts/organisations/{organisation.pk}/",
                )
            )
    return blockers


def _account_erase(*, user: User) -> dict:
    """Remove what identifies the person and keep the row, pseudonymised, for the foreign
    keys and the history that point at it (the ledger above all)."""
    username = user.username
    counts = {
        "identity": Identity.objects.filter(user=user).delete()[0],
        "profile": Profile.objects.filter(user=user).delete()[0],
        "memberships": Membership.objects.filter(user=user).delete()[0],
        "api_tokens": ApiToken.objects.filter(user=user).delete()[0],
        "second_factor": TOTPDevice.objects.filter(user=user).delete()[0]
        + StaticDevice.objects.filter(user=user).delete()[0],
        "login_records": AccessAttempt.objects.filter(username=username).delete()[0]
        + AccessLog.objects.filter(username=username).delete()[0]
        + AccessFailureLog.objects.filter(username=username).delete()[0],
    }
    # A username the registration form can never produce (":" is not allowed there).
    user.username = f"deleted:{user.pk}"
    user.email = ""
    user.phone = ""
    user.display_name = ""
    user.first_name = ""
    user.last_name = ""
    user.preferred_language = ""
    user.large_type = False
    user.is_active = False
    user.is_staff = False
    user.last_login = None
    # A new password hash: every session of the account stops validating at once
    # (Django checks the session's hash of the password on each request).
    user.set_unusable_password()
    user.deleted_at = timezone.now()
    user.save()
    return counts


# --- core (below accounts: notifications and the audit log) --------------------------


def _core_sections(*, user: User, reveal_identity: bool) -> list[Section]:
    return [
        Section(
            "notifications",
            _("Notifications"),
            (
                ("at", _("When")),
                ("title", _("Title")),
                ("body", _("Text")),
                ("link", _("Link")),
                ("read_at", _("Read")),
            ),
            core_selectors.notifications_of(user=user),
            lambda n: {"at": n.created_at, "title": n.title, "body": n.body, "link": n.url, "read_at": n.read_at},
        ),
        Section(
            "audit_events",
            _("Audit log entries about you or by you"),
            (
                ("at", _("When")),
                ("action", _("Action")),
                ("subject", _("About")),
                ("by_you", _("Done by you")),
                ("reason", _("Reason")),
                ("data", _("Details")),
            ),
            core_selectors.audit_events_about(subjects=[f"accounts.user:{user.pk}"], actor=user),
            lambda e: {
                "at": e.created_at,
                "action": e.action,
                "subject": e.subject,
                "by_you": e.actor_id == user.pk,
                "reason": e.reason,
                "data": e.data,
            },
        ),
    ]


def _core_erase(*, user: User) -> dict:
    # Audit rows stay (the security log, docs/PRIVACY.md "Retention"); their actor is the
    # pseudonymised row.
    return {"notifications": core_services.notifications_erase(recipient=user)}


def register_own() -> None:
    """Called from ``AccountsConfig.ready``."""
    provider_register(
        Provider(name="accounts", sections=_account_sections, blockers=_account_blockers, erase=_account_erase)
    )
    provider_register(Provider(name="core", sections=_core_sections, erase=_core_erase))
