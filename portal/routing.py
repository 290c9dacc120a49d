"""WebSocket routes; consumers authenticate from the session and ask the policy."""

from django.urls import path

from channels.auth import AuthMiddlewareStack

from exchange.coordination.consumers import NotificationConsumer, RoomConsumer
from portal.accounts.channels import VerifiedSessionMiddleware
from portal.core.consumers import PingConsumer

websocket_urlpatterns = [
    path("ws/ping/", AuthMiddlewareStack(PingConsumer.as_asgi())),
    path(
        "ws/coordination/rooms/<int:room_id>/",
        AuthMiddlewareStack(VerifiedSessionMiddleware(RoomConsumer.as_asgi())),
    ),
    path(
        "ws/notifications/",
        AuthMiddlewareStack(VerifiedSessionMiddleware(NotificationConsumer.as_asgi())),
    ),
]
