"""The progress dashboard, per-State pages, chart data and the editors' pages."""

from django.urls import path

from practices.progress import views

app_name = "progress"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("data/<slug:chart>.csv", views.chart_csv, name="chart_csv"),
    path("manage/", views.manage_index, name="manage"),
    path("manage/publication/", views.manage_publication, name="manage_publication"),
    path("manage/<slug:record_type>/add/", views.manage_add, name="manage_add"),
    path("manage/<slug:record_type>/<int:pk>/", views.manage_edit, name="manage_edit"),
    path("<str:iso_code>/", views.state_progress, name="state"),
]
