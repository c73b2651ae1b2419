from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import F, Q
from django.utils.translation import get_language
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
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="identity",
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

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    bio = models.TextField(_("about me"), max_length=2000, blank=True)
    home_division = models.ForeignKey(
        "places.Division", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("home city (China)"),
    )
    home_city = models.ForeignKey(
        "places.City", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("home city (abroad)"),
    )
    travel_willingness = models.CharField(
        _("willing to travel"), max_length=20, choices=TravelWillingness.choices,
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
            models.CheckConstraint(condition=Q(level__gte=1) & Q(level__lte=5), name="accounts_profileskill_level_range"),
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
            models.CheckConstraint(condition=Q(end_time__gt=F("start_time")), name="accounts_availability_end_after_start"),
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
        "places.Division", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("region (China)"),
    )
    city = models.ForeignKey(
        "places.City", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
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
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

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
