"""Messages through the API (issue 12): a NUL character is refused (item 5) and a message
sent twice with one Idempotency-Key is posted once (item 8)."""

import json

import pytest

from meaningflow.accounts.services import api_token_create
from meaningflow.conversations import services
from meaningflow.conversations.models import Message

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


@pytest.fixture
def thread(alice, bob):
    return services.thread_open(subject="needs.application:1", title="Dumplings", participants=[alice, bob])


def send(client, thread, token, body, **extra):
    return client.post(
        f"/api/v1/conversations/{thread.pk}/messages",
        json.dumps({"body": body}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        **extra,
    )


def test_a_message_with_a_nul_is_refused(client, thread, alice):
    response = send(client, thread, api_token_create(user=alice, name="t")[1], "hi\u0000")
    assert response.status_code == 400 and response.json()["code"] == "text.nul_character"
    assert not Message.objects.exists()


def test_a_message_sent_twice_with_one_key_is_posted_once(client, thread, alice):
    token = api_token_create(user=alice, name="t")[1]
    first = send(client, thread, token, "See you at nine", HTTP_IDEMPOTENCY_KEY="msg-1")
    again = send(client, thread, token, "See you at nine", HTTP_IDEMPOTENCY_KEY="msg-1")
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert Message.objects.count() == 1
    assert send(client, thread, token, "See you at nine").status_code == 201  # no key: a new message
    assert Message.objects.count() == 2
