"""The production-like set under faults: nginx in front of two uvicorn processes.

`deploy/services.sh start stack` starts the set once for the module, over the test
database, on free loopback ports; the tests kill, stop and address its processes.
"""

from __future__ import annotations

import os
import signal
import socket
import ssl
import subprocess
import tempfile
from pathlib import Path

from django.urls import reverse

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from portal.accounts.roles import Role
from portal.core.servers import free_port, verified_session_key
from tests.portal.identity import make_user
from tests.support import artifact_path, served_database_url, wait_until

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ROOT / "deploy" / "services.sh"


class Stack:
    def __init__(
        self, directory: Path, proxy_port: int, app_port: int, static: Path
    ) -> None:
        self.directory = directory
        self.proxy_port = proxy_port
        self.app_ports = [app_port, app_port + 1]
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
        }

    @property
    def url(self) -> str:
        return f"https://localhost:{self.proxy_port}"

    def app_url(self, index: int) -> str:
        return f"http://127.0.0.1:{self.app_ports[index]}"

    def run(self, *args: str) -> str:
        done = subprocess.run(
            [str(SERVICES), *args],
            env=self.env,
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


@pytest.fixture(scope="module")
def stack(django_db_setup, tmp_path_factory):
    directory = tmp_path_factory.mktemp("stack")
    # nginx's workers run as an unprivileged user: the static folder must be theirs
    # to read, outside pytest's owner-only temporary folder.
    static = Path(tempfile.mkdtemp(prefix="portal-stack-static-"))
    static.chmod(0o755)
    (static / "probe.txt").write_text("static from disk\n")
    (static / "probe.txt").chmod(0o644)
    served = Stack(directory, free_port(), _free_pair(), static)
    served.run("start", "stack")
    try:
        yield served
    finally:
        served.run("stop", "stack")


def _client() -> httpx.Client:
    return httpx.Client(verify=False, timeout=30)  # noqa: S501 - self-signed, loopback


def _ws_ssl() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def assert_socket_answers_through_proxy(stack) -> None:
    """A WebSocket opened through nginx (TLS, upgrade) answers a ping."""
    with connect(
        f"wss://localhost:{stack.proxy_port}/ws/ping/",
        ssl=_ws_ssl(),
        additional_headers={"Origin": stack.url},
        open_timeout=30,
    ) as ws:
        ws.send('{"type": "ping"}')
        assert ws.recv(timeout=30)


def test_proxy_terminates_tls_serves_static_and_forwards_the_scheme(stack):
    with _client() as client:
        assert client.get(f"{stack.url}/healthz").status_code == 200
        static = client.get(f"{stack.url}/static/probe.txt")
        assert static.text == "static from disk\n"
        assert static.headers["server"] == "nginx"
        # Nothing under /media/ comes from disk: the application answers it.
        assert "static from disk" not in client.get(f"{stack.url}/media/probe.txt").text
    assert_socket_answers_through_proxy(stack)


def test_signed_in_through_one_process_is_signed_in_on_the_other(stack, settings):
    expert = make_user("stack-session@example.org", Role.VETTED_EXPERT)
    cookies = {settings.SESSION_COOKIE_NAME: verified_session_key(expert)}
    path = reverse("exchange:list")
    for index in (0, 1):
        with httpx.Client(cookies=cookies, timeout=30) as client:
            signed_in = client.get(stack.app_url(index) + path)
        anonymous = httpx.get(stack.app_url(index) + path, timeout=30)
        assert signed_in.status_code == 200, index
        assert anonymous.status_code == 302, index


def test_sigkill_of_one_process_sends_requests_to_the_other(stack):
    statuses: list[int | str] = []
    with (
        connect(
            f"ws://127.0.0.1:{stack.app_ports[0]}/ws/ping/",
            additional_headers={"Origin": "http://localhost"},
            open_timeout=30,
        ) as ws,
        _client() as client,
    ):
        for _ in range(10):
            statuses.append(client.get(f"{stack.url}/healthz").status_code)
        os.kill(stack.pid(0), signal.SIGKILL)
        # The socket to the killed process ends; a new one reaches the other process.
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=30)
        for _ in range(40):
            try:
                statuses.append(client.get(f"{stack.url}/healthz").status_code)
            except httpx.HTTPError as error:
                statuses.append(type(error).__name__)
    # nginx retries an idempotent request that found the dead process on the other.
    assert statuses == [200] * 50
    assert_socket_answers_through_proxy(stack)
    # The same command brings the dead process back.
    stack.run("start", "stack")
    assert httpx.get(stack.app_url(0) + "/healthz", timeout=30).status_code == 200


def test_sigterm_drains_a_request_in_flight_and_closes_sockets(stack):
    port = stack.app_ports[1]
    body = b"x" * 200_000
    request = socket.create_connection(("127.0.0.1", port), timeout=30)
    pid = stack.pid(1)
    with connect(
        f"ws://127.0.0.1:{port}/ws/ping/",
        additional_headers={"Origin": "http://localhost"},
        open_timeout=30,
    ) as ws:
        request.sendall(
            b"POST /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
            + body[:1000]
        )
        os.kill(pid, signal.SIGTERM)
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=30)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code in (1001, 1012)
    # The half-sent request is still served once its body arrives.
    request.sendall(body[1000:])
    answer = b""
    while chunk := request.recv(65536):
        answer += chunk
    request.close()
    assert answer.startswith(b"HTTP/1.1 "), answer[:200]
    wait_until(lambda: not _alive(pid), timeout=30, message="the process did not exit")
    stack.run("start", "stack")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A child of the stack's shell that exited stays a zombie until reaped.
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"
