"""Send the queued mail that is due (the worker does this every second)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from portal.mail.queue import drain, pending_count


class Command(BaseCommand):
    help = "Send queued mail that is due; failed mail waits for its next attempt."

    def handle(self, *args, **options) -> None:
        sent = drain()
        self.stdout.write(f"sent {sent} mail(s); {pending_count()} waiting")
