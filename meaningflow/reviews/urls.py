from django.urls import path

from meaningflow.reviews import views

app_name = "reviews"
urlpatterns = [
    path("", views.review_home, name="home"),
    path("moderation/", views.moderation, name="moderation"),
    path("<int:window_id>/", views.window_detail, name="window_detail"),
]
