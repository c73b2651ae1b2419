"""Shared set-up for the resources benchmarks: a throwaway PostgreSQL in a child process
(each benchmark needs its own settings), Django configured and migrated there."""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_child(script: str, mode: str = "pg") -> None:
    """Run ``script <mode>`` with DATABASE_URL pointing at a fresh PostgreSQL cluster."""
    # Mail goes to memory: the console backend would print every booking notice.
    env = {
        **os.environ,
        "DJANGO_ENV": "test",
        "PYTHONPATH": str(ROOT),
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    env.pop("DATABASE_URL", None)
    pg = None
    tmp = tempfile.TemporaryDirectory(prefix="mf-bench-")
    try:
        env["MEANINGFLOW_VAR_DIR"] = tmp.name
        sys.path.insert(0, str(ROOT))
        from meaningflow.testing.pg import ThrowawayPostgres

        pg = ThrowawayPostgres().start()
        env["DATABASE_URL"] = pg.url
        subprocess.run([sys.executable, script, mode], env=env, check=True, cwd=ROOT)
    finally:
        if pg is not None:
            pg.stop()
        tmp.cleanup()


def django_setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
