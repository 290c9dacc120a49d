"""Walking the hash chain: the first row whose content or link does not add up."""

from __future__ import annotations

from dataclasses import dataclass

from portal.audit.models import GENESIS_HASH, AuditEvent


@dataclass
class ChainReport:
    checked: int
    head_hash: str
    broken_sequence: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_sequence is None


def verify_chain(chunk_size: int = 2000) -> ChainReport:
    """Check every row in order: its sequence, its predecessor's hash, its own hash.

    A changed row fails its own hash; a removed or inserted row breaks the
    sequence or the link of the row after it.
    """
    expected_previous = GENESIS_HASH
    expected_sequence = 1
    checked = 0
    for event in AuditEvent.objects.order_by("sequence").iterator(chunk_size):
        if event.sequence != expected_sequence:
            return ChainReport(
                checked,
                expected_previous,
                event.sequence,
                f"row #{event.sequence} follows a gap: #{expected_sequence} is missing",
            )
        if event.previous_hash != expected_previous:
            return ChainReport(
                checked,
                expected_previous,
                event.sequence,
                f"row #{event.sequence} does not link to the row before it",
            )
        if event.compute_hash() != event.row_hash:
            return ChainReport(
                checked,
                expected_previous,
                event.sequence,
                f"row #{event.sequence} was changed after it was written",
            )
        expected_previous = event.row_hash
        expected_sequence += 1
        checked += 1
    return ChainReport(checked, expected_previous)
