"""Platform-wide behaviour: settings, encryption, audit, jobs, language and large type."""

import importlib.util
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.urls import Resolver404, resolve

from config.settings import env_bool
from meaningflow.core import crypto
from meaningflow.core.crypto import decrypt, encrypt, keyed_hash, mask
from meaningflow.core.models import JobRun
from meaningflow.core.services import JobProgress, notification_send

ROOT = Path(__file__).resolve().parents[3]


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "MEANINGFLOW_"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=120
    )


PRODUCTION_ENV = {
    "DJANGO_ENV": "production",
    "DJANGO_SECRET_KEY": "x" * 20 + "production-secret-key-with-enough-entropy-1234567890",
    "MEANINGFLOW_FIELD_KEYS": "hD4fkbM3sCq3v4S0BR1EYnXb6IRBUXMfOWg7y3Xak1k=",
    "MEANINGFLOW_HASH_KEY": "f" * 64,
    "DJANGO_ALLOWED_HOSTS": "meaningflow.example.org",
}


def test_production_settings_pass_the_deployment_check(tmp_path):
    result = run_manage(
        "check", "--deploy", "--fail-level", "DEBUG", env={**PRODUCTION_ENV, "MEANINGFLOW_VAR_DIR": str(tmp_path)}
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_missing_secrets(tmp_path):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "DJANGO_SECRET_KEY"}
    result = run_manage("check", env={**env, "MEANINGFLOW_VAR_DIR": str(tmp_path)})
    assert result.returncode != 0 and "DJANGO_SECRET_KEY" in result.stderr


def test_bad_environment_values_are_refused(tmp_path):
    result = run_manage("check", env={"DJANGO_DEBUG": "perhaps", "MEANINGFLOW_VAR_DIR": str(tmp_path)})
    assert result.returncode != 0 and "DJANGO_DEBUG must be a boolean" in result.stderr
    result = run_manage("check", env={"DATABASE_URL": "nonsense://", "MEANINGFLOW_VAR_DIR": str(tmp_path)})
    assert result.returncode != 0 and "ImproperlyConfigured" in result.stderr


def test_local_secrets_are_generated_once_into_var(tmp_path):
    result = run_manage("check", env={"MEANINGFLOW_VAR_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    key = (tmp_path / "django_secret_key").read_text()
    assert len(key) > 50 and oct((tmp_path / "django_secret_key").stat().st_mode)[-3:] == "600"
    run_manage("check", env={"MEANINGFLOW_VAR_DIR": str(tmp_path)})
    assert (tmp_path / "django_secret_key").read_text() == key


def test_encryption_round_trip_and_rotation(settings):
    token = encrypt("430102197005171234")
    assert "4301" not in token and decrypt(token) == "430102197005171234"

    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), *settings.FIELD_ENCRYPTION_KEYS]
    crypto._fernet.cache_clear()
    try:
        assert decrypt(token) == "430102197005171234"  # old key still decrypts
    finally:
        settings.FIELD_ENCRYPTION_KEYS = settings.FIELD_ENCRYPTION_KEYS[1:]
        crypto._fernet.cache_clear()
    with pytest.raises(ValueError):
        decrypt("not-a-token")


def test_keyed_hash_depends_on_purpose_and_mask_keeps_ends():
    assert keyed_hash("x", purpose="a") != keyed_hash("x", purpose="b")
    assert mask("430102197005171234") == "4301**********1234"
    assert mask("1234") == "****"


@pytest.mark.django_db
def test_job_progress_records_progress_and_summary(capsys):
    stream = io.StringIO()
    with JobProgress(job="demo.job", key="2026-11", total=4, stream=stream) as progress:
        progress.advance(2)
        progress.advance(2)
        progress.summary["posted"] = 4
    run = JobRun.objects.get(job="demo.job", key="2026-11")
    assert (run.status, run.done, run.summary) == ("succeeded", 4, {"posted": 4})
    assert "4/4 (100%)" in stream.getvalue()
    with pytest.raises(RuntimeError), JobProgress(job="demo.fail", key="k", total=1, stream=stream):
        raise RuntimeError("boom")
    assert JobRun.objects.get(job="demo.fail").status == "failed"


@pytest.mark.django_db
def test_notification_email_is_sent_only_on_commit(alice, django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        notification_send(recipient=alice, kind="x", title="Hello", email=True)
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["alice@example.org"]


@pytest.mark.django_db
def test_home_page_follows_accept_language(client):
    assert "Take part again" in client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "重新参与" in client.get("/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9").content.decode()


@pytest.mark.django_db
def test_language_switch_sets_the_cookie_and_translates(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert 'lang="en"' in client.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()


@pytest.mark.django_db
def test_large_type_mode_for_visitors_and_users(client, alice):
    client.post("/display/large-type/", {"enabled": "1", "next": "/"})
    assert 'class="large-type"' in client.get("/").content.decode()
    client.force_login(alice)
    client.post("/display/large-type/", {"enabled": "1", "next": "https://evil.example/"})
    alice.refresh_from_db()
    assert alice.large_type is True


def test_navigation_links_only_to_pages_that_exist(client, db):
    html = client.get("/").content.decode()
    for href in set(re.findall(r'href="(/[^"#?]*)', html)):
        if href.startswith("/static/"):
            continue
        try:
            resolve(href)
        except Resolver404:
            pytest.fail(f"navigation links to {href}, which does not exist")


def test_env_bool_rejects_garbage(monkeypatch):
    monkeypatch.setenv("X_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured):
        env_bool("X_FLAG", "0")


@pytest.mark.parametrize("path", sorted((ROOT / "bench").glob("bench_*.py")), ids=lambda p: p.stem)
def test_every_benchmark_loads_and_has_a_main(path):
    """`make bench` runs for long; a benchmark that no longer imports should fail here."""
    sys.path.insert(0, str(path.parent))
    try:
        spec = importlib.util.spec_from_file_location(f"loaded_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(path.parent))
    assert callable(module.main)


@pytest.mark.django_db
def test_pages_carry_a_content_security_policy_without_inline_script(client, superuser):
    policy = client.get("/").headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert "unsafe-inline" not in policy and directives["frame-ancestors"] == "'none'"
    client.force_login(superuser)
    assert "Content-Security-Policy" not in client.get("/admin/").headers  # Django's own templates
