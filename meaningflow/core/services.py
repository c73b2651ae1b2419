"""Writes of the core app: audit events, notifications, job progress."""

import logging
import sys
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, Literal, TextIO

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from meaningflow.core.models import AuditEvent, JobRun, Notification
from meaningflow.core.tasks import run_management_command

logger = logging.getLogger(__name__)


def audit_log(
    *,
    actor: AbstractBaseUser | AnonymousUser | None = None,
    action: str,
    subject: str = "",
    region_code: str = "",
    reason: str = "",
    data: dict[str, Any] | None = None,
    ip_address: str | None = None,
) -> AuditEvent:
    """Record one audited event. ``actor`` may be None for system jobs."""
    return AuditEvent.objects.create(
        actor_id=actor.pk if isinstance(actor, AbstractBaseUser) and actor.is_authenticated else None,
        action=action,
        subject=subject,
        region_code=region_code,
        reason=reason[:500],
        data=data or {},
        ip_address=ip_address,
    )


def notification_send(
    *, recipient: AbstractBaseUser, kind: str, title: str, body: str = "", url: str = "", email: bool = False
) -> Notification:
    """Create an in-app notification; the e-mail copy is sent only once the caller commits."""
    notification = Notification.objects.create(recipient_id=recipient.pk, kind=kind, title=title, body=body, url=url)
    address = getattr(recipient, recipient.get_email_field_name(), "")
    if email and address:
        transaction.on_commit(lambda: send_mail(title, f"{body}\n\n{url}".strip(), None, [address]))
    return notification


def notifications_mark_read(*, recipient: AbstractBaseUser, ids: list[int] | None = None) -> int:
    unread = Notification.objects.filter(recipient_id=recipient.pk, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(id__in=ids)
    return unread.update(read_at=timezone.now())


def notifications_erase(*, recipient: AbstractBaseUser) -> int:
    """Delete every notification of ``recipient`` (account deletion, PR-1): their titles
    name people and things. Returns how many went."""
    return Notification.objects.filter(recipient_id=recipient.pk).delete()[0]


class JobProgress:
    """Progress reporting for long jobs: persisted in ``JobRun`` and printed to a stream.

    Usage::

        with JobProgress(job="ledger.decay", key="2026-11", total=n) as progress:
            for chunk in chunks:
                ...
                progress.advance(len(chunk))
            progress.summary.update(posted=k)
    """

    def __init__(self, *, job: str, key: str, total: int = 0, stream: TextIO | None = None):
        self.run, _created = JobRun.objects.get_or_create(job=job, key=key)
        self.run.status = JobRun.Status.RUNNING
        self.run.total = total
        self.run.error = ""
        self.run.save(update_fields=["status", "total", "error"])
        self.summary: dict[str, Any] = dict(self.run.summary)
        self.stream = stream if stream is not None else sys.stderr
        self._last_percent = -1

    @property
    def already_succeeded(self) -> bool:
        return self.run.finished_at is not None and self.run.done >= self.run.total > 0

    def advance(self, count: int) -> None:
        self.run.done += count
        JobRun.objects.filter(pk=self.run.pk).update(done=self.run.done, updated_at=timezone.now())
        if self.run.total:
            percent = min(100, self.run.done * 100 // self.run.total)
            if percent != self._last_percent:
                self._last_percent = percent
                self.stream.write(f"\r{self.run.job}: {self.run.done}/{self.run.total} ({percent}%)")
                self.stream.flush()

    def __enter__(self) -> "JobProgress":
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> Literal[False]:
        self.run.finished_at = timezone.now()
        self.run.summary = self.summary
        if exc is None:
            self.run.status = JobRun.Status.SUCCEEDED
        else:
            self.run.status = JobRun.Status.FAILED
            self.run.error = repr(exc)[:2000]
            logger.exception("job %s %s failed", self.run.job, self.run.key)
        self.run.save(update_fields=["finished_at", "summary", "status", "error"])
        self.stream.write("\n" + " ".join(f"{k}={v}" for k, v in self.summary.items()) + "\n")
        return False


class WorkerLost(RuntimeError):
    """The worker running a task or job stopped without finishing it (killed, crashed)."""


def jobs_recover_stale(*, worker_id: str = "", now: datetime | None = None) -> dict[str, int]:
    """Close what a dead worker left RUNNING, so nothing stays RUNNING forever.

    * Task results (django-tasks database backend) RUNNING on ``worker_id`` (a worker the
      supervisor saw die), or started longer than ``settings.TASKS_STALE_AFTER_SECONDS``
      ago, are marked failed (``WorkerLost``); the periodic jobs among them (idempotent
      management commands) are enqueued again.
    * Job runs (``JobRun``) RUNNING without progress for ``settings.JOBS_STALE_AFTER_SECONDS``
      are marked failed; the next run of the same job and key resumes them.

    Returns ``{"tasks": n, "requeued": n, "jobs": n}``; audited when anything was recovered."""
    now = now or timezone.now()
    too_old = now - timedelta(seconds=settings.TASKS_STALE_AFTER_SECONDS)
    tasks = requeued = 0
    # Few tasks run at a time; the worker test is in Python (SQLite has no JSON containment).
    for result in DBTaskResult.objects.running().order_by("pk"):
        if not (result.started_at < too_old or (worker_id and worker_id in result.worker_ids)):
            continue
        result.set_failed(WorkerLost(f"worker {', '.join(result.worker_ids)} stopped while running this task"))
        tasks += 1
        if result.task_path == run_management_command.module_path and result.args_kwargs.get("args"):
            run_management_command.enqueue(*result.args_kwargs["args"])
            requeued += 1
    jobs = JobRun.objects.filter(
        status=JobRun.Status.RUNNING, updated_at__lt=now - timedelta(seconds=settings.JOBS_STALE_AFTER_SECONDS)
    ).update(
        status=JobRun.Status.FAILED,
        finished_at=now,
        error="WorkerLost: no progress for too long; the worker running it stopped. The next run resumes it.",
    )
    summary = {"tasks": tasks, "requeued": requeued, "jobs": jobs}
    if tasks or jobs:
        audit_log(action="core.jobs.recovered", subject="core.jobs", data={**summary, "worker": worker_id})
    return summary
