"""Reads of the conversations app: threads, messages and unread counts (SPEC DG-5)."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.http import Http404

from meaningflow.conversations.models import Message, Participant, Thread


def threads_for(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[Thread]:
    """Threads ``user`` takes part in, most recent activity first, each with ``unread``."""
    if not user.is_authenticated:
        return Thread.objects.none()
    # ``my_last_read`` reuses the participants join of the filter: one row per thread,
    # the user's own participation. The message join comes after it.
    unread = ~Q(messages__sender=user) & (Q(my_last_read__isnull=True) | Q(messages__created_at__gt=F("my_last_read")))
    return (
        Thread.objects.filter(participants__user_id=user.pk)
        .annotate(my_last_read=F("participants__last_read_at"))
        .annotate(
            unread=Count("messages", filter=unread),
            activity_at=Coalesce("last_message_at", "created_at"),
        )
        .order_by("-activity_at", "-id")
    )


def unread_count(*, user: AbstractBaseUser | AnonymousUser) -> int:
    """Number of messages waiting for ``user`` across all threads."""
    if not user.is_authenticated:
        return 0
    return Message.objects.filter(
        Q(thread__participants__user=user)
        & ~Q(sender=user)
        & (
            Q(thread__participants__last_read_at__isnull=True)
            | Q(created_at__gt=F("thread__participants__last_read_at"))
        )
    ).count()


def thread_for_subject(*, subject: str) -> Thread | None:
    return Thread.objects.filter(subject=subject).first()


def thread_get_for_user(*, user: AbstractBaseUser | AnonymousUser, thread_id: int) -> Thread:
    """The thread, or Http404 when ``user`` is not one of its participants."""
    if not user.is_authenticated:
        raise Http404
    thread = Thread.objects.filter(pk=thread_id, participants__user_id=user.pk).first()
    if thread is None:
        raise Http404
    return thread


def messages_of(*, thread: Thread) -> QuerySet[Message]:
    return Message.objects.filter(thread=thread).select_related("sender").order_by("created_at", "id")


def participants_of(*, thread: Thread) -> QuerySet[Participant]:
    return Participant.objects.filter(thread=thread).select_related("user").order_by("joined_at", "id")


def is_participant(*, thread: Thread, user: AbstractBaseUser | AnonymousUser) -> bool:
    return user.is_authenticated and Participant.objects.filter(thread=thread, user_id=user.pk).exists()
