"""`manage.py send_vetting_reminders`: run daily by a scheduler (see the README)."""

from typing import Any

from django.core.management.base import BaseCommand

from portal.accounts.vetting import send_vetting_ended, send_vetting_reminders


class Command(BaseCommand):
    help = (
        "Mail experts whose vetting expires within 30 days, and those whose vetting "
        "has ended (each once per expiry date)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        sent = send_vetting_reminders()
        self.stdout.write(f"{sent} vetting reminder(s) sent.")
        self.stdout.write(f"{send_vetting_ended()} vetting end notice(s) sent.")
