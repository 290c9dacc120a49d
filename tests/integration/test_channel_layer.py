"""The WebSocket path works end to end over the real Redis channel layer."""

from django.conf import settings

import pytest
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator

from portal.asgi import application


def test_the_suite_uses_the_redis_channel_layer():
    assert (
        settings.CHANNEL_LAYERS["default"]["BACKEND"]
        == "channels_redis.core.RedisChannelLayer"
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
async def test_ping_round_trips_through_redis():
    communicator = WebsocketCommunicator(
        application, "/ws/ping/", headers=[(b"origin", b"http://localhost")]
    )
    connected, _ = await communicator.connect()
    assert connected
    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_json_from(timeout=5) == {"type": "pong"}
    await communicator.send_json_to({"type": "other"})
    reply = await communicator.receive_json_from(timeout=5)
    assert reply["type"] == "error"
    await communicator.disconnect()


async def test_a_foreign_origin_is_refused():
    communicator = WebsocketCommunicator(
        application, "/ws/ping/", headers=[(b"origin", b"http://evil.example")]
    )
    connected, _ = await communicator.connect()
    assert not connected


async def test_group_messages_cross_the_real_layer():
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add("suite-check", channel)
    await layer.group_send("suite-check", {"type": "hello", "n": 1})
    assert (await layer.receive(channel))["n"] == 1
    await layer.group_discard("suite-check", channel)
