from django.urls import path

from meaningflow.conversations import views

app_name = "conversations"
urlpatterns = [
    path("", views.thread_list, name="thread_list"),
    path("<int:thread_id>/", views.thread_detail, name="thread_detail"),
    path("<int:thread_id>/messages/", views.thread_messages, name="thread_messages"),
]
