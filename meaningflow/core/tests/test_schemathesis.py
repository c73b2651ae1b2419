"""Schemathesis over every operation of the JSON API (issue 12, item 11).

A live server on PostgreSQL answers generated requests — valid and invalid — once as a
verified person with data (a personal API token) and once anonymously, with every check
schemathesis has: no server error, every status code, header and body as documented,
invalid data refused, valid data not refused for its shape. Fixed seed and example count
keep the run reproducible and inside its time budget (``SCHEMATHESIS_MAX_EXAMPLES``)."""

import os
import subprocess
import sys
from datetime import time, timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from config.api import api
from meaningflow.accounts import services as accounts
from meaningflow.conversations import services as conversations
from meaningflow.needs import services as needs
from meaningflow.places.models import Division
from meaningflow.resources import services as resources
from meaningflow.resources.reference import reference_ensure
from meaningflow.resources.tests.factories import days, mint, room

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SEED = 20260412
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "5"))
WORKERS = os.environ.get("SCHEMATHESIS_WORKERS", "2")
# Statuses a request that matches the schema may still get: a business rule (400), the
# caller's rights (401/403), a missing object (404), a repeated Idempotency-Key (409), a
# value outside a window the schema cannot express, such as a date (422), a rate limit.
CONFIG = """
[checks.positive_data_acceptance]
expected-statuses = ["2XX", 400, 401, 403, 404, 409, 422, 429]
"""


@pytest.fixture
def person_with_data(make_user, reference_data):
    """A verified person who owns an organisation, a need, a room, a booking and a thread."""
    reference_ensure()
    host, guest = make_user("st_host"), make_user("st_guest")
    mint(guest, 2000)
    changsha = Division.objects.get(code="430100")
    organisation = accounts.organisation_create(creator=host, name="测试社区", type="community", division=changsha)
    start = timezone.now() + timedelta(days=7)
    needs.need_create(
        actor=host,
        organisation=organisation,
        division=changsha,
        publish=True,
        type="cultural",
        language="zh",
        title="包饺子",
        description="一起包饺子。",
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        places=2,
        reward="cv",
        skills=[("food.dumplings", 2)],
    )
    accounts.availability_replace(user=guest, windows=[(5, time(9), time(17))])
    resource = room(host)
    resources.booking_create(resource=resource, guest=guest, start=days(5), end=days(6))
    thread = conversations.thread_open(subject="test.thread:1", title="Hello", participants=[host, guest])
    conversations.message_post(thread=thread, sender=guest, body="Hello")
    return guest


def _public_operations() -> list[str]:
    """The operations that need no authentication: the anonymous run tests those; that every
    other operation refuses an anonymous caller is schemathesis's ``ignored_auth`` check in
    the authenticated run."""
    return [
        operation["operationId"]
        for operations in api.get_openapi_schema()["paths"].values()
        for operation in operations.values()
        if not operation.get("security")
    ]


def _run(live_server, tmp_path: Path, name: str, options: list[str]) -> subprocess.CompletedProcess:
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG)
    command = [
        str(Path(sys.executable).with_name("schemathesis")), "--config-file", str(config), "run",
        f"{live_server.url}/api/openapi.json", "--checks", "all", "--phases", "examples,coverage,fuzzing",
        "--max-examples", str(MAX_EXAMPLES), "--seed", str(SEED), "--no-shrink",
        "--workers", WORKERS, "--request-timeout", "30", "--suppress-health-check", "all", "--no-color",
        "--generation-database", "none", "--report", "junit", "--report-dir", str(tmp_path / name),
        *options,
    ]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp_path)  # noqa: S603


@pytest.mark.parametrize("who", ["person", "anonymous"])
def test_schemathesis_finds_no_server_error_and_no_schema_violation(live_server, tmp_path, person_with_data, who):
    if connection.vendor != "postgresql":
        pytest.skip("run against PostgreSQL, the production database (make test-postgres)")
    if who == "person":
        token = accounts.api_token_create(user=person_with_data, name="schemathesis")[1]
        options = ["--header", f"Authorization: Bearer {token}"]
    else:
        options = [part for op in _public_operations() for part in ("--include-operation-id", op)]
    result = _run(live_server, tmp_path, who, options)
    if os.environ.get("SCHEMATHESIS_OUTPUT"):  # the whole report, for working on failures
        Path(f"{os.environ['SCHEMATHESIS_OUTPUT']}-{who}.txt").write_text(result.stdout + result.stderr)
    assert result.returncode == 0, result.stdout[-20_000:] + result.stderr[-5000:]
