"""Queue each person's daily digest (the daily timer runs this)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from portal.mail.queue import send_digests


class Command(BaseCommand):
    help = "Queue one digest mail per person with events waiting for it."

    def handle(self, *args, **options) -> None:
        self.stdout.write(f"queued {send_digests()} digest(s)")
