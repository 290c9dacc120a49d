"""Notifications: a person's own, less those pointing at what they cannot see."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from exchange.policy.documents import can_view, visible_documents
from exchange.policy.rooms import can_enter_room, visible_rooms
from exchange.policy.viewer import Viewer

if TYPE_CHECKING:
    from exchange.coordination.models import Notification


def visible_notifications(viewer: Viewer) -> QuerySet[Notification]:
    """The viewer's own notifications, less those pointing at what they cannot see."""
    from exchange.coordination.models import Notification

    if viewer.user_id is None:
        return Notification.objects.none()
    return (
        Notification.objects.filter(user_id=viewer.user_id)
        .filter(Q(room__isnull=True) | Q(room__in=visible_rooms(viewer)))
        .filter(Q(document__isnull=True) | Q(document__in=visible_documents(viewer)))
    )


def can_see_notification(viewer: Viewer, notification: Notification) -> bool:
    """The object check matching `visible_notifications`."""
    if viewer.user_id is None or notification.user_id != viewer.user_id:
        return False
    document = notification.document if notification.document_id is not None else None
    if document is not None and not can_view(viewer, document):
        return False
    return notification.room_id is None or can_enter_room(viewer, notification.room)
