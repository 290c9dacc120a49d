"""WebSocket routes; consumers authenticate from the session and ask the policy."""

from django.urls import path

from channels.auth import AuthMiddlewareStack

from portal.core.consumers import PingConsumer

websocket_urlpatterns = [
    path("ws/ping/", AuthMiddlewareStack(PingConsumer.as_asgi())),
]
