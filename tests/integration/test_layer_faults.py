"""A WebSocket handshake while Redis is down: a clean close 1013, never HTTP 500.

The portal runs in uvicorn with its channel layer pointed at a closed port (Redis
stopped), over the test database; a real WebSocket client connects as a verified
expert and as an anonymous visitor.
"""

from __future__ import annotations

import os

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from portal.accounts.roles import Role
from portal.core.servers import free_port, serve_portal, verified_session_key
from tests.portal.identity import make_user
from tests.support import served_database_url

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _closing_code(url: str, headers: dict[str, str]) -> int:
    with (
        connect(url, additional_headers=headers, open_timeout=30) as socket,
        pytest.raises(ConnectionClosed) as closed,
    ):
        socket.recv(timeout=30)
    return closed.value.rcvd.code


def test_sockets_are_closed_with_try_again_later_while_redis_is_down(settings):
    expert = make_user("layer-down@example.org", Role.VETTED_EXPERT)
    cookie = f"{settings.SESSION_COOKIE_NAME}={verified_session_key(expert)}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "DATABASE_URL": served_database_url(),
        "DATABASE_POOL": "false",
        "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",
    }
    with serve_portal(env=env) as served:
        base = f"ws://127.0.0.1:{served.port}"
        origin = {"Origin": "http://localhost"}
        signed_in = {**origin, "Cookie": cookie}
        # The bell joins its group before accepting; the ping accepts first.
        assert _closing_code(f"{base}/ws/notifications/", signed_in) == 1013
        assert _closing_code(f"{base}/ws/ping/", origin) == 1013
        # HTTP does not depend on the channel layer.
        assert httpx.get(f"{served.url}/healthz", timeout=30).status_code == 200
