"""Remove what crashed uploads left: unreferenced ciphertexts and temporary uploads.

Run at start-up (before the portal serves) and by the daily timer; audited when it
removes anything. Files younger than the grace period are left alone, since an upload
may be in progress on another process.
"""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand

from exchange.orphans import sweep


class Command(BaseCommand):
    help = "Remove unreferenced exchange ciphertexts and stale temporary uploads."

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=int,
            default=None,
            metavar="SECONDS",
            help="Grace period (default: EXCHANGE_ORPHAN_GRACE_SECONDS).",
        )

    def handle(self, *args, older_than: int | None = None, **options) -> None:
        grace = None if older_than is None else datetime.timedelta(seconds=older_than)
        swept = sweep(grace=grace)
        self.stdout.write(
            f"Removed {swept.ciphertexts} unreferenced ciphertext(s) and "
            f"{swept.uploads} temporary upload(s), {swept.bytes} bytes."
        )
