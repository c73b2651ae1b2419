"""The Dream Garden journey in real Chromium: an organisation member posts a need → a
matching person sees it recommended with reasons → applies → is accepted → they exchange
messages → both confirm completion and review → the CV history shows the contribution."""

from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import DEMO_PASSWORD
from meaningflow.needs.models import Application

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page, username):
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/accounts/me/")


def test_post_recommend_apply_accept_message_complete_review_cv(page, organisation, person):
    start = timezone.localtime(timezone.now() + timedelta(days=5)).replace(second=0, microsecond=0)

    login(page, "alice")
    page.goto("/needs/new/")
    page.locator("#id_organisation").select_option(label="Furong Community")
    page.locator("#id_type").select_option("community_service")
    page.locator("#id_language").select_option("zh")
    page.locator("#id_title").fill("包饺子文化体验")
    page.locator("#id_title_en").fill("Dumpling-making cultural experience")
    page.locator("#id_description").fill("和社区老人一起包饺子。")
    page.locator("#id_division").select_option(label="Changsha")
    page.locator("#id_starts_at").fill(start.strftime("%Y-%m-%dT%H:%M"))
    page.locator("#id_ends_at").fill((start + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"))
    page.locator("#id_hours_per_week").fill("3")
    page.locator("#id_places").fill("2")
    page.locator("#id_skill_1").select_option("food.dumplings")
    page.locator("#id_level_1").select_option("2")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/needs/*/")
    assert "Dumpling-making cultural experience" in page.locator("h1").inner_text()

    login(page, "bob")
    page.goto("/needs/recommended/")
    card = page.locator(".recommendation").first
    assert "Dumpling-making cultural experience" in card.inner_text()
    card.locator("summary").click()
    assert "You know Dumpling making" in card.locator(".part-skills").inner_text()
    assert "In your home area." in card.locator(".part-distance").inner_text()
    card.get_by_role("link", name="Dumpling-making cultural experience").click()
    page.get_by_label("Message to the organisers").fill("我会包饺子，周六有空。")
    page.get_by_role("button", name="Send application").click()
    page.wait_for_url("**/needs/applications/*/")
    application = Application.objects.get()

    login(page, "alice")
    page.goto(f"/needs/applications/{application.pk}/")
    page.get_by_role("button", name="Accept").click()
    assert page.locator("#application-status").inner_text() == "Accepted"
    page.get_by_label("Your message").fill("欢迎！周六上午九点见。")
    page.get_by_role("button", name="Send message").click()
    assert "周六上午九点见" in page.locator("#thread-messages").inner_text()
    page.get_by_role("button", name="Start the work").click()
    page.get_by_label("How did it go?").select_option("completed")
    page.get_by_label("Hours given").fill("3")
    page.get_by_role("button", name="Record the outcome").click()

    login(page, "bob")
    page.goto(f"/needs/applications/{application.pk}/")
    assert "欢迎" in page.locator("#thread-messages").inner_text()
    page.get_by_label("Your message").fill("谢谢，准时到。")
    page.get_by_role("button", name="Send message").click()
    page.get_by_role("button", name="Confirm completion").click()
    assert page.locator("#application-status").inner_text() == "Completed"
    page.get_by_label("Rating").select_option("5")
    page.get_by_label("Comment").fill("Warm and well organised.")
    page.get_by_role("button", name="Submit review").click()
    page.wait_for_selector("#review-done")

    login(page, "alice")
    page.goto(f"/needs/applications/{application.pk}/")
    assert "谢谢" in page.locator("#thread-messages").inner_text()
    page.get_by_label("Rating").select_option("5")
    page.get_by_role("button", name="Submit review").click()
    assert page.locator("#application-status").inner_text() == "Reviewed"

    login(page, "bob")
    page.goto("/cv/")
    contributions = page.locator("#contrib-h + p + table").inner_text()
    assert "Project contribution" in contributions
    assert "completion=1.0" in contributions and "project_base=500" in contributions
