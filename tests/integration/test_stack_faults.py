"""The production-like set under faults: nginx in front of two uvicorn processes.

`deploy/services.sh start stack` starts the set once for the module, over the test
database, on free loopback ports; the tests kill, stop and address its processes.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.urls import reverse

import httpx
import pytest
from axes.models import AccessAttempt
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from exchange.models import Document, DocumentVersion
from exchange.orphans import CIPHERTEXT_SUFFIX
from portal.accounts.roles import Role
from portal.audit.models import AuditEvent, Outcome
from portal.core.servers import verified_session_key
from tests.coordination.helpers import default_room, make_group
from tests.coordination.helpers import make_user as make_member
from tests.exchange.conftest import make_expert
from tests.integration.stack import https_client, served_stack, ws_ssl
from tests.portal.identity import PASSWORD, make_user
from tests.support import artifact_path, wait_until

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(scope="module")
def stack(django_db_setup, tmp_path_factory):
    with served_stack(tmp_path_factory.mktemp("stack")) as served:
        yield served


def assert_socket_answers_through_proxy(stack) -> None:
    """A WebSocket opened through nginx (TLS, upgrade) answers a ping."""
    with connect(
        f"wss://localhost:{stack.proxy_port}/ws/ping/",
        ssl=ws_ssl(),
        additional_headers={"Origin": stack.url},
        open_timeout=30,
    ) as ws:
        ws.send('{"type": "ping"}')
        assert ws.recv(timeout=30)


def test_proxy_terminates_tls_serves_static_and_forwards_the_scheme(stack):
    with https_client() as client:
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
        https_client() as client,
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


# --- Across the processes: live messages, sign-out, the forwarded address, uploads

CLOSE_UNVERIFIED = 4403
UPLOAD_BYTES = 48 * 1024 * 1024


def record_figure(name: str, seconds: float) -> None:
    """Keep a measured time in test-artifacts/stack-figures.txt (docs/deployment.md)."""
    with artifact_path("stack-figures.txt").open("a") as figures:
        figures.write(f"{name}: {seconds * 1000:.0f} ms\n")


def _socket(stack, path: str, session_key: str, *, process: int | None):
    """A WebSocket on `path` for the session `session_key`: straight to application
    process `process`, or through nginx when it is None."""
    if process is None:
        url, origin, context = (
            f"wss://localhost:{stack.proxy_port}",
            stack.url,
            ws_ssl(),
        )
    else:
        url, origin, context = stack.app_ws_url(process), "http://localhost", None
    return connect(
        url + path,
        ssl=context,
        additional_headers={
            "Origin": origin,
            "Cookie": f"{settings.SESSION_COOKIE_NAME}={session_key}",
        },
        open_timeout=30,
    )


def _next_frame(ws, kind: str, *, timeout: float = 30) -> dict:
    """The next frame of type `kind`, skipping others (presence); an error fails."""
    deadline = time.monotonic() + timeout
    while True:
        frame = json.loads(ws.recv(timeout=max(deadline - time.monotonic(), 0.01)))
        assert frame["type"] != "error", frame
        if frame["type"] == kind:
            return frame


def _close_code(ws, *, timeout: float = 30) -> int:
    """Read until the server closes the socket; the code of its close frame."""
    deadline = time.monotonic() + timeout
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            ws.recv(timeout=max(deadline - time.monotonic(), 0.01))
    assert closed.value.rcvd is not None, "the socket ended without a close frame"
    return closed.value.rcvd.code


def _signed_in(base: str, session_key: str) -> httpx.Client:
    return httpx.Client(
        base_url=base,
        cookies={settings.SESSION_COOKIE_NAME: session_key},
        verify=False,  # noqa: S501 - self-signed, loopback
        timeout=30,
    )


def _csrf_token(client: httpx.Client, path: str) -> str:
    assert client.get(path).status_code == 200, path
    return client.cookies[settings.CSRF_COOKIE_NAME]


def test_a_room_message_reaches_a_member_on_the_other_process(stack):
    author, reader = make_member("author"), make_member("reader")
    room = default_room(make_group(author, reader))
    path = f"/ws/coordination/rooms/{room.pk}/"
    keys = verified_session_key(author), verified_session_key(reader)
    routes = {"across processes": (0, 1), "through the proxy": (None, None)}
    for route, (sending, receiving) in routes.items():
        with (
            _socket(stack, path, keys[0], process=sending) as sender,
            _socket(stack, path, keys[1], process=receiving) as receiver,
        ):
            _next_frame(sender, "presence")
            _next_frame(receiver, "presence")
            started = time.monotonic()
            sender.send(
                json.dumps(
                    {"type": "message.send", "body": f"Seen {route}?", "client_id": "1"}
                )
            )
            ack = _next_frame(sender, "ack")
            arrived = _next_frame(receiver, "message", timeout=10)
            record_figure(f"room message {route}", time.monotonic() - started)
        assert arrived["message"]["id"] == ack["id"], route
        assert arrived["message"]["body"] == f"Seen {route}?", route


def test_sign_out_everywhere_closes_the_sockets_on_every_process(stack):
    person, colleague = make_member("leaving"), make_member("staying")
    room = default_room(make_group(person, colleague))
    sessions = verified_session_key(person), verified_session_key(person)
    home = reverse("exchange:list")
    with (
        _socket(stack, "/ws/notifications/", sessions[0], process=0) as bell,
        _socket(
            stack, f"/ws/coordination/rooms/{room.pk}/", sessions[1], process=1
        ) as room_socket,
        _signed_in(stack.app_url(0), sessions[0]) as client,
    ):
        _next_frame(bell, "unread")
        _next_frame(room_socket, "presence")
        token = _csrf_token(client, home)
        started = time.monotonic()
        done = client.post(
            reverse("accounts:sign_out_everywhere"),
            data={"csrfmiddlewaretoken": token},
        )
        codes = [_close_code(bell), _close_code(room_socket)]
        record_figure(
            "sign out everywhere, both sockets closed", time.monotonic() - started
        )
    assert done.status_code == 302, done.text[:500]
    assert done.headers["location"] == settings.LOGIN_URL
    assert codes == [CLOSE_UNVERIFIED, CLOSE_UNVERIFIED]
    for key in sessions:
        for index in (0, 1):
            with _signed_in(stack.app_url(index), key) as client:
                answer = client.get(home)
            assert answer.status_code == 302, (key, index)
            assert answer.headers["location"].startswith(settings.LOGIN_URL)
    ended = AuditEvent.objects.get(action="auth.sessions_ended")
    assert ended.details == {"count": 2}


def _sign_in(client: httpx.Client, base: str, username: str, forged: str):
    path = reverse("accounts:login")
    if settings.CSRF_COOKIE_NAME not in client.cookies:
        _csrf_token(client, base + path)
    return client.post(
        base + path,
        data={
            "username": username,
            "password": "not the password",
            "csrfmiddlewaretoken": client.cookies[settings.CSRF_COOKIE_NAME],
        },
        headers={"X-Forwarded-For": forged, "Origin": base, "Referer": base + path},
    )


def test_a_forged_forwarded_for_is_replaced_by_the_proxy(stack):
    expert = make_user("stack-forged@example.org", Role.VETTED_EXPERT)
    limit = settings.AXES_FAILURE_LIMIT
    with https_client() as client:
        first = _sign_in(client, stack.url, "nobody-0@example.org", "203.0.113.9")
        assert first.status_code == 200  # the form again, with its error
        # Each later failure under another name and another forged address: the
        # lockout by address still counts them all as one client's.
        for n in range(1, limit):
            _sign_in(client, stack.url, f"nobody-{n}@example.org", f"203.0.113.{n + 9}")
        locked = client.post(
            stack.url + reverse("accounts:login"),
            data={
                "username": expert.email,
                "password": PASSWORD,
                "csrfmiddlewaretoken": client.cookies[settings.CSRF_COOKIE_NAME],
            },
            headers={"X-Forwarded-For": "198.51.100.7", "Origin": stack.url},
        )
    assert locked.status_code == settings.AXES_HTTP_RESPONSE_CODE, locked.status_code
    failures = AuditEvent.objects.filter(action="auth.login", outcome=Outcome.FAILURE)
    assert failures.count() >= limit
    assert set(failures.values_list("ip_address", flat=True)) == {"127.0.0.1"}
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {
        "127.0.0.1"
    }
    assert AuditEvent.objects.filter(action="auth.lockout", ip_address="127.0.0.1")
    assert not AuditEvent.objects.filter(action="auth.login", outcome=Outcome.SUCCESS)
    # Straight to a process, the same header is believed (uvicorn trusts loopback):
    # the proxy's replacement is what protects, so the processes listen on
    # loopback behind it and nowhere else.
    with httpx.Client(timeout=30) as direct:
        _sign_in(direct, stack.app_url(0), "nobody-direct@example.org", "203.0.113.9")
    assert AuditEvent.objects.filter(action="auth.login", ip_address="203.0.113.9")


def _multipart(size: int) -> tuple[str, bytes, bytes]:
    """A document form for a text file of `size` bytes: boundary, head, tail (the
    file's bytes go between)."""
    boundary = uuid.uuid4().hex
    head = b""
    for name, value in {"title": "Large plan", "tier": "restricted"}.items():
        head += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
            f"{value}\r\n"
        ).encode()
    head += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
        'filename="plan.txt"\r\nContent-Type: text/plain\r\n\r\n'
    ).encode()
    return boundary, head, f"\r\n--{boundary}--\r\n".encode()


def _start_upload(stack, index: int, session_key: str, *, size: int):
    """A socket straight to application process `index` with the headers and the
    head of an upload of `size` bytes sent; the caller sends the rest (or not)."""
    path = reverse("exchange:create")
    with _signed_in(stack.app_url(index), session_key) as client:
        token = _csrf_token(client, path)
    boundary, head, tail = _multipart(size)
    request = socket.create_connection(
        ("127.0.0.1", stack.app_ports[index]), timeout=30
    )
    request.sendall(
        (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Cookie: {settings.SESSION_COOKIE_NAME}={session_key}; "
            f"{settings.CSRF_COOKIE_NAME}={token}\r\nX-CSRFToken: {token}\r\n"
            f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
            f"Content-Length: {len(head) + size + len(tail)}\r\n"
            "Connection: close\r\n\r\n"
        ).encode()
        + head
    )
    return request, tail


def _answer(request: socket.socket) -> bytes:
    answer = b""
    try:
        while chunk := request.recv(65536):
            answer += chunk
    except ConnectionResetError:
        pass
    request.close()
    return answer


def _left_on_disk(stack) -> list[Path]:
    return sorted(
        [*stack.uploads.iterdir(), *stack.exchange_root.rglob(f"*{CIPHERTEXT_SUFFIX}")]
    )


@pytest.fixture
def empty_disk(stack):
    """The set's upload folder and exchange storage emptied before and after: the
    rows of files stored by other tests went with the database's flush."""

    def empty() -> None:
        for folder in (stack.uploads, stack.exchange_root):
            shutil.rmtree(folder)
            folder.mkdir()

    empty()
    yield
    empty()


def test_sigkill_during_an_upload_stores_nothing_and_the_proxy_goes_elsewhere(
    stack, empty_disk
):
    uploader = make_expert("NL")
    session = verified_session_key(uploader)
    killed = 1
    with _socket(stack, "/ws/notifications/", session, process=killed) as bell:
        _next_frame(bell, "unread")
        request, _ = _start_upload(stack, killed, session, size=UPLOAD_BYTES)
        request.sendall(b"x" * (8 * 1024 * 1024))  # a sixth of the file, then the kill
        os.kill(stack.pid(killed), signal.SIGKILL)
        with pytest.raises(ConnectionClosed):
            bell.recv(timeout=30)
    with contextlib.suppress(OSError):
        request.sendall(b"x" * (1024 * 1024))
    assert _answer(request) == b""
    assert not Document.objects.exists()
    assert not DocumentVersion.objects.exists()
    # The body was spooled by the ASGI handler to an unnamed temporary file, which
    # ended with the process: nothing of it is left under a name.
    assert _left_on_disk(stack) == []
    # New uploads through the proxy right after the kill are stored by the other
    # process: nginx passes a POST on when the dead process refused the connection
    # (nothing of it was sent). The token comes from the live process, so that no
    # request through the proxy marks the dead one down first.
    path = reverse("exchange:create")
    with _signed_in(stack.app_url(1 - killed), session) as client:
        token = _csrf_token(client, path)
    statuses = []
    with httpx.Client(
        cookies={
            settings.SESSION_COOKIE_NAME: session,
            settings.CSRF_COOKIE_NAME: token,
        },
        verify=False,  # noqa: S501 - self-signed, loopback
        timeout=30,
    ) as client:
        for n in range(4):
            stored = client.post(
                stack.url + path,
                data={"title": f"Plan {n}", "tier": "restricted"},
                files={"file": ("small.txt", b"plain notes\n", "text/plain")},
                headers={"X-CSRFToken": token, "Origin": stack.url},
            )
            statuses.append(stored.status_code)
    assert statuses == [302] * 4
    assert Document.objects.count() == 4
    # One of them did meet the dead process first.
    refused = [
        line
        for line in (stack.directory / "nginx/logs/error.log").read_text().splitlines()
        if f"127.0.0.1:{stack.app_ports[killed]}{path}" in line and '"POST ' in line
    ]
    assert refused, "no upload met the killed process"
    # The session's socket, opened again through the proxy, reaches the other process.
    with _socket(stack, "/ws/notifications/", session, process=None) as bell:
        assert _next_frame(bell, "unread")["count"] == 0
    stack.run("start", "stack")
    assert httpx.get(stack.app_url(killed) + "/healthz", timeout=30).status_code == 200


def test_what_a_killed_upload_left_is_swept_and_audited_at_restart(stack, empty_disk):
    uploader = make_expert("NL")
    session = verified_session_key(uploader)
    killed = 1
    request, tail = _start_upload(stack, killed, session, size=UPLOAD_BYTES)
    request.sendall(b"x" * UPLOAD_BYTES + tail)
    # The whole body arrived: the form's file is being written to
    # FILE_UPLOAD_TEMP_DIR, where it is checked (type, ClamAV) before anything is
    # stored. Killed as soon as it appears there.
    wait_until(
        lambda: any(".upload" in entry.name for entry in stack.uploads.iterdir()),
        timeout=60,
        interval=0.01,
        message="the upload never reached the temporary folder",
    )
    os.kill(stack.pid(killed), signal.SIGKILL)
    _answer(request)
    wait_until(lambda: not _alive(stack.pid(killed)), timeout=30)
    assert not Document.objects.exists()
    assert not DocumentVersion.objects.exists()
    (leftover,) = stack.uploads.iterdir()
    # A ciphertext no row refers to (as a kill after encryption, before the commit
    # leaves), and one as young as an upload still arriving elsewhere.
    (stack.exchange_root / "orphaned").mkdir(exist_ok=True)
    old = stack.exchange_root / "orphaned" / f"old{CIPHERTEXT_SUFFIX}"
    young = stack.exchange_root / "orphaned" / f"young{CIPHERTEXT_SUFFIX}"
    old.write_bytes(b"\0" * 1000)
    young.write_bytes(b"\0" * 10)
    # The crash "was" two hours ago; the start below keeps a minute's grace.
    two_hours_ago = time.time() - 2 * 3600
    for path in (leftover, old):
        os.utime(path, (two_hours_ago, two_hours_ago))
    expected_bytes = leftover.stat().st_size + 1000
    started = time.monotonic()
    stack.run("start", "stack", EXCHANGE_ORPHAN_GRACE_SECONDS="60")
    record_figure(
        "restart of a killed process with the sweep", time.monotonic() - started
    )
    assert _left_on_disk(stack) == [young]
    swept = AuditEvent.objects.get(action="exchange.orphans.swept")
    assert swept.details == {
        "ciphertexts": 1,
        "uploads": 1,
        "bytes": expected_bytes,
        "grace_seconds": 60,
    }
    assert httpx.get(stack.app_url(killed) + "/healthz", timeout=30).status_code == 200
