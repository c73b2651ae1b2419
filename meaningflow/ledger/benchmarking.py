"""Shared by the ledger benchmarks (bench/bench_ledger_*.py): bulk users; the child-process
set-up is ``meaningflow.testing.bench``."""

from django.contrib.auth import get_user_model
from django.db import connection

from meaningflow.accounts.services import identities_bind_unchecked

User = get_user_model()


def make_users(n: int, prefix: str = "bench") -> list[int]:
    """Insert ``n`` users with one multi-row INSERT per 10 000 (no password hashing)."""
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
            params: list[object] = []
            for i in rows:
                params += ["!", False, f"{prefix}{i}", False, True, now, False]
            cursor.execute(f"INSERT INTO accounts_user ({', '.join(cols)}) VALUES {values}", params)  # noqa: S608 (constant column list)
    return list(User.objects.filter(username__startswith=prefix).order_by("pk").values_list("pk", flat=True))


def identities_bind(user_ids: list[int], prefix: str = "B") -> None:
    """Bind a verified test passport to each user (ID-2: the CV of a person without a verified
    identity waits, so a benchmark's people must have one before they are credited). Rows
    written directly: no document checks, throttling or audit, which are not measured."""
    identities_bind_unchecked(user_ids=user_ids, prefix=prefix)
