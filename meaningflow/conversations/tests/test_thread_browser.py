"""In real Chromium: htmx posting appends without a reload; errors are announced;
a message from the other side arrives through the poller without duplicates."""

import pytest

from conftest import DEMO_PASSWORD
from meaningflow.conversations import services
from meaningflow.conversations.models import Message

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page, username):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_post_in_place_then_receive_by_polling(page, alice, bob):
    thread = services.thread_open(subject="needs.application:1", title="Garden", participants=[alice, bob])
    login(page, "alice")
    page.goto(f"/conversations/{thread.pk}/")
    page.evaluate("window.__sameDocument = true")

    page.get_by_role("button", name="Send").click()
    page.locator("#id_body_error[role=alert]").wait_for()

    page.get_by_label("Your message").fill("Shall we start on Saturday?")
    page.get_by_role("button", name="Send").click()
    page.locator("#message-list li", has_text="Shall we start on Saturday?").wait_for()
    assert page.get_by_label("Your message").input_value() == ""
    assert page.evaluate("window.__sameDocument") is True  # no full reload

    services.message_post(thread=thread, sender=bob, body="Saturday works for me")
    # Poll now, as the poller would after 15 s; its marker keeps it from repeating messages.
    poll = (
        "htmx.ajax('GET', document.getElementById('message-poller').getAttribute('hx-get'),"
        " {target: '#message-list', swap: 'beforeend'})"
    )
    page.evaluate(poll)
    page.locator("#message-list li", has_text="Saturday works for me").wait_for()
    page.evaluate(poll)
    assert page.locator("#message-list li").count() == Message.objects.count() == 2
