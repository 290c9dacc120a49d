"""The JSON shapes of messages and notifications, shared by HTTP and WebSocket."""

from __future__ import annotations

from exchange.coordination.models import Message, Notification


def display_name(user) -> str:
    return user.get_full_name() or user.email.split("@", 1)[0]


def message_payload(message: Message) -> dict:
    """A message as every member of its room may see it (document references apart)."""
    deleted = message.deleted_at is not None
    return {
        "id": message.pk,
        "room": message.room_id,
        "author": {"id": message.author_id, "name": display_name(message.author)},
        "body": "" if deleted else message.body,
        "created_at": message.created_at.isoformat(),
        "edited": message.edited_at is not None,
        "deleted": deleted,
    }


def notification_payload(notification: Notification) -> dict:
    return {
        "id": notification.pk,
        "kind": notification.kind,
        "kind_label": notification.get_kind_display(),
        "title": notification.title,
        "url": notification.url,
        "created_at": notification.created_at.isoformat(),
        "read": notification.read_at is not None,
    }
