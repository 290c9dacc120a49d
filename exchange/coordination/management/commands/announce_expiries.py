"""Tell open screens of the documents whose expiry passed since the last run."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from exchange.coordination.signals import announce_expired_documents


class Command(BaseCommand):
    help = (
        "Announce documents that expired since the last run, so that open rooms "
        "and notifications withdraw them (run every minute)."
    )

    def handle(self, *args, **options) -> None:
        ids = announce_expired_documents()
        self.stdout.write(f"{len(ids)} expired document(s) announced.")
