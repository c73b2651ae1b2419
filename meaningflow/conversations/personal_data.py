"""Conversations' part of a person's data (PR-1): what the export holds and what account
deletion does (registered in ``ConversationsConfig.ready``; ``accounts.personal_data``)."""

from django.utils.translation import gettext_lazy

from meaningflow.accounts.personal_data import Provider, Section
from meaningflow.conversations.models import Message

# What a deleted person's messages say from then on (a message is never empty).
ERASED_BODY = "—"


def _sections(*, user, reveal_identity: bool) -> list[Section]:
    return [
        Section(
            "messages",
            gettext_lazy("Messages in your conversations"),
            (
                ("conversation", gettext_lazy("Conversation")),
                ("at", gettext_lazy("Sent")),
                ("from_you", gettext_lazy("Sent by you")),
                ("sender", gettext_lazy("Sender")),
                ("text", gettext_lazy("Message")),
            ),
            Message.objects.filter(thread__participants__user=user)
            .select_related("thread", "sender")
            .order_by("thread_id", "created_at", "pk"),
            lambda m: {
                "conversation": m.thread.title,
                "at": m.created_at,
                "from_you": m.sender_id == user.pk,
                "sender": str(m.sender),
                "text": m.body,
            },
        )
    ]


def _erase(*, user) -> dict:
    """The other participants keep their conversation; what the person wrote is erased and
    their name shows as a former member."""
    return {"messages": Message.objects.filter(sender=user).exclude(body=ERASED_BODY).update(body=ERASED_BODY)}


PROVIDER = Provider(name="conversations", sections=_sections, erase=_erase)
