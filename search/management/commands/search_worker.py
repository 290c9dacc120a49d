"""The portal's worker: drain the search indexing queue and the mail queue, in a
loop (or once with --once)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from portal.mail import queue as mail_queue
from search.client import is_configured
from search.indexing import SEARCH_ERRORS, drain, ensure_indices, pending_count


class Command(BaseCommand):
    help = (
        "Apply queued search index changes and send queued mail; retries while "
        "Elasticsearch or the mail server is down."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--once", action="store_true", help="Drain once and exit.")
        parser.add_argument(
            "--interval", type=float, default=1.0, help="Seconds between polls."
        )

    def handle(self, *args, once: bool = False, interval: float = 1.0, **options):
        search = is_configured()
        if not search:
            self.stdout.write("ELASTICSEARCH_URL is not set: nothing to index.")
        backoff = interval
        ready = False
        search_due = 0.0  # Elasticsearch is retried with backoff; mail each poll
        while True:
            failed = False
            if search and time.monotonic() >= search_due:
                try:
                    if not ready:
                        ensure_indices()
                        ready = True
                    done = drain()
                    if done:
                        self.stdout.write(f"indexed {done} queued change(s)")
                    backoff = interval
                except SEARCH_ERRORS as exc:
                    self.stderr.write(
                        f"Elasticsearch unavailable ({type(exc).__name__}); "
                        f"{pending_count()} change(s) wait in the queue"
                    )
                    failed = True
                    backoff = min(backoff * 2, 30.0)
                    search_due = time.monotonic() + backoff
            # Mail keeps its own backoff per message (portal/mail/queue.py).
            sent = mail_queue.drain()
            if sent:
                self.stdout.write(f"sent {sent} queued mail(s)")
            if once:
                if failed:
                    raise SystemExit(1)
                return
            time.sleep(interval)
