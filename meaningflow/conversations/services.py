"""Writes of the conversations app (SPEC DG-5).

These services are called from pages and the API and also from other apps' services
(e.g. ``needs`` opens a thread when someone applies), so they use plain ``atomic()``
and join the caller's transaction.
"""

from collections.abc import Sequence

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from meaningflow.conversations.models import MESSAGE_MAX_LENGTH, Message, Participant, Thread
from meaningflow.core import transactions
from meaningflow.core.errors import Forbidden
from meaningflow.core.services import notification_send

User = get_user_model()

NOTIFICATION_KIND = "conversations.message"


@transactions.entry_point
def thread_open(*, subject: str, title: str, participants: Sequence[AbstractBaseUser]) -> Thread:
    """Open the thread of ``subject`` (a typed reference such as ``needs.application:42``).

    Idempotent per subject: a second call returns the existing thread and adds any
    participants it does not have yet (the title of an existing thread is kept).
    """
    if not subject:
        raise ValidationError(
            {"subject": ValidationError(_("A thread needs a subject."), code="thread.subject_missing")}
        )
    with transactions.atomic():
        thread, _created = Thread.objects.get_or_create(subject=subject, defaults={"title": title[:200]})
        _participants_add(thread=thread, users=participants)
    return thread


@transactions.entry_point
def thread_add_participant(*, thread: Thread, user: AbstractBaseUser) -> Participant:
    with transactions.atomic():
        _participants_add(thread=thread, users=[user])
    return Participant.objects.get(thread=thread, user_id=user.pk)


def _participants_add(*, thread: Thread, users: Sequence[AbstractBaseUser]) -> None:
    # ignore_conflicts: a concurrent thread_open for the same subject may add the same people.
    Participant.objects.bulk_create(
        [Participant(thread=thread, user_id=pk) for pk in {u.pk for u in users}],
        ignore_conflicts=True,
    )


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": ValidationError(_("Write a message before sending it."), code="message.empty")})
    if len(body) > MESSAGE_MAX_LENGTH:
        raise ValidationError(
            {
                "body": ValidationError(
                    _("A message can be at most %(max)d characters long.") % {"max": MESSAGE_MAX_LENGTH},
                    code="message.too_long",
                )
            }
        )
    return body


@transactions.entry_point
def message_post(*, thread: Thread, sender: AbstractBaseUser, body: str) -> Message:
    """Post ``body`` to ``thread`` and notify the other participants (in-app and e-mail).

    Raises PermissionDenied when ``sender`` is not a participant and ValidationError when
    the body is empty or longer than MESSAGE_MAX_LENGTH characters. The sender's own
    unread marker moves past the new message.
    """
    body = _clean_body(body)
    with transactions.atomic():
        if not Participant.objects.filter(thread=thread, user_id=sender.pk).exists():
            raise Forbidden(
                _("Only the participants of a conversation can write in it."), code="thread.not_participant"
            )
        # The user model is settings.AUTH_USER_MODEL, another app's class that cannot be
        # named here (import-linter), so mypy knows ``sender`` only as AbstractBaseUser.
        message = Message.objects.create(thread=thread, sender=sender, body=body)  # type: ignore[misc]
        Thread.objects.filter(pk=thread.pk).update(last_message_at=message.created_at)
        Participant.objects.filter(thread=thread, user_id=sender.pk).update(last_read_at=message.created_at)
        _notify_others(message=message)
    thread.last_message_at = message.created_at
    return message


def _notify_others(*, message: Message) -> None:
    thread = message.thread
    url = reverse("conversations:thread_detail", args=[thread.pk])
    recipients = User.objects.filter(conversation_participations__thread=thread).exclude(pk=message.sender_id)
    excerpt = message.body if len(message.body) <= 280 else message.body[:279] + "…"
    for recipient in recipients:
        with translation.override(recipient.preferred_language or translation.get_language()):
            notification_send(
                recipient=recipient,
                kind=NOTIFICATION_KIND,
                title=_("New message from %(sender)s: %(title)s") % {"sender": message.sender, "title": thread.title},
                body=excerpt,
                url=url,
                email=True,
            )


def thread_mark_read(*, thread: Thread, user: AbstractBaseUser) -> None:
    """Mark every message of ``thread`` as read for ``user``; PermissionDenied for outsiders."""
    updated = Participant.objects.filter(thread=thread, user_id=user.pk).update(last_read_at=timezone.now())
    if not updated:
        raise Forbidden(_("Only the participants of a conversation can read it."), code="thread.not_participant")
