from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import F, Q
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from meaningflow.core.crypto import EncryptedTextField


class BilingualName(models.Model):
    """Reference data named in both shipped languages; ``name`` follows the request."""

    name_zh = models.CharField(_("Chinese name"), max_length=120)
    name_en = models.CharField(_("English name"), max_length=160)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_zh if (get_language() or "").startswith("zh") else self.name_en


class User(AbstractUser):
    """A login. Real-name identity, profile and roles hang off it (ID-1)."""

    display_name = models.CharField(_("display name"), max_length=80, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=10, choices=settings.LANGUAGES, blank=True
    )
    large_type = models.BooleanField(_("large-type mode"), default=False)
    # PR-2: the phone number is sensitive; stored encrypted, shown masked.
    phone = EncryptedTextField(_("mobile phone"), blank=True)
    # PR-1: a deleted account keeps its row (foreign keys, the ledger) with nothing personal
    # left in it; see ``services.account_delete`` and docs/PRIVACY.md.
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True, editable=False)

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        constraints = [
            models.UniqueConstraint(
                models.functions.Lower("email"),
                condition=~Q(email=""),
                name="accounts_user_email_ci_uniq",
            )
        ]

    def __str__(self) -> str:
        if self.deleted_at is not None:
            return gettext("Former member")
        return self.display_name or self.username

    @property
    def has_verified_identity(self) -> bool:
        # Not "is_verified": django-otp sets that on request.user (second factor passed).
        return hasattr(self, "identity")


class Identity(models.Model):
    """A verified real-name identity (ID-2), bound to at most one user.

    The document number is stored only encrypted, plus a keyed hash (unique: one person,
    one CV identity) and a masked form for display.
    """

    class DocumentType(models.TextChoices):
        CN_RESIDENT_ID = "cn_resident_id", _("Mainland China resident identity card")
        PASSPORT = "passport", _("Passport")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="identity",
        verbose_name=_("user"),
    )
    document_type = models.CharField(_("document type"), max_length=20, choices=DocumentType.choices)
    country = models.CharField(_("issuing country"), max_length=2)
    legal_name = EncryptedTextField(_("legal name"))
    number = EncryptedTextField(_("document number"))
    number_hash = models.CharField(max_length=64, unique=True, editable=False)
    number_masked = models.CharField(_("document number (masked)"), max_length=40)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    region_code = models.CharField(_("region code at issue"), max_length=6, blank=True)
    verified_at = models.DateTimeField(_("verified at"), auto_now_add=True)

    class Meta:
        verbose_name = _("identity")
        verbose_name_plural = _("identities")

    def __str__(self) -> str:
        return f"{self.get_document_type_display()} {self.number_masked}"


class SkillDomain(BilingualName):
    code = models.SlugField(_("code"), max_length=60, unique=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("skill domain")
        verbose_name_plural = _("skill domains")


class Skill(BilingualName):
    """One skill of the shipped taxonomy, with the difficulty coefficient of CV-E2."""

    code = models.CharField(_("code"), max_length=100, unique=True)
    domain = models.ForeignKey(SkillDomain, on_delete=models.PROTECT, related_name="skills")
    difficulty = models.DecimalField(_("difficulty coefficient"), max_digits=4, decimal_places=2)
    keywords = models.JSONField(_("keywords"), default=list, blank=True)

    class Meta:
        ordering = ["domain__position", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(difficulty__gte=1) & Q(difficulty__lte=3), name="accounts_skill_difficulty_range"
            )
        ]
        verbose_name = _("skill")
        verbose_name_plural = _("skills")


class Interest(BilingualName):
    code = models.SlugField(_("code"), max_length=60, unique=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("interest")
        verbose_name_plural = _("interests")


class SkillLevel(models.IntegerChoices):
    BEGINNER = 1, _("Beginner")
    BASIC = 2, _("Basic")
    COMPETENT = 3, _("Competent")
    ADVANCED = 4, _("Advanced")
    EXPERT = 5, _("Expert")


class Intention(models.TextChoices):
    JOB = "job", _("Find a job")
    TRAINING = "training", _("Get training")
    STARTUP = "startup", _("Start a business")
    PARTICIPATION = "participation", _("Take part and contribute")


class TravelWillingness(models.TextChoices):
    LOCAL = "local", _("Only near home")
    PROVINCE = "province", _("Within my province")
    NATIONAL = "national", _("Anywhere in the country")
    INTERNATIONAL = "international", _("Abroad as well")


class Profile(models.Model):
    """The capability profile (ID-3): what a person can do, wants, and when."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    bio = models.TextField(_("about me"), max_length=2000, blank=True)
    home_division = models.ForeignKey(
        "places.Division",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("home city (China)"),
    )
    home_city = models.ForeignKey(
        "places.City",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("home city (abroad)"),
    )
    travel_willingness = models.CharField(
        _("willing to travel"),
        max_length=20,
        choices=TravelWillingness.choices,
        default=TravelWillingness.LOCAL,
    )
    travel_regions = models.ManyToManyField(
        "places.Division", blank=True, related_name="+", verbose_name=_("regions I would travel to")
    )
    languages = models.JSONField(_("languages"), default=list, blank=True)
    intentions = models.JSONField(_("intentions"), default=list, blank=True)
    interests = models.ManyToManyField(Interest, blank=True, verbose_name=_("interests"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("capability profile")
        verbose_name_plural = _("capability profiles")

    def __str__(self) -> str:
        return str(self.user)

    @property
    def home_place(self):
        return self.home_division or self.home_city


class ProfileSkill(models.Model):
    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="skills")
    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField(_("level"), choices=SkillLevel.choices)
    years = models.PositiveSmallIntegerField(_("years of experience"), default=0)

    class Meta:
        ordering = ["-level", "skill__code"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "skill"], name="accounts_profileskill_uniq"),
            models.CheckConstraint(
                condition=Q(level__gte=1) & Q(level__lte=5), name="accounts_profileskill_level_range"
            ),
            models.CheckConstraint(condition=Q(years__lte=80), name="accounts_profileskill_years_range"),
        ]
        verbose_name = _("profile skill")
        verbose_name_plural = _("profile skills")

    def __str__(self) -> str:
        return f"{self.skill} ({self.level})"


class AvailabilityWindow(models.Model):
    """A weekly window when the person is available (local time of their home place)."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="availability")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start_time = models.TimeField(_("from"))
    end_time = models.TimeField(_("until"))

    class Meta:
        ordering = ["weekday", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")), name="accounts_availability_end_after_start"
            ),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="accounts_availability_weekday_range"),
        ]
        verbose_name = _("availability window")
        verbose_name_plural = _("availability windows")

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}-{self.end_time:%H:%M}"


class Organisation(models.Model):
    """A body that posts needs and resources on its own behalf (ID-4)."""

    class Type(models.TextChoices):
        COMMUNITY = "community", _("Community organisation")
        SCHOOL = "school", _("School")
        NGO = "ngo", _("NGO")
        SMALL_BUSINESS = "small_business", _("Small business")
        CULTURAL_BODY = "cultural_body", _("Cultural body")
        GOVERNMENT_AGENCY = "government_agency", _("Government agency")
        ENTERPRISE = "enterprise", _("Enterprise")

    class Verification(models.TextChoices):
        UNVERIFIED = "unverified", _("Not verified")
        PENDING = "pending", _("Verification requested")
        VERIFIED = "verified", _("Verified")
        REJECTED = "rejected", _("Verification rejected")

    name = models.CharField(_("name"), max_length=160)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    type = models.CharField(_("type"), max_length=30, choices=Type.choices)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    division = models.ForeignKey(
        "places.Division",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("region (China)"),
    )
    city = models.ForeignKey(
        "places.City",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("city (abroad)"),
    )
    website = models.URLField(_("website"), blank=True)
    verification_status = models.CharField(
        _("verification"), max_length=20, choices=Verification.choices, default=Verification.UNVERIFIED
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        if self.name_en and not (get_language() or "").startswith("zh"):
            return self.name_en
        return self.name

    @property
    def region_code(self) -> str:
        return self.division.code if self.division_id else ""


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        ADMIN = "admin", _("Administrator")
        MEMBER = "member", _("Member")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        ACTIVE = "active", _("Active")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.MEMBER)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation", "role", "user"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "user"], name="accounts_membership_uniq"),
        ]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation} ({self.role})"

    @property
    def can_manage(self) -> bool:
        return self.status == self.Status.ACTIVE and self.role in (self.Role.OWNER, self.Role.ADMIN)


class StaffRole(models.Model):
    """Platform roles beyond participant (ID-5): moderators and region-scoped officers."""

    class Role(models.TextChoices):
        MODERATOR = "moderator", _("Platform moderator")
        OFFICER = "officer", _("Government officer")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_roles")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    # GB/T 2260 prefix: "43" is Hunan, "4301" Changsha; an officer sees codes under it.
    region_prefix = models.CharField(_("region code prefix"), max_length=6, blank=True)
    department = models.CharField(_("department"), max_length=80, blank=True)
    granted_at = models.DateTimeField(auto_now_add=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "region_prefix"], name="accounts_staffrole_uniq"),
            models.CheckConstraint(
                condition=~Q(role="officer") | Q(region_prefix__regex=r"^[0-9]{2,6}$"),
                name="accounts_staffrole_officer_has_region",
            ),
        ]
        verbose_name = _("staff role")
        verbose_name_plural = _("staff roles")

    def __str__(self) -> str:
        return f"{self.user}: {self.get_role_display()} {self.region_prefix}".strip()


class ApiToken(models.Model):
    """A personal API token; only its SHA-256 is stored, the token is shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=80)
    prefix = models.CharField(max_length=12)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


# --- Personal-data rights (PR-1) ------------------------------------------------------


class ConsentPurpose(models.TextChoices):
    """What a person's data may be used for beyond the service they asked for."""

    MATCHING = "matching", _("Suggest me to organisations that look for people")
    GOVERNMENT_SHARING = "government_sharing", _("Share my platform record with employment-assistance officers")
    CHECKIN_LOCATION = "checkin_location", _("Use my location when I check in to a stay")
    MARKETING = "marketing", _("Send me news about the platform")


class LegalBasis(models.TextChoices):
    """The ground of PIPL art. 13 a purpose rests on (docs/PRIVACY.md)."""

    CONSENT = "consent", _("Your consent (PIPL art. 13(1))")
    CONTRACT = "contract", _("Needed for a service you asked for (PIPL art. 13(2))")
    LEGAL_DUTY = "legal_duty", _("A duty the law sets (PIPL art. 13(3))")


class ConsentText(models.Model):
    """One version of what a person agrees to for a purpose, in both languages.

    Versions are never edited: a changed text is a new version from a date on. When
    ``requires_renewal`` is set, agreements to earlier versions stop counting until the
    person agrees again."""

    purpose = models.CharField(_("purpose"), max_length=30, choices=ConsentPurpose.choices)
    version = models.PositiveSmallIntegerField(_("version"))
    effective_from = models.DateField(_("in force from"))
    text_zh = models.TextField(_("Chinese text"), max_length=3000)
    text_en = models.TextField(_("English text"), max_length=3000)
    legal_basis = models.CharField(_("legal basis"), max_length=20, choices=LegalBasis.choices)
    requires_renewal = models.BooleanField(
        _("earlier agreements must be renewed"),
        default=False,
        help_text=_("Set when the change matters: people who agreed to an earlier version are asked again."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["purpose", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["purpose", "version"], name="accounts_consenttext_version_uniq"),
        ]
        verbose_name = _("consent text")
        verbose_name_plural = _("consent texts")

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} v{self.version}"

    @property
    def text(self) -> str:
        return self.text_zh if (get_language() or "").startswith("zh") else self.text_en


class Consent(models.Model):
    """A person's current answer for one purpose; ``ConsentEvent`` keeps every answer."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=30, choices=ConsentPurpose.choices)
    granted = models.BooleanField(_("agreed"))
    text = models.ForeignKey(ConsentText, on_delete=models.PROTECT, related_name="+", verbose_name=_("text agreed to"))
    decided_at = models.DateTimeField(_("decided at"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "purpose"], name="accounts_consent_user_purpose_uniq"),
        ]
        # Matching excludes everyone who has not agreed: one index-only look-up per purpose.
        indexes = [models.Index(fields=["purpose", "granted", "user"], name="accounts_consent_granted_idx")]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")

    def __str__(self) -> str:
        return f"{self.user_id} {self.purpose} {self.granted}"


class ConsentEvent(models.Model):
    """One answer given: agreed or withdrew, to which version, when, from where."""

    class Source(models.TextChoices):
        PAGE = "page", _("Privacy page")
        REGISTRATION = "registration", _("Registration")
        API = "api", _("API")
        DELETION = "deletion", _("Account deletion")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="consent_events")
    purpose = models.CharField(_("purpose"), max_length=30, choices=ConsentPurpose.choices)
    granted = models.BooleanField(_("agreed"))
    text = models.ForeignKey(ConsentText, on_delete=models.PROTECT, related_name="+", verbose_name=_("text"))
    source = models.CharField(_("given through"), max_length=20, choices=Source.choices)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "created_at"], name="accounts_consentevent_user_idx")]
        verbose_name = _("consent event")
        verbose_name_plural = _("consent events")

    def __str__(self) -> str:
        return f"{self.user_id} {self.purpose} {self.granted} {self.created_at:%Y-%m-%d}"


class DisclosureRule(models.Model):
    """Who may see the people suggested for a need (DG-3, issue 12 item 7), dated: the row
    with the latest ``effective_from`` not after today applies; without one, the defaults.

    Members of verified organisations see candidates; so does a poster whose trust level
    is at least ``candidates_min_trust_level``. Candidates are only people who agreed
    (purpose ``matching``)."""

    DEFAULT_MIN_TRUST_LEVEL = 3

    effective_from = models.DateField(_("in force from"), unique=True)
    candidates_min_trust_level = models.PositiveSmallIntegerField(
        _("trust level from which posters see suggested people"), default=DEFAULT_MIN_TRUST_LEVEL
    )
    verified_organisations_see_candidates = models.BooleanField(
        _("members of verified organisations see suggested people"), default=True
    )
    note = models.CharField(_("why this change"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-effective_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(candidates_min_trust_level__gte=1) & Q(candidates_min_trust_level__lte=5),
                name="accounts_disclosure_level_range",
            ),
        ]
        verbose_name = _("disclosure rule")
        verbose_name_plural = _("disclosure rules")

    def __str__(self) -> str:
        return f"{self.effective_from} L{self.candidates_min_trust_level}"
