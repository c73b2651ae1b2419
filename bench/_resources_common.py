"""Shared set-up for the resources benchmarks: a throwaway PostgreSQL in a child process,
Django configured and migrated there (``meaningflow.testing.bench``)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from meaningflow.testing.bench import django_setup  # noqa: E402,F401
from meaningflow.testing.bench import run_child as _run_child  # noqa: E402


def run_child(script: str, mode: str = "pg") -> None:
    _run_child(script, mode)
