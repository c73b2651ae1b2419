"""Dream Garden (DG): needs, the skills they ask for, applications, bids, lotteries and
the dated matching weights.

Search: ``search_document`` holds the pre-tokenised text (CJK unigrams and bigrams plus
lower-cased, lightly stemmed English words, see ``needs/search.py``). On SQLite an FTS5
table ``needs_need_fts`` indexes it; on PostgreSQL a generated ``search_vector`` tsvector
column with a GIN index does. Both are created by migration 0002 (docs/SEARCH.md).
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

TITLE_MAX = 200
DESCRIPTION_MAX = 10_000
MESSAGE_MAX = 2_000


class Need(models.Model):
    """A participation opportunity posted by an organisation (DG-1)."""

    class Type(models.TextChoices):
        PROJECT = "project", _("Project collaboration")
        SKILL = "skill", _("Skill need")
        CULTURAL = "cultural", _("Cultural experience")
        COMMUNITY_SERVICE = "community_service", _("Community service")
        CREATIVE = "creative", _("Creative collaboration")
        TRAINING = "training", _("Training and knowledge sharing")
        PUBLIC_WELFARE = "public_welfare", _("Public welfare task")
        STARTUP = "startup", _("Start-up seeking early participants")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        FILLED = "filled", _("Filled")
        CLOSED = "closed", _("Closed")
        EXPIRED = "expired", _("Expired")

    class Reward(models.TextChoices):
        LODGING = "lodging", _("Lodging")
        STIPEND = "stipend", _("Stipend")
        SKILL_EXCHANGE = "skill_exchange", _("Skill exchange")
        CV = "cv", _("Contribution value only")
        MONEY = "money", _("Money")
        MIXED = "mixed", _("Mixed")

    class Source(models.TextChoices):
        COMMUNITY = "community", _("Community")
        SCHOOL = "school", _("School")
        NGO = "ngo", _("NGO")
        FIRM = "firm", _("Firm")
        GOVERNMENT = "government", _("Government")
        SISTER_CITY = "sister_city", _("Sister-city or cultural-exchange programme")

    class PublicCategory(models.TextChoices):
        NONE = "", _("Not a public need")
        COMMUNITY_SERVICE = "community_service", _("Community service")
        RURAL_REVITALISATION = "rural_revitalisation", _("Rural revitalisation")
        CULTURAL_HERITAGE = "cultural_heritage", _("Cultural heritage")
        PUBLIC_WELFARE = "public_welfare", _("Public welfare")

    class Allocation(models.TextChoices):
        SELECTION = "selection", _("First come / poster's selection")
        BIDDING = "bidding", _("CV bidding")
        LOTTERY = "lottery", _("Fair lottery with newcomer priority")

    class Language(models.TextChoices):
        ZH = "zh", _("Chinese")
        EN = "en", _("English")

    class Completion(models.TextChoices):
        """How the need's work went as a whole (the values are the ledger's CV-E3
        completion keys)."""

        FULL = "full", _("Completed")
        PARTIAL = "partial", _("Partly completed")
        NONE = "none", _("Not completed")

    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="needs",
        verbose_name=_("posted by"),
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    type = models.CharField(_("type"), max_length=30, choices=Type.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    # The text as written, in ``language``; the optional pair gives both shipped languages.
    language = models.CharField(_("language of the text"), max_length=2, choices=Language.choices)
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    description = models.TextField(_("description"), max_length=DESCRIPTION_MAX)
    title_zh = models.CharField(_("title in Chinese"), max_length=TITLE_MAX, blank=True)
    title_en = models.CharField(_("title in English"), max_length=TITLE_MAX, blank=True)
    working_languages = models.JSONField(
        _("working languages"),
        default=list,
        blank=True,
        help_text=_("ISO 639-1 codes of the languages participants need."),
    )
    interests = models.ManyToManyField("accounts.Interest", blank=True, verbose_name=_("interests"))

    # Place: a division in China or a city abroad, or remote. Coordinates and the region
    # code are copied from the place so that matching and filters need no join.
    is_remote = models.BooleanField(_("remote"), default=False)
    division = models.ForeignKey(
        "places.Division",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("region (China)"),
    )
    city = models.ForeignKey(
        "places.City",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("city (abroad)"),
    )
    region_code = models.CharField(_("region code"), max_length=6, blank=True, editable=False)
    country_code = models.CharField(_("country"), max_length=2, blank=True, editable=False)
    latitude = models.FloatField(null=True, blank=True, editable=False)
    longitude = models.FloatField(null=True, blank=True, editable=False)

    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    application_deadline = models.DateTimeField(_("applications close"), null=True, blank=True)
    hours_per_week = models.DecimalField(_("hours per week"), max_digits=5, decimal_places=1, null=True, blank=True)
    total_hours = models.DecimalField(_("total hours"), max_digits=7, decimal_places=1, null=True, blank=True)
    places = models.PositiveIntegerField(_("places"), default=1)
    # Accepted applications holding a place; the check constraint is the last guard
    # against over-filling, the row lock in application_accept the first.
    filled_places = models.PositiveIntegerField(_("places filled"), default=0, editable=False)

    reward = models.CharField(_("reward"), max_length=20, choices=Reward.choices, default=Reward.CV)
    reward_note = models.CharField(_("reward details"), max_length=300, blank=True)
    money_amount = models.DecimalField(_("money amount"), max_digits=12, decimal_places=2, null=True, blank=True)
    money_currency = models.CharField(_("currency"), max_length=3, blank=True)
    cv_threshold = models.PositiveIntegerField(
        _("CV threshold"),
        default=0,
        help_text=_("Minimum lifetime CV an applicant needs (0 for none)."),
    )
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, default=Source.COMMUNITY)
    is_public_need = models.BooleanField(_("government public need"), default=False)
    public_category = models.CharField(
        _("public need category"), max_length=30, choices=PublicCategory.choices, blank=True
    )
    subsidy_note = models.CharField(_("subsidy linkage"), max_length=300, blank=True)
    allocation = models.CharField(
        _("how places are allocated"),
        max_length=20,
        choices=Allocation.choices,
        default=Allocation.SELECTION,
    )
    impact_people = models.PositiveIntegerField(
        _("people reached"), default=0, help_text=_("How many people the work reaches (CV impact).")
    )

    # The work as a whole (DG-6, CV-E3): once no participant is still at work and no one can
    # join any more, how it went, and the organiser's contribution (needs.services).
    completion = models.CharField(
        _("how the work went"), max_length=10, choices=Completion.choices, blank=True, editable=False
    )
    completed_at = models.DateTimeField(_("work completed"), null=True, blank=True, editable=False)
    organiser_contribution_id = models.BigIntegerField(null=True, blank=True, editable=False)

    search_document = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-published_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="needs_need_ends_after_starts"),
            models.CheckConstraint(condition=Q(places__gte=1), name="needs_need_places_positive"),
            models.CheckConstraint(condition=Q(filled_places__lte=F("places")), name="needs_need_not_overfilled"),
            models.CheckConstraint(
                condition=Q(is_remote=True) | Q(division__isnull=False) | Q(city__isnull=False),
                name="needs_need_place_or_remote",
            ),
            models.CheckConstraint(
                condition=Q(is_public_need=False, public_category="")
                | (Q(is_public_need=True) & ~Q(public_category="")),
                name="needs_need_public_category",
            ),
            models.CheckConstraint(
                condition=Q(money_amount__isnull=True) | Q(money_amount__gte=0),
                name="needs_need_money_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(completion__in=["", "full", "partial", "none"]), name="needs_need_completion_known"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "ends_at"], name="needs_need_status_ends"),
            models.Index(fields=["status", "region_code"], name="needs_need_status_region"),
            models.Index(fields=["status", "starts_at"], name="needs_need_status_starts"),
        ]
        verbose_name = _("need")
        verbose_name_plural = _("needs")

    def __str__(self) -> str:
        return self.display_title

    @property
    def display_title(self) -> str:
        """The title in the request's language when the poster gave one."""
        chinese = (get_language() or "").startswith("zh")
        preferred = self.title_zh if chinese else self.title_en
        return preferred or self.title

    @property
    def place(self):
        return self.division or self.city

    @property
    def places_left(self) -> int:
        return max(0, self.places - self.filled_places)

    @property
    def subject(self) -> str:
        return f"needs.need:{self.pk}"


class NeedSkill(models.Model):
    """A skill a need asks for, at a minimum level. Indexed by skill for candidate
    generation (people with the skill, needs in a person's skill domains)."""

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="skills")
    skill = models.ForeignKey("accounts.Skill", on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField(_("minimum level"), default=1)

    class Meta:
        ordering = ["-level", "skill_id"]
        constraints = [
            models.UniqueConstraint(fields=["need", "skill"], name="needs_needskill_uniq"),
            models.CheckConstraint(condition=Q(level__gte=1) & Q(level__lte=5), name="needs_needskill_level_range"),
        ]
        indexes = [models.Index(fields=["skill", "need"], name="needs_needskill_skill_need")]
        verbose_name = _("required skill")
        verbose_name_plural = _("required skills")

    def __str__(self) -> str:
        return f"{self.skill} ≥ {self.level}"


class Application(models.Model):
    """One person's application to one need (DG-4); the state machine is in services."""

    class Status(models.TextChoices):
        APPLIED = "applied", _("Applied")
        SHORTLISTED = "shortlisted", _("Shortlisted")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        EXPIRED = "expired", _("Expired")
        IN_PROGRESS = "in_progress", _("In progress")
        COMPLETED = "completed", _("Completed")
        PARTLY_COMPLETED = "partly_completed", _("Partly completed")
        NOT_COMPLETED = "not_completed", _("Not completed")
        REVIEWED = "reviewed", _("Reviewed")

    class Outcome(models.TextChoices):
        COMPLETED = "completed", _("Completed")
        PARTLY_COMPLETED = "partly_completed", _("Partly completed")
        NOT_COMPLETED = "not_completed", _("Not completed")

    class Role(models.TextChoices):
        """The person's part in a project or community need, chosen by the poster (the
        values are the ledger's CV-E3 personal-share keys)."""

        PARTICIPANT = "participant", _("Participant")
        CORE_ORGANISER = "core_organiser", _("Core organiser")

    need = models.ForeignKey(Need, on_delete=models.PROTECT, related_name="applications")
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="need_applications")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.APPLIED)
    message = models.TextField(_("message"), max_length=MESSAGE_MAX, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.PARTICIPANT)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    # Completion (DG-6): the poster proposes the outcome, the applicant confirms (or a job
    # confirms it after the grace period).
    proposed_outcome = models.CharField(_("proposed outcome"), max_length=20, choices=Outcome.choices, blank=True)
    proposed_at = models.DateTimeField(null=True, blank=True)
    hours = models.DecimalField(_("hours given"), max_digits=7, decimal_places=1, null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    auto_confirmed = models.BooleanField(default=False)
    thread_id = models.BigIntegerField(null=True, blank=True, editable=False)
    contribution_id = models.BigIntegerField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["need", "applicant"], name="needs_application_once_per_need"),
            models.CheckConstraint(
                condition=Q(role__in=["participant", "core_organiser"]), name="needs_application_role_known"
            ),
        ]
        indexes = [models.Index(fields=["status", "proposed_at"], name="needs_app_status_proposed")]
        verbose_name = _("application")
        verbose_name_plural = _("applications")

    def __str__(self) -> str:
        return f"{self.applicant} → {self.need}"

    @property
    def subject(self) -> str:
        return f"needs.application:{self.pk}"


class Bid(models.Model):
    """A CV bid for a scarce place, held in escrow through the ledger (DG-4, CV-4)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        WON = "won", _("Won")
        LOST = "lost", _("Lost")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="bid")
    amount = models.PositiveIntegerField(_("CV offered"))
    hold_id = models.BigIntegerField(editable=False)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-amount", "created_at", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gte=1), name="needs_bid_amount_positive")]
        verbose_name = _("bid")
        verbose_name_plural = _("bids")

    def __str__(self) -> str:
        return f"{self.amount} CV ({self.status})"


class LotteryDraw(models.Model):
    """A recorded, replayable draw for a need's places (BX-13).

    ``candidates`` lists every eligible application with its weight in id order;
    replaying ``needs.allocation.lottery_winners(seed, candidates, places)`` gives
    ``winners`` again, so anyone can audit the draw.
    """

    need = models.OneToOneField(Need, on_delete=models.PROTECT, related_name="lottery")
    seed = models.CharField(max_length=64)
    algorithm = models.CharField(max_length=40, default="weighted-keys-v1")
    newcomer_weight = models.DecimalField(max_digits=4, decimal_places=2)
    places = models.PositiveIntegerField()
    candidates = models.JSONField(default=list)
    winners = models.JSONField(default=list)
    drawn_at = models.DateTimeField(auto_now_add=True)
    drawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("lottery draw")
        verbose_name_plural = _("lottery draws")

    def __str__(self) -> str:
        return f"{self.need_id}: {self.seed}"


DEFAULT_WEIGHTS = {
    "skills": Decimal("0.30"),
    "interests": Decimal("0.10"),
    "distance": Decimal("0.20"),
    "time": Decimal("0.10"),
    "language": Decimal("0.10"),
    "trust": Decimal("0.05"),
    "reward": Decimal("0.15"),
    "behaviour": Decimal("0.10"),
}


class MatchingWeights(models.Model):
    """Weights of the matching score, dated: the row with the latest ``effective_from``
    not after today is in force (TR-6); shown on /needs/how-matching-works/."""

    effective_from = models.DateField(_("in force from"), unique=True)
    skills = models.DecimalField(_("skills"), max_digits=4, decimal_places=2, default=DEFAULT_WEIGHTS["skills"])
    interests = models.DecimalField(
        _("interests"), max_digits=4, decimal_places=2, default=DEFAULT_WEIGHTS["interests"]
    )
    distance = models.DecimalField(
        _("distance and travel"),
        max_digits=4,
        decimal_places=2,
        default=DEFAULT_WEIGHTS["distance"],
    )
    time = models.DecimalField(_("time overlap"), max_digits=4, decimal_places=2, default=DEFAULT_WEIGHTS["time"])
    language = models.DecimalField(_("language"), max_digits=4, decimal_places=2, default=DEFAULT_WEIGHTS["language"])
    trust = models.DecimalField(_("trust level"), max_digits=4, decimal_places=2, default=DEFAULT_WEIGHTS["trust"])
    reward = models.DecimalField(_("reward fit"), max_digits=4, decimal_places=2, default=DEFAULT_WEIGHTS["reward"])
    behaviour = models.DecimalField(
        _("what you looked at and applied to"), max_digits=4, decimal_places=2, default=DEFAULT_WEIGHTS["behaviour"]
    )
    newcomer_weight = models.DecimalField(
        _("lottery weight of newcomers"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("2.00"),
        help_text=_("A newcomer's chance in a lottery relative to others (1 = no priority)."),
    )
    note = models.CharField(_("why this change"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-effective_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(skills__gte=0)
                & Q(interests__gte=0)
                & Q(distance__gte=0)
                & Q(time__gte=0)
                & Q(language__gte=0)
                & Q(trust__gte=0)
                & Q(reward__gte=0)
                & Q(behaviour__gte=0),
                name="needs_weights_non_negative",
            ),
            models.CheckConstraint(condition=Q(newcomer_weight__gte=1), name="needs_weights_newcomer_at_least_one"),
        ]
        verbose_name = _("matching weights")
        verbose_name_plural = _("matching weights")

    def __str__(self) -> str:
        return f"{self.effective_from}"

    def as_dict(self) -> dict[str, float]:
        return {name: float(getattr(self, name)) for name in DEFAULT_WEIGHTS}


class NeedView(models.Model):
    """That a person opened a need's page, and when last (DG-3: what the person browsed is a
    matching signal). One row per person and need; the person can erase them all."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="need_views")
    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="views")
    last_viewed_at = models.DateTimeField(_("last viewed"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "need"], name="needs_view_once_per_person")]
        indexes = [models.Index(fields=["user", "last_viewed_at"], name="needs_view_recent")]
        verbose_name = _("need viewed")
        verbose_name_plural = _("needs viewed")

    def __str__(self) -> str:
        return f"{self.user_id} → {self.need_id}"
