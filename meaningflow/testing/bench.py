"""What every benchmark in bench/ shares: a child process with a fresh database of the
chosen kind (each benchmark needs its own settings), and Django set up and migrated there."""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import django
from django.core.management import call_command

from meaningflow.testing.pg import ThrowawayPostgres

ROOT = Path(__file__).resolve().parents[2]


def run_child(script: str, mode: str, *, extra_env: dict | None = None, pg_settings: dict | None = None) -> None:
    """Run ``script <mode>`` in a child process: ``mode`` "pg" gets a throwaway PostgreSQL
    cluster (``pg_settings`` for its postgresql.conf), anything else a SQLite file; both in a
    temporary var directory that goes with the run. Mail stays in memory."""
    env = {
        **os.environ,
        "DJANGO_ENV": "test",
        "PYTHONPATH": str(ROOT),
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        **(extra_env or {}),
    }
    env.pop("DATABASE_URL", None)
    pg = None
    tmp = tempfile.TemporaryDirectory(prefix="mf-bench-")
    try:
        env["MEANINGFLOW_VAR_DIR"] = tmp.name
        if mode == "pg":
            pg = ThrowawayPostgres(settings=pg_settings).start()
            env["DATABASE_URL"] = pg.url
        subprocess.run([sys.executable, script, mode], env=env, check=True, cwd=ROOT)
    finally:
        if pg is not None:
            pg.stop()
        tmp.cleanup()


def django_setup() -> None:
    """In the child: configure Django for the database the parent chose and migrate it."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    call_command("migrate", verbosity=0)
