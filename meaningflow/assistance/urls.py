from django.urls import path

from meaningflow.assistance import views

app_name = "assistance"
urlpatterns = [
    path("", views.workspace, name="workspace"),
    path("import/", views.import_upload, name="import"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("imports/<int:pk>/report.csv", views.import_report, name="import_report"),
    path("discover/", views.discover, name="discover"),
    path("persons/<int:pk>/", views.person_detail, name="person_detail"),
    path("persons/<int:pk>/reveal/", views.person_reveal, name="person_reveal"),
    path("persons/<int:pk>/profile/", views.person_profile, name="person_profile"),
    path("persons/<int:pk>/plan/", views.plan_save, name="plan_save"),
    path("persons/<int:pk>/plan/steps/", views.plan_step_add, name="plan_step_add"),
    path("persons/<int:pk>/events/", views.case_event_add, name="case_event_add"),
    path("steps/<int:pk>/status/", views.plan_step_status, name="plan_step_status"),
    path("pushes/<int:pk>/send/", views.push_send, name="push_send"),
    path("warnings/", views.warning_list, name="warning_list"),
    path("warnings/<int:pk>/resolve/", views.warning_resolve, name="warning_resolve"),
    path("export/", views.export, name="export"),
    path("me/", views.my_pushes, name="my_pushes"),
    path("me/pushes/<int:pk>/respond/", views.my_push_respond, name="my_push_respond"),
    path("me/profile/<int:pk>/", views.my_profile, name="my_profile"),
]
