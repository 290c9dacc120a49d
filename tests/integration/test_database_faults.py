"""PostgreSQL away or restarted: clean 503s while it is away, a pool that heals.

Both run the portal in uvicorn. An unreachable database is a real closed port; a
restart, as the pool sees it, is PostgreSQL ending every connection the server holds
(`pg_terminate_backend`, what a restart does to them), which the test can do without
stopping the PostgreSQL the rest of the suite uses.
"""

from __future__ import annotations

import os

from django.db import connection

import httpx
import pytest

from portal.core.servers import free_port, serve_portal
from tests.support import served_database_url, wait_until

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PAGES = ["/", "/good-practices/", "/progress/", "/search/?q=transport"]


def test_an_unreachable_database_answers_the_branded_503_page():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{free_port()}/portal",
        "DATABASE_POOL": "false",
    }
    with (
        serve_portal(env=env) as served,
        httpx.Client(base_url=served.url, timeout=30) as client,
    ):
        # Search answers from Elasticsearch alone while it finds nothing to re-check.
        for path in ["/", "/good-practices/", "/progress/"]:
            response = client.get(path)
            assert response.status_code == 503, (path, response.status_code)
            assert response.headers["Retry-After"] == "5"
            assert "The portal is back in a moment" in response.text
            assert "Nuclear Security Implementation Portal" in response.text
            assert "Traceback" not in response.text and "psycopg" not in response.text
        # The probe still answers, and says which service is down.
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["services"]["database"]["status"] != "up"


def _terminate(application: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE application_name = %s",
            [application],
        )
        return cursor.fetchone()[0]


def _held(application: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s",
            [application],
        )
        return cursor.fetchone()[0]


def test_the_pool_replaces_connections_that_a_restart_ended():
    application = "portal-restart-test"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "DATABASE_URL": served_database_url(application_name=application),
        "DATABASE_POOL": "true",
        "DATABASE_POOL_MIN": "3",
        "DATABASE_POOL_MAX": "4",
    }
    with (
        serve_portal(env=env) as served,
        httpx.Client(base_url=served.url, timeout=30) as client,
    ):
        for path in PAGES:
            assert client.get(path).status_code < 500, path
        wait_until(
            lambda: _held(application) >= 3,
            timeout=10,
            message="the pool never opened its three connections",
        )
        for _round in range(3):
            ended = _terminate(application)
            assert ended >= 3
            statuses = [client.get(path).status_code for path in PAGES * 4]
            assert all(status < 500 for status in statuses), statuses
