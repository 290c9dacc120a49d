"""Re-wrap every exchange data key under the current key-encryption key.

To rotate: set the new secret as EXCHANGE_KEK, move the old one to
EXCHANGE_PREVIOUS_KEKS, deploy, run this command, then drop the old secret. Files are
never re-encrypted. Each version is re-wrapped in its own transaction, so the
command can be interrupted at any point and run again: it picks up the versions
still under an older key, and a version is always readable under one of the two.
The text extracted for search is sealed under a subkey of each data key
(`exchange.crypto.seal_derived`), so it follows the data key and is not rewritten.
Each re-wrap is audited in its transaction; a summary event closes the run.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from exchange import crypto
from exchange.models import DocumentVersion
from portal.audit.actions import record


class Command(BaseCommand):
    help = "Re-wrap exchange data keys under the current EXCHANGE_KEK (re-runnable)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--limit",
            type=int,
            default=None,
            help="Re-wrap at most this many keys in this run (work in batches).",
        )

    def handle(self, *args, limit: int | None = None, **options) -> None:
        ring = crypto.keyring()
        pending = list(
            DocumentVersion.objects.exclude(kek_id=ring.current_id)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if limit is not None:
            pending = pending[:limit]
        rewrapped = 0
        unknown: set[str] = set()
        for pk in pending:
            with transaction.atomic():
                version = DocumentVersion.objects.select_for_update().get(pk=pk)
                if version.kek_id == ring.current_id:
                    continue  # done by a concurrent run
                old = ring.keys.get(version.kek_id)
                if old is None:
                    unknown.add(version.kek_id)
                    continue
                file_id = bytes.fromhex(version.file_id)
                data_key = crypto.unwrap_key(bytes(version.wrapped_key), file_id, old)
                previous_id = version.kek_id
                version.wrapped_key = crypto.wrap_key(data_key, file_id, ring.current)
                version.kek_id = ring.current_id
                version.save(update_fields=["wrapped_key", "kek_id"])
                # Each re-wrap commits with its own audit event, or not at all.
                record(
                    "exchange.key.rewrapped",
                    target=version,
                    details={
                        "document": version.document_id,
                        "from": previous_id,
                        "to": ring.current_id,
                    },
                )
                rewrapped += 1
        remaining = DocumentVersion.objects.exclude(kek_id=ring.current_id).count()
        record(
            "exchange.key.rotated",
            target_type="exchange.kek",
            target_id=ring.current_id,
            outcome="success" if not unknown else "failure",
            details={"rewrapped": rewrapped, "remaining": remaining},
        )
        self.stdout.write(
            f"re-wrapped {rewrapped} data key(s) under key {ring.current_id}; "
            f"{remaining} still under an older key."
        )
        if unknown:
            raise CommandError(
                "Some data keys are wrapped by keys that are not configured "
                f"({', '.join(sorted(unknown))}): add them to EXCHANGE_PREVIOUS_KEKS."
            )
