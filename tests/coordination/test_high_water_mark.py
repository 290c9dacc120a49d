"""The high-water mark: a room carries only documents at or below its tier that every
current member may see, in every channel (HTTP and WebSocket alike)."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from exchange.coordination import actions
from exchange.coordination.models import Message
from exchange.policy import viewer_for_user
from portal.audit.models import AuditEvent
from tests.coordination.helpers import (
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
REFUSED = "coordination.message.reference_refused"


def _post(client, room, document, accept="application/json"):
    return client.post(
        f"/coordination/rooms/{room.pk}/messages",
        {"body": "See this", "document": document.pk},
        HTTP_ACCEPT=accept,
    )


@pytest.mark.django_db
def test_a_document_some_members_cannot_see_is_refused_with_a_count_only():
    alice = make_user("alice", state="NL")
    bob = make_user("bob", state="FR")
    carol = make_user("carol", state="FR")
    room = default_room(make_group(alice, bob, carol))
    document = share(alice, title="Border lessons", states=[])  # NL only

    response = _post(verified_client(alice), room, document)

    assert response.status_code == 400
    error = response.json()["error"]
    assert "2 members of this room cannot see this document" in error
    for secret in ("Bob", "Carol", "FR", "France", "clearance"):
        assert secret not in error
    assert not Message.objects.filter(room=room).exists()
    event = AuditEvent.objects.get(action=REFUSED)
    assert event.actor == alice
    assert event.outcome == "denied"
    assert event.target_id == str(room.pk)
    assert event.details == {
        "document": document.pk,
        "document_tier": "restricted",
        "room_tier": "restricted",
        "reason": "members",
        "members_who_cannot_see": 2,
    }
    assert "Border lessons" not in str(event.details)


@pytest.mark.django_db
def test_a_document_above_the_rooms_tier_is_refused_even_when_all_may_see_it():
    alice = make_user("alice", state="NL", clearance="confidential")
    bob = make_user("bob", state="NL", clearance="confidential")
    room = default_room(make_group(alice, bob))  # restricted
    document = share(alice, tier="confidential", states=[])

    response = _post(verified_client(alice), room, document, accept="text/html")

    assert response.status_code == 400
    assert "This document is confidential; this room is restricted" in (
        response.content.decode()
    )
    assert not Message.objects.filter(room=room).exists()
    event = AuditEvent.objects.get(action=REFUSED)
    assert event.details["reason"] == "tier"
    assert event.details["document_tier"] == "confidential"


@pytest.mark.django_db
def test_a_document_every_member_may_see_is_posted_at_the_rooms_tier():
    alice = make_user("alice", state="NL", clearance="confidential")
    bob = make_user("bob", state="FR", clearance="confidential")
    group = make_group(alice, bob)
    room = actions.open_room(group, by=None, name="Incident", tier="confidential")
    document = share(alice, tier="confidential", states=[bob.state])

    response = _post(verified_client(alice), room, document)

    assert response.status_code == 201, response.content
    payload = response.json()["message"]
    assert payload["tier"] == "confidential"
    assert payload["document"]["id"] == document.pk
    assert Message.objects.get(room=room).tier == "confidential"
    assert not AuditEvent.objects.filter(action=REFUSED).exists()


@pytest.mark.django_db
def test_only_members_who_may_enter_the_room_are_counted():
    # Dave is in the group but cleared below the room's tier: he cannot enter the
    # room, so he never sees its messages and does not block the reference.
    alice = make_user("alice", state="NL", clearance="confidential")
    dave = make_user("dave", state="FR", clearance="restricted")
    lapsed = make_user("lapsed", state="FR", clearance="confidential", vetted=False)
    group = make_group(alice, dave, lapsed)
    room = actions.open_room(group, by=None, name="Incident", tier="confidential")
    document = share(alice, tier="confidential", states=[])

    message = actions.post_message(
        viewer_for_user(alice, verified=True), room.pk, "See this", document.pk
    )

    assert message.document_id == document.pk
    assert actions.members_who_cannot_see(room, document) == 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
async def test_the_socket_refuses_the_same_reference_with_the_same_words():
    @db
    def setup():
        alice = make_user("alice", state="NL")
        bob = make_user("bob", state="FR")
        room = default_room(make_group(alice, bob))
        document = share(alice, title="Border lessons", states=[])
        return room, document, session_cookie(verified_client(alice))

    room, document, cookie = await setup()
    socket = await open_room(room.pk, cookie)
    await socket.send_json_to(
        {"type": "message.send", "body": "See this", "document": document.pk}
    )
    frame = await next_frame(socket, "error", "message", "ack")
    assert frame["type"] == "error", frame
    assert frame["code"] == "rejected"
    assert "1 member of this room cannot see this document" in frame["error"]
    assert await db(Message.objects.filter(room=room).count)() == 0
    assert await db(AuditEvent.objects.filter(action=REFUSED).count)() == 1
    await socket.disconnect()


async def _frames_until_message(socket, message_id: int) -> list[dict]:
    """Every frame up to and including the live message `message_id` (in order:
    the layer delivers one group's events to a socket in the order sent)."""
    frames = []
    while True:
        frame = await socket.receive_json_from(timeout=5)
        frames.append(frame)
        if frame["type"] == "message" and frame["message"]["id"] == message_id:
            return frames


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
async def test_unsharing_and_revoking_withdraw_the_reference_from_open_screens():
    from exchange import actions as exchange_actions

    @db
    def setup():
        alice = make_user("alice", state="NL")
        bob = make_user("bob", state="FR")
        room = default_room(make_group(alice, bob))
        document = share(alice, title="Border lessons", states=[bob.state])
        cookies = [session_cookie(verified_client(u)) for u in (alice, bob)]
        return room, alice, bob, document, cookies

    room, alice, bob, document, (alice_cookie, bob_cookie) = await setup()
    a = await open_room(room.pk, alice_cookie)
    b = await open_room(room.pk, bob_cookie)
    await a.send_json_to(
        {"type": "message.send", "body": "See this", "document": document.pk}
    )
    posted = (await next_frame(b, "message"))["message"]
    assert posted["document"]["id"] == document.pk
    assert (await next_frame(a, "message"))["message"]["document"]

    # No longer shared with Bob's State: his screen withdraws it, Alice's keeps it.
    await db(lambda: exchange_actions.share_document(document, by=alice, states=[]))()
    assert await next_frame(b, "document.withdrawn") == {
        "type": "document.withdrawn",
        "messages": [posted["id"]],
    }
    await a.send_json_to({"type": "message.send", "body": "Still here?"})
    ack = await next_frame(a, "ack")
    frames = await _frames_until_message(a, ack["id"])
    assert "document.withdrawn" not in [f["type"] for f in frames]

    def history(user):
        response = verified_client(user).get(f"/coordination/rooms/{room.pk}/messages")
        return response.json()["messages"][0]

    bob_view = await db(history)(bob)
    assert bob_view["document_withdrawn"] is True
    assert "Border lessons" not in str(bob_view)

    # Revoked: withdrawn from Alice's screen too.
    await db(lambda: exchange_actions.revoke_document(document, by=alice))()
    assert (await next_frame(a, "document.withdrawn"))["messages"] == [posted["id"]]
    assert (await db(history)(alice))["document_withdrawn"] is True
    for socket in (a, b):
        await socket.disconnect()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
async def test_raising_a_document_above_the_rooms_tier_withdraws_it_for_everyone():
    from exchange import actions as exchange_actions

    @db
    def setup():
        alice = make_user("alice", state="NL", clearance="confidential")
        bob = make_user("bob", state="NL", clearance="confidential")
        room = default_room(make_group(alice, bob))  # restricted
        document = share(alice, title="Border lessons", states=[])
        cookies = [session_cookie(verified_client(u)) for u in (alice, bob)]
        return room, alice, document, cookies

    room, alice, document, (alice_cookie, bob_cookie) = await setup()
    a = await open_room(room.pk, alice_cookie)
    b = await open_room(room.pk, bob_cookie)
    await a.send_json_to(
        {"type": "message.send", "body": "See this", "document": document.pk}
    )
    posted = (await next_frame(b, "message"))["message"]
    assert posted["document"]["id"] == document.pk

    # Both may still see the document, but it now sits above the room's tier.
    await db(lambda: exchange_actions.change_tier(document, "confidential", by=alice))()
    for socket in (a, b):
        frame = await next_frame(socket, "document.withdrawn")
        assert frame["messages"] == [posted["id"]]
        await socket.disconnect()
