"""Drain the search indexing queue, in a loop (or once with --once)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from search.client import is_configured
from search.indexing import SEARCH_ERRORS, drain, ensure_indices, pending_count


class Command(BaseCommand):
    help = "Apply queued search index changes; retries while Elasticsearch is down."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--once", action="store_true", help="Drain once and exit.")
        parser.add_argument(
            "--interval", type=float, default=1.0, help="Seconds between polls."
        )

    def handle(self, *args, once: bool = False, interval: float = 1.0, **options):
        if not is_configured():
            self.stdout.write("ELASTICSEARCH_URL is not set: nothing to index.")
            return
        backoff = interval
        ready = False
        while True:
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
                if once:
                    raise SystemExit(1) from exc
                backoff = min(backoff * 2, 30.0)
            if once:
                return
            time.sleep(backoff)
