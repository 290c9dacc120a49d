"""The security officer's audit pages."""

from django.urls import path

from portal.audit import views

app_name = "audit"

urlpatterns = [
    path("", views.event_list, name="events"),
    path("export.csv", views.export, {"fmt": "csv"}, name="export_csv"),
    path("export.jsonl", views.export, {"fmt": "jsonl"}, name="export_jsonl"),
    path("verify/", views.verify, name="verify"),
    path("checkpoints/sign/", views.sign_now, name="sign_checkpoint"),
    path("checkpoints.json", views.checkpoints, name="checkpoints"),
]
