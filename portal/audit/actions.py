"""Writing to the audit trail: `record()` appends one event to the hash chain."""

from __future__ import annotations

import json
import logging
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from portal.audit.models import GENESIS_HASH, AuditEvent, Outcome

logger = logging.getLogger("portal.audit")

# Serialises writers on PostgreSQL so that two events never claim the same predecessor.
CHAIN_LOCK_KEY = 0x4E5349_41  # "NSIA"


def _client_address(request) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def record(
    action: str,
    *,
    actor=None,
    target=None,
    target_type: str = "",
    target_id: str | int = "",
    outcome: str = Outcome.SUCCESS,
    request=None,
    details: dict[str, Any] | None = None,
) -> AuditEvent | None:
    """Append an event; never raises into the action being recorded.

    The event is written in a savepoint of its own: inside a transaction it commits
    or rolls back with the action (a denied or failed action that raises should be
    recorded after its transaction, or with `transaction.on_commit`).
    """
    try:
        if target is not None:
            target_type = target_type or target._meta.label_lower
            target_id = target_id or target.pk
        if actor is None and request is not None:
            user = getattr(request, "user", None)
            actor = user if user is not None and user.is_authenticated else None
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])
            last = AuditEvent.objects.order_by("-sequence").only("sequence", "row_hash")
            last = last.select_for_update().first()
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
    except Exception:
        logger.exception("audit event %s could not be recorded", action)
        return None
