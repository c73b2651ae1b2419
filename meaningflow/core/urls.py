from django.urls import path

from meaningflow.core import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("display/large-type/", views.large_type_toggle, name="large_type_toggle"),
    path("notifications/", views.notification_list, name="notification_list"),
    path("healthz", views.healthz, name="healthz"),
]
