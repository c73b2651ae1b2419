LARGE_TYPE_COOKIE = "mf_large_type"


class LargeTypeMiddleware:
    """Elderly-friendly large-type mode (ID-7): from the user's setting or a cookie."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            request.large_type = bool(user.large_type)
        else:
            request.large_type = request.COOKIES.get(LARGE_TYPE_COOKIE) == "1"
        return self.get_response(request)
