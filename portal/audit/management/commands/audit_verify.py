"""`manage.py audit_verify`: walk the audit chain and its signed checkpoints, and
name the first row or checkpoint that does not hold."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from portal.audit.actions import record
from portal.audit.models import Outcome
from portal.audit.verify import verify_chain


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain; exits non-zero at the first break."

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_chain()
        record(
            "audit.verified",
            outcome=Outcome.SUCCESS if report.ok else Outcome.FAILURE,
            details={
                "checked": report.checked,
                "broken_sequence": report.broken_sequence,
                "checkpoints": report.checkpoints,
            },
        )
        if not report.ok:
            raise CommandError(
                f"Audit chain BROKEN at row #{report.broken_sequence}: "
                f"{report.problem} ({report.checked} rows before it are intact)."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Audit chain intact: {report.checked} rows, "
                f"{report.checkpoints} signed checkpoint"
                f"{'' if report.checkpoints == 1 else 's'}; head hash "
                f"{report.head_hash}"
            )
        )
