"""URLs of the restricted exchange, under /exchange/."""

from django.urls import path, register_converter

from exchange import views


class DownloadIdConverter:
    """A download id: 32 lowercase hex digits (`uuid4().hex`)."""

    regex = "[0-9a-f]{32}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(DownloadIdConverter, "hex32")

app_name = "exchange"

urlpatterns = [
    path("", views.document_list, name="list"),
    path("recent/", views.recent_documents, name="recent"),
    path("new/", views.document_create, name="create"),
    path("<int:pk>/", views.document_detail, name="detail"),
    path("<int:pk>/versions/new/", views.version_create, name="version_create"),
    path("<int:pk>/sharing/", views.document_sharing, name="sharing"),
    path(
        "<int:pk>/access-history.csv",
        views.access_history_csv,
        name="access_history_csv",
    ),
    path("<int:pk>/receipt.json", views.access_receipt, name="access_receipt"),
    path("receipts/", views.state_receipts, name="state_receipts"),
    path("<int:pk>/download/", views.download, name="download_latest"),
    path("<int:pk>/versions/<int:number>/download/", views.download, name="download"),
    path(
        "downloads/<hex32:download_id>/",
        views.download_record,
        name="download_record",
    ),
    path("api/documents/", views.api_documents, name="api_documents"),
    path("api/documents/<int:pk>/", views.api_document, name="api_document"),
]
