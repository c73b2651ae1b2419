from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One row per change that matters and per staff read of sensitive data.

    ``action`` is a dotted code (``accounts.identity.revealed``); ``subject`` is a typed
    reference such as ``accounts.identity:42`` so that any app can be audited without
    core importing it.
    """

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("actor"),
    )
    action = models.CharField(_("action"), max_length=100, db_index=True)
    subject = models.CharField(_("subject"), max_length=100, blank=True, db_index=True)
    region_code = models.CharField(_("region code"), max_length=6, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.subject}"


class Notification(models.Model):
    """An in-app notification; e-mail and SMS copies go through providers on commit."""

    created_at = models.DateTimeField(auto_now_add=True)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    kind = models.CharField(_("kind"), max_length=60)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="core_notif_unread_idx")]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return self.title


class JobRun(models.Model):
    """Progress and summary of one run of a long job (import, decay, discovery …).

    ``key`` makes a periodic job idempotent per period: a second run for the same key
    resumes the unfinished one or reports the finished one instead of doing it twice.
    """

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    job = models.CharField(_("job"), max_length=100)
    key = models.CharField(_("key"), max_length=200)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # A heartbeat: every progress step touches it, so a run whose worker died (kill -9)
    # shows as stale and is recovered (``jobs_recover_stale``) instead of RUNNING forever.
    updated_at = models.DateTimeField(_("last progress at"), auto_now=True)
    total = models.PositiveBigIntegerField(_("total"), default=0)
    done = models.PositiveBigIntegerField(_("done"), default=0)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["job", "key"], name="core_jobrun_job_key_uniq")]
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")

    def __str__(self) -> str:
        return f"{self.job} {self.key} ({self.status})"


class IdempotencyRecord(models.Model):
    """One API request sent with an ``Idempotency-Key`` header (``core.idempotency``).

    The first request claims the (caller, key) pair — the unique constraint decides between
    concurrent duplicates — and stores its answer when it succeeds; a repeat with the same
    payload gets that answer instead of creating a second booking, need or message.
    ``status_code`` is empty while the first request is still running."""

    caller = models.CharField(_("caller"), max_length=100)  # typed reference, e.g. accounts.user:42
    key = models.CharField(_("key"), max_length=255)
    fingerprint = models.CharField(_("request fingerprint"), max_length=64)  # SHA-256 of method, path, body
    operation = models.CharField(_("operation"), max_length=300)
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True, blank=True)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    response_body = models.TextField(_("response body"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["caller", "key"], name="core_idempotency_caller_key_uniq")]
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")

    def __str__(self) -> str:
        return f"{self.caller} {self.key} ({self.status_code or '…'})"
