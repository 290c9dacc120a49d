"""Coordination rooms: who may enter, and the document references of their messages."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict

from django.db.models import QuerySet
from django.http import Http404

from exchange.policy.documents import can_view
from exchange.policy.viewer import Viewer, tiers_visible_to
from portal.tiers import TIER_ORDER

if TYPE_CHECKING:
    from exchange.coordination.models import Room
    from exchange.models import Document


class DocumentReference(TypedDict):
    """A message's document as a member of the room may see it."""

    id: int
    title: str
    url: str


# ---------------------------------------------------------------------------
# Rooms
#
# A coordination room is seen by the members of its partner group (by State or by
# name) who are cleared (vetted, unexpired, verified session) for the room's tier,
# while the room is not archived. Messages, presence and mentions of a room are seen
# exactly by those who may enter it; a document a message points at is shown only to
# those of them who may see the document. Channels ask here and only here.
# ---------------------------------------------------------------------------


def can_enter_room(viewer: Viewer, room: Room | None) -> bool:
    """May `viewer` see `room`, its messages and who is in it?"""
    return bool(
        room is not None
        and viewer.user_id is not None
        and viewer.is_cleared
        and room.archived_at is None
        and room.group_id in viewer.group_ids
        and viewer.may_see_tier(room.tier)
    )


def visible_rooms(viewer: Viewer) -> QuerySet[Room]:
    """Every room `viewer` may enter, as a queryset."""
    from exchange.coordination.models import Room

    if viewer.user_id is None or not viewer.is_cleared:
        return Room.objects.none()
    return Room.objects.filter(
        group_id__in=viewer.group_ids,
        tier__in=tiers_visible_to(viewer),
        archived_at__isnull=True,
    )


def get_visible_room_or_404(viewer: Viewer, room_id: int) -> Room:
    """The room, or Http404 whether it is missing or hidden from `viewer`."""

    room = visible_rooms(viewer).select_related("group").filter(pk=room_id).first()
    if room is None:
        raise Http404("No such room.")
    return room


def visible_document_reference(
    viewer: Viewer, document: Document | None, *, ceiling: str | None = None
) -> DocumentReference | None:
    """A message's document reference as `viewer` may see it: None when hidden.

    `ceiling`: the message's tier; a document raised above it is withdrawn from the
    message for everyone (the room's high-water mark)."""
    if document is None or not can_view(viewer, document):
        return None
    if ceiling is not None and TIER_ORDER.index(document.tier) > TIER_ORDER.index(
        ceiling
    ):
        return None
    return {
        "id": document.pk,
        "title": document.title,
        "url": document.get_absolute_url(),
    }
