"""Document references in messages and "document shared" notifications follow the
document's own policy, for each viewer, live and over HTTP."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from exchange import actions as exchange_actions
from exchange.coordination.models import Message, Notification
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


@db
def mixed_room():
    alice = make_user("alice", state="NL")
    bob = make_user("bob", state="FR")
    room = default_room(make_group(alice, bob))
    document = share(alice, title="Border lessons", states=[bob.state])
    cookies = [session_cookie(verified_client(u)) for u in (alice, bob)]
    return room, alice, bob, document, cookies


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
async def test_a_document_reference_reaches_only_those_who_may_see_it():
    room, alice, bob, document, (alice_cookie, bob_cookie) = await mixed_room()
    a = await open_room(room.pk, alice_cookie)
    b = await open_room(room.pk, bob_cookie)
    await a.send_json_to(
        {"type": "message.send", "body": "See this", "document": document.pk}
    )
    mine = (await next_frame(a, "message"))["message"]
    assert mine["document"]["title"] == "Border lessons"
    theirs = (await next_frame(b, "message"))["message"]
    assert theirs["document"]["title"] == "Border lessons"

    # No longer shared with Bob's State: each socket asks for its own viewer.
    await db(lambda: exchange_actions.share_document(document, by=alice, states=[]))()
    await a.send_json_to({"type": "message.edit", "id": mine["id"], "body": "Edited"})
    assert (await next_frame(a, "message.updated"))["message"]["document"]
    theirs = (await next_frame(b, "message.updated"))["message"]
    assert "document" not in theirs
    assert "Border lessons" not in str(theirs)

    # Bob cannot reference what he cannot see: not found, nothing stored.
    bob_document = await db(lambda: share(alice, title="Other", states=[]))()
    await b.send_json_to(
        {"type": "message.send", "body": "mine?", "document": bob_document.pk}
    )
    assert (await next_frame(b, "error"))["code"] == "not_found"
    assert await db(Message.objects.filter(room=room).count)() == 1

    def history(user):
        response = verified_client(user).get(f"/coordination/rooms/{room.pk}/messages")
        return response.json()["messages"]

    assert (await db(history)(alice))[0]["document"]["id"] == document.pk
    assert "document" not in (await db(history)(bob))[0]
    # Revoked: gone for everyone, at render time.
    await db(lambda: exchange_actions.revoke_document(document, by=alice))()
    assert "document" not in (await db(history)(alice))[0]
    for socket in (a, b):
        await socket.disconnect()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
async def test_sharing_with_a_state_notifies_its_experts_live_and_no_one_else():
    @db
    def people():
        owner = make_user("owner", state="NL")
        colleague = make_user("colleague", state="BE")
        stranger = make_user("stranger", state="FR")
        cookies = [session_cookie(verified_client(u)) for u in (colleague, stranger)]
        return owner, colleague, stranger, cookies

    owner, colleague, stranger, (colleague_cookie, stranger_cookie) = await people()
    bells = []
    for cookie in (colleague_cookie, stranger_cookie):
        bell = communicator("/ws/notifications/", cookie)
        assert (await bell.connect(timeout=5))[0]
        assert (await bell.receive_json_from(timeout=5))["type"] == "unread"
        bells.append(bell)

    from portal.states.models import State

    belgium = await db(State.objects.get)(iso_code="BE")
    document = await db(lambda: share(owner, title="Joint drill", states=[belgium]))()
    frame = await bells[0].receive_json_from(timeout=5)
    assert frame["type"] == "notification"
    assert frame["notification"]["kind"] == "document_shared"
    assert "Joint drill" in frame["notification"]["title"]
    assert await bells[1].receive_nothing(timeout=0.5)
    assert not await db(Notification.objects.filter(user=stranger).exists)()

    # Sharing again tells nobody twice; revoking hides the notification.
    await db(
        lambda: exchange_actions.share_document(
            document, by=owner, states=[belgium], users=[stranger]
        )
    )()
    frame = await bells[1].receive_json_from(timeout=5)
    assert frame["notification"]["kind"] == "document_shared"
    assert await bells[0].receive_nothing(timeout=0.5)
    await db(lambda: exchange_actions.revoke_document(document, by=owner))()

    def listed(user):
        return verified_client(user).get("/notifications/feed").json()

    assert await db(listed)(colleague) == {"unread": 0, "notifications": []}
    for bell in bells:
        await bell.disconnect()
