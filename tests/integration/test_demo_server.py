"""The README's first command serves the home page with demo content."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.error
import urllib.request

from django.conf import settings

from tests.support import artifact_path, free_port

STARTUP_TIMEOUT = 240


def test_run_command_serves_the_home_page_with_demo_content(tmp_path):
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DATABASE_URL",
            "REDIS_URL",
            "ELASTICSEARCH_URL",
            "DJANGO_SETTINGS_MODULE",
        }
    }
    # A var/ of its own: the demo's SQLite file and secret, as on a fresh machine.
    env.update(PORT=str(port), PORTAL_VAR_DIR=str(tmp_path / "var"))
    log_path = artifact_path("demo-server.log")
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            ["./task", "run"],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        body = wait_for_page(f"http://127.0.0.1:{port}/", server, log_path)
        assert "Subscribing States" in body
        assert "the Netherlands" in body or "Netherlands" in body
        assert body.count('class="iso"') == 35
        health = urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10)
        assert health.status == 200
        static = urllib.request.urlopen(
            f"http://127.0.0.1:{port}/static/portal/portal.css", timeout=10
        )
        assert static.status == 200
        assert static.headers["X-Content-Type-Options"] == "nosniff"
        # An error answers with the portal's own page: no traceback, no settings.
        for path in ["/media/%2e%2e/settings.py", "/media/original_images/x.png"]:
            status, page = fetch(f"http://127.0.0.1:{port}{path}")
            assert status == 404, path
            assert "Page not found" in page
            assert "EXCHANGE_KEK" not in page and "Traceback" not in page
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    log_text = log_path.read_text()
    assert "demo" in log_text.lower()


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def wait_for_page(url: str, server: subprocess.Popen, log_path) -> str:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(
                f"the run command exited early:\n{log_path.read_text()[-3000:]}"
            )
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310
                assert response.status == 200
                return response.read().decode()
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"no answer from {url}:\n{log_path.read_text()[-3000:]}")
