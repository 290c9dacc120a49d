"""The JSON shapes of messages and notifications, shared by HTTP and WebSocket."""

from __future__ import annotations

from django.utils import timezone
from django.utils.formats import date_format

from exchange.coordination.models import Message, Notification


def moment_label(moment) -> str:
    """A moment in the portal's one style ("2 December 2026, 06:01 UTC").

    Written by the server so that the browser's own locale (which may say "05:50 AM")
    does not decide how the portal writes time.
    """
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def display_name(user) -> str:
    return user.display_name


def message_payload(
    message: Message, viewer=None, *, unseen: int | None = None
) -> dict:
    """A message as every member of its room may see it.

    The document reference depends on the viewer: with a viewer it is added when the
    policy lets them see the document; without one (the shared part of a live event)
    it is left out and each socket adds it for its own viewer. A reference the
    viewer may not see keeps its place as `document_withdrawn` ("a document you
    cannot see"), never its title. `unseen`, for the author only: how many members
    cannot see the reference now.
    """
    from exchange.policy import visible_document_reference

    deleted = message.deleted_at is not None
    payload = {
        "id": message.pk,
        "room": message.room_id,
        "author": {"id": message.author_id, "name": display_name(message.author)},
        "body": "" if deleted else message.body,
        "tier": message.tier,
        "tier_label": message.get_tier_display(),
        "created_at": message.created_at.isoformat(),
        "created_label": moment_label(message.created_at),
        "edited": message.edited_at is not None,
        "deleted": deleted,
    }
    if viewer is not None and not deleted and message.document_id is not None:
        reference = visible_document_reference(
            viewer, message.document, ceiling=message.tier
        )
        if reference is not None:
            payload["document"] = reference
            if unseen:
                payload["members_who_cannot_see"] = unseen
        else:  # the place of a reference this viewer may no longer see
            payload["document_withdrawn"] = True
    return payload


def notification_payload(notification: Notification) -> dict:
    return {
        "id": notification.pk,
        "kind": notification.kind,
        "kind_label": notification.get_kind_display(),
        "title": notification.title,
        "url": notification.url,
        "created_at": notification.created_at.isoformat(),
        "created_label": moment_label(notification.created_at),
        "read": notification.read_at is not None,
    }
