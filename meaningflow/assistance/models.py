"""Government co-construction (GV): the registry, imports, recognitions, pushes, cases.

Registry persons are separate from platform users (a person may be on the registry
without an account, or have an account without being registered); they are linked
through the keyed hash of the verified resident ID number (``id_hash`` ==
``accounts.Identity.number_hash``). Sensitive fields (name, ID number, phone,
disability detail, income) are encrypted at rest and masked by default (PR-2).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from meaningflow.core.crypto import EncryptedTextField


class Sex(models.TextChoices):
    FEMALE = "F", _("Female")
    MALE = "M", _("Male")


class ServiceNeed(models.TextChoices):
    TRAINING = "training", _("Training")
    JOB = "job", _("Job placement")
    STARTUP = "startup", _("Start-up support")


class Household(models.Model):
    """A registered household (户); 低保 and zero-employment are household facts.

    Household numbers are namespaced by county: the same number in two counties (or two
    provinces) is two households. ``region_code`` is the members' 户籍 county (a household
    has one 户籍 address). The flags are derived from what the members on the registry
    reported (``RegistryPerson.dibao``, ``reports_zero_employment``), never from one file."""

    code = models.CharField(_("household number"), max_length=40)
    region_code = models.CharField(_("region code"), max_length=6, db_index=True)
    zero_employment = models.BooleanField(_("zero-employment household"), default=False)
    dibao = models.BooleanField(_("低保 household"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["region_code", "code"], name="assist_household_region_code_uniq"),
        ]
        verbose_name = _("household")
        verbose_name_plural = _("households")

    def __str__(self) -> str:
        return self.code


class RegistryPerson(models.Model):
    """One person on the registered-unemployed registry (GV-1)."""

    class RegistrationStatus(models.TextChoices):
        # 登记失业 in force: the person is on the registry and followed by the officers.
        REGISTERED = "registered", _("Registered (登记失业)")
        # 注销 / 退出: the registration was cancelled and the person has left the registry:
        # no longer in discovery, the officers' lists, worklists or exports.
        DEREGISTERED = "deregistered", _("Deregistered (注销, left the registry)")

    class WorkForm(models.TextChoices):
        NONE = "none", _("Not working")
        FLEXIBLE = "flexible", _("Flexible employment (灵活就业)")
        EMPLOYED = "employed", _("Employed by a unit (单位就业)")

    class OccupationCategory(models.TextChoices):
        # Decides the women's statutory retirement age (50 → 55 for workers, 55 → 58 for
        # cadres); men are the same in both. Worker is the default: docs/REGISTRY_IMPORT.md.
        WORKER = "worker", _("Worker (工人)")
        CADRE = "cadre", _("Cadre (干部)")

    # PR-2: name, ID number, phone and disability detail are encrypted; the ID number is
    # found by its keyed hash only.
    name = EncryptedTextField(_("name"))
    id_number = EncryptedTextField(_("resident ID number"))
    id_hash = models.CharField(max_length=64, unique=True, editable=False)
    id_masked = models.CharField(_("resident ID number (masked)"), max_length=20)
    birth_date = models.DateField(_("date of birth"))
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    region_code = models.CharField(_("region code"), max_length=6, db_index=True)
    registered_unemployed_since = models.DateField(_("registered unemployed since"), null=True, blank=True)
    registration_status = models.CharField(
        _("registration status"),
        max_length=20,
        choices=RegistrationStatus.choices,
        default=RegistrationStatus.REGISTERED,
    )
    work_form = models.CharField(_("current work"), max_length=20, choices=WorkForm.choices, default=WorkForm.NONE)
    occupation_category = models.CharField(
        _("occupation category"),
        max_length=10,
        choices=OccupationCategory.choices,
        default=OccupationCategory.WORKER,
    )
    graduation_date = models.DateField(_("graduation date"), null=True, blank=True)
    # The rules need a yes/no for a million rows without decrypting; the level is the
    # sensitive detail and stays encrypted. Both are masked and audited in the UI.
    has_disability = models.BooleanField(_("disability card"), default=False)
    disability_level = EncryptedTextField(_("disability level"), blank=True)
    dibao = models.BooleanField(_("低保 recipient"), default=False)
    # What this member's last row said about the household; the household's flag is derived
    # from all its members on the registry (a partial file must not clear it).
    reports_zero_employment = models.BooleanField(_("reports a zero-employment household"), default=False)
    categories = models.JSONField(_("other categories"), default=list, blank=True)
    household = models.ForeignKey(
        Household,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
        verbose_name=_("household"),
    )
    phone = EncryptedTextField(_("phone"), blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    # Limits ledger (BX-9): what has been used of each programme, from the source systems.
    receives_unemployment_insurance = models.BooleanField(_("receives unemployment insurance"), default=False)
    social_insurance_paid_monthly = models.DecimalField(
        _("social-insurance contributions paid per month"),
        max_digits=10,
        decimal_places=2,
        default=0,
    )
    flexible_subsidy_months_used = models.PositiveSmallIntegerField(default=0)
    flexible_subsidy_first_approved = models.DateField(null=True, blank=True)
    public_welfare_post_months_used = models.PositiveSmallIntegerField(default=0)
    public_welfare_post_placements = models.PositiveSmallIntegerField(default=0)
    skill_evaluation_subsidies = models.PositiveSmallIntegerField(default=0)
    startup_loans = models.PositiveSmallIntegerField(default=0)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="registry_persons",
        verbose_name=_("platform account"),
    )
    # Fingerprint of the imported row: a re-import of the same data is "unchanged".
    row_fingerprint = models.CharField(max_length=64, blank=True)
    last_batch = models.ForeignKey("ImportBatch", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    exited_on = models.DateField(_("left the registry on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["region_code", "id"]
        indexes = [
            models.Index(fields=["user"], name="assist_person_user_idx"),
            # Discovery looks for deregistered persons who still have results at every run:
            # a small index of the few, not a scan of the registry.
            models.Index(
                fields=["region_code"],
                condition=Q(registration_status="deregistered"),
                name="assist_person_departed_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(region_code__regex=r"^[0-9]{6}$"), name="assist_person_region_6"),
        ]
        verbose_name = _("registry person")
        verbose_name_plural = _("registry persons")

    def __str__(self) -> str:
        return f"{self.id_masked} ({self.region_code})"


class AssistanceProfile(models.Model):
    """The four clears (四清, GV-3): skills, intentions, region preference, service needs."""

    person = models.OneToOneField(RegistryPerson, on_delete=models.CASCADE, related_name="profile")
    skills = models.JSONField(_("skills"), default=list, blank=True)
    # What a registry file said that the taxonomy does not know (烹饪, 灵活就业 …), kept as written.
    skills_other = models.JSONField(_("other skills (free text)"), default=list, blank=True)
    intentions = models.JSONField(_("intentions"), default=list, blank=True)
    intentions_other = models.JSONField(_("other intentions (free text)"), default=list, blank=True)
    region_preference = models.CharField(_("preferred region"), max_length=6, blank=True)
    service_needs = models.JSONField(_("service needs"), default=list, blank=True)
    notes = models.TextField(_("notes"), max_length=2000, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("assistance profile")
        verbose_name_plural = _("assistance profiles")

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.person_id}"


class IncomeRecord(models.Model):
    """Monthly income of a registry person (sensitive: encrypted, PR-2)."""

    person = models.ForeignKey(RegistryPerson, on_delete=models.CASCADE, related_name="incomes")
    month = models.DateField(_("month"))
    amount = EncryptedTextField(_("amount (yuan)"))
    source = models.CharField(_("source"), max_length=60, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["person", "month"]
        constraints = [
            models.UniqueConstraint(fields=["person", "month"], name="assist_income_person_month_uniq"),
        ]
        verbose_name = _("income record")
        verbose_name_plural = _("income records")

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk} ({self.person_id})"


class RegistryApiClient(models.Model):
    """A system (e.g. the provincial employment platform) allowed to push registry rows.

    Its token is shown once; only the SHA-256 is stored. Rows outside ``region_prefix``
    are rejected.
    """

    name = models.CharField(_("name"), max_length=120)
    region_prefix = models.CharField(_("region code prefix"), max_length=6)
    token_prefix = models.CharField(max_length=12)
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(region_prefix__regex=r"^[0-9]{2,6}$"), name="assist_apiclient_prefix"),
        ]
        verbose_name = _("registry API client")
        verbose_name_plural = _("registry API clients")

    def __str__(self) -> str:
        return f"{self.name} ({self.region_prefix})"


class ImportBatch(models.Model):
    """One import of a registry file or API push, with its full report (GV-1)."""

    class Status(models.TextChoices):
        APPLIED = "applied", _("Applied")
        REJECTED = "rejected", _("Rejected: nothing applied")

    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    api_client = models.ForeignKey(
        RegistryApiClient, null=True, blank=True, on_delete=models.SET_NULL, related_name="batches"
    )
    region_prefix = models.CharField(_("region code prefix"), max_length=6)
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    file_sha256 = models.CharField(max_length=64, blank=True)
    source = models.CharField(_("source"), max_length=10)  # csv, xlsx, api
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    total_rows = models.PositiveIntegerField(default=0)
    accepted = models.PositiveIntegerField(_("new"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    # {"errors": [file-level messages], "rows": [{"row", "status", "reasons", "id_masked"}]}
    report = models.JSONField(_("report"), default=dict)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")

    def __str__(self) -> str:
        return f"{self.filename or self.source} {self.created_at:%Y-%m-%d %H:%M} ({self.status})"


class Recognition(models.Model):
    """The latest rules result for a person (GV-2, BX-8): one row per person, upserted."""

    person = models.OneToOneField(RegistryPerson, on_delete=models.CASCADE, related_name="recognition")
    period = models.CharField(_("month"), max_length=7)
    # Not indexed: about half the rows are true, so no plan would use an index on it, and
    # discovery would maintain it for every row it writes.
    recognised = models.BooleanField(_("employment-difficulty person"), default=False)
    nearly = models.BooleanField(_("nearly eligible"), default=False)
    reasons = models.JSONField(_("reasons"), default=list)
    entitlements = models.JSONField(_("entitlements"), default=dict)
    rules_version = models.CharField(_("rules version"), max_length=60)
    computed_at = models.DateTimeField(_("computed at"))
    # A 64-bit digest of the results above (not of period/computed_at): discovery rewrites a
    # row only when it changes, so a repeated run writes (almost) nothing.
    fingerprint = models.BigIntegerField(_("result fingerprint"), default=0, editable=False)

    class Meta:
        verbose_name = _("recognition")
        verbose_name_plural = _("recognitions")

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk} ({self.person_id})"


class PushItem(models.Model):
    """One policy or opportunity pushed to a person by discovery (GV-4, BX-11)."""

    class Kind(models.TextChoices):
        POLICY = "policy", _("Policy entitlement")
        OPPORTUNITY = "opportunity", _("Opportunity")
        NEARLY = "nearly", _("Nearly eligible")

    class Status(models.TextChoices):
        PENDING = "pending", _("Not sent yet")
        SENT = "sent", _("Sent")
        VIEWED = "viewed", _("Viewed")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        EXPIRED = "expired", _("Expired")

    # No index of its own: the unique (person, period, reason, opportunity) and the
    # (person, status) indexes both lead with it; a third one only slowed discovery's writes.
    person = models.ForeignKey(RegistryPerson, on_delete=models.CASCADE, related_name="pushes", db_index=False)
    period = models.CharField(_("month"), max_length=7)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    reason_code = models.CharField(_("reason code"), max_length=60)
    opportunity_ref = models.CharField(_("opportunity"), max_length=100, blank=True)
    rule_reference = models.CharField(_("rule reference"), max_length=300, blank=True)
    data_used = models.JSONField(_("data used"), default=dict)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    channels = models.JSONField(_("channels"), default=list, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # Indexed only where set (below): discovery inserts a million unsent pushes at a time.
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # Discovery is idempotent per month: the same finding is pushed once.
            models.UniqueConstraint(
                fields=["person", "period", "reason_code", "opportunity_ref"],
                name="assist_push_uniq",
            ),
        ]
        indexes = [
            models.Index(fields=["person", "status"], name="assist_push_person_status"),
            models.Index(fields=["sent_by"], condition=Q(sent_by__isnull=False), name="assist_push_sent_by"),
        ]
        verbose_name = _("push")
        verbose_name_plural = _("pushes")

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk} ({self.person_id})"


# A push not answered or expired yet: what ends when its reason ends.
OPEN_PUSH_STATUSES = (PushItem.Status.PENDING, PushItem.Status.SENT, PushItem.Status.VIEWED)


class CaseEvent(models.Model):
    """An explicit event of a case file (GV-7): employment changes, subsidies, exit …"""

    class Kind(models.TextChoices):
        NOTE = "note", _("Note")
        APPLICATION = "application", _("Application")
        PARTICIPATION = "participation", _("Participation")
        SUBSIDY = "subsidy", _("Subsidy paid")
        EMPLOYED = "employed", _("Started employment")
        UNEMPLOYED = "unemployed", _("Employment ended")
        EXIT = "exit", _("Left the registry")

    person = models.ForeignKey(RegistryPerson, on_delete=models.CASCADE, related_name="case_events")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    occurred_on = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=200)
    data = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["occurred_on", "id"]
        verbose_name = _("case event")
        verbose_name_plural = _("case events")

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk} ({self.person_id})"


class AssistancePlan(models.Model):
    """The individual assistance plan (一对一援助方案) of a person."""

    person = models.OneToOneField(RegistryPerson, on_delete=models.CASCADE, related_name="plan")
    goals = models.TextField(_("goals"), max_length=4000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("assistance plan")
        verbose_name_plural = _("assistance plans")

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.person_id}"


class PlanStep(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    plan = models.ForeignKey(AssistancePlan, on_delete=models.CASCADE, related_name="steps")
    title = models.CharField(_("step"), max_length=200)
    due_on = models.DateField(_("due on"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN)
    done_on = models.DateField(_("done on"), null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("plan step")
        verbose_name_plural = _("plan steps")

    def __str__(self) -> str:
        return self.title


class Warning(models.Model):
    """An early warning on a case (GV-8); at most one open warning per person and kind."""

    class Kind(models.TextChoices):
        LOW_PARTICIPATION = "low_participation", _("Low participation")
        STALLED_CV = "stalled_cv", _("Contribution value stalled")
        INTERRUPTED = "interrupted", _("Assistance interrupted")
        INCOME_FALLING = "income_falling", _("Income falling three months in a row")
        PLAN_OVERDUE = "plan_overdue", _("Plan steps overdue")

    person = models.ForeignKey(RegistryPerson, on_delete=models.CASCADE, related_name="warnings")
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    reason = models.CharField(_("reason"), max_length=300)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution = models.CharField(_("resolution"), max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "kind"],
                condition=Q(resolved_at__isnull=True),
                name="assist_warning_open_uniq",
            ),
        ]
        verbose_name = _("warning")
        verbose_name_plural = _("warnings")

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk} ({self.person_id})"
