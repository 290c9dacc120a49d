"""Property: no frame sent to any user carries a message or notification the policy
denies them, whatever the mix of membership, clearance, vetting, second factor, room
tier, and changes while connected.

The expected answer comes from a plain reference implementation of the room rules
(below), not from `exchange.policy`, so a bug in the policy shows up here too.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass

from django.http import Http404
from django.utils import timezone

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import channel_layers
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exchange.actions import change_partner_group
from exchange.coordination import actions
from exchange.policy import viewer_for_user
from portal.accounts.guard import authorised
from portal.tiers import TIER_ORDER
from tests.coordination.helpers import (
    communicator,
    make_group,
    make_user,
    session_cookie,
    unverified_cookie,
    verified_client,
)

db = database_sync_to_async


@dataclass
class Person:
    by_name: bool
    by_state: bool
    clearance: str
    vetted: bool
    verified: bool


people_strategy = st.lists(
    st.builds(
        Person,
        by_name=st.booleans(),
        by_state=st.booleans(),
        clearance=st.sampled_from(TIER_ORDER),
        vetted=st.booleans(),
        verified=st.booleans(),
    ),
    min_size=2,
    max_size=4,
)
step_strategy = st.one_of(
    st.tuples(st.just("post"), st.integers(0, 3)),
    st.tuples(st.just("remove"), st.integers(0, 3)),
    st.tuples(st.just("unvet"), st.integers(0, 3)),
    st.tuples(st.just("archive"), st.just(0)),
)


def reference_allows(person: Person, room_tier: str, archived: bool) -> bool:
    """The room rules, written out plainly."""
    return (
        not archived
        and person.verified
        and person.vetted
        and (person.by_name or person.by_state)
        and TIER_ORDER.index(person.clearance) >= TIER_ORDER.index(room_tier)
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    people=people_strategy,
    room_tier=st.sampled_from(TIER_ORDER[1:]),
    steps=st.lists(step_strategy, min_size=1, max_size=6),
)
def test_no_frame_carries_what_the_policy_denies(people, room_tier, steps):
    channel_layers.backends.clear()  # each example runs on an event loop of its own
    async_to_sync(_scenario)(people, room_tier, steps)


async def _scenario(people: list[Person], room_tier: str, steps) -> None:
    users, room = await db(_build)(people, room_tier)
    cookies = await db(_cookies)(users, people)
    sockets = {}
    for i, cookie in enumerate(cookies):
        room_socket = communicator(f"/ws/coordination/rooms/{room.pk}/", cookie)
        bell = communicator("/ws/notifications/", cookie)
        await room_socket.connect(timeout=5)
        await bell.connect(timeout=5)
        sockets[i] = (room_socket, bell)

    archived = False
    initially = {
        i for i, p in enumerate(people) if reference_allows(p, room_tier, archived)
    }
    allowed_for_message: dict[int, set[int]] = {}
    for action, index in steps:
        index %= len(users)
        if action == "remove":
            people[index].by_name = people[index].by_state = False
            await db(_remove)(room.group, users[index])
        elif action == "unvet":
            people[index].vetted = False
            await db(_unvet)(users[index])
        elif action == "archive":
            archived = True
            await db(actions.archive_room)(room, by=None)
        else:
            message_id = await db(_post)(users, people, index, room)
            allowed = {
                i
                for i, p in enumerate(people)
                if reference_allows(p, room_tier, archived)
            }
            if message_id is None:
                assert index not in allowed, "an allowed author could not post"
            else:
                assert index in allowed, "a denied author could post"
                allowed_for_message[message_id] = allowed

    for i, (room_socket, bell) in sockets.items():
        room_frames = await _drain(room_socket)
        bell_frames = await _drain(bell)
        if i not in initially:
            assert room_frames == [], (i, room_frames)
        if not people[i].verified:
            assert bell_frames == [], (i, bell_frames)
        for frame in room_frames:
            if frame["type"] in {"message", "message.updated"}:
                assert i in allowed_for_message[frame["message"]["id"]], (i, frame)
        for frame in bell_frames:
            if frame["type"] == "notification":
                assert frame["notification"]["kind"] == "mention"
                message_id = int(frame["notification"]["url"].rsplit("-", 1)[1])
                assert i in allowed_for_message[message_id], (i, frame)
        # Not vacuous: whoever is still allowed at the end got every message posted
        # while they were allowed, live, and a mention for each.
        if reference_allows(people[i], room_tier, archived):
            got = {f["message"]["id"] for f in room_frames if f["type"] == "message"}
            mentioned = {
                int(f["notification"]["url"].rsplit("-", 1)[1])
                for f in bell_frames
                if f["type"] == "notification"
            }
            for message_id, allowed in allowed_for_message.items():
                if i in allowed:
                    assert message_id in got, (i, message_id)
                    if users[i].pk != await db(_author_id)(message_id):
                        assert message_id in mentioned, (i, message_id)


def _author_id(message_id: int) -> int:
    from exchange.coordination.models import Message

    return Message.objects.get(pk=message_id).author_id


def _build(people: list[Person], room_tier: str):
    users = []
    for n, person in enumerate(people):
        users.append(
            make_user(
                f"p{n}",
                state="DE" if person.by_state else "FR",
                clearance=person.clearance,
                vetted=person.vetted,
            )
        )
    group = make_group(
        *[u for u, p in zip(users, people, strict=True) if p.by_name], states=("DE",)
    )
    room = actions.open_room(group, by=None, name="Property", tier=room_tier)
    return users, room


def _cookies(users, people):
    return [
        session_cookie(verified_client(u)) if p.verified else unverified_cookie(u)
        for u, p in zip(users, people, strict=True)
    ]


def _remove(group, user):
    change_partner_group(group, remove_members=[user], by=None)
    user.state_id = None
    user.save()


def _unvet(user):
    with authorised():  # as if the vetting had run out
        user.vetted_until = timezone.localdate() - datetime.timedelta(days=1)
        user.save()


def _post(users, people, index, room):
    author = users[index]
    author.refresh_from_db()
    mentions = " ".join(f"@{u.email.split('@')[0]}" for u in users)
    try:
        viewer = viewer_for_user(author, verified=people[index].verified)
        return actions.post_message(viewer, room.pk, f"hello {mentions}").pk
    except Http404:
        return None


async def _drain(socket) -> list[dict]:
    """Every data frame the socket received, until it closed or went quiet."""
    frames = []
    while not await socket.receive_nothing(timeout=0.3):
        output = await socket.receive_output()
        if output["type"] == "websocket.send":
            frames.append(json.loads(output["text"]))
        elif output["type"] == "websocket.close":
            break
    await socket.disconnect()
    return frames
