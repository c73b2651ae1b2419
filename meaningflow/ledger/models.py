"""Tables of the contribution-value ledger (CV-1…CV-8, TR-2).

Only ``meaningflow.ledger.services`` writes these tables. The invariants (see
docs/LEDGER.md) live in the database where a database can hold them: non-negative person
balances, system accounts without a stored balance, unique idempotency keys.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Domain(models.Model):
    """The Domain-CV scope of a community or institution (CV-2, CM-4, CV-10).

    Conversion to Global CV follows the domain's dated terms (``DomainTerms``: Global CV per
    Domain CV and a budget of Global CV per calendar month across all members)."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=120)
    name_en = models.CharField(_("English name"), max_length=160)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("CV domain")
        verbose_name_plural = _("CV domains")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_zh if (get_language() or "").startswith("zh") else self.name_en


class DomainTerms(models.Model):
    """A dated version of a domain's conversion terms (CV-7: every number is a parameter
    with an effective date). Versions are never edited: a change is a new version from a
    future date, and each conversion records the version it used."""

    domain = models.ForeignKey(Domain, on_delete=models.PROTECT, related_name="terms")
    version = models.PositiveIntegerField(_("version"))
    effective_from = models.DateField(_("effective from"))
    conversion_rate = models.DecimalField(_("conversion rate to Global CV"), max_digits=6, decimal_places=4)
    conversion_budget = models.BigIntegerField(_("conversion budget per month (Global CV)"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["domain", "-effective_from", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["domain", "version"], name="ledger_terms_domain_version_uniq"),
            models.CheckConstraint(
                condition=Q(conversion_rate__gte=0) & Q(conversion_rate__lte=10),
                name="ledger_terms_rate_range",
            ),
            models.CheckConstraint(condition=Q(conversion_budget__gte=0), name="ledger_terms_budget_nonneg"),
        ]
        verbose_name = _("domain conversion terms")
        verbose_name_plural = _("domain conversion terms")

    def __str__(self) -> str:
        return f"{self.domain_id} v{self.version} from {self.effective_from}"


class ConversionBudget(models.Model):
    """Global CV converted out of a domain in one month; the row is locked while converting."""

    domain = models.ForeignKey(Domain, on_delete=models.PROTECT, related_name="budgets")
    period = models.CharField(_("period"), max_length=7)  # YYYY-MM
    used = models.BigIntegerField(_("used"), default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["domain", "period"], name="ledger_budget_domain_period_uniq"),
            models.CheckConstraint(condition=Q(used__gte=0), name="ledger_budget_used_nonneg"),
        ]
        verbose_name = _("conversion budget")
        verbose_name_plural = _("conversion budgets")

    def __str__(self) -> str:
        return f"{self.domain_id}:{self.period} {self.used}"


class Unit(models.Model):
    """A unit of account: Global CV, or the Domain CV of one domain."""

    code = models.CharField(_("code"), max_length=70, unique=True)
    domain = models.OneToOneField(Domain, null=True, blank=True, on_delete=models.PROTECT, related_name="unit")

    GLOBAL = "GLOBAL"

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(code="GLOBAL") & Q(domain__isnull=True)) | (~Q(code="GLOBAL") & Q(domain__isnull=False)),
                name="ledger_unit_global_or_domain",
            )
        ]
        verbose_name = _("CV unit")
        verbose_name_plural = _("CV units")

    def __str__(self) -> str:
        return self.code

    @property
    def is_global(self) -> bool:
        return self.domain_id is None

    @property
    def label(self) -> str:
        return str(_("Global CV")) if self.is_global else str(_("Domain CV: %(name)s") % {"name": self.domain.name})


class Account(models.Model):
    """A person's account in one unit, or a system account of one unit.

    Person accounts keep their balance on the row (changed with F() under a row lock).
    System accounts are the counterpart of almost every transaction; to keep them from
    becoming a row every writer queues on they store no balance (always 0, enforced
    below) and are never locked or updated: their balance is the sum of their postings.
    """

    class Kind(models.TextChoices):
        PERSON = "person", _("Person")
        ISSUANCE = "issuance", _("Issuance")
        CONSUMPTION = "consumption", _("Consumption")
        ESCROW = "escrow", _("Escrow")
        DECAY = "decay", _("Decay")
        PENALTY = "penalty", _("Penalty")
        CONVERSION = "conversion", _("Conversion")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="accounts")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cv_accounts",
        verbose_name=_("owner"),
    )
    balance = models.BigIntegerField(_("balance"), default=0)
    # Decay bookkeeping (CV-5): the day decay was last posted up to, and last activity.
    decayed_through = models.DateField(_("decayed through"), null=True, blank=True)
    # Decay accrued but not posted, in millionths of a CV (docs/LEDGER.md "Decay"): postings
    # are whole CV, so each run posts the whole CV nearest to the exact decayed balance and
    # carries the difference here (between -0.5 and +0.5 CV) into the next run.
    decay_remainder = models.BigIntegerField(_("decay not yet posted (millionths of a CV)"), default=0, db_default=0)
    last_activity_on = models.DateField(_("last activity"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "unit"],
                condition=Q(kind="person"),
                name="ledger_account_person_unit_uniq",
            ),
            models.UniqueConstraint(
                fields=["kind", "unit"],
                condition=~Q(kind="person"),
                name="ledger_account_system_unit_uniq",
            ),
            models.CheckConstraint(
                condition=(Q(kind="person") & Q(owner__isnull=False) & Q(balance__gte=0))
                | (~Q(kind="person") & Q(owner__isnull=True) & Q(balance=0)),
                name="ledger_account_balance_rule",
            ),
            # The carried decay is less than half a CV either way (docs/LEDGER.md "Decay").
            models.CheckConstraint(
                condition=Q(decay_remainder__gt=-500_000) & Q(decay_remainder__lte=500_000),
                name="ledger_account_decay_carry_range",
            ),
        ]
        indexes = [models.Index(fields=["unit", "kind", "decayed_through"], name="ledger_acct_decay_idx")]
        verbose_name = _("CV account")
        verbose_name_plural = _("CV accounts")

    def __str__(self) -> str:
        who = f"user:{self.owner_id}" if self.owner_id else "system"
        return f"{self.kind}:{who}:{self.unit_id}"


class Transaction(models.Model):
    """One balanced movement. Append-only; ``content_hash`` is fixed when it is written and
    ``seq``/``prev_hash``/``chain_hash`` when the sealer links it into the hash chain."""

    class Kind(models.TextChoices):
        MINT = "mint", _("Contribution credited")
        CONSUME = "consume", _("Use of a resource or service")
        HOLD = "hold", _("Escrow hold")
        RELEASE = "release", _("Escrow release")
        CONVERT = "convert", _("Domain to Global conversion")
        DECAY = "decay", _("Decay")
        PENALTY = "penalty", _("Penalty reset")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    memo = models.CharField(_("memo"), max_length=300, blank=True)
    cause = models.CharField(_("cause"), max_length=100, blank=True, db_index=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    request_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("created at"), db_index=True)
    content_hash = models.CharField(max_length=64)
    seq = models.BigIntegerField(null=True, blank=True, unique=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    chain_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("CV transaction")
        verbose_name_plural = _("CV transactions")

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind} {self.cause}"


class Posting(models.Model):
    """One signed amount on one account; a transaction's postings sum to zero per unit."""

    transaction = models.ForeignKey(Transaction, on_delete=models.PROTECT, related_name="postings")
    # The composite index below serves account lookups; no second index on account alone,
    # which would only slow the million-row decay inserts.
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="postings", db_index=False)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", db_index=False)
    amount = models.BigIntegerField(_("amount"))

    class Meta:
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="ledger_posting_nonzero")]
        indexes = [models.Index(fields=["account", "transaction"], name="ledger_posting_acct_tx_idx")]
        verbose_name = _("posting")
        verbose_name_plural = _("postings")

    def __str__(self) -> str:
        return f"{self.transaction_id}:{self.account_id} {self.amount}"


class ChainHead(models.Model):
    """The single end of the hash chain; only the sealer locks it (never a posting writer)."""

    seq = models.BigIntegerField(default=0)
    chain_hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="ledger_chainhead_singleton")]

    def __str__(self) -> str:
        return f"seq {self.seq}"


class Checkpoint(models.Model):
    """A signed statement of the chain at ``seq_to`` and the Merkle root of the content
    hashes of transactions ``seq_from…seq_to`` (BX-7)."""

    seq_from = models.BigIntegerField()
    seq_to = models.BigIntegerField(unique=True)
    chain_hash = models.CharField(max_length=64)
    merkle_root = models.CharField(max_length=64)
    signature = models.CharField(max_length=200)
    public_key = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["seq_to"]
        constraints = [models.CheckConstraint(condition=Q(seq_from__lte=models.F("seq_to")), name="ledger_ckpt_range")]

    def __str__(self) -> str:
        return f"{self.seq_from}…{self.seq_to}"


class ParameterSet(models.Model):
    """One dated version of every formula parameter (CV-7). A published set applies from
    ``effective_from``; records keep the version they were computed with."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    effective_from = models.DateField(_("effective from"))
    published = models.BooleanField(_("published"), default=False)
    document = models.JSONField(_("parameters"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-effective_from", "-version"]
        verbose_name = _("parameter set")
        verbose_name_plural = _("parameter sets")

    def __str__(self) -> str:
        return f"v{self.version} ({self.effective_from})"


class Contribution(models.Model):
    """A recorded contribution (CV-E1…E4): inputs, parameters used, amount and credit.

    ID-2/CV-6: the CV of a person without a verified identity waits (``pending_identity``,
    nothing credited, no transaction) and is credited when the identity is verified, within
    the annual cap of the year the contribution occurred in. ``cap_counted`` is what the
    credit counts against that cap: Global CV one for one, Domain CV at the domain's
    conversion rate in force on the day of the contribution (``cap_rate``)."""

    class Status(models.TextChoices):
        CREDITED = "credited", _("Credited")
        PENDING_IDENTITY = "pending_identity", _("Waiting for identity verification")

    class Kind(models.TextChoices):
        RESOURCE = "resource", _("Resource shared")
        SKILL = "skill", _("Skill taught")
        PROJECT = "project", _("Project contribution")
        COMMUNITY = "community", _("Community contribution")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    beneficiary = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="contributions",
        verbose_name=_("person"),
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    inputs = models.JSONField(_("inputs"))
    explanation = models.JSONField(_("explanation"), default=dict)
    parameters = models.ForeignKey(ParameterSet, on_delete=models.PROTECT, related_name="+")
    amount = models.BigIntegerField(_("computed amount"))
    credited = models.BigIntegerField(_("credited amount"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.CREDITED)
    cap_rate = models.DecimalField(_("counted against the annual cap at"), max_digits=6, decimal_places=4, default=1)
    cap_counted = models.DecimalField(
        _("counted against the annual cap (Global CV)"), max_digits=20, decimal_places=4, default=0
    )
    year = models.PositiveSmallIntegerField(_("year"))
    occurred_on = models.DateField(_("date"))
    cause = models.CharField(_("cause"), max_length=100, blank=True)
    idempotency_key = models.CharField(max_length=200, unique=True)
    request_hash = models.CharField(max_length=64)
    ledger_transaction = models.OneToOneField(
        Transaction, null=True, blank=True, on_delete=models.PROTECT, related_name="contribution"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(credited__gte=0) & Q(credited__lte=models.F("amount")),
                name="ledger_contrib_credit_range",
            ),
            # Waiting CV is credited nowhere yet: no amount, no transaction, nothing counted.
            models.CheckConstraint(
                condition=Q(status="credited")
                | (
                    Q(status="pending_identity") & Q(credited=0) & Q(cap_counted=0) & Q(ledger_transaction__isnull=True)
                ),
                name="ledger_contrib_pending_uncredited",
            ),
            models.CheckConstraint(condition=Q(cap_counted__gte=0), name="ledger_contrib_cap_counted_nonneg"),
        ]
        indexes = [
            models.Index(fields=["beneficiary", "unit", "year"], name="ledger_contrib_year_idx"),
            models.Index(
                fields=["beneficiary", "occurred_on"],
                condition=Q(status="pending_identity"),
                name="ledger_contrib_pending_idx",
            ),
        ]
        verbose_name = _("contribution")
        verbose_name_plural = _("contributions")

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} ({self.beneficiary_id})"

    @property
    def not_credited(self) -> int:
        return self.amount - self.credited


class Hold(models.Model):
    """CV held in escrow for a booking or a bid (CV-4). The CV sits in the unit's escrow
    account; this row tracks how much of it belongs to this hold."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Held")
        RELEASED = "released", _("Released")
        CONSUMED = "consumed", _("Consumed")
        EXPIRED = "expired", _("Expired")

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="cv_holds")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="holds")
    amount = models.BigIntegerField(_("amount"))
    consumed = models.BigIntegerField(_("consumed"), default=0)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE)
    cause = models.CharField(_("cause"), max_length=100)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    idempotency_key = models.CharField(max_length=200, unique=True)
    request_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0) & Q(consumed__gte=0) & Q(consumed__lte=models.F("amount")),
                name="ledger_hold_amounts",
            )
        ]
        indexes = [models.Index(fields=["status", "expires_at"], name="ledger_hold_expiry_idx")]
        verbose_name = _("escrow hold")
        verbose_name_plural = _("escrow holds")

    def __str__(self) -> str:
        return f"hold {self.pk} {self.amount} {self.status}"


class TrustFact(models.Model):
    """A recorded fact that a trust level needs besides CV (TR-2)."""

    class Kind(models.TextChoices):
        COMMUNITY_RECOMMENDATION = "community_recommendation", _("Community recommendation")
        GOVERNANCE_CONTRIBUTION = "governance_contribution", _("Governance contribution")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="trust_facts")
    kind = models.CharField(_("kind"), max_length=40, choices=Kind.choices)
    cause = models.CharField(_("cause"), max_length=100)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind", "cause"], name="ledger_trustfact_uniq")]
        verbose_name = _("trust fact")
        verbose_name_plural = _("trust facts")

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}"


class TrustLevelChange(models.Model):
    """Each change of a person's trust level, with the reason codes that explain it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="trust_changes")
    level = models.PositiveSmallIntegerField(_("level"))
    previous_level = models.PositiveSmallIntegerField(_("previous level"))
    reasons = models.JSONField(_("reason codes"), default=list)
    net_credited = models.BigIntegerField(_("lifetime credited CV net of penalties"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level__gte=1) & Q(level__lte=5) & Q(previous_level__gte=1) & Q(previous_level__lte=5),
                name="ledger_trust_level_range",
            )
        ]
        verbose_name = _("trust level change")
        verbose_name_plural = _("trust level changes")

    def __str__(self) -> str:
        return f"{self.user_id} L{self.previous_level}→L{self.level}"
