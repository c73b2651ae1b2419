from django.urls import path

from meaningflow.resources import views

app_name = "resources"
urlpatterns = [
    path("", views.resource_list, name="list"),
    path("map.json", views.resource_map_json, name="map_json"),
    path("new/", views.resource_create, name="create"),
    path("mine/", views.my_resources, name="mine"),
    path("utilisation/", views.utilisation, name="utilisation"),
    path("<int:pk>/", views.resource_detail, name="detail"),
    path("<int:pk>/calendar.ics", views.resource_calendar, name="calendar"),
    path("<int:pk>/edit/", views.resource_edit, name="edit"),
    path("<int:pk>/manage/", views.resource_manage, name="manage"),
    path("<int:pk>/book/", views.booking_create, name="book"),
    path("bookings/<int:pk>/", views.booking_detail, name="booking_detail"),
    path("bookings/<int:pk>/<slug:action>/", views.booking_action, name="booking_action"),
]
