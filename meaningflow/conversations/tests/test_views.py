"""Pages and API of conversations: participant-only access, htmx posting, polling."""

import pytest

from meaningflow.conversations import selectors, services
from meaningflow.conversations.context_processors import unread_messages
from meaningflow.conversations.models import Message
from meaningflow.core.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def thread(alice, bob):
    return services.thread_open(subject="needs.application:42", title="Garden", participants=[alice, bob])


def test_thread_list_shows_unread_counts(client, thread, alice, bob):
    services.message_post(thread=thread, sender=alice, body="hello")
    client.force_login(bob)
    response = client.get("/conversations/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "Garden" in response.text and "1 unread message" in response.text


def test_opening_a_thread_marks_it_read(client, thread, alice, bob):
    services.message_post(thread=thread, sender=alice, body="hello <b>there</b>")
    client.force_login(bob)
    response = client.get(f"/conversations/{thread.pk}/")
    assert response.status_code == 200
    assert "hello &lt;b&gt;there&lt;/b&gt;" in response.text
    assert 'hx-trigger="every 15s"' in response.text
    assert selectors.unread_count(user=bob) == 0


@pytest.mark.postgres
def test_outsider_gets_404_on_page_and_api(client, thread, charlie):
    client.force_login(charlie)
    assert client.get(f"/conversations/{thread.pk}/").status_code == 404
    assert client.post(f"/conversations/{thread.pk}/", {"body": "hi"}).status_code == 404
    assert client.get(f"/conversations/{thread.pk}/messages/").status_code == 404
    assert client.get(f"/api/v1/conversations/{thread.pk}").status_code == 404
    api_post = client.post(
        f"/api/v1/conversations/{thread.pk}/messages",
        {"body": "hi"},
        content_type="application/json",
    )
    assert api_post.status_code == 404
    assert client.post(f"/api/v1/conversations/{thread.pk}/read").status_code == 404
    assert client.get("/api/v1/conversations/").json() == []
    assert not Message.objects.exists()


def test_anonymous_is_sent_to_login(client, thread):
    response = client.get(f"/conversations/{thread.pk}/")
    assert response.status_code == 302 and "login" in response.url


def test_plain_post_redirects(client, thread, alice):
    client.force_login(alice)
    response = client.post(f"/conversations/{thread.pk}/", {"body": "plain"})
    assert response.status_code == 302
    assert Message.objects.get().body == "plain"


def test_htmx_post_appends_the_message_and_resets_the_form(client, thread, alice, bob):
    earlier = services.message_post(thread=thread, sender=bob, body="arrived since last poll")
    client.force_login(alice)
    response = client.post(f"/conversations/{thread.pk}/", {"body": "htmx hello", "after": 0}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    text = response.text
    assert "htmx hello" in text and "arrived since last poll" in text
    assert "<html" not in text
    mine = Message.objects.get(body="htmx hello")
    assert f'name="after" value="{mine.pk}"' in text and 'id="message-form"' in text
    # A second post from the new marker does not repeat what is already on the page.
    again = client.post(f"/conversations/{thread.pk}/", {"body": "next", "after": mine.pk}, HTTP_HX_REQUEST="true")
    assert "htmx hello" not in again.text and earlier.body not in again.text


def test_htmx_post_with_empty_body_shows_the_error_and_writes_nothing(client, thread, alice):
    client.force_login(alice)
    response = client.post(
        f"/conversations/{thread.pk}/",
        {"body": "   "},
        HTTP_HX_REQUEST="true",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert 'role="alert"' in response.text and 'aria-invalid="true"' in response.text
    assert not Message.objects.exists()


def test_poll_returns_only_newer_messages(client, thread, alice, bob):
    first = services.message_post(thread=thread, sender=alice, body="first")
    services.message_post(thread=thread, sender=alice, body="second")
    client.force_login(bob)
    response = client.get(f"/conversations/{thread.pk}/messages/?after={first.pk}")
    assert "second" in response.text and "first" not in response.text
    assert selectors.unread_count(user=bob) == 0


def test_api_list_detail_post_read(client, thread, alice, bob, mailoutbox, django_capture_on_commit_callbacks):
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/api/v1/conversations/{thread.pk}/messages",
            {"body": "via api"},
            content_type="application/json",
        )
    assert response.status_code == 201
    assert response.json()["body"] == "via api" and response.json()["sender"]["id"] == alice.pk
    assert Notification.objects.filter(recipient=bob).count() == 1 and len(mailoutbox) == 1

    client.force_login(bob)
    listing = client.get("/api/v1/conversations/").json()
    assert [(t["id"], t["unread"]) for t in listing] == [(thread.pk, 1)]
    detail = client.get(f"/api/v1/conversations/{thread.pk}").json()
    assert [m["body"] for m in detail["messages"]] == ["via api"]
    assert {p["id"] for p in detail["participants"]} == {alice.pk, bob.pk}
    assert client.post(f"/api/v1/conversations/{thread.pk}/read").json() == {"unread_total": 0}
    assert client.get("/api/v1/conversations/").json()[0]["unread"] == 0


@pytest.mark.postgres
@pytest.mark.parametrize("body", ["", "x" * 5001])
def test_api_refuses_bad_bodies(client, thread, alice, body):
    client.force_login(alice)
    response = client.post(
        f"/api/v1/conversations/{thread.pk}/messages",
        {"body": body},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert response.json()["code"] == ("message.too_long" if body else "message.empty")
    assert response.json()["errors"][0]["field"] == "body"
    assert not Message.objects.exists()


def test_thread_list_query_count_does_not_grow(client, alice, bob, django_assert_max_num_queries):
    for i in range(15):
        t = services.thread_open(subject=f"needs.application:{i}", title=f"T{i}", participants=[alice, bob])
        services.message_post(thread=t, sender=bob, body="hi")
    client.force_login(alice)
    with django_assert_max_num_queries(8):
        assert client.get("/conversations/").status_code == 200


def test_context_processor_counts_lazily(rf, thread, alice, bob, django_assert_num_queries):
    services.message_post(thread=thread, sender=alice, body="hi")
    request = rf.get("/")
    request.user = bob
    value = unread_messages(request)["unread_messages"]
    with django_assert_num_queries(1):
        assert value() == 1 and value() == 1
