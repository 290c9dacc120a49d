"""The portal in a child uvicorn process, for benchmarks and tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import import_module
from typing import IO

from django.conf import settings


def free_port() -> int:
    """A loopback port nothing listens on at the time of the call."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class ServedPortal:
    process: subprocess.Popen
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextmanager
def serve_portal(
    *,
    port: int | None = None,
    env: Mapping[str, str] | None = None,
    extra_args: Sequence[str] = (),
    log: IO | None = None,
    ready_timeout: float = 60.0,
) -> Iterator[ServedPortal]:
    """uvicorn on a free loopback port, ready to answer; stopped on exit.

    The child runs in a session of its own so that stopping it also stops anything
    it started, and it inherits this process's environment unless `env` is given.
    A fixed `port` lets a caller restart the server where its clients reconnect.
    """
    port = port or free_port()
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [
            sys.executable,
            "-m",
            "uvicorn",
            "portal.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            *extra_args,
        ],
        cwd=settings.BASE_DIR,
        env=dict(env) if env is not None else {**os.environ},
        stdout=log,
        stderr=subprocess.STDOUT if log is not None else None,
        start_new_session=True,
    )
    try:
        _wait_until_listening(process, port, ready_timeout)
        yield ServedPortal(process=process, port=port)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)


def _wait_until_listening(process: subprocess.Popen, port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"uvicorn exited early with code {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() >= deadline:
                raise RuntimeError(f"uvicorn did not listen on port {port}") from None
            time.sleep(0.2)


def verified_session_key(user) -> str:
    """A new session for `user`, signed in and verified with a second factor now.

    For benchmarks that drive a served portal over HTTP as a signed-in expert; the
    user gets a static device named "bench" if it has none.
    """
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_static.models import StaticDevice

    from portal.accounts.stepup import SESSION_STARTED_AT_KEY, VERIFIED_AT_SESSION_KEY

    device, _ = StaticDevice.objects.get_or_create(user=user, name="bench")
    now = int(time.time())
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[VERIFIED_AT_SESSION_KEY] = now
    session[SESSION_STARTED_AT_KEY] = now
    session.create()
    return session.session_key
