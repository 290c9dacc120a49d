"""Coordination rooms, their messages, unread markers, and user notifications."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy

from portal.tiers import Tier


class Room(models.Model):
    """A live coordination room of one partner group, at one tier.

    Every group has one default room (created with the group); the secretariat may
    open further rooms for a group at a higher tier. Archiving closes a room for good:
    the policy then treats it as absent and open sockets are closed.
    """

    group = models.ForeignKey(
        "exchange.PartnerGroup", on_delete=models.CASCADE, related_name="rooms"
    )
    name = models.CharField(max_length=120)
    tier = models.CharField(
        max_length=32, choices=Tier.choices, default=Tier.RESTRICTED
    )
    is_default = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["group__name", "-is_default", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["group"],
                condition=Q(is_default=True),
                name="coordination_one_default_room_per_group",
            )
        ]

    def __str__(self) -> str:
        return f"{self.group} · {self.name}"

    @property
    def group_name(self) -> str:
        """The channel-layer group of the sockets open on this room."""
        return f"coordination.room.{self.pk}"


class Message(models.Model):
    """A message in a room; the body is sanitised HTML, stored as sanitised."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    body = models.TextField()
    # The high-water mark: a message is of its room's tier, fixed when posted, so it
    # keeps its classification whatever later happens to the room.
    tier = models.CharField(
        max_length=32, choices=Tier.choices, default=Tier.RESTRICTED
    )
    # An exchange document the message points at: when posted, at or below the
    # message's tier and visible to every member; still shown only to those members
    # who may see it (checked when rendered, for each viewer), since sharing changes.
    document = models.ForeignKey(
        "exchange.Document",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    # Deleted messages keep their place in the history (so unread markers and
    # pagination stay stable) but lose their text.
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["room", "id"])]

    def __str__(self) -> str:
        return f"message {self.pk} in room {self.room_id}"


class ReadMarker(models.Model):
    """The last message of a room a user has read."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="+")
    last_read_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "room"], name="coordination_one_marker_per_room"
            )
        ]

    def __str__(self) -> str:
        return f"read marker of user {self.user_id} in room {self.room_id}"


class Notification(models.Model):
    """Something a user should know about, shown live and on the notifications page.

    A notification that points at a room (a mention) or a document is shown only while
    the user may still enter that room or see that document: the policy is asked again
    whenever it is listed or sent.
    """

    class Kind(models.TextChoices):
        DOCUMENT_SHARED = "document_shared", gettext_lazy("Document shared")
        PRACTICE_APPROVED = "practice_approved", gettext_lazy("Good practice approved")
        PRACTICE_REJECTED = "practice_rejected", gettext_lazy("Good practice rejected")
        MENTION = "mention", gettext_lazy("Mentioned in a room")
        VETTING_EXPIRY = "vetting_expiry", gettext_lazy("Vetting nears expiry")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    title = models.CharField(max_length=255)
    url = models.CharField(max_length=500, blank=True)
    room = models.ForeignKey(
        Room, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    document = models.ForeignKey(
        "exchange.Document",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return self.title
