from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

from config.api import api

handler404 = "config.api.page_not_found"  # JSON under /api/

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("accounts/", include("meaningflow.accounts.urls")),
    path("cv/", include("meaningflow.ledger.urls")),
    path("conversations/", include("meaningflow.conversations.urls")),
    path("reviews/", include("meaningflow.reviews.urls")),
    path("needs/", include("meaningflow.needs.urls")),
    path("resources/", include("meaningflow.resources.urls")),
    path("assistance/", include("meaningflow.assistance.urls")),
    path("", include("meaningflow.core.urls")),
]
if settings.SERVE_MEDIA:
    # Uploaded photos for `make run`; in production a web server or object store serves them.
    urlpatterns += [re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT})]
