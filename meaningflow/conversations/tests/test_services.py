"""Threads, posting, notifications and unread counts (SPEC DG-5)."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404

from meaningflow.conversations import selectors, services
from meaningflow.conversations.models import Message, Participant, Thread
from meaningflow.core.errors import error_codes
from meaningflow.core.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def thread(alice, bob):
    return services.thread_open(subject="needs.application:42", title="Garden", participants=[alice, bob])


def test_thread_open_is_idempotent_per_subject_and_adds_missing_people(thread, alice, bob, charlie):
    again = services.thread_open(subject="needs.application:42", title="Other", participants=[bob, charlie])
    assert again.pk == thread.pk and again.title == "Garden"
    assert set(Participant.objects.filter(thread=thread).values_list("user__username", flat=True)) == {
        "alice",
        "bob",
        "charlie",
    }
    assert selectors.thread_for_subject(subject="needs.application:42") == thread
    assert selectors.thread_for_subject(subject="needs.application:43") is None


@pytest.mark.postgres
def test_posting_notifies_the_other_side_in_app_and_by_email(
    thread, alice, bob, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = services.message_post(thread=thread, sender=alice, body="  When can you come?  ")
    assert message.body == "When can you come?"
    notification = Notification.objects.get(recipient=bob)
    assert notification.kind == "conversations.message"
    assert notification.url == f"/conversations/{thread.pk}/"
    assert not Notification.objects.filter(recipient=alice).exists()
    assert [m.to for m in mailoutbox] == [["bob@example.org"]]
    assert "When can you come?" in mailoutbox[0].body


@pytest.mark.postgres
def test_outsider_cannot_post(thread, charlie):
    with pytest.raises(PermissionDenied) as refused:
        services.message_post(thread=thread, sender=charlie, body="hello")
    assert error_codes(refused.value) == ["thread.not_participant"]
    assert not Message.objects.exists() and not Notification.objects.exists()


@pytest.mark.postgres
@pytest.mark.parametrize("body", ["", "   \n ", "x" * 5001])
def test_bad_bodies_are_refused_and_nothing_is_written(thread, alice, body):
    with pytest.raises(ValidationError) as refused:
        services.message_post(thread=thread, sender=alice, body=body)
    assert error_codes(refused.value) == ["message.too_long" if body.strip() else "message.empty"]
    assert not Message.objects.exists() and not Notification.objects.exists()


def test_longest_allowed_body_is_accepted(thread, alice):
    assert len(services.message_post(thread=thread, sender=alice, body="x" * 5000).body) == 5000


@pytest.mark.postgres
def test_empty_body_is_refused_by_the_database_too(thread, alice):
    with pytest.raises(IntegrityError), transaction.atomic():
        Message.objects.create(thread=thread, sender=alice, body="")


@pytest.mark.postgres
def test_unread_counts_go_up_and_down(thread, alice, bob, charlie):
    other = services.thread_open(subject="resources.booking:7", title="Room", participants=[bob, charlie])
    services.message_post(thread=thread, sender=alice, body="one")
    services.message_post(thread=thread, sender=alice, body="two")
    services.message_post(thread=other, sender=charlie, body="three")
    assert selectors.unread_count(user=bob) == 3
    assert selectors.unread_count(user=alice) == 0  # own messages are never unread
    assert {t.pk: t.unread for t in selectors.threads_for(user=bob)} == {thread.pk: 2, other.pk: 1}

    services.thread_mark_read(thread=thread, user=bob)
    assert selectors.unread_count(user=bob) == 1
    assert {t.pk: t.unread for t in selectors.threads_for(user=bob)} == {thread.pk: 0, other.pk: 1}

    # Replying reads the thread for the sender and makes it unread for the other side.
    services.message_post(thread=other, sender=bob, body="four")
    assert selectors.unread_count(user=bob) == 0
    assert selectors.unread_count(user=charlie) == 1


def test_threads_are_listed_most_recent_first(thread, alice, bob):
    older = services.thread_open(subject="needs.application:1", title="Older", participants=[alice, bob])
    Thread.objects.filter(pk=older.pk).update(created_at=thread.created_at - timedelta(days=3))
    assert [t.pk for t in selectors.threads_for(user=alice)] == [thread.pk, older.pk]
    services.message_post(thread=older, sender=bob, body="bump")
    assert [t.pk for t in selectors.threads_for(user=alice)] == [older.pk, thread.pk]


@pytest.mark.postgres
def test_thread_get_for_user_hides_other_peoples_threads(thread, alice, charlie):
    assert selectors.thread_get_for_user(user=alice, thread_id=thread.pk) == thread
    with pytest.raises(Http404):
        selectors.thread_get_for_user(user=charlie, thread_id=thread.pk)
    with pytest.raises(PermissionDenied) as refused:
        services.thread_mark_read(thread=thread, user=charlie)
    assert error_codes(refused.value) == ["thread.not_participant"]
    assert list(selectors.threads_for(user=charlie)) == []


def test_added_participant_sees_the_thread(thread, charlie):
    services.thread_add_participant(thread=thread, user=charlie)
    services.thread_add_participant(thread=thread, user=charlie)
    assert [t.pk for t in selectors.threads_for(user=charlie)] == [thread.pk]
