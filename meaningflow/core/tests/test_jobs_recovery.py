"""Process supervision (issue 12 item 9): a task or job whose worker died (kill -9) does not stay
RUNNING forever; periodic jobs among them run again."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from meaningflow.core.models import AuditEvent, JobRun
from meaningflow.core.services import JobProgress, jobs_recover_stale
from meaningflow.core.tasks import run_management_command

pytestmark = pytest.mark.django_db

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def _running(*, worker: str, started_ago: timedelta, command: str = "ledger_seal") -> DBTaskResult:
    now = timezone.now()
    return DBTaskResult.objects.create(
        status="RUNNING",
        started_at=now - started_ago,
        args_kwargs={"args": [command], "kwargs": {}},
        task_path=run_management_command.module_path,
        worker_ids=[worker],
        backend_name="default",
        run_after=now - started_ago,
    )


def test_the_tasks_of_a_dead_worker_fail_and_periodic_jobs_are_enqueued_again(settings):
    settings.TASKS = DB_TASKS
    lost = _running(worker="local-1-0", started_ago=timedelta(minutes=2))
    other = _running(worker="local-2-0", started_ago=timedelta(minutes=2))
    out = io.StringIO()
    call_command("jobs_recover_stale", "--worker-id", "local-1-0", stdout=out)
    assert "tasks failed 1, re-enqueued 1" in out.getvalue()
    lost.refresh_from_db()
    assert lost.status == "FAILED" and lost.exception_class_path.endswith("WorkerLost")
    assert DBTaskResult.objects.get(pk=other.pk).status == "RUNNING"  # another worker's, still fresh
    again = DBTaskResult.objects.filter(status="READY").get()
    assert again.args_kwargs["args"] == ["ledger_seal"]
    assert AuditEvent.objects.filter(action="core.jobs.recovered").exists()


def test_tasks_running_past_the_timeout_fail_whoever_ran_them(settings):
    settings.TASKS = DB_TASKS
    old = _running(worker="elsewhere", started_ago=timedelta(seconds=settings.TASKS_STALE_AFTER_SECONDS + 60))
    young = _running(worker="elsewhere", started_ago=timedelta(minutes=5))
    assert jobs_recover_stale() == {"tasks": 1, "requeued": 1, "jobs": 0}
    assert DBTaskResult.objects.get(pk=old.pk).status == "FAILED"
    assert DBTaskResult.objects.get(pk=young.pk).status == "RUNNING"


def test_a_job_run_without_progress_for_too_long_fails_and_the_next_run_resumes_it(settings):
    with JobProgress(job="test.job", key="k", total=10, stream=io.StringIO()) as progress:
        progress.advance(3)
    run = JobRun.objects.get(job="test.job")
    JobRun.objects.filter(pk=run.pk).update(status=JobRun.Status.RUNNING, finished_at=None)
    assert jobs_recover_stale()["jobs"] == 0  # it made progress a moment ago
    later = timezone.now() + timedelta(seconds=settings.JOBS_STALE_AFTER_SECONDS + 1)
    assert jobs_recover_stale(now=later)["jobs"] == 1
    run.refresh_from_db()
    assert run.status == JobRun.Status.FAILED and "WorkerLost" in run.error
    with JobProgress(job="test.job", key="k", total=10, stream=io.StringIO()) as progress:
        assert progress.run.pk == run.pk and progress.run.status == JobRun.Status.RUNNING


def test_progress_is_a_heartbeat():
    with JobProgress(job="test.beat", key="k", total=2, stream=io.StringIO()) as progress:
        JobRun.objects.filter(pk=progress.run.pk).update(updated_at=timezone.now() - timedelta(hours=1))
        progress.advance(1)
        assert timezone.now() - JobRun.objects.get(pk=progress.run.pk).updated_at < timedelta(minutes=1)
