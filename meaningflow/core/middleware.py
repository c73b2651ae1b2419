from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpResponseBadRequest, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render

from meaningflow.core.transactions import Busy
from meaningflow.core.validators import NUL, nul_error

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


class RejectNulMiddleware:
    """Refuse (400) any request with a NUL character in its path, query string, cookies or
    form data, before a view hands it to the database (PostgreSQL cannot store NUL; such a
    search once answered 500). JSON bodies are checked by the API's parser (config.api)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._has_nul(request):
            error = nul_error()
            if request.path_info.startswith("/api/"):
                return JsonResponse({"detail": error.messages[0], "code": error.code, "errors": []}, status=400)
            return HttpResponseBadRequest(error.messages[0], content_type="text/plain; charset=utf-8")
        return self.get_response(request)

    @staticmethod
    def _has_nul(request) -> bool:
        if NUL in request.path_info:
            return True
        if any(NUL in key or NUL in value for key, value in request.COOKIES.items()):
            return True
        if any(NUL in key or any(NUL in v for v in values) for key, values in request.GET.lists()):
            return True
        if request.method == "POST" and request.content_type in _FORM_TYPES:
            try:
                return any(NUL in key or any(NUL in v for v in values) for key, values in request.POST.lists())
            except (RequestDataTooBig, TooManyFieldsSent, MultiPartParserError, OSError):
                return False  # the view's own handling answers 400/413
        return False


_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class BusyMiddleware:
    """A page instead of a server error when a service gave up on a contended database
    (``core.transactions.Busy``, after its bounded retries): 503 with ``Retry-After``, saying
    that nothing was changed and the person may try again. The API answers the same through
    config/api.py's exception map."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, Busy):
            return None
        if request.path_info.startswith("/api/"):
            response = JsonResponse({"detail": str(exception), "code": exception.code}, status=503)
        else:
            again = request.get_full_path() if request.method in ("GET", "HEAD") else ""
            response = render(request, "core/busy.html", {"message": str(exception), "again": again}, status=503)
        response["Retry-After"] = str(exception.retry_after)
        return response
