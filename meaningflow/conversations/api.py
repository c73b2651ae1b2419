"""JSON API of the conversations app, over the same services and selectors as the pages."""

from ninja import Status

from meaningflow.conversations import selectors, services
from meaningflow.conversations.schemas import (
    MessageIn,
    MessageOut,
    ReadOut,
    ThreadDetailOut,
    ThreadOut,
)
from meaningflow.core.idempotency import idempotent
from meaningflow.core.routers import ApiRouter
from meaningflow.core.validators import Id

router = ApiRouter(tags=["conversations"])


@router.get("", response=list[ThreadOut])
def thread_list(request):
    """My threads, most recent activity first, with unread counts."""
    return selectors.threads_for(user=request.user)


@router.get("/{thread_id}", response=ThreadDetailOut)
def thread_detail(request, thread_id: Id):
    thread = selectors.thread_get_for_user(user=request.user, thread_id=thread_id)
    return {
        "id": thread.pk,
        "subject": thread.subject,
        "title": thread.title,
        "created_at": thread.created_at,
        "participants": [p.user for p in selectors.participants_of(thread=thread)],
        "messages": list(selectors.messages_of(thread=thread)),
    }


@router.post("/{thread_id}/messages", response={201: MessageOut})
@idempotent
def message_post(request, thread_id: Id, payload: MessageIn):
    thread = selectors.thread_get_for_user(user=request.user, thread_id=thread_id)
    message = services.message_post(thread=thread, sender=request.user, body=payload.body)
    return Status(201, message)


@router.post("/{thread_id}/read", response=ReadOut)
def thread_read(request, thread_id: Id):
    thread = selectors.thread_get_for_user(user=request.user, thread_id=thread_id)
    services.thread_mark_read(thread=thread, user=request.user)
    return {"unread_total": selectors.unread_count(user=request.user)}
