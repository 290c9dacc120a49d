"""Revocation, expiry, un-sharing and lost access reach every open screen at once:
room references turn into "withdrawn" and notifications lose their title, live;
a newer member sees a reference as a document they cannot see, and its author how
many members cannot see it."""

from __future__ import annotations

import datetime

from django.utils import timezone

import pytest
import time_machine
from channels.db import database_sync_to_async

from exchange import actions as exchange_actions
from exchange.actions import change_partner_group
from exchange.coordination.models import Notification
from exchange.coordination.signals import announce_expired_documents
from exchange.policy import viewer_for_user
from portal.accounts.guard import authorised
from portal.states.models import State
from tests.coordination.helpers import (
    communicator,
    default_room,
    make_group,
    make_user,
    next_frame,
    open_room,
    session_cookie,
    verified_client,
)
from tests.exchange.conftest import share

db = database_sync_to_async
transactional = pytest.mark.django_db(transaction=True, serialized_rollback=True)


async def open_bell(cookie: bytes):
    socket = communicator("/ws/notifications/", cookie)
    connected, _ = await socket.connect(timeout=5)
    assert connected
    assert (await socket.receive_json_from(timeout=5))["type"] == "unread"
    return socket


def _post_with(author, room, document) -> int:
    from exchange.coordination import actions

    viewer = viewer_for_user(author, verified=True)
    return actions.post_message(viewer, room.pk, "See this", document.pk).pk


def _history(user, room) -> dict[int, dict]:
    response = verified_client(user).get(f"/coordination/rooms/{room.pk}/messages")
    return {m["id"]: m for m in response.json()["messages"]}


@transactional
async def test_losing_a_state_withdraws_its_documents_from_room_and_bell():
    @db
    def setup():
        alice = make_user("alice", state="NL")
        bob = make_user("bob", state="FR")
        room = default_room(make_group(alice, bob))  # both by name
        document = share(alice, title="Border lessons", states=[bob.state])
        message_id = _post_with(alice, room, document)
        notice = Notification.objects.get(user=bob, document=document)
        return room, bob, message_id, notice.pk, session_cookie(verified_client(bob))

    room, bob, message_id, notice_id, cookie = await setup()
    room_socket = await open_room(room.pk, cookie)
    bell = await open_bell(cookie)

    @db
    def move_bob():
        with authorised():  # as the accounts side would, when Bob changes State
            bob.state = State.objects.get(iso_code="DE")
            bob.save()

    await move_bob()
    # Still in the room by name: the socket stays open and withdraws the reference.
    assert await next_frame(room_socket, "document.withdrawn") == {
        "type": "document.withdrawn",
        "messages": [message_id],
    }
    frame = await next_frame(bell, "notification.withdrawn")
    assert frame == {
        "type": "notification.withdrawn",
        "notifications": [notice_id],
        "unread": 0,
    }
    assert "Border lessons" not in str(frame)
    for socket in (room_socket, bell):
        await socket.disconnect()


@transactional
async def test_revoking_withdraws_the_notification_live_and_once():
    @db
    def setup():
        alice = make_user("alice", state="NL")
        bob = make_user("bob", state="FR")
        document = share(alice, title="Border lessons", states=[bob.state])
        kept = share(alice, title="Kept", states=[bob.state])
        notice = Notification.objects.get(user=bob, document=document)
        return (
            alice,
            bob,
            document,
            kept,
            notice.pk,
            session_cookie(verified_client(bob)),
        )

    alice, bob, document, kept, notice_id, cookie = await setup()
    bell = await open_bell(cookie)
    await db(lambda: exchange_actions.revoke_document(document, by=alice))()
    frame = await next_frame(bell, "notification.withdrawn")
    assert frame["notifications"] == [notice_id]
    assert frame["unread"] == 1  # the other document's notification
    # Told once: the next loss names only the new one.
    await db(lambda: exchange_actions.revoke_document(kept, by=alice))()
    frame = await next_frame(bell, "notification.withdrawn")
    kept_notice = await db(Notification.objects.get)(user=bob, document=kept)
    assert frame["notifications"] == [kept_notice.pk]
    assert frame["unread"] == 0
    await bell.disconnect()


@transactional
async def test_an_expiry_that_simply_passes_is_withdrawn_by_the_minute_announcement():
    start = timezone.now()

    @db
    def setup():
        alice = make_user("alice", state="NL")
        bob = make_user("bob", state="NL")
        room = default_room(make_group(alice, bob))
        document = share(
            alice,
            title="Border lessons",
            expires_at=start + datetime.timedelta(minutes=5),
        )
        message_id = _post_with(alice, room, document)
        assert announce_expired_documents(now=start) == []  # not yet passed
        cookies = [session_cookie(verified_client(u)) for u in (alice, bob)]
        return room, bob, message_id, cookies

    room, bob, message_id, cookies = await setup()
    sockets = [await open_room(room.pk, cookie) for cookie in cookies]
    # Within the session's idle time, so the sockets stay signed in.
    with time_machine.travel(start + datetime.timedelta(minutes=6)):
        announced = await db(announce_expired_documents)()
        assert len(announced) == 1
        for socket in sockets:
            frame = await next_frame(socket, "document.withdrawn")
            assert frame["messages"] == [message_id]
        assert (await db(_history)(bob, room))[message_id]["document_withdrawn"]
        # The next run announces nothing again.
        assert await db(announce_expired_documents)() == []
    for socket in sockets:
        await socket.disconnect()


@transactional
async def test_a_new_member_sees_a_document_they_cannot_see_and_the_author_a_count():
    @db
    def setup():
        alice = make_user("alice", state="NL")
        bob = make_user("bob", state="NL")
        carol = make_user("carol", state="FR")
        group = make_group(alice, bob)
        room = default_room(group)
        document = share(alice, title="Border lessons")  # NL only
        message_id = _post_with(alice, room, document)
        cookie = session_cookie(verified_client(alice))
        return group, room, alice, bob, carol, message_id, cookie

    group, room, alice, bob, carol, message_id, cookie = await setup()
    author = await open_room(room.pk, cookie)

    await db(lambda: change_partner_group(group, add_members=[carol], by=None))()

    frame = await next_frame(author, "document.unseen")
    assert frame == {"type": "document.unseen", "messages": {str(message_id): 1}}
    seen_by_carol = (await db(_history)(carol, room))[message_id]
    assert seen_by_carol["document_withdrawn"] is True
    assert "document" not in seen_by_carol
    assert "Border lessons" not in str(seen_by_carol)
    assert (await db(_history)(alice, room))[message_id]["members_who_cannot_see"] == 1
    assert "members_who_cannot_see" not in (await db(_history)(bob, room))[message_id]

    # A State joining the group counts too: every French member is now blind to it.
    await db(lambda: make_user("dan", state="FR"))()
    await db(
        lambda: change_partner_group(
            group, add_states=State.objects.filter(iso_code="FR"), by=None
        )
    )()
    frame = await next_frame(author, "document.unseen")
    assert frame["messages"] == {str(message_id): 2}
    await author.disconnect()


@pytest.mark.django_db
def test_an_open_document_page_says_on_the_next_action_it_is_no_longer_available():
    from django.urls import reverse

    alice = make_user("alice", state="NL")
    bob = make_user("bob", state="FR")
    document = share(alice, title="Border lessons", states=[bob.state])
    reader = verified_client(bob)
    assert reader.get(document.get_absolute_url()).status_code == 200

    exchange_actions.revoke_document(document, by=alice)

    for response in (
        reader.get(document.get_absolute_url()),
        reader.get(reverse("exchange:download_latest", args=[document.pk])),
    ):
        assert response.status_code == 404
        page = response.content.decode()
        assert "not available to you" in page
        assert "Border lessons" not in page
