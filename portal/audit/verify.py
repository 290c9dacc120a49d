"""Walking the hash chain: the first row or checkpoint that does not add up."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from portal.audit import verify_receipt as rules
from portal.audit.models import GENESIS_HASH, AuditEvent, Checkpoint


@dataclass
class ChainReport:
    checked: int
    head_hash: str
    broken_sequence: int | None = None
    problem: str = ""
    checkpoints: int = 0

    @property
    def ok(self) -> bool:
        return self.broken_sequence is None


def _checkpoint_problem(
    checkpoint: Checkpoint,
    keys: Mapping[str, Ed25519PublicKey],
    previous: Checkpoint | None,
) -> str:
    """What is wrong with `checkpoint` itself (its signature, its link), or ''."""
    signed = checkpoint.as_signed()
    where = f"checkpoint #{checkpoint.sequence}"
    key = keys.get(checkpoint.key_id)
    if key is None:
        return (
            f"{where} is signed by key {checkpoint.key_id}, which is neither "
            "AUDIT_SIGNING_KEY nor in AUDIT_RETIRED_PUBLIC_KEYS"
        )
    try:
        key.verify(
            base64.b64decode(checkpoint.signature), rules.checkpoint_payload(signed)
        )
    except (InvalidSignature, ValueError):
        return f"{where}: its signature does not hold for key {checkpoint.key_id}"
    expected = rules.checkpoint_hash(previous.as_signed()) if previous else GENESIS_HASH
    if checkpoint.previous_checkpoint_hash != expected:
        return f"{where} does not link to the checkpoint before it"
    return ""


def verify_chain(chunk_size: int = 2000) -> ChainReport:
    """Check every row in order: its sequence, its predecessor's hash, its own hash;
    and every checkpoint: its signature, its link to the one before, and that the
    row it signs is still there with the hash and digest it signed.

    A changed row fails its own hash; a removed or inserted row breaks the
    sequence or the link of the row after it; removing the newest rows leaves a
    checkpoint whose row is missing.
    """
    from portal.audit import signing

    try:
        keys = signing.trusted_keys()
    except (ImproperlyConfigured, rules.Refused) as error:
        return ChainReport(0, GENESIS_HASH, 0, f"the signing keys: {error}")
    pending = list(Checkpoint.objects.order_by("sequence"))
    pending.reverse()  # pop() gives the lowest
    previous_checkpoint = None
    expected_previous = GENESIS_HASH
    expected_sequence = 1
    digest = GENESIS_HASH
    checked = 0
    pending_done: list[Checkpoint] = []

    def broken(sequence: int, problem: str) -> ChainReport:
        return ChainReport(
            checked, expected_previous, sequence, problem, len(pending_done)
        )

    for event in AuditEvent.objects.order_by("sequence").iterator(chunk_size):
        if event.sequence != expected_sequence:
            return broken(
                event.sequence,
                f"row #{event.sequence} follows a gap: #{expected_sequence} is missing",
            )
        if event.previous_hash != expected_previous:
            return broken(
                event.sequence,
                f"row #{event.sequence} does not link to the row before it",
            )
        if event.compute_hash() != event.row_hash:
            return broken(
                event.sequence,
                f"row #{event.sequence} was changed after it was written",
            )
        expected_previous = event.row_hash
        digest = rules.sha256_hex(digest + event.row_hash)
        expected_sequence += 1
        checked += 1
        while pending and pending[-1].sequence <= event.sequence:
            checkpoint = pending.pop()
            problem = _checkpoint_problem(checkpoint, keys, previous_checkpoint)
            if not problem and checkpoint.sequence != event.sequence:
                problem = f"checkpoint #{checkpoint.sequence} signs no row"
            if not problem and (
                checkpoint.row_hash != event.row_hash
                or checkpoint.rows_digest != digest
            ):
                problem = (
                    f"checkpoint #{checkpoint.sequence} signed other rows than the "
                    "chain now holds"
                )
            if problem:
                return broken(checkpoint.sequence, problem)
            previous_checkpoint = checkpoint
            pending_done.append(checkpoint)
    if pending:
        checkpoint = pending[-1]
        return broken(
            checkpoint.sequence,
            f"checkpoint #{checkpoint.sequence} signs row #{checkpoint.sequence}, "
            f"which is missing: the newest rows were removed after row "
            f"#{expected_sequence - 1}",
        )
    return ChainReport(checked, expected_previous, checkpoints=len(pending_done))
