"""WebSockets admit only sessions verified with a second factor."""

from __future__ import annotations

import time

from django.conf import settings
from django.db import connections
from django.test import Client
from django.urls import path

import pytest
from asgiref.sync import sync_to_async
from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from portal.accounts.channels import VerifiedSessionMiddleware
from portal.accounts.stepup import SESSION_STARTED_AT_KEY
from tests.portal.identity import make_user
from tests.support import login_verified

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(autouse=True)
async def close_thread_connections():
    """The ORM calls run in asgiref's worker thread; close its connection after each
    test so the test database can be dropped at the end of the run."""
    yield
    await sync_to_async(connections.close_all, thread_sensitive=True)()


class WhoAmIConsumer(AsyncJsonWebsocketConsumer):
    """As a room consumer would: refuse anyone the scope does not authenticate."""

    async def connect(self):
        user = self.scope["user"]
        if not user.is_authenticated:
            await self.close(code=4401)
            return
        await self.accept()
        await self.send_json({"email": user.email})


application = AuthMiddlewareStack(
    VerifiedSessionMiddleware(URLRouter([path("ws/who/", WhoAmIConsumer.as_asgi())]))
)


def _session_cookie(verified: bool, *, started_ago: int = 0) -> bytes:
    user = make_user(f"ws-{verified}-{started_ago}@example.org")
    client = Client()
    if verified:
        login_verified(client, user)
    else:
        client.force_login(user)
    session = client.session
    session[SESSION_STARTED_AT_KEY] = int(time.time()) - started_ago
    session.save()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}".encode()


async def _connect(cookie: bytes | None):
    headers = [(b"origin", b"http://localhost")]
    if cookie:
        headers.append((b"cookie", cookie))
    communicator = WebsocketCommunicator(application, "/ws/who/", headers=headers)
    connected, _ = await communicator.connect()
    return communicator, connected


async def test_a_verified_session_is_admitted():
    cookie = await database_sync_to_async(_session_cookie)(True)
    communicator, connected = await _connect(cookie)
    assert connected
    assert (await communicator.receive_json_from(timeout=5))["email"].startswith("ws-")
    await communicator.disconnect()


async def test_an_unverified_session_is_refused():
    cookie = await database_sync_to_async(_session_cookie)(False)
    _, connected = await _connect(cookie)
    assert not connected


async def test_no_session_is_refused():
    _, connected = await _connect(None)
    assert not connected


async def test_a_session_past_its_absolute_lifetime_is_refused():
    cookie = await database_sync_to_async(_session_cookie)(
        True, started_ago=settings.SESSION_ABSOLUTE_SECONDS + 5
    )
    _, connected = await _connect(cookie)
    assert not connected
