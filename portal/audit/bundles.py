"""Receipt bundles: audit rows with what proves them offline (signed checkpoints,
the row hashes that link each row to one, and the portal's signed list of rows).

`portal/audit/verify_receipt.py` checks a bundle without the portal; the format is
described there and in docs/exchange-policy.md.
"""

from __future__ import annotations

import bisect
import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

from portal.audit import signing
from portal.audit import verify_receipt as rules
from portal.audit.actions import sign_checkpoint
from portal.audit.models import AuditEvent, Checkpoint

if TYPE_CHECKING:
    from portal.accounts.models import User

HASH_RULE = (
    "row_hash = hex(SHA-256(previous_hash + canonical JSON of the row without "
    "previous_hash and row_hash: keys sorted, separators ',' and ':', UTF-8)); "
    "rows_digest = each row hash folded in from '0'*64: d = hex(SHA-256(d + row_hash))"
)


def _row(event: AuditEvent) -> dict[str, Any]:
    return {
        **event.hashed_content(),
        "previous_hash": event.previous_hash,
        "row_hash": event.row_hash,
    }


def signed_bundle(
    scope: dict[str, Any],
    events: QuerySet[AuditEvent],
    *,
    generated_at: datetime.datetime,
    actor: User | None = None,
) -> dict[str, Any]:
    """The bundle of `events` (call inside the transaction that records its export).

    A checkpoint is signed first when the head has moved, so that every row, the
    export's own record included, sits under one.
    """
    sign_checkpoint(actor=actor)
    checkpoints = list(Checkpoint.objects.order_by("sequence"))
    latest = checkpoints[-1]
    rows = [
        _row(event)
        for event in events.filter(sequence__lte=latest.sequence)
        .order_by("sequence")
        .iterator(chunk_size=500)
    ]
    bundle = {
        "format": rules.BUNDLE_FORMAT,
        "scope": scope,
        # Not before the checkpoint signed for it.
        "generated_at": max(generated_at, latest.created_at).isoformat(),
        "hash_rule": HASH_RULE,
        "rows": rows,
        **_links([row["sequence"] for row in rows], checkpoints),
        "listed_rows": [[row["sequence"], row["row_hash"]] for row in rows],
    }
    return sign_bundle(bundle)


def _links(sequences: Iterable[int], checkpoints: list[Checkpoint]) -> dict[str, Any]:
    """The segments holding `sequences` and the checkpoints from the first one used
    to the latest, so that each row chains up to the latest signed head."""
    marks = [c.sequence for c in checkpoints]
    spans: set[tuple[int, int]] = set()
    for sequence in sequences:
        at = bisect.bisect_left(marks, sequence)
        spans.add((marks[at - 1] if at else 0, marks[at]))
    first = min((after or through for after, through in spans), default=marks[-1])
    segments = []
    for after, through in sorted(spans):
        hashes = list(
            AuditEvent.objects.filter(sequence__gt=after, sequence__lte=through)
            .order_by("sequence")
            .values_list("row_hash", flat=True)
        )
        segments.append({"after": after, "through": through, "row_hashes": hashes})
    return {
        "checkpoints": [c.as_signed() for c in checkpoints if c.sequence >= first],
        "segments": segments,
    }


def sign_bundle(bundle: dict[str, Any]) -> dict[str, Any]:
    """Sign the bundle's list of rows, scope and time with the audit key."""
    key = signing.signing_key()
    bundle["signature"] = {
        "key_id": key.key_id,
        "value": key.sign(rules.manifest_payload(bundle)),
    }
    return bundle
