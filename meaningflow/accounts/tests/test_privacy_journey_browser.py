"""Journey J12 in real Chromium, on a phone-sized screen: a person sees and withdraws a
consent, downloads their data, deletes the account and can no longer log in (PR-1)."""

import json
import zipfile

import pytest

from conftest import DEMO_PASSWORD
from meaningflow.accounts.models import ConsentEvent, User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(page, username):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_consent_download_delete_and_no_more_login(page, make_user, reference_data):
    page.set_viewport_size({"width": 390, "height": 844})
    make_user("meimei", display_name="Mei Mei")
    _login(page, "meimei")
    page.wait_for_url("**/accounts/me/")
    page.get_by_role("link", name="Privacy and your data").click()

    # A consent: agree, then withdraw; each answer ends on the page saying what happened.
    matching = page.locator("#consent-matching")
    assert "Not agreed" in matching.inner_text()
    matching.get_by_role("button", name="Agree").click()
    assert "you agreed to" in page.locator(".messages").inner_text()
    assert "Agreed" in page.locator("#consent-matching .consent-state").inner_text()
    page.locator("#consent-matching").get_by_role("button", name="Withdraw").click()
    assert "From now on your data is not used for it." in page.locator(".messages").inner_text()
    assert "Withdrawn" in page.locator("#consent-matching .consent-state").inner_text()
    user = User.objects.get(username="meimei")
    assert list(ConsentEvent.objects.filter(user=user).order_by("pk").values_list("granted", flat=True)) == [
        True,
        False,
    ]

    # Download: the password again, then a page with the link and what comes next.
    page.get_by_role("link", name="Download my data").first.click()
    page.get_by_label("Your password").fill("wrong-password-1")
    page.get_by_role("button", name="Check my password and prepare the download").click()
    assert "This is not your password." in page.locator("#id_password_error").inner_text()
    page.get_by_label("Your password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Check my password and prepare the download").click()
    assert page.get_by_role("heading", name="Your data is ready").is_visible()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the zip file").click()
    archive = zipfile.ZipFile(download_info.value.path())
    english = json.loads(archive.read("en/data.json"))
    account = next(s for s in english["sections"] if s["name"] == "account")
    assert account["rows"][0]["username"] == "meimei"
    consents = next(s for s in english["sections"] if s["name"] == "consent_history")
    assert len(consents["rows"]) == 2 and "zh-hans/data.json" in archive.namelist()

    # Delete: what goes and what stays, the password, a confirmation, then a closing page.
    page.get_by_role("link", name="Back to privacy and your data").click()
    page.get_by_role("link", name="Delete my account").click()
    assert page.get_by_role("heading", name="What is kept, without your name").is_visible()
    page.get_by_label("Your password").fill(DEMO_PASSWORD)
    page.get_by_label("I understand that my account is deleted for good and cannot be restored.").check()
    page.get_by_role("button", name="Delete my account").click()
    page.wait_for_url("**/accounts/deleted/")
    assert page.get_by_role("heading", name="Your account is deleted").is_visible()
    assert "register a new account" in page.locator("main").inner_text()

    # The old login no longer works.
    _login(page, "meimei")
    assert "/accounts/login/" in page.url
    assert page.get_by_role("alert").count() >= 1
    user.refresh_from_db()
    assert user.deleted_at is not None and not user.is_active and user.username == f"deleted:{user.pk}"
