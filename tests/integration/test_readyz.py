"""/healthz and /readyz against the real services, and with each one out of reach."""

import json
import os
import subprocess
import sys

from django.conf import settings
from django.test import override_settings

import pytest

from tests.support import free_port

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_touching_services(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_reports_every_service_up(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    for name in ("database", "redis", "elasticsearch", "clamav"):
        service = body["services"][name]
        assert service["status"] == "up", (name, service)
        assert service["latency_ms"] >= 0


def test_readyz_reports_elasticsearch_down_without_failing(client):
    with override_settings(ELASTICSEARCH_URL=f"http://127.0.0.1:{free_port()}"):
        response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["services"]["elasticsearch"]["status"] == "down"
    assert body["services"]["database"]["status"] == "up"


def test_readyz_reports_redis_down_without_failing(client):
    with override_settings(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0"):
        response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["services"]["redis"]["status"] == "down"


def test_readyz_reports_clamav_down_without_failing(client):
    with override_settings(CLAMD_URL=f"tcp://127.0.0.1:{free_port()}"):
        response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["services"]["clamav"]["status"] == "down"


def test_readyz_is_503_when_the_database_is_down():
    """A server whose PostgreSQL is out of reach answers 503, naming the database."""
    script = (
        "import django, json; django.setup();"
        "from django.test import Client;"
        "r = Client().get('/readyz');"
        "print(r.status_code, json.dumps(r.json()))"
    )
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{free_port()}/portal",
        "ALLOWED_HOSTS": "testserver",
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
    }
    result = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    status, body = result.stdout.strip().splitlines()[-1].split(" ", 1)
    assert status == "503"
    assert json.loads(body)["services"]["database"]["status"] == "down"


def test_readyz_does_not_reveal_versions_or_errors(client):
    with override_settings(ELASTICSEARCH_URL=f"http://127.0.0.1:{free_port()}"):
        body = client.get("/readyz").json()
    for service in body["services"].values():
        assert set(service) == {"status", "latency_ms"}
