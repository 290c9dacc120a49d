"""Benchmark public pages: answered from the page cache against rendered anew.

Not a test. It serves the configured database (load the demo content first:
`manage.py load_demo`) from one uvicorn process twice: once with the page cache's
timeout at 0 (every page is rendered, as before the cache existed; the cache is
still asked, so its round trip is in both figures), then as configured, warmed by
one request per page. Anonymous visitors ask for the home page, the good-practice
listing, a good practice, a State page and the progress dashboard from `--clients`
threads at once, each with its own connection. It prints requests per second and
p95 per page and configuration, the ratio cached / rendered, and the queries one
rendered listing costs. Every answer's `X-Page-Cache` header is checked: a rendered
run must never be answered from the cache, nor a cached run rendered.

It needs Redis (REDIS_URL): the benchmark and the server must share the cache.
"""

from __future__ import annotations

import os
import statistics
import threading
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

import httpx

from portal.core.page_cache import invalidate_public_pages
from portal.core.servers import serve_portal
from practices.models import GoodPracticePage, HomePage, StatePage

TARGET_RATIO = 10.0


@dataclass
class Run:
    """The answers to one page in one configuration."""

    seconds: list[float] = field(default_factory=list)
    wall: float = 0.0
    wrong_cache_state: int = 0
    errors: int = 0

    @property
    def per_second(self) -> float:
        return len(self.seconds) / self.wall if self.wall else 0.0

    @property
    def p95_ms(self) -> float:
        return statistics.quantiles(self.seconds, n=100)[94] * 1000


class Command(BaseCommand):
    help = "Compare public pages answered from the page cache with pages rendered anew."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--requests", type=int, default=200, help="per page")
        parser.add_argument("--clients", type=int, default=4)

    def handle(self, *args, requests: int, clients: int, **options) -> None:
        if "redis" not in settings.CACHES["pages"]["BACKEND"].lower():
            raise CommandError(
                "bench_pages needs the page cache in Redis (set REDIS_URL), shared by "
                "this command and the server it starts"
            )
        if requests < 20 or clients < 1:
            raise CommandError("--requests must be at least 20, --clients at least 1")
        paths = self.pages()
        self.stdout.write(
            f"{len(paths)} pages, {requests} requests each from {clients} clients"
        )
        rendered = self.measure(paths, requests, clients, cached=False)
        stored = self.measure(paths, requests, clients, cached=True)
        self.report(paths, rendered, stored)
        self.report_queries(paths)

    def pages(self) -> list[str]:
        home = HomePage.objects.live().first()
        practice = GoodPracticePage.objects.live().public().first()
        state = StatePage.objects.live().public().first()
        if home is None or practice is None or state is None:
            raise CommandError(
                "no demo content: run `manage.py load_demo` on this database first"
            )
        return ["/", "/good-practices/", practice.url, state.url, "/progress/"]

    def measure(
        self, paths: list[str], requests: int, clients: int, *, cached: bool
    ) -> dict[str, Run]:
        label = "cached" if cached else "rendered"
        env = {**os.environ}
        if not cached:
            # Django stores nothing with a timeout of 0.
            env["PUBLIC_PAGE_CACHE_TIMEOUT"] = "0"
        invalidate_public_pages()
        runs: dict[str, Run] = {}
        with serve_portal(env=env, extra_args=["--no-access-log"]) as served:
            for path in paths:
                with httpx.Client(base_url=served.url, timeout=60) as warm:
                    for _ in range(3):
                        warm.get(path)
                runs[path] = self.run_page(served.url, path, requests, clients, cached)
                run = runs[path]
                self.stdout.write(
                    f"  {label:8} {path:40} {run.per_second:8.1f} requests/s"
                    f"  p95 {run.p95_ms:7.1f} ms"
                )
        for path, run in runs.items():
            if run.errors or run.wrong_cache_state:
                raise CommandError(
                    f"{label} {path}: {run.errors} answers other than 200, "
                    f"{run.wrong_cache_state} answered "
                    f"{'without' if cached else 'from'} the cache"
                )
        return runs

    @staticmethod
    def run_page(url: str, path: str, requests: int, clients: int, cached: bool) -> Run:
        run = Run()
        lock = threading.Lock()
        expected = "hit" if cached else "miss"
        shares = [
            requests // clients + (i < requests % clients) for i in range(clients)
        ]

        def client(count: int) -> None:
            with httpx.Client(base_url=url, timeout=60) as http:
                for _ in range(count):
                    started = time.perf_counter()
                    response = http.get(path)
                    elapsed = time.perf_counter() - started
                    with lock:
                        run.seconds.append(elapsed)
                        run.errors += response.status_code != 200
                        run.wrong_cache_state += (
                            response.headers.get("X-Page-Cache") != expected
                        )

        threads = [threading.Thread(target=client, args=(n,)) for n in shares]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        run.wall = time.perf_counter() - started
        return run

    def report(
        self, paths: list[str], rendered: dict[str, Run], stored: dict[str, Run]
    ) -> None:
        self.stdout.write("")
        self.stdout.write(
            f"{'page':40} {'rendered/s':>11} {'cached/s':>9} {'ratio':>6}"
            f" {'p95 rendered':>13} {'p95 cached':>11}"
        )
        ratios = []
        for path in paths:
            slow, fast = rendered[path], stored[path]
            ratio = fast.per_second / slow.per_second
            ratios.append(ratio)
            self.stdout.write(
                f"{path:40} {slow.per_second:11.1f} {fast.per_second:9.1f}"
                f" {ratio:6.1f} {slow.p95_ms:10.1f} ms {fast.p95_ms:8.1f} ms"
            )
        lowest = min(ratios)
        verdict = "PASS" if lowest >= TARGET_RATIO else "FAIL"
        self.stdout.write(
            f"lowest ratio cached/rendered: {lowest:.1f} "
            f"(target at least {TARGET_RATIO:.0f}): {verdict}"
        )

    def report_queries(self, paths: list[str]) -> None:
        """Queries of one rendered answer of each page, in this process."""
        client = Client(HTTP_HOST="localhost")
        for path in paths:
            client.get(path)  # warm the site's root paths
            invalidate_public_pages()
            with CaptureQueriesContext(connection) as queries:
                response = client.get(path)
            self.stdout.write(
                f"queries rendering {path}: {len(queries)} "
                f"(status {response.status_code})"
            )
