"""Rebuild the search indices behind their aliases, swapping them atomically."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from search.client import is_configured
from search.documents import INDEX_TYPES, active_index_types
from search.indexing import rebuild, unfinished_rebuild


class Command(BaseCommand):
    help = (
        "Build new search indices from the database, swap the aliases to them in one "
        "step (searches keep working meanwhile) and delete the old indices."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--type",
            action="append",
            choices=sorted(INDEX_TYPES),
            help="Only this index type (repeatable); all by default.",
        )
        parser.add_argument("--chunk-size", type=int, default=1000)
        parser.add_argument(
            "--fresh",
            action="store_true",
            help="Start a new index even where an earlier rebuild stopped part way "
            "(by default it is resumed from there).",
        )

    def handle(self, *args, **options) -> None:
        if not is_configured():
            raise CommandError(
                "ELASTICSEARCH_URL is not set: there is no index to build."
            )
        wanted = set(options["type"] or INDEX_TYPES)
        failures = []
        for index_type in active_index_types():
            if index_type.name not in wanted:
                continue
            started = time.perf_counter()
            expected = index_type.count()
            unfinished = None if options["fresh"] else unfinished_rebuild(index_type)
            if unfinished is not None:
                self.stdout.write(
                    f"{index_type.name}: resuming {unfinished[0]}, which an earlier "
                    f"rebuild left with {unfinished[1]} document(s)"
                )
            name, count = rebuild(
                index_type,
                progress=self.progress,
                chunk_size=options["chunk_size"],
                resume=not options["fresh"],
            )
            elapsed = time.perf_counter() - started
            self.stdout.write("")
            verdict = "matches" if count == expected else "DOES NOT MATCH"
            self.stdout.write(
                f"{index_type.name}: {name} holds {count} document(s); the database "
                f"has {expected}: {verdict} ({elapsed:.1f}s)"
            )
            if count != expected:
                failures.append(index_type.name)
        if failures:
            raise CommandError(f"count mismatch in: {', '.join(failures)}")

    def progress(self, name: str, done: int, total: int) -> None:
        width = 30
        filled = width if not total else int(width * done / total)
        percent = 100 if not total else 100 * done // total
        self.stdout.write(
            f"\r{name:>10} [{'#' * filled}{'.' * (width - filled)}] "
            f"{done}/{total} ({percent}%)",
            ending="",
        )
        self.stdout.flush()
