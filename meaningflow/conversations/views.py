"""Pages of the conversations app: the thread list and one thread with its messages.

The thread page works without JavaScript (post → redirect); with htmx a post appends the
new message and a poller fetches messages newer than the last one every 15 seconds.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from meaningflow.conversations import selectors, services
from meaningflow.conversations.forms import MessageForm
from meaningflow.core.errors import add_errors_to_form


def _get_thread_for_user(request, thread_id: int):
    return selectors.thread_get_for_user(user=request.user, thread_id=thread_id)


@login_required
@require_GET
def thread_list(request):
    threads = selectors.threads_for(user=request.user)
    return render(request, "conversations/thread_list.html", {"threads": threads})


def _after(data) -> int:
    try:
        return max(0, int(data.get("after", 0)))
    except (TypeError, ValueError):
        return 0


def _messages_after(request, thread, after: int) -> dict:
    """Context of an htmx fragment: messages newer than ``after`` (read now by the viewer)."""
    new_messages = list(selectors.messages_of(thread=thread).filter(pk__gt=after))
    if new_messages:
        services.thread_mark_read(thread=thread, user=request.user)
    return {
        "thread": thread,
        "messages_new": new_messages,
        "last_id": new_messages[-1].pk if new_messages else after,
    }


@login_required
def thread_detail(request, thread_id: int):
    thread = _get_thread_for_user(request, thread_id)
    form = MessageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.message_post(thread=thread, sender=request.user, body=form.cleaned_data["body"])
        except ValidationError as exc:
            add_errors_to_form(form, exc)
        else:
            if not request.htmx:
                return redirect("conversations:thread_detail", thread_id=thread.pk)
            form = MessageForm()
    if request.htmx and request.method == "POST":
        # Everything newer than the page's marker is appended (the new message and any
        # that arrived since the last poll); the form, cleared or with its errors, and
        # the poller's marker are swapped out of band.
        context = _messages_after(request, thread, _after(request.POST))
        return render(request, "conversations/partials/posted.html", {**context, "form": form})
    services.thread_mark_read(thread=thread, user=request.user)
    thread_messages = list(selectors.messages_of(thread=thread))
    return render(
        request,
        "conversations/thread_detail.html",
        {
            "thread": thread,
            "thread_messages": thread_messages,
            "form": form,
            "participants": selectors.participants_of(thread=thread),
            "last_id": thread_messages[-1].pk if thread_messages else 0,
        },
    )


@login_required
@require_GET
def thread_messages(request, thread_id: int):
    """htmx poll: messages newer than ``after``, plus an updated poller."""
    thread = _get_thread_for_user(request, thread_id)
    context = _messages_after(request, thread, _after(request.GET))
    return render(request, "conversations/partials/poll.html", context)
