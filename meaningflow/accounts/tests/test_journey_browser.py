"""The newcomer's journey in real Chromium: register → verify identity → edit profile →
switch language → the page is translated."""

import pytest

from conftest import DEMO_PASSWORD
from meaningflow.accounts.models import Identity, User
from meaningflow.accounts.tests.test_identity import VALID_ID

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_register_verify_profile_and_switch_language(page, reference_data):
    page.goto("/accounts/register/")
    page.get_by_label("Username").fill("meimei")
    page.get_by_label("Name shown to others").fill("Mei Mei")
    page.get_by_label("E-mail address").fill("meimei@example.org")
    page.locator("#id_password1").fill(DEMO_PASSWORD)
    page.get_by_label("Password again").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Create account").click()

    # Straight to verification; a wrong check digit is announced on the field.
    page.wait_for_url("**/accounts/me/identity/")
    page.get_by_label("Legal name").fill("韩梅梅")
    bad = VALID_ID[:-1] + ("0" if VALID_ID[-1] != "0" else "1")
    page.get_by_label("Document number").fill(bad)
    page.get_by_role("button", name="Verify").click()
    assert "check digit does not match" in page.locator("#id_number_error").inner_text()
    assert page.get_by_label("Document number").get_attribute("aria-invalid") == "true"
    page.get_by_label("Document number").fill(VALID_ID)
    page.get_by_role("button", name="Verify").click()
    assert page.locator("#masked-number").inner_text() == VALID_ID[:4] + "*" * 10 + VALID_ID[-4:]

    page.goto("/accounts/me/profile/")
    page.get_by_label("Home city in China").select_option(label="Changsha")
    page.get_by_label("How far would you travel?").select_option("national")
    page.get_by_label("Take part and contribute").check()
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/accounts/me/")
    assert "Changsha" in page.locator("main").inner_text()

    # Keyboard only: add a skill through the htmx picker.
    page.goto("/accounts/me/skills/")
    page.get_by_label("Field").select_option("software")
    page.wait_for_selector("#id_skill option[value='software.python']", state="attached")
    page.get_by_role("combobox", name="Skill", exact=True).select_option("software.python")
    page.get_by_label("Level").select_option("3")
    page.get_by_role("button", name="Save skill").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#skill-list table")

    page.get_by_role("button", name="简体中文").click()
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    assert "我的技能" in page.locator("h1").inner_text()
    assert "退出" in page.locator("header").inner_text()

    user = User.objects.get(username="meimei")
    assert Identity.objects.get(user=user).number == VALID_ID
    assert user.profile.home_division.code == "430100"
