"""Probing and flooding the accounts API (issue 12, item 10): identity numbers cannot be
enumerated, availability cannot be flooded, and the 2FA pages never redirect off-site."""

import datetime
import json

import pytest
from django.core.exceptions import ValidationError

from meaningflow.accounts.demo import cn_resident_id
from meaningflow.accounts.models import AvailabilityWindow, Identity
from meaningflow.accounts.services import (
    MAX_AVAILABILITY_WINDOWS,
    api_token_create,
    availability_replace,
    identity_verify,
)
from meaningflow.core.models import AuditEvent

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

TAKEN = cn_resident_id("430102", datetime.date(1970, 5, 17), 123)


def numbers(count: int) -> list[str]:
    return [cn_resident_id("430102", datetime.date(1980, 1, 1), 200 + i) for i in range(count)]


def attempt(client, token, number, **extra):
    return client.post(
        "/api/v1/me/identity",
        json.dumps({"document_type": "cn_resident_id", "legal_name": "王芳", "number": number}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        **extra,
    )


@pytest.fixture
def taken(make_user):
    owner = make_user("owner", verified=False)
    identity_verify(user=owner, document_type="cn_resident_id", legal_name="王芳", number=TAKEN)
    return TAKEN


def test_probing_for_bound_documents_is_throttled_per_account_and_audited(client, settings, alice, taken):
    settings.IDENTITY_VERIFY_FAILURES_PER_USER = 3
    token = api_token_create(user=alice, name="probe")[1]
    answers = [attempt(client, token, taken).json()["code"] for _ in range(3)]
    assert answers == ["identity.already_bound"] * 3
    # The allowance is spent: even a free, valid document is refused now, so the answers
    # stop telling which numbers are bound.
    refused = attempt(client, token, numbers(1)[0])
    assert refused.status_code == 400 and refused.json()["code"] == "identity.too_many_attempts"
    assert not Identity.objects.filter(user=alice).exists()
    failures = AuditEvent.objects.filter(action="accounts.identity.verify_failed", actor=alice)
    assert failures.count() == 3
    assert failures.first().data["codes"] == ["identity.already_bound"] and failures.first().ip_address == "127.0.0.1"


def test_probing_from_one_address_with_many_accounts_is_throttled(client, settings, make_user, taken):
    settings.IDENTITY_VERIFY_FAILURES_PER_USER = 100
    settings.IDENTITY_VERIFY_FAILURES_PER_IP = 4
    codes = []
    for i in range(5):
        token = api_token_create(user=make_user(f"sock{i}", verified=False), name="probe")[1]
        codes.append(attempt(client, token, taken, REMOTE_ADDR="203.0.113.9").json()["code"])
    assert codes == ["identity.already_bound"] * 4 + ["identity.too_many_attempts"]
    other = api_token_create(user=make_user("elsewhere", verified=False), name="probe")[1]
    assert attempt(client, other, numbers(1)[0], REMOTE_ADDR="198.51.100.1").status_code == 201


def test_a_successful_verification_is_not_counted(client, settings, alice):
    settings.IDENTITY_VERIFY_FAILURES_PER_USER = 1
    token = api_token_create(user=alice, name="ok")[1]
    assert attempt(client, token, numbers(1)[0]).status_code == 201


def test_availability_cannot_be_flooded(client, alice):
    token = api_token_create(user=alice, name="flood")[1]
    week = [{"weekday": i % 7, "start_time": "09:00", "end_time": "10:00"} for i in range(10_000)]
    response = client.put(
        "/api/v1/me/availability",
        json.dumps(week),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 422
    with pytest.raises(ValidationError) as caught:
        availability_replace(
            user=alice, windows=[(0, datetime.time(9), datetime.time(10))] * (MAX_AVAILABILITY_WINDOWS + 1)
        )
    assert caught.value.code == "availability.too_many"
    assert not AvailabilityWindow.objects.exists()


@pytest.mark.parametrize("end", [0, "10:00+08:00", "25:00"])
def test_a_time_of_day_is_text_without_an_offset(client, alice, end):
    """``"end_time": 0`` once became an aware midnight and the service compared it with a
    naive time: 500. A time of day is HH:MM, nothing else."""
    token = api_token_create(user=alice, name="t")[1]
    week = [{"weekday": 0, "start_time": "09:00", "end_time": end}]
    response = client.put(
        "/api/v1/me/availability",
        json.dumps(week),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 422 and response.json()["errors"][0]["code"] == "time_type"


def test_the_two_factor_pages_keep_next_on_this_site(client, make_officer):
    officer = make_officer("officer_next")
    client.force_login(officer)
    for url in ("/accounts/2fa/setup/", "/accounts/2fa/"):
        response = client.get(url, {"next": "https://evil.example/"})
        if response.status_code == 302:
            assert "evil.example" not in response["Location"]
        else:
            assert 'value="https://evil.example/"' not in response.content.decode()
