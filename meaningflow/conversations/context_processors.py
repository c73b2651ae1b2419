from functools import cache

from meaningflow.conversations.selectors import unread_count


def unread_messages(request) -> dict:
    """``unread_messages`` for the navigation badge; counted only if a template asks."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_messages": 0}
    return {"unread_messages": cache(lambda: unread_count(user=user))}
