"""Builders and socket helpers for the coordination tests."""

from __future__ import annotations

import datetime
import itertools

from django.test import Client
from django.utils import timezone

from channels.testing import WebsocketCommunicator

from exchange.actions import change_partner_group
from exchange.models import PartnerGroup
from portal.accounts.models import User
from portal.asgi import application
from portal.states.models import State
from tests.support import login_verified

_counter = itertools.count(1)
ORIGIN = (b"origin", b"http://localhost")


def make_user(
    name: str = "",
    *,
    state: str | None = "NL",
    clearance: str = "confidential",
    vetted: bool = True,
) -> User:
    n = next(_counter)
    return User.objects.create_user(
        f"{name or 'user'}{n}@example.org",
        first_name=(name or "User").title(),
        last_name=str(n),
        state=State.objects.get(iso_code=state) if state else None,
        clearance=clearance,
        vetted_until=timezone.localdate()
        + datetime.timedelta(days=30 if vetted else -1),
    )


def make_group(*members: User, states: tuple[str, ...] = ()) -> PartnerGroup:
    n = next(_counter)
    group = PartnerGroup.objects.create(name=f"Group {n}", slug=f"group-{n}")
    change_partner_group(
        group,
        add_members=members,
        add_states=State.objects.filter(iso_code__in=states),
        by=None,
    )
    return group


def default_room(group: PartnerGroup):
    return group.rooms.get(is_default=True)


def verified_client(user: User) -> Client:
    return login_verified(Client(), user)


def session_cookie(client: Client) -> bytes:
    return f"sessionid={client.cookies['sessionid'].value}".encode()


def unverified_cookie(user: User) -> bytes:
    client = Client()
    client.force_login(user)
    return session_cookie(client)


def communicator(path: str, cookie: bytes | None) -> WebsocketCommunicator:
    headers = [ORIGIN]
    if cookie:
        headers.append((b"cookie", cookie))
    return WebsocketCommunicator(application, path, headers=headers)


async def open_room(room_id: int, cookie: bytes) -> WebsocketCommunicator:
    """A connected room socket whose first presence frame has been read."""
    socket = communicator(f"/ws/coordination/rooms/{room_id}/", cookie)
    connected, _ = await socket.connect(timeout=5)
    assert connected
    frame = await socket.receive_json_from(timeout=5)
    assert frame["type"] == "presence", frame
    return socket


async def next_frame(socket, *types: str, timeout: float = 5) -> dict:
    """The next frame of one of `types`, skipping others (an error fails the test)."""
    while True:
        frame = await socket.receive_json_from(timeout=timeout)
        if frame["type"] in types:
            return frame
        assert frame["type"] != "error", f"unexpected error frame {frame}"


async def assert_closed(socket, code: int, timeout: float = 5) -> None:
    """The socket closes with `code`; no data frame other than presence before it."""
    while True:
        output = await socket.receive_output(timeout=timeout)
        if output["type"] == "websocket.close":
            assert output.get("code") == code, output
            await socket.disconnect(code=code)  # as a browser answers a close
            return
        if output["type"] == "websocket.accept":
            continue
        assert output["type"] == "websocket.send", output
        import json

        frame = json.loads(output["text"])
        assert frame["type"] == "presence", f"frame before close: {frame}"


async def assert_refused(path: str, cookie: bytes | None, code: int) -> None:
    socket = communicator(path, cookie)
    connected, _ = await socket.connect(timeout=5)
    assert connected  # accepted, then closed at once with the code
    output = await socket.receive_output(timeout=5)
    assert output == {"type": "websocket.close", "code": code}, output
    await socket.disconnect(code=code)
