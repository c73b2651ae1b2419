"""Shared set-up for the ledger benchmarks (bench/bench_ledger_*.py): a throwaway PostgreSQL or a temp SQLite file,
Django configured for it in a child process (each benchmark needs its own settings)."""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_child(script: str, mode: str, extra_env: dict | None = None) -> None:
    """Run ``script <mode>`` with DATABASE_URL pointing at a fresh database of that kind."""
    env = {**os.environ, "DJANGO_ENV": "test", "PYTHONPATH": str(ROOT), **(extra_env or {})}
    env.pop("DATABASE_URL", None)
    pg = None
    tmp = tempfile.TemporaryDirectory(prefix="mf-bench-")
    try:
        env["MEANINGFLOW_VAR_DIR"] = tmp.name
        if mode == "pg":
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


def make_users(n: int, prefix: str = "bench") -> list[int]:
    """Insert ``n`` users with one multi-row INSERT per 10 000 (no password hashing)."""
    from django.db import connection

    from meaningflow.accounts.models import User

    now = "2026-01-01 00:00:00+00:00" if connection.vendor == "postgresql" else "2026-01-01 00:00:00"
    cols = (
        "password",
        "is_superuser",
        "username",
        "first_name",
        "last_name",
        "email",
        "is_staff",
        "is_active",
        "date_joined",
        "display_name",
        "preferred_language",
        "large_type",
        "phone",
    )
    with connection.cursor() as cursor:
        for start in range(0, n, 10_000):
            rows = range(start, min(n, start + 10_000))
            values = ", ".join(["(%s, %s, %s, '', '', '', %s, %s, %s, '', '', %s, '')"] * len(rows))
            params = []
            for i in rows:
                params += ["!", False, f"{prefix}{i}", False, True, now, False]
            cursor.execute(f"INSERT INTO accounts_user ({', '.join(cols)}) VALUES {values}", params)  # noqa: S608 (constant column list)
    return list(User.objects.filter(username__startswith=prefix).order_by("pk").values_list("pk", flat=True))
