"""An audit event; each row carries the SHA-256 of its content and predecessor."""

from __future__ import annotations

import hashlib
import json
from typing import Any, TypedDict

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy

GENESIS_HASH = "0" * 64


class HashedContent(TypedDict):
    """An event's fields as hashed and as a receipt bundle carries them."""

    sequence: int
    occurred_at: str
    actor_id: int | None
    actor_label: str
    action: str
    target_type: str
    target_id: str
    outcome: str
    ip_address: str | None
    user_agent: str
    details: Any  # the stored JSON: references only (ids, tiers, hashes, counts)


class SignedCheckpoint(TypedDict):
    """A checkpoint as published and as a receipt bundle carries it."""

    sequence: int
    row_hash: str
    rows_digest: str
    created_at: str
    key_id: str
    previous_checkpoint_hash: str
    signature: str


class Outcome(models.TextChoices):
    SUCCESS = "success", gettext_lazy("Success")
    FAILURE = "failure", gettext_lazy("Failure")
    DENIED = "denied", gettext_lazy("Denied")


class AuditEvent(models.Model):
    """One thing that happened, append-only.

    `row_hash` = SHA-256(previous row's hash + canonical JSON of this row's content),
    so changing, removing or reordering any row breaks every hash after it.
    """

    sequence = models.BigIntegerField(unique=True, editable=False)
    occurred_at = models.DateTimeField(db_index=True, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_label = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=512, blank=True)
    details = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    previous_hash = models.CharField(max_length=64, editable=False)
    row_hash = models.CharField(max_length=64, editable=False)

    class Meta:
        ordering = ["sequence"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action} {self.outcome}"

    def hashed_content(self) -> HashedContent:
        """Every field but the hashes, as hashed (a receipt bundle carries it)."""
        return {
            "sequence": self.sequence,
            "occurred_at": self.occurred_at.isoformat(),
            "actor_id": self.actor_id,
            "actor_label": self.actor_label,
            "action": self.action,
            "target_type": self.target_type,
            "target_id": self.target_id,
            "outcome": self.outcome,
            "ip_address": self.ip_address,
            "user_agent": self.user_agent,
            "details": self.details,
        }

    def canonical_content(self) -> str:
        """The hashed content in a stable form: keys sorted, no spaces."""
        return json.dumps(
            self.hashed_content(),
            sort_keys=True,
            separators=(",", ":"),
            cls=DjangoJSONEncoder,
        )

    def compute_hash(self) -> str:
        payload = (self.previous_hash + self.canonical_content()).encode()
        return hashlib.sha256(payload).hexdigest()


class Checkpoint(models.Model):
    """The chain's head at one moment, signed with the portal's Ed25519 key.

    Each checkpoint names the hash of the one before it, and signs the digest of
    every row hash up to its row (`portal.audit.verify_receipt.fold_digest`), so
    that the hashes of the rows between two checkpoints are enough to prove which
    rows the later one covers. Someone holding a checkpoint can later show that
    the rows under it were not changed, removed or reordered, and that the newest
    rows were not cut off.
    """

    sequence = models.BigIntegerField(unique=True, editable=False)
    row_hash = models.CharField(max_length=64, editable=False)
    rows_digest = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(editable=False)
    key_id = models.CharField(max_length=64, editable=False)
    # The signing key's public half, so that a rotated key's checkpoints stay
    # readable; verification trusts the keys in settings, not this column.
    public_key = models.CharField(max_length=64, editable=False)
    previous_checkpoint_hash = models.CharField(max_length=64, editable=False)
    signature = models.CharField(max_length=128, editable=False)

    class Meta:
        ordering = ["sequence"]

    def __str__(self) -> str:
        return f"checkpoint #{self.sequence}"

    def as_signed(self) -> SignedCheckpoint:
        """The checkpoint as published and as a receipt bundle carries it."""
        return {
            "sequence": self.sequence,
            "row_hash": self.row_hash,
            "rows_digest": self.rows_digest,
            "created_at": self.created_at.isoformat(),
            "key_id": self.key_id,
            "previous_checkpoint_hash": self.previous_checkpoint_hash,
            "signature": self.signature,
        }
