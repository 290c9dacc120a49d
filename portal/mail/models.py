"""The mail queue, the digest's waiting lines, and each person's choices per kind."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from portal.mail.kinds import Delivery, Kind


class QueuedMail(models.Model):
    """One message to send; written in the transaction of the event it tells of.

    The row stays until the mail server accepted the message: a failed attempt
    records the error and the time of the next one (exponential backoff), so a
    server that is down or refuses only delays mail.
    """

    kind = models.CharField(max_length=32, choices=Kind.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    # Empty for the stand-in of a password reset asked for an address without an
    # account: the worker drops it unsent (see request_password_reset).
    to_address = models.EmailField(blank=True)
    subject = models.CharField(max_length=255)
    text = models.TextField()
    html = models.TextField()
    headers = models.JSONField(default=dict, blank=True)
    # Makes a mail that a job may try to queue twice (a reminder) go out once.
    key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now, db_index=True)
    last_error = models.CharField(max_length=500, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(sent_at__isnull=True),
                name="mail_due",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to #{self.recipient_id or '-'}"


class DigestEntry(models.Model):
    """An event waiting for the recipient's daily digest (a line, never the text
    of what it is about: the same kind, tier and link as an immediate mail)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    line = models.CharField(max_length=500)
    link = models.CharField(max_length=500, blank=True)
    key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    digest = models.ForeignKey(
        QueuedMail, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for #{self.user_id}"


class MailPreference(models.Model):
    """How a person wants one kind of mail; without a row, immediately."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    delivery = models.CharField(
        max_length=16, choices=Delivery.choices, default=Delivery.IMMEDIATELY
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind"], name="one_mail_preference_per_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.delivery}"
