"""A served portal keeps its PostgreSQL connections in a pool across requests.

Under ASGI each request runs its database work in a thread of its own; without the
pool every request would connect anew. The portal is served by uvicorn against the
test database, and PostgreSQL's own `pg_stat_activity` tells which connections the
server holds: the same few, opened before the requests that used them.
"""

from __future__ import annotations

import os
import time

from django.db import connection

import httpx
import pytest

from portal.core.servers import serve_portal
from tests.support import served_database_url, wait_until

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

REQUESTS = 30


def _server_connections(application: str) -> list[tuple[int, float]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, extract(epoch FROM backend_start) FROM pg_stat_activity "
            "WHERE application_name = %s",
            [application],
        )
        return [(pid, float(started)) for pid, started in cursor.fetchall()]


def _assert_database_up(client: httpx.Client) -> None:
    body = client.get("/readyz").json()
    assert body["services"]["database"]["status"] == "up", body


def _serve_and_read(application: str, pool: bool) -> tuple[list, float]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "DATABASE_URL": served_database_url(application_name=application),
        "DATABASE_POOL": "true" if pool else "false",
        "DATABASE_POOL_MIN": "2",
        "DATABASE_POOL_MAX": "4",
    }
    with serve_portal(env=env) as served, httpx.Client(base_url=served.url) as client:
        for _ in range(3):  # the pool opens its connections on the first requests
            _assert_database_up(client)
        if pool:
            wait_until(
                lambda: len(_server_connections(application)) >= 2,
                timeout=5,
                message="the pool never opened its minimum of two connections",
            )
        started = time.time()
        for _ in range(REQUESTS):
            _assert_database_up(client)
        if pool:
            return _server_connections(application), started
        # A connection closed at the end of a request leaves pg_stat_activity a
        # moment after the response: wait for the count to settle.
        wait_until(
            lambda: not _server_connections(application),
            timeout=5,
            message=lambda: f"still held: {_server_connections(application)}",
        )
        return [], started


def test_requests_reuse_pooled_connections():
    held, started = _serve_and_read("portal-pool-test", pool=True)
    assert 2 <= len(held) <= 4, held
    # Every connection was opened before the thirty requests that just ran on them.
    assert all(opened < started for _pid, opened in held), (held, started)


def test_without_the_pool_each_request_connects_and_closes():
    held, _started = _serve_and_read("portal-nopool-test", pool=False)
    assert held == []
