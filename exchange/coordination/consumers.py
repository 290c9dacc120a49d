"""WebSocket consumers: they authenticate, ask the policy, join groups and relay.

Close codes: 4403 when the session is not signed in and verified with a second
factor; 4404 when the room is missing or not visible (the two are not told apart).
Writes go through `exchange.coordination.actions`; every inbound frame is validated
by `frames.parse_frame` and answered, on any problem, by an error frame.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid

from django.core.exceptions import PermissionDenied
from django.http import Http404

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from exchange.coordination import actions, conf, live
from exchange.coordination.auth import scope_viewer
from exchange.coordination.events import room_group, user_group
from exchange.coordination.frames import FrameError, parse_frame
from exchange.coordination.models import Message, Notification, Room
from exchange.coordination.payloads import display_name, notification_payload
from exchange.policy import (
    ANONYMOUS,
    Viewer,
    can_enter_room,
    can_see_notification,
    visible_document_reference,
    visible_notifications,
)

logger = logging.getLogger("portal.coordination")

CLOSE_UNVERIFIED = 4403
CLOSE_NOT_FOUND = 4404

# Frames that write count against the per-user rate limit.
WRITES = {"message.send", "message.edit", "message.delete", "read"}


class _PolicyConsumer(AsyncWebsocketConsumer):
    """Shared plumbing: JSON frames, error frames, the heartbeat, policy rechecks."""

    user = None
    viewer: Viewer = ANONYMOUS
    heartbeat: asyncio.Task | None = None
    joined = False

    @property
    def user_pk(self) -> int:
        """The signed-in person's id: asked only once `authenticate()` has said yes."""
        if self.user is None:
            raise RuntimeError("the socket has no user before authenticate()")
        return int(self.user.pk)

    async def send_json(self, content: dict) -> None:
        import json

        await self.send(text_data=json.dumps(content))

    async def send_error(self, code: str, message: str, **extra) -> None:
        await self.send_json({"type": "error", "code": code, "error": message, **extra})

    async def authenticate(self) -> bool:
        self.user, self.viewer = await database_sync_to_async(scope_viewer)(self.scope)
        return self.user is not None

    async def refuse(self, code: int) -> None:
        # Accept first so that browsers see the close code (a refused handshake
        # reaches scripts only as 1006) and do not reconnect; no frame is sent.
        await self.accept()
        await self.close(code=code)

    def start_heartbeat(self) -> None:
        self.heartbeat = asyncio.ensure_future(self._beat())

    async def _beat(self) -> None:
        interval = conf.get("COORDINATION_HEARTBEAT_SECONDS")
        while True:
            await asyncio.sleep(interval)
            try:
                if await self.still_allowed():
                    await self.on_heartbeat()
            except Exception:
                logger.exception("heartbeat failed")

    async def stop_heartbeat(self) -> None:
        if self.heartbeat is not None:
            self.heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.heartbeat
            self.heartbeat = None

    async def on_heartbeat(self) -> None:
        """Refresh what expires (presence)."""

    async def still_allowed(self) -> bool:
        """Re-read the session and re-ask the policy; close this socket (4403 for a
        session no longer verified, 4404 when it may no longer stay) if now no."""
        if not self.joined:
            return False
        user, viewer = await database_sync_to_async(scope_viewer)(self.scope)
        self.viewer = viewer
        if user is None:
            await self.close(code=CLOSE_UNVERIFIED)
            await self.disconnect(CLOSE_UNVERIFIED)
            return False
        self.user = user
        if not await self.may_stay():
            await self.close(code=CLOSE_NOT_FOUND)
            await self.disconnect(CLOSE_NOT_FOUND)
            return False
        return True

    async def may_stay(self) -> bool:
        """What this socket needs beyond a verified session; nothing by default."""
        return True

    async def recheck(self, event) -> None:
        await self.still_allowed()


class RoomConsumer(_PolicyConsumer):
    """One socket on one room: messages, edits, read markers and presence."""

    room_id: int = 0

    async def connect(self) -> None:
        self.room_id = int(self.scope["url_route"]["kwargs"]["room_id"])
        self.socket_id = uuid.uuid4().hex[:12]
        if not await self.authenticate():
            await self.refuse(CLOSE_UNVERIFIED)
            return
        if not await self._may_enter():
            await database_sync_to_async(actions.record_denied_entry)(
                self.user, self.room_id, channel="websocket"
            )
            await self.refuse(CLOSE_NOT_FOUND)
            return
        await self.channel_layer.group_add(room_group(self.room_id), self.channel_name)
        await self.channel_layer.group_add(user_group(self.user_pk), self.channel_name)
        self.joined = True
        await self.accept()
        await live.mark_present(self.room_id, self.user_pk, self.socket_id)
        await self.broadcast_presence()
        self.start_heartbeat()

    async def disconnect(self, code) -> None:
        await self.stop_heartbeat()
        if not self.joined:
            return
        self.joined = False
        await self.channel_layer.group_discard(
            room_group(self.room_id), self.channel_name
        )
        await self.channel_layer.group_discard(
            user_group(self.user_pk), self.channel_name
        )
        with contextlib.suppress(Exception):
            await live.mark_absent(self.room_id, self.user_pk, self.socket_id)
            await self.broadcast_presence()

    @database_sync_to_async
    def _may_enter(self) -> bool:
        room = Room.objects.filter(pk=self.room_id).first()
        return can_enter_room(self.viewer, room)

    async def may_stay(self) -> bool:
        return await self._may_enter()

    async def on_heartbeat(self) -> None:
        await live.mark_present(self.room_id, self.user_pk, self.socket_id)

    # --- inbound frames

    async def receive(self, text_data=None, bytes_data=None) -> None:
        if not self.joined:
            return
        try:
            frame = parse_frame(text_data)
        except FrameError as error:
            await self.send_error(error.code, error.message)
            return
        if frame.type == "ping":
            await live.mark_present(self.room_id, self.user_pk, self.socket_id)
            await self.send_json({"type": "pong"})
            return
        if frame.type in WRITES and not await live.allow(self.user_pk):
            await self.send_error(
                "rate_limited",
                "Too many messages: wait a few seconds and send again.",
                retry_after=conf.get("COORDINATION_RATE_LIMIT_SECONDS"),
            )
            return
        try:
            reply = await self.apply(frame.type, frame.fields)
        except Http404:
            await self.send_error("not_found", "No such room or message.")
            if frame.type == "message.send":
                await self.still_allowed()
        except (actions.InvalidMessage, actions.EditWindowClosed) as error:
            await self.send_error("rejected", str(error))
        except PermissionDenied:
            await self.send_error("not_found", "No such room or message.")
        else:
            if reply is not None:
                await self.send_json(reply)

    @database_sync_to_async
    def apply(self, frame_type: str, fields: dict) -> dict | None:
        viewer = self.viewer
        if frame_type == "message.send":
            message = actions.post_message(
                viewer, self.room_id, fields["body"], fields.get("document")
            )
            return {
                "type": "ack",
                "client_id": fields.get("client_id"),
                "id": message.pk,
            }
        if frame_type == "message.edit":
            self._own_message_here(fields["id"])
            actions.edit_message(viewer, fields["id"], fields["body"])
            return None
        if frame_type == "message.delete":
            self._own_message_here(fields["id"])
            actions.delete_message(viewer, fields["id"])
            return None
        if frame_type == "read":
            last = actions.mark_read(viewer, self.room_id, fields["id"])
            return {"type": "read", "id": last}
        return None

    def _own_message_here(self, message_id: int) -> None:
        if not Room.objects.filter(pk=self.room_id, messages__pk=message_id).exists():
            raise Http404

    # --- events from the channel layer

    async def room_message(self, event) -> None:
        if not self.joined:  # closed by a recheck; events may still be queued
            return
        kind = "message" if event["event"] == "created" else "message.updated"
        message = event["message"]
        if event.get("document_id"):
            reference = await self._document_reference(
                event["document_id"], message["tier"]
            )
            if reference is not None:
                message = {**message, "document": reference}
            else:
                message = {**message, "document_withdrawn": True}
        await self.send_json({"type": kind, "message": message})

    async def document_changed(self, event) -> None:
        """A referenced document changed: withdraw it here if this viewer lost it.

        Names the messages only (ids every member already holds), never the
        document, so a viewer who never saw it learns nothing new."""
        if not await self.still_allowed():
            return
        ids = await self._messages_withdrawn(event["document_id"])
        if ids:
            await self.send_json({"type": "document.withdrawn", "messages": ids})

    @database_sync_to_async
    def _messages_withdrawn(self, document_id: int) -> list[int]:
        """This room's messages whose reference to the document the viewer lost."""
        from exchange.models import Document

        document = Document.objects.filter(pk=document_id).first()
        messages = Message.objects.filter(
            room_id=self.room_id, document_id=document_id, deleted_at__isnull=True
        ).order_by("pk")
        return [
            message.pk
            for message in messages
            if visible_document_reference(self.viewer, document, ceiling=message.tier)
            is None
        ]

    @database_sync_to_async
    def _document_reference(self, document_id: int, tier: str) -> dict | None:
        from exchange.models import Document

        document = Document.objects.filter(pk=document_id).first()
        return visible_document_reference(self.viewer, document, ceiling=tier)

    async def room_presence(self, event) -> None:
        if not self.joined:
            return
        await self.send_json({"type": "presence", "users": event["users"]})

    async def broadcast_presence(self) -> None:
        users = await self.present_users()
        await self.channel_layer.group_send(
            room_group(self.room_id), {"type": "room.presence", "users": users}
        )

    async def present_users(self) -> list[dict]:
        ids = await live.present_user_ids(self.room_id)
        return await database_sync_to_async(_names)(ids)

    async def notification_created(self, event) -> None:
        """Notifications travel on the per-user group too; room sockets ignore them."""

    async def notification_read(self, event) -> None:
        """As above."""


def _names(user_ids) -> list[dict]:
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(pk__in=user_ids).order_by("first_name")
    return [{"id": user.pk, "name": display_name(user)} for user in users]


class NotificationConsumer(_PolicyConsumer):
    """The bell: new notifications and the unread count of one user, live."""

    async def connect(self) -> None:
        if not await self.authenticate():
            await self.refuse(CLOSE_UNVERIFIED)
            return
        await self.channel_layer.group_add(user_group(self.user_pk), self.channel_name)
        self.joined = True
        await self.accept()
        await self.send_json({"type": "unread", "count": await self.unread_count()})
        self.start_heartbeat()

    async def disconnect(self, code) -> None:
        await self.stop_heartbeat()
        if self.joined:
            self.joined = False
            await self.channel_layer.group_discard(
                user_group(self.user_pk), self.channel_name
            )

    async def receive(self, text_data=None, bytes_data=None) -> None:
        try:
            parse_frame(text_data, allowed={"ping"})
        except FrameError as error:
            await self.send_error(error.code, error.message)
            return
        await self.send_json({"type": "pong"})

    @database_sync_to_async
    def unread_count(self) -> int:
        return visible_notifications(self.viewer).filter(read_at__isnull=True).count()

    @database_sync_to_async
    def _visible_payload(self, notification_id: int) -> dict | None:
        notification = (
            Notification.objects.select_related("room")
            .filter(pk=notification_id)
            .first()
        )
        if notification is None or not can_see_notification(self.viewer, notification):
            return None
        return notification_payload(notification)

    async def notification_created(self, event) -> None:
        if not await self.still_allowed():
            return
        payload = await self._visible_payload(event["id"])
        if payload is None:
            return
        await self.send_json(
            {
                "type": "notification",
                "notification": payload,
                "unread": await self.unread_count(),
            }
        )

    async def notification_read(self, event) -> None:
        if not self.joined:
            return
        await self.send_json({"type": "unread", "count": await self.unread_count()})
