"""Shared fixtures: reference data, named personas, and a real Chromium for journeys."""

import itertools
import os
from pathlib import Path

import pytest

from meaningflow.testing.pytest_postgres import in_ci

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
]
DEMO_PASSWORD = "correct-horse-battery-42"  # noqa: S105 - test accounts only


@pytest.fixture(autouse=True)
def english_by_default():
    """Service-level messages in English unless a test asks otherwise; requests still
    negotiate their own language through Accept-Language."""
    from django.utils import translation

    with translation.override("en"):
        yield


_checkpoint_logs = itertools.count(1)


@pytest.fixture(autouse=True)
def ledger_checkpoint_dir(settings, tmp_path_factory):
    """Each test has its own database state, so it publishes ledger checkpoints into its own
    directory (docs/LEDGER.md "Published checkpoints"); created only when something is sealed."""
    settings.LEDGER_CHECKPOINT_DIR = tmp_path_factory.getbasetemp() / "ledger-checkpoints" / str(next(_checkpoint_logs))
    return settings.LEDGER_CHECKPOINT_DIR


@pytest.fixture(autouse=True)
def force_login_passes_second_factor(monkeypatch):
    """Tests about other things log staff in with ``force_login``; such a session is also
    marked as having passed the second factor (PR-4), as a confirmed authenticator would.
    The real path — login form, set-up, codes, the middleware's refusals — is tested in
    ``accounts/tests/test_two_factor.py`` and the officer's Chromium journey, which log in
    through the form and never call ``force_login``."""
    from django.test import Client

    original = Client.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from meaningflow.accounts.selectors import is_staff_member

        if is_staff_member(user=user):
            device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
                user=user, name="test authenticator", confirmed=True
            )
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()

    monkeypatch.setattr(Client, "force_login", force_login)


@pytest.fixture
def client():
    """The test client speaks English unless a request sets Accept-Language itself (the
    platform's default language is Chinese)."""
    from django.test import Client

    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def make_officer(make_user, superuser, reference_data):
    """A user with an officer role for a GB/T 2260 prefix (PR-3), granted by the superuser."""
    from meaningflow.accounts.services import staff_role_grant

    def make(username: str, region_prefix: str = "43"):
        user = make_user(username)
        staff_role_grant(granted_by=superuser, user=user, role="officer", region_prefix=region_prefix)
        return user

    return make


@pytest.fixture
def reference_data(db):
    """Skill taxonomy, interests and places, loaded once per database state.

    Transactional tests flush every table afterwards, so this reloads when needed.
    """
    from meaningflow.accounts.models import Skill
    from meaningflow.accounts.services import reference_data_load
    from meaningflow.places.models import Division
    from meaningflow.places.services import places_load

    if not Division.objects.exists():
        places_load()
    if not Skill.objects.exists():
        reference_data_load()


_passports = itertools.count(1)


@pytest.fixture
def make_user(db):
    """A registered person. ``verified=True`` (the default) also binds a verified identity (a
    test passport), as the people who earn and use CV have (ID-2: the CV of a person without
    one waits); ``verified=False`` for the unverified paths."""
    from meaningflow.accounts.services import identity_verify, user_register

    def make(username: str, *, verified: bool = True, **kwargs):
        user = user_register(
            username=username,
            email=kwargs.pop("email", f"{username}@example.org"),
            password=kwargs.pop("password", DEMO_PASSWORD),
            display_name=kwargs.pop("display_name", username.title()),
        )
        if verified:
            identity_verify(
                user=user,
                document_type="passport",
                legal_name=username.title(),
                number=f"T{os.getpid() % 10_000:04d}{next(_passports):08d}",
                country="DE",
            )
        return user

    return make


@pytest.fixture
def alice(make_user):
    return make_user("alice")


@pytest.fixture
def bob(make_user):
    return make_user("bob")


@pytest.fixture
def charlie(make_user):
    return make_user("charlie")


@pytest.fixture
def superuser(db):
    from meaningflow.accounts.models import User

    return User.objects.create_superuser("root", "root@example.org", DEMO_PASSWORD)


@pytest.fixture(scope="session")
def chromium():
    """A headless Debian Chromium driven by Playwright (no browser download)."""
    if not CHROMIUM.exists():
        if in_ci():
            pytest.fail(f"Chromium is required in CI but {CHROMIUM} is missing")
        pytest.skip(f"{CHROMIUM} not installed")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server):
    """A Chromium page on the live server. Fails the test if the site's Content-Security-Policy
    refused anything the pages load or run (an inline script or style that slipped in)."""
    context = chromium.new_context(locale="en-GB", base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    refused = []
    page.on(
        "console",
        lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None,
    )
    yield page
    context.close()
    assert refused == [], "the Content-Security-Policy refused: " + "; ".join(refused)
