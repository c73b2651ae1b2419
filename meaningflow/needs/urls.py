from django.urls import path

from meaningflow.needs import views

app_name = "needs"
urlpatterns = [
    path("", views.need_list, name="list"),
    path("new/", views.need_create, name="create"),
    path("mine/", views.my_needs, name="mine"),
    path("recommended/", views.recommended, name="recommended"),
    path("recommended/forget-views/", views.views_forget, name="views_forget"),
    path("how-matching-works/", views.how_matching_works, name="how_matching_works"),
    path("applications/", views.my_applications, name="my_applications"),
    path("applications/<int:application_id>/", views.application_detail, name="application_detail"),
    path(
        "applications/<int:application_id>/action/",
        views.application_action,
        name="application_action",
    ),
    path("<int:need_id>/", views.need_detail, name="detail"),
    path("<int:need_id>/edit/", views.need_edit, name="edit"),
    path("<int:need_id>/transition/", views.need_transition, name="transition"),
    path("<int:need_id>/apply/", views.apply, name="apply"),
    path("<int:need_id>/applications/", views.need_applications, name="applications"),
    path("<int:need_id>/people/<int:user_id>/", views.candidate_detail, name="candidate"),
    path("<int:need_id>/allocate/", views.need_allocate, name="allocate"),
]
