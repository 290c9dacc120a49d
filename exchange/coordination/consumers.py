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
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext

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
    DocumentReference,
    Viewer,
    can_enter_room,
    can_see_notification,
    tiers_visible_to,
    visible_document_reference,
    visible_documents,
    visible_notifications,
)
from portal.tiers import Tier

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
    """One socket on one room: messages, edits, read markers and presence.

    The socket keeps what its screen holds of document references: the messages
    whose reference it has withdrawn (`withdrawn`) and, for the author, how many
    members cannot see each reference (`unseen`). Every recheck, heartbeat and
    document change compares them with the policy's answer now and sends only the
    difference, so a lost document is withdrawn once, whatever the cause.
    """

    room_id: int = 0
    withdrawn: set[int]
    unseen: dict[int, int]

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
        # What the history shows this viewer already: references they cannot see
        # are drawn as such, so only later losses need a frame.
        self.withdrawn = set(await self._hidden_references())
        self.unseen = {}
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
        # The backstop for what changes with the calendar alone (an expiry).
        await self.withdraw_lost()

    async def recheck(self, event) -> None:
        if await self.still_allowed():
            await self.withdraw_lost()
            await self.report_unseen()

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
                gettext("Too many messages: wait a few seconds and send again."),
                retry_after=conf.get("COORDINATION_RATE_LIMIT_SECONDS"),
            )
            return
        try:
            reply = await self.apply(frame.type, frame.fields)
        except Http404:
            await self.send_error("not_found", gettext("No such room or message."))
            if frame.type == "message.send":
                await self.still_allowed()
        except (actions.InvalidMessage, actions.EditWindowClosed) as error:
            await self.send_error("rejected", str(error))
        except PermissionDenied:
            await self.send_error("not_found", gettext("No such room or message."))
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
        if not self.viewer.may_see_tier(message["tier"]):
            # Posted before the room's tier was lowered, above this viewer.
            return
        if event.get("document_id"):
            reference = await self._document_reference(
                event["document_id"], message["tier"]
            )
            if reference is not None:
                message = {**message, "document": reference}
                self.withdrawn.discard(message["id"])
            else:
                message = {**message, "document_withdrawn": True}
                self.withdrawn.add(message["id"])
        await self.send_json({"type": kind, "message": message})

    async def document_changed(self, event) -> None:
        """A referenced document changed: withdraw it here if this viewer lost it.

        Names the messages only (ids every member already holds), never the
        document, so a viewer who never saw it learns nothing new."""
        if not await self.still_allowed():
            return
        await self.withdraw_lost(event["document_id"])

    async def withdraw_lost(self, document_id: int | None = None) -> None:
        """Send `document.withdrawn` for the references (of one document, or all)
        this viewer may no longer see and has not yet been told of."""
        if not self.joined:
            return
        hidden = set(await self._hidden_references(document_id))
        lost = sorted(hidden - self.withdrawn)
        self.withdrawn |= hidden
        if lost:
            await self.send_json({"type": "document.withdrawn", "messages": lost})

    @database_sync_to_async
    def _hidden_references(self, document_id: int | None = None) -> list[int]:
        """This room's messages whose document reference the viewer may not see."""
        return hidden_references(self.viewer, self.room_id, document_id)

    async def report_unseen(self) -> None:
        """Tell the author how many members cannot see each of their references,
        when that changed (a new member, a group gaining a State)."""
        counts = await database_sync_to_async(actions.unseen_counts_of_author)(
            self.room_id, self.viewer
        )
        changed = {
            str(pk): count
            for pk, count in counts.items()
            if self.unseen.get(pk, 0) != count
        }
        self.unseen = counts
        if changed:
            await self.send_json({"type": "document.unseen", "messages": changed})

    @database_sync_to_async
    def _document_reference(
        self, document_id: int, tier: str
    ) -> DocumentReference | None:
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

    async def notifications_changed(self, event) -> None:
        """As above."""


def hidden_references(viewer: Viewer, room_id: int, document_id=None) -> list[int]:
    """The messages of a room whose document reference `viewer` may not see now,
    each document asked of the policy once (`visible_documents`)."""
    messages = Message.objects.filter(
        room_id=room_id,
        document__isnull=False,
        deleted_at__isnull=True,
        tier__in=tiers_visible_to(viewer),
    )
    if document_id is not None:
        messages = messages.filter(document_id=document_id)
    rows = list(messages.values_list("pk", "document_id", "tier", "document__tier"))
    visible = set(
        visible_documents(viewer)
        .filter(pk__in={row[1] for row in rows})
        .values_list("pk", flat=True)
    )
    return sorted(
        pk
        for pk, doc, tier, doc_tier in rows
        if doc not in visible or Tier(doc_tier).rank > Tier(tier).rank
    )


def _names(user_ids) -> list[dict]:
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(pk__in=user_ids).order_by("first_name")
    return [{"id": user.pk, "name": display_name(user)} for user in users]


class NotificationConsumer(_PolicyConsumer):
    """The bell: new notifications and the unread count of one user, live.

    Like the room socket it keeps which of the user's notifications it has
    withdrawn (`withdrawn`: those pointing at a room or document the user may no
    longer see) and sends `notification.withdrawn` for each new loss.
    """

    withdrawn: set[int]

    async def connect(self) -> None:
        if not await self.authenticate():
            await self.refuse(CLOSE_UNVERIFIED)
            return
        await self.channel_layer.group_add(user_group(self.user_pk), self.channel_name)
        self.joined = True
        self.withdrawn = set(await self._hidden_notifications())
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
    def _hidden_notifications(self) -> list[int]:
        """The user's notifications that point at what they may not see now."""
        if self.user is None:
            return []
        pointing = Notification.objects.filter(user_id=self.user.pk).filter(
            Q(room__isnull=False) | Q(document__isnull=False)
        )
        return sorted(
            pointing.exclude(
                pk__in=visible_notifications(self.viewer).values("pk")
            ).values_list("pk", flat=True)
        )

    async def withdraw_lost(self) -> None:
        if not self.joined:
            return
        hidden = set(await self._hidden_notifications())
        lost = sorted(hidden - self.withdrawn)
        self.withdrawn |= hidden
        if lost:
            await self.send_json(
                {
                    "type": "notification.withdrawn",
                    "notifications": lost,
                    "unread": await self.unread_count(),
                }
            )

    async def recheck(self, event) -> None:
        if await self.still_allowed():
            await self.withdraw_lost()

    async def on_heartbeat(self) -> None:
        await self.withdraw_lost()

    async def notifications_changed(self, event) -> None:
        """A document some of this user's notifications point at changed."""
        if await self.still_allowed():
            await self.withdraw_lost()

    @database_sync_to_async
    def _visible_payload(self, notification_id: int) -> dict | None:
        notification = (
            Notification.objects.select_related("room")
            .filter(pk=notification_id)
            .first()
        )
        if notification is None or not can_see_notification(self.viewer, notification):
            return None
        self.withdrawn.discard(notification.pk)
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
