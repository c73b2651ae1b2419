from django.urls import path

from meaningflow.ledger import views

app_name = "ledger"
urlpatterns = [
    path("", views.history, name="history"),
    path("how/", views.how, name="how"),
    path("export.csv", views.export_csv, name="export_csv"),
    path("export.json", views.export_json, name="export_json"),
    path("statement.json", views.statement, name="statement"),
    path("transactions/<int:pk>/", views.transaction_detail, name="transaction_detail"),
]
