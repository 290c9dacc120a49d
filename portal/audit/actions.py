"""Writing to the audit trail: `record()` appends one event to the hash chain."""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from portal.audit.models import GENESIS_HASH, AuditEvent, Outcome

if TYPE_CHECKING:
    from django.db.models import Model
    from django.http import HttpRequest

    from portal.accounts.models import User
    from portal.audit.models import Checkpoint

# Serialises writers on PostgreSQL so that two events never claim the same predecessor.
CHAIN_LOCK_KEY = 0x4E5349_41  # "NSIA"


def address_hash(address: str) -> str:
    """A person's address as the trail keeps it: the SHA-256 of its normal form, so
    that events about one address can be found without the trail naming anyone."""
    return hashlib.sha256(address.strip().lower().encode()).hexdigest()


def _client_address(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def record(
    action: str,
    *,
    actor: User | None = None,
    target: Model | None = None,
    target_type: str = "",
    target_id: str | int = "",
    outcome: str = Outcome.SUCCESS,
    request: HttpRequest | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append an event inside the caller's transaction; a failure raises.

    An action that cannot be audited does not happen: call this inside the
    action's `transaction.atomic()` block, so that the action and its event commit
    together and a failure to record rolls the action back. The event is written in
    a savepoint of its own, so outside a transaction it still commits on its own.

    `details` hold references only (ids, tiers, hashes, counts), never titles, file
    names or people's addresses: the trail is read by people who may not see them.
    """
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target_id or target.pk
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        actor = user if user is not None and user.is_authenticated else None
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # The lock serialises writers; no row lock is taken, so a database role
            # that may only INSERT and SELECT on the table can write the trail.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])
        last = (
            AuditEvent.objects.order_by("-sequence")
            .only("sequence", "row_hash")
            .first()
        )
        event = AuditEvent(
            sequence=(last.sequence + 1) if last else 1,
            occurred_at=timezone.now(),
            actor=actor,
            actor_label=(actor.email if actor is not None else "")[:254],
            action=action,
            target_type=str(target_type)[:64],
            target_id=str(target_id)[:64],
            outcome=str(outcome),
            ip_address=_client_address(request),
            user_agent=(request.META.get("HTTP_USER_AGENT", "") if request else "")[
                :512
            ],
            # Stored details must equal what was hashed: round-trip through JSON.
            details=json.loads(json.dumps(details or {}, cls=DjangoJSONEncoder)),
            previous_hash=last.row_hash if last else GENESIS_HASH,
        )
        event.row_hash = event.compute_hash()
        event.save(force_insert=True)
    return event


CHECKPOINT_SIGNED = "audit.checkpoint_signed"


class CheckpointRefused(Exception):
    """The rows since the last checkpoint do not add up: nothing is signed."""


def sign_checkpoint(
    *, actor: User | None = None, request: HttpRequest | None = None
) -> Checkpoint | None:
    """Sign the chain's head as a new checkpoint; None when the head has not moved.

    The checkpoint's own audit event is the row it signs: it is recorded first,
    under the chain's lock, which is held until the checkpoint is stored, so two
    runs at once yield one checkpoint (the second finds the head signed). The rows
    since the previous checkpoint are checked before anything is signed: a broken
    chain is never vouched for.
    """
    from portal.audit import signing
    from portal.audit import verify_receipt as rules
    from portal.audit.models import Checkpoint

    key = signing.signing_key()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])
        head = AuditEvent.objects.order_by("-sequence").only("sequence").first()
        previous = Checkpoint.objects.order_by("-sequence").first()
        if head is None or (
            previous is not None and previous.sequence >= head.sequence
        ):
            return None
        event = record(
            CHECKPOINT_SIGNED,
            actor=actor,
            request=request,
            details={
                "key_id": key.key_id,
                "previous_checkpoint": previous.sequence if previous else None,
            },
        )
        start = previous.sequence if previous else 0
        digest = previous.rows_digest if previous else GENESIS_HASH
        link = previous.row_hash if previous else GENESIS_HASH
        expected = start + 1
        rows = AuditEvent.objects.filter(
            sequence__gt=start, sequence__lte=event.sequence
        ).order_by("sequence")
        for row in rows.iterator(chunk_size=2000):
            if (
                row.sequence != expected
                or row.previous_hash != link
                or row.compute_hash() != row.row_hash
            ):
                raise CheckpointRefused(
                    f"row #{expected} does not add up since checkpoint #{start}: "
                    "run audit_verify"
                )
            digest = rules.sha256_hex(digest + row.row_hash)
            link = row.row_hash
            expected += 1
        checkpoint = Checkpoint(
            sequence=event.sequence,
            row_hash=event.row_hash,
            rows_digest=digest,
            created_at=event.occurred_at,
            key_id=key.key_id,
            public_key=key.public_b64,
            previous_checkpoint_hash=(
                rules.checkpoint_hash(previous.as_signed())
                if previous
                else GENESIS_HASH
            ),
        )
        checkpoint.signature = key.sign(
            rules.checkpoint_payload(checkpoint.as_signed())
        )
        checkpoint.save(force_insert=True)
    return checkpoint
