from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from meaningflow.core.middleware import LARGE_TYPE_COOKIE
from meaningflow.core.redirects import safe_next_url
from meaningflow.core.selectors import notifications_for
from meaningflow.core.services import notifications_mark_read


def home(request):
    return render(request, "core/home.html")


def _safe_next(request, fallback: str = "/") -> str:
    return safe_next_url(request, fallback, referer=True)


@require_POST
def large_type_toggle(request):
    enabled = request.POST.get("enabled") == "1"
    if request.user.is_authenticated:
        request.user.large_type = enabled
        request.user.save(update_fields=["large_type"])
    response = HttpResponseRedirect(_safe_next(request))
    response.set_cookie(LARGE_TYPE_COOKIE, "1" if enabled else "0", max_age=365 * 24 * 3600, samesite="Lax")
    return response


@login_required
def notification_list(request):
    notifications = list(notifications_for(user=request.user))
    notifications_mark_read(recipient=request.user)
    return render(request, "core/notifications.html", {"notifications": notifications})


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
