"""The officer's journey in real Chromium: a bad file is refused whole → a clean file is
imported → discovery → a recognised person and the trace → push → the person sees it."""

import datetime
from base64 import b32decode

import pytest
from django_otp.oath import TOTP

from conftest import DEMO_PASSWORD
from meaningflow.accounts.privacy import consent_set
from meaningflow.accounts.services import identity_verify
from meaningflow.assistance.models import RegistryPerson
from meaningflow.assistance.tests.helpers import csv_bytes, person_row

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(page, username):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_import_discover_push_and_person_sees_it(page, make_user, make_officer, tmp_path):
    make_officer("officer_journey")
    clean = [person_row(i, birth=datetime.date(1980, 1, 1), since="2023-01-01") for i in range(4)]
    person_user = make_user("registered_person", verified=False)
    identity_verify(user=person_user, document_type="cn_resident_id", legal_name="测试0", number=clean[0][1])
    consent_set(user=person_user, purpose="government_sharing", granted=True)  # PR-1: linked once imported
    bad = [*clean, person_row(9, region="110101"), clean[1]]
    (tmp_path / "bad.csv").write_bytes(csv_bytes(bad))
    (tmp_path / "clean.csv").write_bytes(csv_bytes(clean))

    _login(page, "officer_journey")
    # Staff sign in with a second factor (PR-4): the first time, the authenticator is set up
    # from the key the page shows, as an app would, before any officer page opens.
    page.goto("/assistance/import/")
    assert page.get_by_role("heading", name="Set up two-step sign-in").is_visible()
    key = b32decode(page.locator("#two-factor-secret").inner_text().replace(" ", ""))
    page.get_by_label("Code").fill(f"{TOTP(key).token():06d}")
    page.get_by_role("button", name="Confirm").click()
    assert page.locator("#backup-codes li").count() == 10
    page.get_by_role("link", name="Continue").click()
    assert page.url.endswith("/assistance/import/")
    page.get_by_label("Registry file").set_input_files(str(tmp_path / "bad.csv"))
    page.get_by_role("button", name="Import").click()
    assert page.locator("#batch-status").inner_text() == "Rejected: nothing applied"
    assert page.get_by_role("alert").filter(has_text="nothing was imported").is_visible()
    assert "outside your region" in page.content()
    assert RegistryPerson.objects.count() == 0

    page.goto("/assistance/import/")
    page.get_by_label("Registry file").set_input_files(str(tmp_path / "clean.csv"))
    page.get_by_role("button", name="Import").click()
    assert page.locator("#batch-status").inner_text() == "Applied"
    assert page.locator("#count-new").inner_text() == "4"

    page.goto("/assistance/")
    page.get_by_role("button", name="Run discovery").click()
    assert page.get_by_text("Discovery finished").is_visible()
    page.get_by_label("Recognition").select_option("yes")
    page.get_by_role("button", name="Filter").click()
    person = RegistryPerson.objects.get(user=person_user)
    page.get_by_role("link", name=person.id_masked).click()
    assert "Employment-difficulty person" in page.locator("#recognition-status").inner_text()
    assert page.get_by_text("employment_difficulty_person").first.is_visible()
    page.get_by_text("long_term_unemployed", exact=False).first.click()  # open a node of the trace
    page.get_by_role("row").filter(has_text="employment-difficulty person").get_by_role("button", name="Push").click()
    assert page.get_by_text("Pushed:").is_visible()

    page.get_by_role("button", name="Log out").click()
    _login(page, "registered_person")
    page.goto("/assistance/me/")
    card = page.locator("#my-pushes .card").first
    assert "employment-difficulty person" in card.inner_text()
    card.get_by_role("button", name="I am interested").click()
    assert page.get_by_text("your answer has been recorded").is_visible()
