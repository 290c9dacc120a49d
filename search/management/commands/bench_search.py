"""Benchmark search: rebuild vs plain _bulk, and portal API vs direct query latency.

Not a test: it loads many generated exchange documents into the configured database
(use a scratch one, e.g. DATABASE_URL=sqlite:///var/bench.sqlite3), prints the
figures side by side, and removes the generated rows and its indices at the end.
"""

from __future__ import annotations

import datetime
import random
import statistics
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test import Client
from django.utils import timezone

import urllib3
from elasticsearch.helpers import streaming_bulk

from portal.core.servers import serve_portal, verified_session_key
from search.client import get_client, is_configured
from search.documents import INDEX_TYPES, ExchangeDocumentDocument
from search.indexing import (
    create_index,
    delete_all_indices,
    ensure_indices,
    indexing_paused,
    rebuild,
    search_aliases,
)
from search.query import SearchParams
from search.service import search_body

VOCABULARY = """
insider threat transport sealed source inventory regulator peer review mission
computer security forensics laboratory guard training exercise border monitoring
radiation portal detection emergency response culture assessment vital area
sabotage escort route vault inspection alarm perimeter intrusion cyber incident
reporting competence qualification response force physical protection nuclear
material facility licence authorisation graded approach design basis threat
recommendation follow-up self-assessment methodology questionnaire
"""
WORDS = sorted(set(VOCABULARY.split()))
BENCH_TITLE = "Benchmark"
TIMED = ("in_process", "over_http", "direct", "dsl")


class Command(BaseCommand):
    help = "Load generated documents and compare rebuild/bulk and portal/direct search."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--count", type=int, default=100_000)
        parser.add_argument("--queries", type=int, default=1000)
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args, count: int, queries: int, seed: int, **options) -> None:
        if not is_configured():
            raise CommandError(
                "Set ELASTICSEARCH_URL: the benchmark needs Elasticsearch."
            )
        from exchange.models import Document

        rng = random.Random(seed)  # noqa: S311 (generated test data)
        delete_all_indices()
        ensure_indices()
        viewer_user = self.generate(count, rng)
        documents = INDEX_TYPES["documents"]
        try:
            self.stdout.write(f"generated {Document.objects.count()} documents")
            rebuild_rate = self.bench_rebuild(documents)
            bulk_rate = self.bench_plain_bulk(documents)
            times = self.bench_queries(viewer_user, queries, rng)
        finally:
            self.cleanup()
            delete_all_indices()
        self.report(rebuild_rate, bulk_rate, times)

    # --- data -------------------------------------------------------------------------

    def generate(self, count: int, rng: random.Random):
        from exchange.models import Document
        from portal.accounts.models import User
        from portal.states.models import State

        states = list(State.objects.filter(is_subscriber=True)[:10])
        if not states:
            raise CommandError("No States: run migrate first.")
        owner, _ = User.objects.get_or_create(
            email="bench-owner@example.org", defaults={"state": states[0]}
        )
        reader, _ = User.objects.get_or_create(
            email="bench-reader@example.org",
            defaults={
                "state": states[0],
                "clearance": "confidential",
                "vetted_until": timezone.localdate() + datetime.timedelta(days=30),
            },
        )
        now = timezone.now()
        tiers = ["restricted", "restricted", "confidential", "public"]
        started = time.perf_counter()
        with transaction.atomic():
            batch = []
            for i in range(count):
                words = rng.sample(WORDS, 12)
                batch.append(
                    Document(
                        title=f"{BENCH_TITLE} {' '.join(words[:4])}",
                        description=" ".join(words[4:]),
                        handling_note=" ".join(rng.sample(WORDS, 20)),
                        tier=rng.choice(tiers),
                        originating_state=rng.choice(states),
                        owner=owner,
                        last_shared_at=now - datetime.timedelta(minutes=i),
                    )
                )
                if len(batch) == 5000:
                    Document.objects.bulk_create(batch)
                    batch = []
            if batch:
                Document.objects.bulk_create(batch)
        self.stdout.write(
            f"created {count} rows in {time.perf_counter() - started:.1f}s"
        )
        return reader

    def cleanup(self) -> None:
        from exchange.models import Document
        from portal.accounts.models import User

        with indexing_paused():
            Document.objects.filter(title__startswith=BENCH_TITLE).delete()
            User.objects.filter(email__startswith="bench-").delete()

    # --- indexing ---------------------------------------------------------------------

    def bench_rebuild(self, documents) -> float:
        started = time.perf_counter()
        _, count = rebuild(documents, progress=self.progress, chunk_size=1000)
        elapsed = time.perf_counter() - started
        self.stdout.write("")
        self.stdout.write(f"rebuild: {count} documents in {elapsed:.1f}s")
        return count / elapsed

    def bench_plain_bulk(self, documents) -> float:
        """The same documents, already serialised, sent with a plain _bulk."""
        client = get_client()
        started = time.perf_counter()
        sources = [source for _id, source in documents.iter_sources(chunk_size=1000)]
        self.stdout.write(
            f"database read + prepare alone (not timed below): "
            f"{time.perf_counter() - started:.1f}s"
        )
        name = create_index(documents, name=f"{search_aliases()[0]}-bulk-plain")
        client.indices.put_settings(index=name, settings={"refresh_interval": "-1"})
        started = time.perf_counter()
        loaded = 0
        for _ok, _item in streaming_bulk(
            client,
            ({"_index": name, "_id": s["pk"], "_source": s} for s in sources),
            chunk_size=1000,
        ):
            loaded += 1
        client.indices.put_settings(index=name, settings={"refresh_interval": None})
        client.indices.refresh(index=name)
        elapsed = time.perf_counter() - started
        client.indices.delete(index=name)
        self.stdout.write(f"plain _bulk: {loaded} documents in {elapsed:.1f}s")
        return loaded / elapsed

    # --- querying ---------------------------------------------------------------------

    def bench_queries(self, reader, queries: int, rng: random.Random):
        """Each query four ways, interleaved so that all see the same conditions:
        the portal API in this process (Django's test client: the whole request
        handling, no HTTP server), the portal API over HTTP (uvicorn on loopback,
        what a browser or script gets), the same Elasticsearch query sent directly,
        and that query read back through elasticsearch-dsl `Document` objects.

        Both HTTP measurements go through urllib3 with one kept-alive connection,
        the transport of the Elasticsearch client, so that the client's own cost is
        the same on both sides."""
        from exchange.policy import viewer_for_user

        cookie = verified_session_key(reader)
        http = Client(HTTP_HOST="localhost")
        http.cookies[settings.SESSION_COOKIE_NAME] = cookie
        viewer = viewer_for_user(reader, verified=True)
        client = get_client()
        index = ",".join(search_aliases())
        terms = [" ".join(rng.sample(WORDS, 2)) for _ in range(queries)]
        times: dict[str, list[float]] = {name: [] for name in TIMED}
        with (
            serve_portal(extra_args=["--no-access-log"]) as served,
            urllib3.HTTPConnectionPool(
                "127.0.0.1",
                served.port,
                maxsize=1,
                headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}"},
            ) as remote,
        ):
            for i, q in enumerate(terms[:20] + terms):
                started = time.perf_counter()
                response = http.get("/search/api/", {"q": q})
                in_process = time.perf_counter() - started
                self._check(response.status_code, response.json(), q)
                started = time.perf_counter()
                reply = remote.request("GET", "/search/api/", fields={"q": q})
                over_http = time.perf_counter() - started
                self._check(reply.status, reply.json(), q)
                body = search_body(viewer, SearchParams(q=q))
                started = time.perf_counter()
                client.search(index=index, **body)
                direct = time.perf_counter() - started
                # What the portal avoids: whole _source deserialised into Documents.
                full = {k: v for k, v in body.items() if k != "_source"}
                started = time.perf_counter()
                search = ExchangeDocumentDocument.search(using=client, index=index)
                [hit.title for hit in search.update_from_dict(full).execute()]
                dsl = time.perf_counter() - started
                if i >= 20:  # the first twenty warm the caches of all four
                    for name, value in zip(
                        TIMED, (in_process, over_http, direct, dsl), strict=True
                    ):
                        times[name].append(value)
        return times

    @staticmethod
    def _check(status: int, payload: dict, q: str) -> None:
        if status != 200 or payload["degraded"] or not payload["total"]:
            raise CommandError(f"the portal API failed for {q!r}: {status}")

    # --- output -----------------------------------------------------------------------

    def progress(self, name: str, done: int, total: int) -> None:
        if done % 10_000 == 0 or done == total:
            self.stdout.write(f"\r  rebuilding {name}: {done}/{total}", ending="")
            self.stdout.flush()

    def report(self, rebuild_rate, bulk_rate, times) -> None:
        def pct(values, p):
            return statistics.quantiles(values, n=100)[p - 1] * 1000

        direct = times["direct"]
        rows = [
            ("indexing", "portal", "reference", "ratio", "target"),
            (
                "docs/s",
                f"{rebuild_rate:,.0f}",
                f"{bulk_rate:,.0f}",
                f"{rebuild_rate / bulk_rate:.0%}",
                ">= 50%",
            ),
        ]
        for name, label in (
            ("in_process", "API in-process"),
            ("over_http", "API over HTTP"),
            ("dsl", "dsl Documents"),
        ):
            rows.append(("search", label, "direct ES", "ratio", "target"))
            for p in (50, 95):
                mine, reference = pct(times[name], p), pct(direct, p)
                target = "<= 1.5x" if p == 95 and name != "dsl" else ""
                rows.append(
                    (
                        f"p{p} ms",
                        f"{mine:.1f}",
                        f"{reference:.1f}",
                        f"{mine / reference:.2f}x",
                        target,
                    )
                )
        self.stdout.write("")
        for row in rows:
            self.stdout.write("  ".join(f"{cell:>15}" for cell in row))
        self.stdout.write(
            f"({len(direct)} queries each, after 20 warm-up queries; rebuild vs a "
            "plain _bulk of the same sources)"
        )
