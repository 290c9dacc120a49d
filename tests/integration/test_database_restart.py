"""PostgreSQL really stopped and started again under a request loop.

The production-like set (nginx over TLS in front of two uvicorn processes,
tests/integration/stack.py) runs with its pools over a PostgreSQL of its own (a
cluster made for this module from Debian's binaries, holding a copy of the test
database), so that stopping it stops nothing else the suite uses. Requests run
back to back through nginx while it is stopped and started: no answer may be a
500; while it is away the answers are the branded 503, but for the public pages
the cache holds; after it returns the pools heal by themselves. A request that was
running when a phase changed counts as "between" and may be either.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection

import pytest

from portal.core.servers import free_port
from tests.integration.stack import https_client, served_stack
from tests.support import artifact_path, wait_until

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PAGES = ["/", "/progress/", "/accounts/login/"]
# Consecutive 200s after PostgreSQL's return that count as both processes healed.
HEALED_RUN = 8


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    assert found, f"Debian's PostgreSQL server ({name}) is not installed"
    return found[-1]


def _as_owner(command: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root: the suite's own cluster runs as postgres.
    return (
        ["runuser", "-u", "postgres", "--", *command] if os.getuid() == 0 else command
    )


@dataclass
class Cluster:
    data: Path
    port: int

    def ctl(self, *args: str) -> None:
        done = subprocess.run(
            _as_owner([_bin("pg_ctl"), "-D", str(self.data), "-w", "-t", "120", *args]),
            check=False,
            capture_output=True,
            text=True,
            timeout=180,
        )
        log = self.data / "server.log"
        assert done.returncode == 0, (
            f"pg_ctl {' '.join(args)}: {done.stdout}{done.stderr}\n"
            + (log.read_text()[-3000:] if log.exists() else "")
        )

    def start(self) -> None:
        self.ctl(
            "-l",
            str(self.data / "server.log"),
            "-o",
            f"-h 127.0.0.1 -p {self.port} -k {self.data} -c fsync=off",
            "start",
        )

    def stop(self) -> None:
        self.ctl("-m", "fast", "stop")

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/portal"


@pytest.fixture
def own_postgres(transactional_db) -> Iterator[Cluster]:
    data = Path(tempfile.mkdtemp(prefix="portal-pg-restart-"))
    if os.getuid() == 0:
        shutil.chown(data, "postgres")
    cluster = Cluster(data, free_port())
    subprocess.run(
        _as_owner(
            [
                _bin("initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ]
        ),
        check=True,
        capture_output=True,
        timeout=120,
    )
    cluster.start()
    try:
        subprocess.run(
            [
                _bin("createdb"),
                "-h",
                "127.0.0.1",
                "-p",
                str(cluster.port),
                "-U",
                "postgres",
                "portal",
            ],
            check=True,
            timeout=60,
        )
        # A copy of the test database (schema and the rows migrations made).
        source = connection.settings_dict
        dump = subprocess.run(
            [
                _bin("pg_dump"),
                "-h",
                source["HOST"],
                "-p",
                str(source["PORT"]),
                "-U",
                source["USER"],
                "--no-owner",
                source["NAME"],
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
        subprocess.run(
            [
                _bin("psql"),
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                "127.0.0.1",
                "-p",
                str(cluster.port),
                "-U",
                "postgres",
                "portal",
            ],
            input=dump.stdout,
            check=True,
            capture_output=True,
            timeout=300,
        )
        yield cluster
    finally:
        try:
            cluster.stop()
        finally:
            shutil.rmtree(data, ignore_errors=True)


@dataclass
class Loop:
    """Requests back to back from one thread; each answer's phase and status."""

    url: str
    phase: str = "before"
    answers: list[tuple[str, str, int, str]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        with https_client(base_url=self.url) as client:
            n = 0
            while not self.stop.is_set():
                path = PAGES[n % len(PAGES)]
                n += 1
                phase = self.phase
                # A query of its own: rendered, never answered from the page cache.
                response = client.get(path, params={"round": n})
                # A request still running when the phase changed (PostgreSQL stopping
                # or starting under it) belongs to neither phase.
                if self.phase != phase:
                    phase = "between"
                self.answers.append((phase, path, response.status_code, response.text))

    def recent(self, n: int) -> list[tuple[str, int]]:
        return [(p, s) for p, _path, s, _t in self.answers[-n:]]

    def healed_run(self) -> bool:
        last = self.recent(HEALED_RUN)
        return len(last) == HEALED_RUN and all(
            p == "returning" and s == 200 for p, s in last
        )

    def count(self, phase: str, status: int | None = None) -> int:
        return sum(
            1
            for p, _path, s, _text in self.answers
            if p == phase and (status is None or s == status)
        )


def test_a_restart_answers_503_while_away_and_the_pool_heals(own_postgres, tmp_path):
    env = {
        "DATABASE_URL": own_postgres.url,
        "DATABASE_POOL_MIN": "2",
        "DATABASE_POOL_MAX": "4",
        "DATABASE_POOL_TIMEOUT": "2",
    }
    with served_stack(tmp_path, extra_env=env) as served:
        loop = Loop(served.url)
        worker = threading.Thread(target=loop.run, daemon=True)
        worker.start()
        try:
            wait_until(lambda: loop.count("before") >= 20, timeout=60)
            with https_client(base_url=served.url) as visitor:
                visitor.get("/")
                assert visitor.get("/").headers["X-Page-Cache"] == "hit"
                loop.phase = "away"
                own_postgres.stop()
                # A public page stored before the outage is still answered.
                stored = visitor.get("/")
                assert stored.status_code == 200
                assert stored.headers["X-Page-Cache"] == "hit"
            wait_until(
                lambda: loop.count("away", 503) >= 8,
                timeout=120,
                message=lambda: f"answers while away: {loop.answers[-5:]!r:.300}",
            )
            loop.phase = "returning"
            own_postgres.start()
            returned = time.monotonic()
            # The pool replaces its dead connections by itself: no restart, no call.
            wait_until(
                lambda: any(
                    p == "returning" and s == 200 for p, _path, s, _t in loop.answers
                ),
                timeout=60,
                message="the portal never answered again after PostgreSQL returned",
            )
            first = time.monotonic() - returned
            # Both processes' pools: nginx alternates between them, so a run of
            # 200s as long as HEALED_RUN says that each process answers again.
            wait_until(
                lambda: loop.healed_run(),
                timeout=60,
                message=lambda: f"answers since: {loop.recent(12)}",
            )
            healed = time.monotonic() - returned
            loop.phase = "after"
            wait_until(lambda: loop.count("after") >= 20, timeout=60)
        finally:
            loop.stop.set()
            worker.join(timeout=90)

    statuses = {
        phase: sorted({s for p, _path, s, _t in loop.answers if p == phase})
        for phase in ("before", "away", "returning", "after", "between")
    }
    with artifact_path("database-restart.txt").open("w") as figures:
        figures.write(
            f"first 200 {first:.2f} s after PostgreSQL was back; "
            f"{HEALED_RUN} in a row (both processes) after {healed:.2f} s\n"
        )
        for phase in statuses:
            figures.write(
                f"{phase}: {loop.count(phase)} answers, statuses {statuses[phase]}\n"
            )
    # Never a 500, in any phase.
    assert all(s != 500 for _p, _path, s, _t in loop.answers), statuses
    # Before and after: the pages themselves; away: only the branded 503.
    assert statuses["before"] == [200], statuses
    assert statuses["after"] == [200], statuses
    assert set(statuses["away"]) <= {200, 503}, statuses
    assert set(statuses["between"]) <= {200, 503}, statuses
    for phase, _path, status, text in loop.answers:
        if status == 503:
            assert phase in ("away", "returning", "between")
            assert "The portal is back in a moment" in text
            assert "Traceback" not in text and "psycopg" not in text
