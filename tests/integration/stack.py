"""The production-like set for tests: nginx (TLS) in front of two uvicorn processes.

`served_stack` starts it with `deploy/services.sh start stack` over the test
database, on free loopback ports, and stops it again; `extra_env` points it at other
services (a Redis or an Elasticsearch relay of the test's own).
"""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx

from portal.core.servers import free_port
from tests.support import artifact_path, served_database_url

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ROOT / "deploy" / "services.sh"


class Stack:
    def __init__(
        self,
        directory: Path,
        proxy_port: int,
        app_port: int,
        static: Path,
        extra_env: Mapping[str, str] = {},
    ) -> None:
        self.directory = directory
        self.proxy_port = proxy_port
        self.app_ports = [app_port, app_port + 1]
        # Shared by the processes, as on one server, so that the orphan sweep run at
        # start-up finds what a killed process left.
        self.uploads = directory / "uploads"
        self.exchange_root = directory / "exchange"
        self.uploads.mkdir()
        self.exchange_root.mkdir()
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "portal.settings.test",
            "DATABASE_URL": served_database_url(),
            "DATABASE_POOL": "true",
            "PORTAL_STACK_DIR": str(directory),
            "PORTAL_STACK_PORT": str(proxy_port),
            "PORTAL_STACK_APP_PORT": str(app_port),
            "PORTAL_STACK_STATIC_ROOT": str(static),
            "PORTAL_STACK_PREPARE": "0",
            "PORTAL_STACK_WORKER": "0",
            "PORTAL_STACK_GRACE": "20",
            "FILE_UPLOAD_TEMP_DIR": str(self.uploads),
            "EXCHANGE_STORAGE_ROOT": str(self.exchange_root),
            **extra_env,
        }

    @property
    def url(self) -> str:
        return f"https://localhost:{self.proxy_port}"

    @property
    def ws_url(self) -> str:
        return f"wss://localhost:{self.proxy_port}"

    def app_url(self, index: int) -> str:
        return f"http://127.0.0.1:{self.app_ports[index]}"

    def app_ws_url(self, index: int) -> str:
        return f"ws://127.0.0.1:{self.app_ports[index]}"

    def run(self, *args: str, **env: str) -> str:
        done = subprocess.run(
            [str(SERVICES), *args],
            env={**self.env, **env},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        with artifact_path("stack.log").open("a") as log:
            log.write(done.stdout + done.stderr)
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout

    def pid(self, index: int) -> int:
        return int((self.directory / f"app-{index + 1}.pid").read_text())

    def log(self, name: str) -> str:
        """A log of the set (`app-1`, `worker`...), for a failure's message."""
        path = self.directory / "logs" / f"{name}.log"
        return path.read_text() if path.exists() else ""


def _free_pair() -> int:
    """A free port whose successor is free too (the two application processes)."""
    while True:
        port = free_port()
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port


@contextmanager
def served_stack(
    directory: Path,
    extra_env: Mapping[str, str] = {},
) -> Iterator[Stack]:
    """The set started in `directory` (pid files, logs, certificate), stopped on
    exit."""
    # nginx's workers run as an unprivileged user: the static folder must be theirs
    # to read, outside pytest's owner-only temporary folder.
    static = Path(tempfile.mkdtemp(prefix="portal-stack-static-"))
    static.chmod(0o755)
    (static / "probe.txt").write_text("static from disk\n")
    (static / "probe.txt").chmod(0o644)
    served = Stack(directory, free_port(), _free_pair(), static, extra_env)
    served.run("start", "stack")
    try:
        yield served
    finally:
        served.run("stop", "stack")


def https_client(**options) -> httpx.Client:
    return httpx.Client(verify=False, timeout=30, **options)  # noqa: S501 - self-signed, loopback


def ws_ssl() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context
