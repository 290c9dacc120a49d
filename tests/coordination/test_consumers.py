"""Room and notification sockets over the real Redis channel layer."""

from __future__ import annotations

import datetime
import time

from django.utils import timezone

import pytest
from channels.db import database_sync_to_async

from exchange.actions import change_partner_group
from exchange.coordination import actions
from exchange.coordination.models import Message, Notification
from exchange.policy import viewer_for_user
from portal.accounts.guard import authorised
from tests.coordination.helpers import (
    assert_closed,
    assert_refused,
    communicator,
    default_room,
    make_group,
    make_user,
    next_frame,
    open_room,
    session_cookie,
    unverified_cookie,
    verified_client,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

db = database_sync_to_async


@db
def two_members_and_an_outsider():
    alice, bob = make_user("alice"), make_user("bob")
    outsider = make_user("olga", state="FR")
    room = default_room(make_group(alice, bob))
    cookies = {
        user.first_name.lower(): session_cookie(verified_client(user))
        for user in (alice, bob, outsider)
    }
    return room, (alice, bob, outsider), cookies


async def test_two_members_exchange_messages_and_an_outsider_hears_nothing():
    room, (alice, _bob, outsider), cookies = await two_members_and_an_outsider()
    outsider_room = await db(lambda: default_room(make_group(outsider)))()
    a = await open_room(room.pk, cookies["alice"])
    b = await open_room(room.pk, cookies["bob"])
    o = await open_room(outsider_room.pk, cookies["olga"])
    await assert_refused(f"/ws/coordination/rooms/{room.pk}/", cookies["olga"], 4404)

    await a.send_json_to({"type": "message.send", "body": "Hello <b>Bob</b>"})
    ack = await next_frame(a, "ack")
    assert (await next_frame(a, "message"))["message"]["id"] == ack["id"]  # echo
    got = await next_frame(b, "message")
    assert got["message"]["id"] == ack["id"]
    assert got["message"]["body"] == "Hello <b>Bob</b>"
    assert got["message"]["author"]["id"] == alice.pk
    await b.send_json_to({"type": "message.send", "body": "Hi Alice"})
    assert (await next_frame(a, "message"))["message"]["body"] == "Hi Alice"
    assert await o.receive_nothing(timeout=0.5)
    assert await db(Message.objects.filter(room=room).count)() == 2
    for socket in (a, b, o):
        await socket.disconnect()


async def test_messages_are_sanitised_to_links_and_simple_formatting():
    room, _, cookies = await two_members_and_an_outsider()
    a = await open_room(room.pk, cookies["alice"])
    await a.send_json_to(
        {
            "type": "message.send",
            "body": "<script>alert(1)</script>"
            '<a href="javascript:x()" onclick="y">a</a>'
            '<a href="https://iaea.org">IAEA</a> <img src=x onerror=z>',
        }
    )
    body = (await next_frame(a, "message"))["message"]["body"]
    assert "<script" not in body and "onclick" not in body and "<img" not in body
    assert "javascript:" not in body
    assert (
        '<a href="https://iaea.org" rel="noopener noreferrer nofollow">IAEA</a>' in body
    )
    await a.disconnect()


async def test_unverified_and_anonymous_sessions_are_refused():
    room, (alice, _, _), _ = await two_members_and_an_outsider()
    cookie = await db(unverified_cookie)(alice)
    path = f"/ws/coordination/rooms/{room.pk}/"
    await assert_refused(path, cookie, 4403)
    await assert_refused(path, None, 4403)
    await assert_refused("/ws/notifications/", cookie, 4403)


async def test_a_missing_room_and_a_hidden_room_close_alike():
    room, (_, _, outsider), cookies = await two_members_and_an_outsider()
    await assert_refused("/ws/coordination/rooms/999999/", cookies["olga"], 4404)
    await assert_refused(f"/ws/coordination/rooms/{room.pk}/", cookies["olga"], 4404)
    from portal.audit.models import AuditEvent

    denied = await db(
        lambda: AuditEvent.objects.filter(
            action="coordination.room.denied", actor=outsider
        ).count()
    )()
    assert denied == 2


async def test_a_room_above_the_members_clearance_is_refused():
    room, (_alice, _, _), cookies = await two_members_and_an_outsider()
    secret = await db(
        lambda: actions.open_room(
            room.group, by=None, name="Secret", tier="highly_confidential"
        )
    )()
    await assert_refused(f"/ws/coordination/rooms/{secret.pk}/", cookies["alice"], 4404)


async def test_a_member_removed_from_the_group_is_disconnected_at_once():
    room, (alice, bob, _), cookies = await two_members_and_an_outsider()
    a = await open_room(room.pk, cookies["alice"])
    b = await open_room(room.pk, cookies["bob"])
    await db(lambda: change_partner_group(room.group, remove_members=[bob], by=None))()
    await assert_closed(b, 4404)
    await db(
        lambda: actions.post_message(
            viewer_for_user(alice, verified=True), room.pk, "after"
        )
    )()
    assert (await next_frame(a, "message"))["message"]["body"] == "after"
    assert await b.receive_nothing(timeout=0.3)
    await a.disconnect()


async def test_losing_the_state_membership_disconnects_too():
    carla = await db(make_user)("carla", state="DE")
    group = await db(lambda: make_group(states=("DE",)))()
    room = await db(default_room)(group)
    cookie = await db(lambda: session_cookie(verified_client(carla)))()
    c = await open_room(room.pk, cookie)
    await db(
        lambda: change_partner_group(
            group, remove_states=list(group.states.all()), by=None
        )
    )()
    await assert_closed(c, 4404)


async def test_lapsed_vetting_and_logout_disconnect():
    room, (alice, bob, _), cookies = await two_members_and_an_outsider()
    a = await open_room(room.pk, cookies["alice"])

    def lapse():
        with authorised():  # as if the vetting had run out
            alice.vetted_until = timezone.localdate() - datetime.timedelta(days=1)
            alice.save()

    await db(lapse)()
    await assert_closed(a, 4404)

    client = await db(verified_client)(bob)
    b = await open_room(room.pk, session_cookie(client))
    await db(client.logout)()
    await assert_closed(b, 4403)


async def test_the_bell_closes_when_its_person_signs_out():
    _room, (_alice, bob, _), _cookies = await two_members_and_an_outsider()
    client = await db(verified_client)(bob)
    bell = communicator("/ws/notifications/", session_cookie(client))
    assert (await bell.connect(timeout=5))[0]
    assert await bell.receive_json_from(timeout=5) == {"type": "unread", "count": 0}
    await db(client.logout)()
    await assert_closed(bell, 4403)


async def test_an_archived_room_closes_its_sockets_and_refuses_new_ones():
    room, _, cookies = await two_members_and_an_outsider()
    a = await open_room(room.pk, cookies["alice"])
    await db(lambda: actions.archive_room(room, by=None))()
    await assert_closed(a, 4404)
    await assert_refused(f"/ws/coordination/rooms/{room.pk}/", cookies["bob"], 4404)


async def test_presence_updates_live():
    room, (alice, bob, _), cookies = await two_members_and_an_outsider()
    a = await open_room(room.pk, cookies["alice"])
    b = await open_room(room.pk, cookies["bob"])
    frame = await a.receive_json_from(timeout=5)
    assert frame["type"] == "presence"
    assert {u["id"] for u in frame["users"]} == {alice.pk, bob.pk}
    await b.disconnect()
    frame = await a.receive_json_from(timeout=5)
    assert [u["id"] for u in frame["users"]] == [alice.pk]
    await a.disconnect()


async def test_a_mention_notifies_live_and_the_outsider_hears_nothing():
    room, (_alice, bob, outsider), cookies = await two_members_and_an_outsider()
    bell = communicator("/ws/notifications/", cookies["bob"])
    assert (await bell.connect(timeout=5))[0]
    assert await bell.receive_json_from(timeout=5) == {"type": "unread", "count": 0}
    outsider_bell = communicator("/ws/notifications/", cookies["olga"])
    assert (await outsider_bell.connect(timeout=5))[0]
    await outsider_bell.receive_json_from(timeout=5)

    a = await open_room(room.pk, cookies["alice"])
    local = bob.email.split("@")[0]
    await a.send_json_to(
        {"type": "message.send", "body": f"@{local} and @{outsider.email}, see this"}
    )
    frame = await bell.receive_json_from(timeout=5)
    assert frame["type"] == "notification"
    assert frame["notification"]["kind"] == "mention"
    assert frame["unread"] == 1
    assert await outsider_bell.receive_nothing(timeout=0.5)
    assert not await db(Notification.objects.filter(user=outsider).exists)()

    await db(lambda: actions.mark_notifications_read(bob))()
    assert await bell.receive_json_from(timeout=5) == {"type": "unread", "count": 0}
    for socket in (a, bell, outsider_bell):
        await socket.disconnect()


async def test_bad_frames_get_error_frames_and_the_socket_keeps_serving():
    room, _, cookies = await two_members_and_an_outsider()
    a = await open_room(room.pk, cookies["alice"])
    b = await open_room(room.pk, cookies["bob"])
    bad = [
        "not json",
        "[1, 2]",
        '{"type": "nope"}',
        '{"type": "message.send"}',
        '{"type": "message.send", "body": 5}',
        '{"type": "message.send", "body": "x", "extra": 1}',
        '{"type": "message.edit", "id": "1", "body": "x"}',
        '{"type": "message.send", "body": "<script></script>"}',
        '{"type": "message.delete", "id": 99999999}',
    ]
    for text in bad:
        await a.send_to(text_data=text)
        frame = await next_frame(a, "error")
        assert frame["code"] in {"invalid_frame", "rejected", "not_found"}, frame
        assert frame["error"]
    await a.send_to(bytes_data=b"\x00\x01")
    assert (await next_frame(a, "error"))["code"] == "invalid_frame"
    await a.send_json_to({"type": "message.send", "body": "x" * 20000})
    assert (await next_frame(a, "error"))["code"] == "too_large"
    await a.send_json_to({"type": "message.send", "body": "still here"})
    assert (await next_frame(b, "message"))["message"]["body"] == "still here"
    for socket in (a, b):
        await socket.disconnect()


async def test_a_flood_is_rate_limited_per_user_and_others_are_still_served(settings):
    settings.COORDINATION_RATE_LIMIT_COUNT = 5
    settings.COORDINATION_RATE_LIMIT_SECONDS = 30
    room, _, cookies = await two_members_and_an_outsider()
    a = await open_room(room.pk, cookies["alice"])
    b = await open_room(room.pk, cookies["bob"])
    for i in range(12):
        await a.send_json_to({"type": "message.send", "body": f"flood {i}"})
    acks = errors = 0
    while acks + errors < 12:
        frame = await next_frame(a, "ack", "error", "message")
        if frame["type"] == "ack":
            acks += 1
        elif frame["type"] == "error":
            assert frame["code"] == "rate_limited"
            assert "wait" in frame["error"]
            errors += 1
    assert (acks, errors) == (5, 7)
    await b.send_json_to({"type": "message.send", "body": "bob is fine"})
    assert (await next_frame(b, "ack"))["type"] == "ack"
    for socket in (a, b):
        await socket.disconnect()


async def test_edit_and_delete_by_the_author_within_the_window_only(settings):
    room, (_alice, _bob, _), cookies = await two_members_and_an_outsider()
    a = await open_room(room.pk, cookies["alice"])
    b = await open_room(room.pk, cookies["bob"])
    await a.send_json_to({"type": "message.send", "body": "first"})
    message_id = (await next_frame(a, "ack"))["id"]
    await next_frame(b, "message")
    await b.send_json_to({"type": "message.edit", "id": message_id, "body": "mine"})
    assert (await next_frame(b, "error"))["code"] == "rejected"
    await a.send_json_to({"type": "message.edit", "id": message_id, "body": "fixed"})
    updated = (await next_frame(b, "message.updated"))["message"]
    assert (updated["body"], updated["edited"]) == ("fixed", True)
    await a.send_json_to({"type": "message.delete", "id": message_id})
    deleted = (await next_frame(b, "message.updated"))["message"]
    assert deleted["deleted"] and deleted["body"] == ""

    settings.COORDINATION_EDIT_WINDOW_SECONDS = 0
    await a.send_json_to({"type": "message.send", "body": "late"})
    late_id = (await next_frame(a, "ack"))["id"]
    await a.send_json_to({"type": "message.edit", "id": late_id, "body": "x"})
    frame = await next_frame(a, "error")
    assert "passed" in frame["error"]
    stored = await db(Message.objects.get)(pk=late_id)
    assert stored.body == "late"
    for socket in (a, b):
        await socket.disconnect()


async def test_the_read_marker_moves_forward_only():
    room, _, cookies = await two_members_and_an_outsider()
    a = await open_room(room.pk, cookies["bob"])
    b = await open_room(room.pk, cookies["alice"])
    await b.send_json_to({"type": "message.send", "body": "one"})
    first = (await next_frame(b, "ack"))["id"]
    await b.send_json_to({"type": "message.send", "body": "two"})
    second = (await next_frame(b, "ack"))["id"]
    await a.send_json_to({"type": "read", "id": second})
    assert (await next_frame(a, "read"))["id"] == second
    await a.send_json_to({"type": "read", "id": first})
    assert (await next_frame(a, "read"))["id"] == second
    for socket in (a, b):
        await socket.disconnect()


async def test_a_session_past_its_absolute_cap_is_refused(settings):
    from portal.accounts.stepup import SESSION_STARTED_AT_KEY

    settings.SESSION_ABSOLUTE_SECONDS = 60
    room, (alice, _, _), _ = await two_members_and_an_outsider()

    @db
    def old_session():
        client = verified_client(alice)
        session = client.session
        session[SESSION_STARTED_AT_KEY] = int(time.time()) - 120
        session.save()
        return session_cookie(client)

    await assert_refused(
        f"/ws/coordination/rooms/{room.pk}/", await old_session(), 4403
    )
