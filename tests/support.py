"""The testing toolkit: service checks, free ports, artefacts, assertions."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar
from urllib.parse import quote, urlencode

from django.conf import settings

from portal.core.servers import free_port  # noqa: F401 - part of the toolkit

ARTIFACTS_DIR = Path(settings.BASE_DIR) / "test-artifacts"

T = TypeVar("T")


def require_services() -> list[str]:
    """Names each required service that is not configured or not reachable."""
    from portal.core.probes import (
        probe_clamav,
        probe_database,
        probe_elasticsearch,
        probe_redis,
    )

    problems = []
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        problems.append(
            "PostgreSQL: DATABASE_URL must point at PostgreSQL for the tests"
        )
    probes = {
        "PostgreSQL": probe_database(),
        "Redis": probe_redis(),
        "Elasticsearch": probe_elasticsearch(),
        "ClamAV": probe_clamav(),
    }
    for name, probe in probes.items():
        if probe.status == "not_configured":
            problems.append(f"{name}: not configured (set its URL or use ./task test)")
        elif probe.status != "up":
            problems.append(f"{name}: unreachable ({probe.error})")
    return problems


def service_versions() -> dict[str, str]:
    from portal.core.probes import probe_all

    return {
        name: (probe.version or probe.status) for name, probe in probe_all().items()
    }


def served_database_url(**options: str) -> str:
    """A DATABASE_URL for the test database, for portals served in a child process
    (which then see committed data only); `options` become query parameters."""
    db = settings.DATABASES["default"]
    credentials = quote(db["USER"] or "")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"])
    url = f"postgres://{credentials}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    return f"{url}?{urlencode(options)}" if options else url


@contextmanager
def served_test_portal(
    *,
    port: int | None = None,
    log_name: str = "server.log",
    extra_env: Mapping[str, str] | None = None,
):
    """uvicorn serving the portal over the test database, pooled as in production:
    the real ASGI path (streamed downloads, WebSockets), committed data only. Its
    output goes to test-artifacts/`log_name`; `extra_env` points it at other
    services."""
    from portal.core.servers import serve_portal

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "DATABASE_URL": served_database_url(),
        "DATABASE_POOL": "true",
        **(extra_env or {}),
    }
    with (
        artifact_path(log_name).open("a") as log,
        serve_portal(port=port, env=env, log=log) as served,
    ):
        yield served


def wait_until(
    condition: Callable[[], T],
    *,
    timeout: float,
    interval: float = 0.05,
    message: str | Callable[[], str] = "",
) -> T:
    """Call `condition` until it returns something true, and return that; fail after
    `timeout` seconds with `message` (a string, or a callable for the latest state).

    Only for a real service that must catch up (an index refresh, a server's
    connections). Time inside the portal is moved with time-machine instead.
    """
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() >= deadline:
            text = message() if callable(message) else message
            raise AssertionError(text or f"still not so after {timeout} s")
        time.sleep(interval)


def artifact_path(name: str) -> Path:
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS_DIR / name


def assert_not_found(response) -> None:
    """Denied and missing look the same: 404, never 403."""
    assert response.status_code == 404, f"expected 404, got {response.status_code}"


def login_verified(client, user):
    """Sign `user` in on the test client with a session verified by a second factor.

    Uses a real django-otp static device and the same session keys the two-factor
    flow writes, so the OTP middleware sees a verified session.
    """
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_static.models import StaticDevice

    from portal.accounts.stepup import VERIFIED_AT_SESSION_KEY

    device, _ = StaticDevice.objects.get_or_create(user=user, name="test backup codes")
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[VERIFIED_AT_SESSION_KEY] = int(time.time())
    session.save()
    return client


def http_scope(path: str, *, headers: list[tuple[bytes, bytes]] = ()) -> dict:
    """An ASGI HTTP scope for a GET of `path` on localhost, with extra `headers`."""
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"localhost"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("localhost", 80),
    }


def sent_mail() -> list:
    """Django's locmem outbox once the mail queue is sent (as the worker would)."""
    from django.core import mail

    from portal.mail.queue import drain

    drain()
    return mail.outbox
