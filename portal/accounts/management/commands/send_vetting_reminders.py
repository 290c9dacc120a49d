"""`manage.py send_vetting_reminders`: run daily by a scheduler (see the README)."""

from django.core.management.base import BaseCommand

from portal.accounts.vetting import send_vetting_reminders


class Command(BaseCommand):
    help = "Email experts whose vetting expires within 30 days (once per expiry date)."

    def handle(self, *args, **options) -> None:
        sent = send_vetting_reminders()
        self.stdout.write(f"{sent} vetting reminder(s) sent.")
