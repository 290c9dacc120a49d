"""Writes of the coordination app: atomic, audited where it matters, announced live.

Every action that takes a `viewer` asks the policy first and raises `Http404` when the
room (or message) is not visible, exactly as a view would; live events go out with
`transaction.on_commit`, so nobody hears of a write that rolled back.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from exchange.coordination import conf
from exchange.coordination.events import (
    recheck_rooms,
    room_group,
    send_on_commit,
    user_group,
)
from exchange.coordination.models import Message, Notification, ReadMarker, Room
from exchange.coordination.payloads import message_payload
from exchange.coordination.text import mentioned_handles, sanitise
from exchange.policy import (
    Viewer,
    can_enter_room,
    can_view,
    get_visible_document_or_404,
    get_visible_room_or_404,
    viewer_for_user,
    visible_document_reference,
)
from portal.audit.actions import record
from portal.mail.kinds import Kind as MailKind
from portal.mail.messages import Notice
from portal.mail.queue import deliver
from portal.tiers import Tier

if TYPE_CHECKING:
    from exchange.models import Document


class InvalidMessage(ValueError):
    """The text cannot be posted; the message says why, in words for the author."""


class EditWindowClosed(PermissionError):
    """The author's window for editing or deleting has passed."""


# --- Rooms ----------------------------------------------------------------------


def ensure_group_room(group) -> Room:
    """The default coordination room of `group`, created when missing."""
    room = Room.objects.filter(group=group, is_default=True).first()
    if room is not None:
        return room
    try:
        with transaction.atomic():
            room = Room.objects.create(
                group=group, name="Coordination", tier=Tier.RESTRICTED, is_default=True
            )
            record(
                "coordination.room.opened",
                target=room,
                details={"default": True, "group": group.pk, "tier": room.tier},
            )
    except IntegrityError:  # created meanwhile by another process
        return Room.objects.get(group=group, is_default=True)
    return room


@transaction.atomic
def open_room(group, *, by, name: str, tier: str = Tier.RESTRICTED) -> Room:
    """Open a further room for `group` (the secretariat's action)."""
    name = name.strip()
    if not name:
        raise InvalidMessage(str(_("A room needs a name.")))
    if tier not in Tier.values:
        raise InvalidMessage(str(_("Unknown tier.")))
    room = Room.objects.create(group=group, name=name[:120], tier=tier, created_by=by)
    record(
        "coordination.room.opened",
        actor=by,
        target=room,
        details={"group": group.pk, "tier": tier},
    )
    return room


@transaction.atomic
def archive_room(room: Room, *, by) -> Room:
    """Close a room for good: it disappears for everyone and open sockets close."""
    if room.archived_at is None:
        room.archived_at = timezone.now()
        room.save(update_fields=["archived_at"])
        record("coordination.room.archived", actor=by, target=room)
        recheck_rooms([room.pk], "archived")
    return room


class JustificationRequired(InvalidMessage):
    """Lowering a tier needs a reason, kept in the audit record."""


LOWERING_NEEDS_JUSTIFICATION = _(
    "Say why the tier is lowered: lowering a tier needs a justification, which is "
    "kept in the audit trail. Nothing was changed."
)


@transaction.atomic
def change_room_tier(room: Room, tier: str, *, by, justification: str = "") -> Room:
    """Move `room` to another tier (the secretariat's action).

    Lowering it needs a `justification` (audited with the change), as lowering a
    label does; raising needs none. Messages keep the tier they were posted at, so
    a member cleared only for the lower tier never sees what was said above it.
    Open sockets re-ask the policy: members no longer cleared are closed out.
    """
    if tier not in Tier.values or tier == Tier.PUBLIC:
        raise InvalidMessage(str(_("Choose a tier for the room.")))
    room = Room.objects.select_for_update().get(pk=room.pk)
    if tier == room.tier:
        return room
    justification = (justification or "").strip()
    lowered = Tier(tier).rank < Tier(room.tier).rank
    if lowered and not justification:
        raise JustificationRequired(str(LOWERING_NEEDS_JUSTIFICATION))
    before = room.tier
    room.tier = tier
    room.save(update_fields=["tier"])
    details = {"before": before, "after": tier, "lowered": lowered}
    if justification:
        details["justification"] = justification[:1000]
    record("coordination.room.tier_changed", actor=by, target=room, details=details)
    recheck_rooms([room.pk], "tier changed")
    return room


def record_denied_entry(user, room_id, *, channel: str) -> None:
    """Audit an attempt to enter a room the policy refused."""
    record(
        "coordination.room.denied",
        actor=user,
        target_type="coordination.room",
        target_id=room_id,
        outcome="denied",
        details={"channel": channel},
    )


# --- Messages -------------------------------------------------------------------


def _clean_body(body: str) -> str:
    if not isinstance(body, str):
        raise InvalidMessage(str(_("A message is text.")))
    html = sanitise(body)
    if not html:
        raise InvalidMessage(str(_("The message is empty.")))
    limit = conf.get("COORDINATION_MAX_MESSAGE_CHARS")
    if len(html) > limit:
        raise InvalidMessage(
            str(_("Messages are limited to %(limit)s characters.") % {"limit": limit})
        )
    return html


def _visible_room_for_write(viewer: Viewer, room_id: int) -> Room:
    # Lock-free re-check at write time: the viewer's membership may have changed
    # since the socket connected.
    return get_visible_room_or_404(viewer, room_id)


def _writer_id(viewer: Viewer) -> int:
    """The id of a viewer the policy let into a room: never anonymous."""
    if viewer.user_id is None:
        raise Http404("No such room.")
    return viewer.user_id


def _live_message(message: Message, event: str) -> dict:
    # The document reference is not part of the shared payload: each socket asks
    # the policy for its own viewer (see RoomConsumer.room_message).
    return {
        "type": "room.message",
        "event": event,
        "message": message_payload(message),
        "document_id": message.document_id if message.deleted_at is None else None,
    }


class ReferenceRefused(InvalidMessage):
    """The document may not be referenced in this room (the high-water mark).

    Carries the refusal's audit details (ids, tiers and counts only)."""

    def __init__(self, message: str, *, room: Room, details: dict) -> None:
        super().__init__(message)
        self.room = room
        self.details = details


def room_readers(room: Room) -> list[Viewer]:
    """The policy views of the current members of `room` who may enter it (vetted,
    cleared for its tier, as they are once signed in with a second factor)."""
    readers = []
    for user in room_members(room):
        viewer = viewer_for_user(user, verified=True)
        if can_enter_room(viewer, room):
            readers.append(viewer)
    return readers


def members_who_cannot_see(room: Room, document: Document, readers=None) -> int:
    """How many current members of `room` may not see `document` (a count only)."""
    if readers is None:
        readers = room_readers(room)
    return sum(1 for reader in readers if not can_view(reader, document))


def unseen_counts(room: Room, messages, viewer: Viewer) -> dict[int, int]:
    """For the author's eyes: of `viewer`'s own messages among `messages` whose
    reference they still see, how many current members cannot see it (message id
    -> count). Members who joined later (a new member, a group gaining a State)
    are counted, so the author knows the reference no longer reaches everyone."""
    own = [
        m
        for m in messages
        if m.author_id == viewer.user_id
        and m.document_id is not None
        and m.deleted_at is None
    ]
    if not own:
        return {}
    readers = room_readers(room)
    counts: dict[int, int] = {}
    for message in own:
        document = message.document
        if visible_document_reference(viewer, document, ceiling=message.tier) is None:
            continue
        counts[message.pk] = members_who_cannot_see(room, document, readers)
    return counts


def unseen_counts_of_author(room_id: int, viewer: Viewer) -> dict[int, int]:
    """`unseen_counts` over all of `viewer`'s messages with a reference in a room."""
    room = Room.objects.select_related("group").get(pk=room_id)
    messages = (
        Message.objects.filter(
            room=room,
            author_id=viewer.user_id,
            document__isnull=False,
            deleted_at__isnull=True,
        )
        .select_related("document")
        .prefetch_related(
            "document__shared_users",
            "document__shared_states",
            "document__shared_groups",
        )
    )
    return unseen_counts(room, list(messages), viewer)


def _check_reference(viewer: Viewer, room: Room, document_id) -> Document:
    """The document `viewer` may reference in `room`, or `ReferenceRefused`.

    The high-water mark: a room carries only what every one of its members may
    see, at or below the room's tier. Each reader is checked again when a message
    is rendered (`visible_document_reference`), which covers later changes. The
    refusal tells the author how many members cannot see the document, never who
    or why: that would disclose their clearance or the document's sharing.
    """
    from exchange.models import Document

    get_visible_document_or_404(viewer, document_id)
    document = Document.objects.prefetch_related(
        "shared_users", "shared_states", "shared_groups"
    ).get(pk=int(document_id))
    details = {
        "document": document.pk,
        "document_tier": document.tier,
        "room_tier": room.tier,
    }
    if Tier(document.tier).rank > Tier(room.tier).rank:
        raise ReferenceRefused(
            f"This document is {Tier(document.tier).label.lower()}; this room is "
            f"{Tier(room.tier).label.lower()}. Only documents at or below the "
            "room's tier "
            "may be referenced here. Nothing was posted.",
            room=room,
            details={**details, "reason": "tier", "members_who_cannot_see": 0},
        )
    blind = members_who_cannot_see(room, document)
    if blind:
        who = (
            "1 member of this room cannot"
            if blind == 1
            else (f"{blind} members of this room cannot")
        )
        raise ReferenceRefused(
            f"{who} see this document, so it may not be referenced here. Share it "
            "with them first, or post without it. Nothing was posted.",
            room=room,
            details={**details, "reason": "members", "members_who_cannot_see": blind},
        )
    return document


def post_message(
    viewer: Viewer, room_id: int, body: str, document_id: int | None = None
) -> Message:
    """Post to a room. A message is of the room's tier; a referenced document must
    be at or below that tier and visible to every member, or `ReferenceRefused`
    (audited as denied)."""
    try:
        return _post_message(viewer, room_id, body, document_id)
    except ReferenceRefused as refused:
        # Recorded after the post's transaction rolled back, in one of its own.
        with transaction.atomic():
            record(
                "coordination.message.reference_refused",
                actor=(
                    None
                    if viewer.user_id is None
                    else get_user_model().objects.filter(pk=viewer.user_id).first()
                ),
                target=refused.room,
                outcome="denied",
                details=refused.details,
            )
        raise


@transaction.atomic
def _post_message(
    viewer: Viewer, room_id: int, body: str, document_id: int | None
) -> Message:
    room = _visible_room_for_write(viewer, room_id)
    html = _clean_body(body)
    document = _check_reference(viewer, room, document_id) if document_id else None
    message = Message.objects.create(
        room=room,
        author_id=_writer_id(viewer),
        body=html,
        tier=room.tier,
        document=document,
    )
    message = Message.objects.select_related("author", "document").get(pk=message.pk)
    _mark_read(_writer_id(viewer), room, message.pk)
    send_on_commit(room_group(room.pk), _live_message(message, "created"))
    _notify_mentions(message, room)
    return message


def _own_message_in_window(viewer: Viewer, message_id: int) -> Message:
    message = (
        Message.objects.select_related("author", "room")
        .select_for_update(of=("self",))
        .filter(pk=message_id, deleted_at__isnull=True)
        .first()
    )
    if message is None or not can_enter_room(viewer, message.room):
        raise Http404("No such message.")
    if message.author_id != viewer.user_id:
        raise EditWindowClosed("Only the author may change a message.")
    window = datetime.timedelta(seconds=conf.get("COORDINATION_EDIT_WINDOW_SECONDS"))
    if timezone.now() - message.created_at > window:
        raise EditWindowClosed("The time to change this message has passed.")
    return message


@transaction.atomic
def edit_message(viewer: Viewer, message_id: int, body: str) -> Message:
    message = _own_message_in_window(viewer, message_id)
    message.body = _clean_body(body)
    message.edited_at = timezone.now()
    message.save(update_fields=["body", "edited_at"])
    send_on_commit(room_group(message.room_id), _live_message(message, "updated"))
    return message


@transaction.atomic
def delete_message(viewer: Viewer, message_id: int) -> Message:
    message = _own_message_in_window(viewer, message_id)
    message.deleted_at = timezone.now()
    message.body = ""
    message.save(update_fields=["body", "deleted_at"])
    send_on_commit(room_group(message.room_id), _live_message(message, "updated"))
    return message


def _mark_read(user_id: int, room: Room, message_id: int) -> None:
    marker, created = ReadMarker.objects.get_or_create(
        user_id=user_id, room=room, defaults={"last_read_id": message_id}
    )
    if not created and message_id > marker.last_read_id:
        marker.last_read_id = message_id
        marker.save(update_fields=["last_read_id", "updated_at"])


@transaction.atomic
def mark_read(viewer: Viewer, room_id: int, message_id: int) -> int:
    """Move the viewer's unread marker forward (never back); returns the marker."""
    room = _visible_room_for_write(viewer, room_id)
    last = room.messages.filter(pk__lte=message_id).order_by("-pk").first()
    if last is not None:
        _mark_read(_writer_id(viewer), room, last.pk)
    marker = ReadMarker.objects.filter(user_id=_writer_id(viewer), room=room).first()
    return marker.last_read_id if marker else 0


def room_members(room: Room):
    """Users reached by the room's group (by State or by name), cleared or not."""
    group = room.group
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(partner_groups=group) | Q(state__in=group.states.all()))
        .distinct()
    )


def name_handle(user) -> str:
    """A person's mention by name: "@anna.bakker" for Anna Bakker."""
    if not (user.first_name or user.last_name):
        return ""
    return ".".join(user.get_full_name().lower().split())


def _notify_mentions(message: Message, room: Room) -> None:
    handles = mentioned_handles(message.body)
    if not handles:
        return
    for user in room_members(room).exclude(pk=message.author_id):
        email = user.email.lower()
        named = (
            email in handles
            or email.split("@", 1)[0] in handles
            or name_handle(user) in handles
        )
        # Only someone who may enter the room hears of it (vetting and tier
        # included); the notification is re-checked whenever it is shown.
        if named and can_enter_room(viewer_for_user(user, verified=True), room):
            deliver(
                user,
                Notice(
                    MailKind.MENTION,
                    link=f"/coordination/rooms/{room.pk}/#message-{message.pk}",
                    tier=room.tier,
                ),
            )
            notify(
                user,
                Notification.Kind.MENTION,
                f"{message.author.display_name} mentioned you in {room}",
                f"/coordination/rooms/{room.pk}/#message-{message.pk}",
                room=room,
            )


# --- Notifications --------------------------------------------------------------


@transaction.atomic
def notify(
    user, kind: str, title: str, url: str = "", *, room=None, document=None
) -> Notification:
    """Record a notification for `user` and push it to their open sockets."""
    notification = Notification.objects.create(
        user=user,
        kind=kind,
        title=title[:255],
        url=url[:500],
        room=room,
        document=document,
    )
    send_on_commit(
        user_group(user.pk),
        {"type": "notification.created", "id": notification.pk},
    )
    return notification


def notify_document_shared(document) -> int:
    """Tell everyone the document now reaches (by name, State or group) and who may
    see it; once per person and document. Returns how many were told."""
    users = (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(
            Q(pk__in=document.shared_users.all())
            | Q(state__in=document.shared_states.all())
            | Q(partner_groups__in=document.shared_groups.all())
            | Q(state__partner_groups__in=document.shared_groups.all())
        )
        .exclude(pk=document.owner_id)
        .exclude(
            pk__in=Notification.objects.filter(
                document=document, kind=Notification.Kind.DOCUMENT_SHARED
            ).values("user_id")
        )
        .distinct()
    )
    told = 0
    for user in users:
        # Notified only if they may see it once signed in with a second factor;
        # shown only while they may (re-checked when listed or sent).
        if can_view(viewer_for_user(user, verified=True), document):
            deliver(
                user,
                Notice(
                    _shared_kind(user, document),
                    link=document.get_absolute_url(),
                    tier=document.tier,
                ),
            )
            notify(
                user,
                Notification.Kind.DOCUMENT_SHARED,
                f"Document shared with you: {document.title}",
                document.get_absolute_url(),
                document=document,
            )
            told += 1
    return told


def _shared_kind(user, document) -> str:
    """How the sharing reaches `user`: by name first, then their State, then a
    group (a mail says only which, never the rest of the sharing)."""
    if document.shared_users.filter(pk=user.pk).exists():
        return MailKind.SHARED_WITH_YOU
    if user.state_id and document.shared_states.filter(pk=user.state_id).exists():
        return MailKind.SHARED_WITH_STATE
    return MailKind.SHARED_WITH_GROUP


def notify_vetting_expiry(user, days_left: int) -> Notification | None:
    """Tell `user` their vetting ends soon; once a day at most (the reminder job)."""
    if days_left == 0:
        title = "Your vetting ends today"
    elif days_left == 1:
        title = "Your vetting ends tomorrow"
    else:
        title = f"Your vetting ends in {days_left} days"
    already = Notification.objects.filter(
        user=user,
        kind=Notification.Kind.VETTING_EXPIRY,
        created_at__date=timezone.localdate(),
    ).exists()
    if already:
        return None
    return notify(user, Notification.Kind.VETTING_EXPIRY, title, "")


@transaction.atomic
def mark_notifications_read(user, ids=None) -> int:
    """Mark the user's notifications read (all, or the given ids); returns how many."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    count = unread.update(read_at=timezone.now())
    if count:
        send_on_commit(user_group(user.pk), {"type": "notification.read"})
    return count
