"""The versioned JSON API, under /api/portal/v1/ (docs/api.md).

The same views as the unversioned paths the portal's own pages call (which stay as
aliases of version 1): one view, one policy call, whichever path is asked.
"""

from django.urls import path, re_path

from exchange import views as exchange_views
from exchange.coordination import views as coordination_views
from portal.api import views
from search import views as search_views

app_name = "api_v1"

urlpatterns = [
    path("schema.json", views.schema_json, name="schema"),
    path("exchange/documents/", exchange_views.api_documents, name="documents"),
    path("exchange/documents/<int:pk>/", exchange_views.api_document, name="document"),
    path("search/", search_views.search_api, name="search"),
    path("search/suggest", search_views.suggest, name="suggest"),
    path(
        "rooms/<int:room_id>/messages",
        coordination_views.room_messages,
        name="room_messages",
    ),
    path("rooms/<int:room_id>/read", coordination_views.room_read, name="room_read"),
    path(
        "rooms/<int:room_id>/presence",
        coordination_views.room_presence,
        name="room_presence",
    ),
    path("notifications/", coordination_views.notification_feed, name="notifications"),
    # Last: whatever else is asked under the prefix is the API's JSON 404.
    re_path(r"^.*$", views.no_such_path, name="no_such_path"),
]
