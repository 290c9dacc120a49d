"""Property: after every step, no open screen holds a reference the policy denies.

Generated rooms, members, tiers and documents go through sequences of sharing,
un-sharing, revocation, passive expiry, tier changes and membership changes (by
name, by State, clearance) while every member has a room socket and a notification
socket open. A screen's state is what its consumer sent and did not withdraw: the
history fetched when the room socket (re)connects, live messages with their
reference, minus `document.withdrawn`; on the bell, the notifications listed and
sent, minus `notification.withdrawn`; nothing once a socket is closed. After each
step a barrier event, queued behind the step's events on every socket, says when
the consumers are done, so the check never waits on the clock. What a screen may
hold is judged by the plain reference policy (tests/exchange/reference_policy.py),
not by the portal's own. The people and
their sessions are made once and reused by every example; each example builds its
own group, room and documents.
"""

from __future__ import annotations

import contextlib
import datetime
import io
import json
from dataclasses import dataclass, field

from django.conf import settings as django_settings
from django.core.management import call_command
from django.db.models import Q
from django.http import Http404
from django.urls import path
from django.utils import timezone

import pytest
import time_machine
from asgiref.sync import async_to_sync
from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.layers import channel_layers, get_channel_layer
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exchange import actions as exchange_actions
from exchange.actions import change_partner_group
from exchange.coordination import actions
from exchange.coordination.consumers import NotificationConsumer, RoomConsumer
from exchange.coordination.events import user_group
from exchange.coordination.models import Message, Notification, Room
from exchange.models import Document, PartnerGroup
from exchange.policy import viewer_for_user, visible_notifications
from portal.accounts.channels import VerifiedSessionMiddleware
from portal.accounts.guard import authorised
from portal.states.models import State
from tests.coordination.helpers import (
    ORIGIN,
    make_group,
    make_user,
    session_cookie,
    verified_client,
)
from tests.exchange import reference_policy as reference
from tests.exchange.conftest import share

db = database_sync_to_async
EXAMPLES = django_settings.SCREEN_STATE_EXAMPLES
TIERS = ["restricted", "confidential", "highly_confidential"]


class _Barrier:
    """Answers the test's barrier event, queued behind every earlier event."""

    async def screen_barrier(self, event) -> None:
        if self.joined:
            await self.send_json({"type": "barrier", "n": event["n"]})


class BarrierRoomConsumer(_Barrier, RoomConsumer):
    pass


class BarrierNotificationConsumer(_Barrier, NotificationConsumer):
    pass


application = URLRouter(
    [
        path(
            "ws/coordination/rooms/<int:room_id>/",
            AuthMiddlewareStack(
                VerifiedSessionMiddleware(BarrierRoomConsumer.as_asgi())
            ),
        ),
        path(
            "ws/notifications/",
            AuthMiddlewareStack(
                VerifiedSessionMiddleware(BarrierNotificationConsumer.as_asgi())
            ),
        ),
    ]
)


@dataclass
class Screen:
    """One socket and what it shows."""

    socket: WebsocketCommunicator | None
    shown: dict[int, int] = field(default_factory=dict)  # item id -> document id
    open: bool = True
    # Closed by the server, not yet answered: the client's disconnect ends the
    # consumer, whose cancelled layer receive could take another socket's event
    # with it, so it waits until no barrier is in flight.
    closing: int | None = None


@dataclass
class World:
    users: list
    room: Room
    documents: list
    cookies: list[bytes]
    rooms: dict[int, Screen] = field(default_factory=dict)
    bells: dict[int, Screen] = field(default_factory=dict)
    barrier: int = 0


member_strategy = st.tuples(
    st.sampled_from(["NL", "FR", "DE"]),  # State
    st.sampled_from(TIERS),  # clearance
    st.booleans(),  # a member by name (else through the group's State, if any)
)
step_strategy = st.one_of(
    st.tuples(st.just("post"), st.integers(0, 1), st.just(0)),
    st.tuples(st.just("share"), st.integers(0, 1), st.integers(0, 3)),
    st.tuples(st.just("unshare"), st.integers(0, 1), st.just(0)),
    st.tuples(st.just("revoke"), st.integers(0, 1), st.just(0)),
    st.tuples(st.just("expire"), st.integers(0, 1), st.just(0)),
    st.tuples(st.just("tier"), st.integers(0, 1), st.integers(0, 2)),
    st.tuples(st.just("room_tier"), st.just(0), st.integers(0, 2)),
    st.tuples(st.just("join"), st.integers(1, 3), st.just(0)),
    st.tuples(st.just("leave"), st.integers(1, 3), st.just(0)),
    st.tuples(st.just("move"), st.integers(1, 3), st.integers(0, 2)),
    st.tuples(st.just("clear"), st.integers(1, 3), st.integers(0, 2)),
)


@dataclass
class Pool:
    """People and their verified sessions, made once and reused by every example
    (each example sets their State and clearance and builds its own group, room
    and documents)."""

    author: object
    members: list
    cookies: list[bytes]


@pytest.fixture
def pool(transactional_db, settings) -> Pool:
    # Search is held to the same changes elsewhere (tests/search/test_queue.py);
    # here the queue only fills, so that each change does not wait on indexing.
    settings.ELASTICSEARCH_URL = ""
    author = make_user("author", state="NL", clearance="highly_confidential")
    members = [make_user(f"m{n}", state="NL") for n in range(3)]
    cookies = [session_cookie(verified_client(u)) for u in (author, *members)]
    return Pool(author=author, members=members, cookies=cookies)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    members=st.lists(member_strategy, min_size=1, max_size=3),
    group_state=st.sampled_from([None, "FR", "DE"]),
    room_tier=st.sampled_from(TIERS[:2]),
    document_tiers=st.tuples(st.sampled_from(TIERS[:2]), st.sampled_from(TIERS[:2])),
    shared_with_fr=st.tuples(st.booleans(), st.booleans()),
    steps=st.lists(step_strategy, min_size=1, max_size=4),
)
def test_no_screen_holds_a_reference_the_policy_denies(
    pool, members, group_state, room_tier, document_tiers, shared_with_fr, steps
):
    channel_layers.backends.clear()  # each example runs on an event loop of its own
    world_facts = (members, group_state, room_tier, document_tiers, shared_with_fr)
    with time_machine.travel(timezone.now(), tick=True) as clock:
        async_to_sync(_scenario)(clock, pool, world_facts, steps)


async def _scenario(clock, pool: Pool, world_facts, steps) -> None:
    world = await db(_build)(pool, *world_facts)
    for i in range(len(world.users)):
        await _open_room_screen(world, i)
        await _open_bell(world, i)
    await _settle(world)
    for action, target, value in steps:
        if action == "expire":
            # An expiry that passes without a write: set it a minute ahead, let
            # the clock pass it, then run what the minute's timer runs.
            await db(_expire_soon)(world, target)
            await _settle(world)
            clock.shift(datetime.timedelta(minutes=2))
            await db(call_command)("announce_expiries", stdout=io.StringIO())
        else:
            await db(_apply)(world, action, target, value)
            if action == "join" and target < len(world.users):
                await _open_room_screen(world, target)
        await _settle(world)
        await db(_check)(world, (action, target, value))
    for screen in [*world.rooms.values(), *world.bells.values()]:
        if screen.open:
            await screen.socket.disconnect()


def _build(
    pool: Pool, members, group_state, room_tier, document_tiers, shared_with_fr
) -> World:
    # The author is always a member by name, cleared for everything, of NL.
    users = [pool.author, *pool.members[: len(members)]]
    with authorised():  # each example's States and clearances
        for user, (state, clearance, _) in zip(users[1:], members, strict=True):
            user.refresh_from_db()
            user.state = State.objects.get(iso_code=state)
            user.clearance = clearance
            user.save()
    by_name = [pool.author] + [
        u for u, (_, _, named) in zip(users[1:], members, strict=True) if named
    ]
    group = make_group(*by_name, states=(group_state,) if group_state else ())
    room = actions.open_room(group, by=None, name="Screens", tier=room_tier)
    fr = State.objects.get(iso_code="FR")
    documents = [
        share(
            pool.author,
            title=f"Paper {n}",
            tier=tier,
            states=[fr] if shared_with_fr[n] else [],
        )
        for n, tier in enumerate(document_tiers)
    ]
    return World(
        users=users,
        room=room,
        documents=documents,
        cookies=pool.cookies[: len(users)],
    )


def _history(world: World, i: int) -> dict[int, int]:
    if not Message.objects.filter(room=world.room).exists():
        return {}  # a new room: nothing to load
    response = verified_client(world.users[i]).get(
        f"/coordination/rooms/{world.room.pk}/messages"
    )
    if response.status_code != 200:
        return {}
    return {
        m["id"]: m["document"]["id"]
        for m in response.json()["messages"]
        if "document" in m
    }


def _listed_notifications(world: World, i: int) -> dict[int, int]:
    viewer = viewer_for_user(world.users[i], verified=True)
    # Those of this example's documents: earlier examples' are not changed again.
    listed = visible_notifications(viewer).filter(document__in=world.documents)
    return {n.pk: n.document_id for n in listed}


def _socket(path: str, cookie: bytes) -> WebsocketCommunicator:
    return WebsocketCommunicator(
        application, path, headers=[ORIGIN, (b"cookie", cookie)]
    )


async def _open_room_screen(world: World, i: int) -> None:
    old = world.rooms.get(i)
    if old is not None and old.open:
        return
    socket = _socket(f"/ws/coordination/rooms/{world.room.pk}/", world.cookies[i])
    await socket.connect(timeout=5)
    screen = Screen(socket=socket)
    world.rooms[i] = screen
    # The page loads its history once the socket is up.
    screen.shown = await db(_history)(world, i)


async def _open_bell(world: World, i: int) -> None:
    socket = _socket("/ws/notifications/", world.cookies[i])
    await socket.connect(timeout=5)
    screen = Screen(socket=socket)
    screen.shown = await db(_listed_notifications)(world, i)
    world.bells[i] = screen


async def _settle(world: World) -> None:
    """Send a barrier to every user's sockets, and read each screen up to it."""
    world.barrier += 1
    layer = get_channel_layer()
    for user in world.users:
        await _send_barrier(layer, user, world.barrier)
    for screens, room in ((world.rooms, True), (world.bells, False)):
        for i, screen in screens.items():
            reached = await _read_until_barrier(screen, world.barrier, room=room)
            assert reached, (f"no barrier from {'room' if room else 'bell'} {i}",)
    for screen in [*world.rooms.values(), *world.bells.values()]:
        if screen.closing is not None:
            await screen.socket.disconnect(code=screen.closing)
            screen.closing = None


async def _send_barrier(layer, user, n: int) -> None:
    await layer.group_send(user_group(user.pk), {"type": "screen.barrier", "n": n})


async def _read_until_barrier(screen: Screen, n: int, *, room: bool) -> bool:
    """Apply the socket's frames to its screen up to barrier `n` (or its close);
    False if neither came in time."""
    while screen.open:
        try:
            # Generous: a loaded machine is slow, and a barrier always comes.
            output = await screen.socket.receive_output(timeout=60)
        except TimeoutError:
            return False
        if output["type"] == "websocket.close":
            screen.open = False
            screen.shown = {}  # room.js clears the page on 4403/4404
            screen.closing = output.get("code", 1000)
            return True
        if output["type"] != "websocket.send":
            continue
        frame = json.loads(output["text"])
        kind = frame["type"]
        if kind == "barrier" and frame["n"] == n:
            return True
        assert kind != "error", frame
        if room and kind in {"message", "message.updated"}:
            message = frame["message"]
            if "document" in message:
                screen.shown[message["id"]] = message["document"]["id"]
            else:
                screen.shown.pop(message["id"], None)
        elif room and kind == "document.withdrawn":
            for message_id in frame["messages"]:
                screen.shown.pop(message_id, None)
        elif not room and kind == "notification":
            notification = frame["notification"]
            screen.shown[notification["id"]] = 0
        elif not room and kind == "notification.withdrawn":
            for notification_id in frame["notifications"]:
                screen.shown.pop(notification_id, None)
    return True


def _expire_soon(world: World, d: int) -> None:
    document = world.documents[d]
    with contextlib.suppress(exchange_actions.NotAllowed):  # revoked or expired
        exchange_actions.set_expiry(
            document,
            timezone.now() + datetime.timedelta(minutes=1),
            by=world.users[0],
        )


def _apply(world: World, action: str, target: int, value: int):
    if action in {"post", "share", "unshare", "revoke", "tier"}:
        document = Document.objects.get(pk=world.documents[target].pk)
        try:
            return _document_step(world, action, document, value)
        except (
            Http404,  # referencing a document the author no longer sees
            exchange_actions.NotAllowed,
            exchange_actions.ExchangeError,
            actions.InvalidMessage,
        ):
            return None
    if action == "room_tier":
        room = Room.objects.get(pk=world.room.pk)
        return actions.change_room_tier(
            room, TIERS[value], by=None, justification="Generated step"
        )
    if target >= len(world.users):
        return None
    user = world.users[target]
    group = world.room.group
    if action == "join":
        return change_partner_group(group, add_members=[user], by=None)
    if action == "leave":
        return change_partner_group(group, remove_members=[user], by=None)
    with authorised():  # as the accounts side would, audited there
        user.refresh_from_db()
        if action == "move":
            user.state = State.objects.get(iso_code=["NL", "FR", "DE"][value])
        else:  # clearance
            user.clearance = TIERS[value]
        user.save()
    return True


def _document_step(world: World, action: str, document: Document, value: int):
    author = world.users[0]
    if action == "post":
        viewer = viewer_for_user(author, verified=True)
        return actions.post_message(viewer, world.room.pk, "See", document.pk)
    if action == "share":
        if value == 3:
            states = [*document.shared_states.all(), State.objects.get(iso_code="FR")]
            return exchange_actions.share_document(document, by=author, states=states)
        person = world.users[min(value + 1, len(world.users) - 1)]
        users = [*document.shared_users.all(), person]
        return exchange_actions.share_document(document, by=author, users=users)
    if action == "unshare":
        return exchange_actions.share_document(
            document, by=author, states=[], groups=[], users=[author]
        )
    if action == "revoke":
        return exchange_actions.revoke_document(document, by=author)
    return exchange_actions.change_tier(  # tier
        document, TIERS[value], by=author, justification="Generated step"
    )


def _person(user) -> reference.Person:
    user.refresh_from_db()
    return reference.Person(
        key=user.pk,
        state=user.state.iso_code if user.state_id else None,
        clearance=user.clearance,
        active=user.is_active,
        vetted_until=user.vetted_until,
        verified=True,  # every socket of the test runs on a verified session
        groups_by_name=set(user.partner_groups.values_list("name", flat=True)),
    )


def _paper(document: Document) -> reference.Paper:
    return reference.Paper(
        key=document.pk,
        tier=document.tier,
        origin=document.originating_state.iso_code,
        states=set(document.shared_states.values_list("iso_code", flat=True)),
        groups=set(document.shared_groups.values_list("name", flat=True)),
        people=set(document.shared_users.values_list("pk", flat=True)),
        expires_at=document.expires_at,
        revoked=document.revoked,
    )


def _check(world: World, step) -> None:
    """No screen shows what the reference policy denies its viewer now: the rows'
    facts as they stand, judged by tests/exchange/reference_policy.py."""
    room = Room.objects.select_related("group").get(pk=world.room.pk)
    groups = [
        reference.Group(g.name, set(g.states.values_list("iso_code", flat=True)))
        for g in PartnerGroup.objects.filter(
            Q(pk=room.group_id) | Q(shared_documents__in=world.documents)
        ).distinct()
    ]
    now, today = timezone.now(), timezone.localdate()

    def enters(person) -> bool:
        return reference.may_enter_room(
            person,
            room.group.name,
            room.tier,
            groups,
            today,
            archived=room.archived_at is not None,
        )

    for i, screen in world.rooms.items():
        if not screen.open:
            continue
        person = _person(world.users[i])
        assert enters(person), (step, i, "open on a hidden room")
        for message_id, document_id in screen.shown.items():
            message = Message.objects.get(pk=message_id)
            paper = _paper(Document.objects.get(pk=document_id))
            assert reference.may_see_reference(
                person, paper, message.tier, groups, today, now
            ), (step, i, message_id, document_id)
    for i, screen in world.bells.items():
        if not screen.open:
            continue
        person = _person(world.users[i])
        for notification_id in screen.shown:
            notification = Notification.objects.get(pk=notification_id)
            assert notification.user_id == person.key, (step, i, notification_id)
            if notification.document_id is not None:
                paper = _paper(Document.objects.get(pk=notification.document_id))
                assert reference.may_see(person, paper, groups, today, now), (
                    step,
                    i,
                    notification_id,
                )
            if notification.room_id is not None:
                assert notification.room_id == room.pk and enters(person), (
                    step,
                    i,
                    notification_id,
                )
