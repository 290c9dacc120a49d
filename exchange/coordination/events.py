"""Live events: what actions send to the channel layer, after their transaction commits.

Events name a channel-layer group and carry only what every socket in that group may
see; consumers still re-check anything that depends on the individual viewer (such
as a referenced document) before relaying it.
"""

from __future__ import annotations

import logging

from django.db import transaction

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

logger = logging.getLogger("portal.coordination")


def room_group(room_id: int) -> str:
    return f"coordination.room.{room_id}"


def user_group(user_id: int) -> str:
    return f"coordination.user.{user_id}"


def send_now(group: str, event: dict) -> None:
    """Send from synchronous code; a layer that is down degrades live updates only."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, event)
    except Exception:
        logger.warning("live event %s to %s was not sent", event.get("type"), group)


def send_on_commit(group: str, event: dict) -> None:
    """Send once the surrounding transaction commits (at once outside one)."""
    transaction.on_commit(lambda: send_now(group, event))


def recheck_rooms(room_ids, reason: str) -> None:
    """Ask every socket open on these rooms to re-ask the policy."""
    for room_id in room_ids:
        send_on_commit(room_group(room_id), {"type": "recheck", "reason": reason})


def recheck_users(user_ids, reason: str) -> None:
    """Ask every socket of these users (rooms and notifications) to re-ask."""
    for user_id in user_ids:
        send_on_commit(user_group(user_id), {"type": "recheck", "reason": reason})
