"""pytest plugin: choose the test database before Django's settings load.

``MF_TEST_DB=postgres pytest -m postgres`` starts a throwaway PostgreSQL cluster (see
``pg.py``), points ``DATABASE_URL`` at it and removes it when the session ends. Outside
CI a missing PostgreSQL skips that run with a loud notice; with ``CI=true`` it fails.
Browser tests likewise fail in CI when Chromium is missing.
"""

import atexit
import os

import pytest

from meaningflow.testing.pg import PostgresUnavailable, ThrowawayPostgres

os.environ.setdefault("DJANGO_ENV", "test")
_cluster: ThrowawayPostgres | None = None


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args):
    global _cluster
    if os.environ.get("MF_TEST_DB") != "postgres":
        return
    try:
        _cluster = ThrowawayPostgres().start()
    except (PostgresUnavailable, OSError) as exc:
        if in_ci():
            raise pytest.UsageError(f"PostgreSQL is required in CI: {exc}") from exc
        os.environ["MF_TEST_DB_UNAVAILABLE"] = str(exc)
        return
    atexit.register(_cluster.stop)
    os.environ["DATABASE_URL"] = _cluster.url


def pytest_report_header(config):
    if os.environ.get("MF_TEST_DB") == "postgres":
        if _cluster is not None:
            return f"database: throwaway PostgreSQL at {_cluster.url} ({_cluster.bindir})"
        return f"database: PostgreSQL UNAVAILABLE ({os.environ.get('MF_TEST_DB_UNAVAILABLE')}) - skipping"
    return "database: SQLite"


def pytest_collection_modifyitems(config, items):
    if os.environ.get("MF_TEST_DB") == "postgres" and _cluster is None:
        skip = pytest.mark.skip(reason="PostgreSQL binaries not available on this machine")
        for item in items:
            item.add_marker(skip)


def pytest_unconfigure(config):
    if _cluster is not None:
        _cluster.stop()
