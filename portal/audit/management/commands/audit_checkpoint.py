"""`manage.py audit_checkpoint`: sign the audit chain's head (the daily timer)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from portal.audit.actions import CheckpointRefused, sign_checkpoint


class Command(BaseCommand):
    help = "Sign the audit chain's head as a checkpoint, unless it is signed already."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            checkpoint = sign_checkpoint()
        except CheckpointRefused as error:
            raise CommandError(f"No checkpoint signed: {error}.") from None
        if checkpoint is None:
            self.stdout.write("The chain's head is signed already: no new checkpoint.")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Checkpoint signed at row #{checkpoint.sequence} with key "
                f"{checkpoint.key_id}: {checkpoint.row_hash}"
            )
        )
