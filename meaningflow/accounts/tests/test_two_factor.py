"""PR-4: staff sign in with a password and a second factor (authenticator app, backup
codes). These tests log in through the form, never with force_login."""

import time
from base64 import b32decode

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import DEMO_PASSWORD
from meaningflow.accounts.services import staff_role_grant
from meaningflow.core.models import AuditEvent


def code(device, *, steps_ahead: int = 0) -> str:
    """What the authenticator app shows (``steps_ahead``: a later 30-second step, since a
    code is accepted once and django-otp allows one step of drift)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():06d}"


@pytest.fixture
def officer(make_officer):
    return make_officer("officer_two_step")


@pytest.fixture
def quick_retries(settings):
    # No waiting after a wrong code, unless a test wants it.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


def _form_codes(response) -> list[str]:
    """The codes of the errors the page's form shows."""
    return [error.code for errors in response.context["form"].errors.as_data().values() for error in errors]


def _log_in(client, username):
    response = client.post("/accounts/login/", {"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    return response


def test_a_person_without_a_staff_role_needs_no_second_factor(client, alice):
    _log_in(client, "alice")
    assert client.get("/accounts/me/").status_code == 200


@pytest.mark.postgres
def test_an_officer_sets_up_the_authenticator_before_anything_else(client, officer, quick_retries):
    _log_in(client, "officer_two_step")
    # Every page, the workspace included, leads to the set-up first, keeping where they were going.
    response = client.get("/assistance/?status=recognised")
    assert response.status_code == 302
    assert response.url == "/accounts/2fa/setup/?next=%2Fassistance%2F%3Fstatus%3Drecognised"
    assert client.get("/accounts/me/").url.startswith("/accounts/2fa/setup/")
    # The JSON API refuses the session outright.
    api = client.get("/api/v1/me")
    assert api.status_code == 403 and api.json()["code"] == "two_factor.required"

    page = client.get(response.url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'src="data:image/svg+xml' in html  # the QR code, an image the CSP allows
    device = TOTPDevice.objects.get(user=officer, confirmed=False)
    secret = page.context["secret"].replace(" ", "")
    assert b32decode(secret) == device.bin_key  # the key shown is the device's

    wrong = client.post("/accounts/2fa/setup/", {"code": "000000", "next": "/assistance/"})
    assert wrong.status_code == 200 and _form_codes(wrong) == ["two_factor.wrong_code"]
    device.refresh_from_db()
    assert not device.confirmed and client.get("/assistance/").status_code == 302

    done = client.post("/accounts/2fa/setup/", {"code": code(device), "next": "/assistance/"})
    assert done.status_code == 200
    codes = done.context["codes"]
    assert len(codes) == 10 and all(c in done.content.decode() for c in codes)
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/assistance/").status_code == 200
    assert client.get("/api/v1/me").status_code == 200
    assert AuditEvent.objects.filter(action="accounts.two_factor.enabled", actor=officer).count() == 1


@pytest.mark.postgres
def test_a_new_session_asks_for_a_code_and_a_backup_code_works_once(client, officer, quick_retries):
    _log_in(client, "officer_two_step")
    client.get("/accounts/2fa/setup/")
    device = TOTPDevice.objects.get(user=officer)
    codes = client.post("/accounts/2fa/setup/", {"code": code(device)}).context["codes"]
    client.post("/accounts/logout/")

    _log_in(client, "officer_two_step")
    response = client.get("/assistance/")
    assert response.url == "/accounts/2fa/?next=%2Fassistance%2F"
    # The set-up page cannot be used to replace the authenticator without a code.
    assert client.get("/accounts/2fa/setup/").url.startswith("/accounts/2fa/?")
    refused = client.post("/accounts/2fa/", {"code": "123456", "next": "/assistance/"})
    assert refused.status_code == 200 and _form_codes(refused) == ["two_factor.wrong_code"]
    assert client.get("/assistance/").status_code == 302
    device.refresh_from_db()
    accepted = client.post("/accounts/2fa/", {"code": code(device, steps_ahead=1), "next": "/assistance/"})
    assert accepted.url == "/assistance/"
    assert client.get("/assistance/").status_code == 200
    # A code is accepted once: replaying it in another session fails.
    client.post("/accounts/logout/")
    _log_in(client, "officer_two_step")
    replay = client.post("/accounts/2fa/", {"code": code(device, steps_ahead=1)})
    assert replay.status_code == 200 and client.get("/assistance/").status_code == 302

    backup = codes[0]
    assert client.post("/accounts/2fa/", {"code": backup, "next": "/assistance/"}).url == "/assistance/"
    assert not StaticToken.objects.filter(token=backup).exists()
    assert AuditEvent.objects.filter(action="accounts.two_factor.backup_code_used", actor=officer).exists()
    client.post("/accounts/logout/")
    _log_in(client, "officer_two_step")
    used_again = client.post("/accounts/2fa/", {"code": backup})
    assert used_again.status_code == 200 and client.get("/assistance/").status_code == 302


@pytest.mark.postgres
def test_guessing_is_slowed_down(client, officer):
    _log_in(client, "officer_two_step")
    client.get("/accounts/2fa/setup/")
    device = TOTPDevice.objects.get(user=officer)
    client.post("/accounts/2fa/setup/", {"code": code(device)})
    client.post("/accounts/logout/")
    _log_in(client, "officer_two_step")
    client.post("/accounts/2fa/", {"code": "111111"})
    client.post("/accounts/2fa/", {"code": "222222"})
    # Right after two wrong guesses even the right code waits (django-otp doubles the wait).
    throttled = client.post("/accounts/2fa/", {"code": code(device, steps_ahead=1)})
    assert _form_codes(throttled) == ["two_factor.too_many_attempts"]
    assert client.get("/assistance/").status_code == 302


@pytest.mark.postgres
def test_superusers_and_moderators_need_it_too_and_the_admin_is_closed_without_it(client, superuser, make_user):
    client.post("/accounts/login/", {"username": "root", "password": DEMO_PASSWORD})
    assert client.get("/admin/").url.startswith("/accounts/2fa/setup/")
    moderator = make_user("moderator_two_step")
    staff_role_grant(granted_by=superuser, user=moderator, role="moderator")
    client.post("/accounts/logout/")
    _log_in(client, "moderator_two_step")
    assert client.get("/reviews/").url.startswith("/accounts/2fa/setup/")
    # Logging out and switching the language stay open.
    assert client.post("/i18n/setlang/", {"language": "zh-hans"}).status_code == 302
    assert client.post("/accounts/logout/").status_code == 302


def test_the_next_address_cannot_lead_off_the_site(client, officer, quick_retries):
    _log_in(client, "officer_two_step")
    client.get("/accounts/2fa/setup/")
    device = TOTPDevice.objects.get(user=officer)
    done = client.post("/accounts/2fa/setup/", {"code": code(device), "next": "https://evil.example/"})
    assert done.context["next"] == "/accounts/me/"
