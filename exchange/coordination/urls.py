"""HTTP routes of live coordination, mounted at the site root by portal/urls.py."""

from django.urls import path

from exchange.coordination import views

app_name = "coordination"

urlpatterns = [
    path("coordination/", views.room_list, name="rooms"),
    path("coordination/rooms/<int:room_id>/", views.room_detail, name="room"),
    path(
        "coordination/rooms/<int:room_id>/messages",
        views.room_messages,
        name="messages",
    ),
    path("coordination/rooms/<int:room_id>/read", views.room_read, name="read"),
    path(
        "coordination/rooms/<int:room_id>/presence",
        views.room_presence,
        name="presence",
    ),
    path("coordination/manage/", views.manage_rooms, name="manage"),
    path(
        "coordination/manage/<int:room_id>/archive",
        views.archive_room,
        name="archive",
    ),
    path(
        "coordination/manage/<int:room_id>/tier",
        views.change_room_tier,
        name="room_tier",
    ),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/feed", views.notification_feed, name="notification_feed"),
]
