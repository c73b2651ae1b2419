from meaningflow.accounts import selectors


def roles(request):
    """Role flags for the navigation, computed lazily (only when a template uses them)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"is_officer": False, "is_moderator": False}
    return {
        "is_officer": lambda: selectors.is_officer(user=user),
        "is_moderator": lambda: selectors.is_moderator(user=user),
    }
