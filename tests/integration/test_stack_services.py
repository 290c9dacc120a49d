"""The production-like set while its services go away: Redis restarted, Elasticsearch
cut off.

nginx and the two application processes (and the search worker) run once for the
module, against a Redis of the module's own (channel layer, live state and cache, so
the shared Redis is never stopped) and behind a TCP relay to the shared
Elasticsearch that the tests cut and restore: network faults in front of the real
services. Clients go through nginx as a browser does; the room client does what
`coordination/room.js` does after a reconnect.
"""

from __future__ import annotations

import contextlib
import json
import re
import signal
import socket
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.test import override_settings
from django.urls import reverse

import pytest
import redis
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from exchange.coordination.models import Message
from exchange.models import Document
from portal.core.servers import free_port, verified_session_key
from search.indexing import delete_all_indices, ensure_indices
from search.models import IndexOutbox
from tests.coordination.helpers import default_room, make_group, make_user
from tests.integration.stack import Stack, https_client, served_stack, ws_ssl
from tests.support import artifact_path, wait_until

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

FIGURES = "stack-services.txt"


def record(line: str) -> None:
    """A figure of the run: printed, and kept in test-artifacts/stack-services.txt."""
    print(line)
    with artifact_path(FIGURES).open("a") as figures:
        figures.write(line + "\n")


# --- The module's own Redis


class RedisServer:
    """redis-server on a free loopback port, without persistence; stopped with
    SIGTERM and started again on the same port."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def answers(self) -> bool:
        client = redis.Redis(port=self.port, socket_timeout=1)
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False
        finally:
            client.close()

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
                "--logfile",
                str(self.directory / "redis.log"),
            ],
            stdin=subprocess.DEVNULL,
        )
        wait_until(self.answers, timeout=30, message="redis-server did not answer")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)
        self.process = None


# --- A relay in front of the shared Elasticsearch


class Relay:
    """Forwards loopback TCP connections to a real server, counting the connections
    it is offered. Cut, it closes the open ones and closes each new one at once
    (what a client sees of a dead node behind a load balancer); restored, it
    forwards again."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.server = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}"
        self.attempts = 0
        self.is_cut = False
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            with self._lock:
                self.attempts += 1
                cut = self.is_cut
            if cut:
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=10)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._open |= {client, upstream}
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(
                    target=self._pump, args=(source, sink), daemon=True
                ).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            with contextlib.suppress(OSError):
                while data := source.recv(65536):
                    sink.sendall(data)
        finally:
            for end in (source, sink):
                self._close(end)

    def _close(self, end: socket.socket) -> None:
        with self._lock:
            self._open.discard(end)
        with contextlib.suppress(OSError):
            end.shutdown(socket.SHUT_RDWR)
        end.close()

    def cut(self) -> None:
        with self._lock:
            self.is_cut = True
            ends = list(self._open)
        for end in ends:
            self._close(end)

    def restore(self) -> None:
        with self._lock:
            self.is_cut = False

    def close(self) -> None:
        self.server.close()
        self.cut()


# --- The module's set


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def relay():
    target = urlsplit(settings.ELASTICSEARCH_URL.split(",")[0])
    relayed = Relay(target.hostname or "127.0.0.1", target.port or 9200)
    yield relayed
    relayed.close()


@pytest.fixture(scope="module")
def index_prefix():
    """Indices of the module's own, on the shared Elasticsearch."""
    prefix = f"{settings.ELASTICSEARCH_INDEX_PREFIX}-stack"
    with override_settings(ELASTICSEARCH_INDEX_PREFIX=prefix):
        delete_all_indices()
        ensure_indices()
    yield prefix
    with override_settings(ELASTICSEARCH_INDEX_PREFIX=prefix):
        delete_all_indices()


@pytest.fixture(scope="module")
def stack(django_db_setup, tmp_path_factory, redis_server, relay, index_prefix):
    env = {
        # The channel layer, the live state and (as in production) the cache: nothing
        # of the set uses the shared Redis.
        "REDIS_URL": redis_server.url,
        "PORTAL_TEST_REDIS_CACHE": "true",
        "ELASTICSEARCH_URL": relay.url,
        "ELASTICSEARCH_INDEX_PREFIX": index_prefix,
        # Long enough that the searches of one test fall in one pause.
        "ELASTICSEARCH_BREAKER_SECONDS": "30",
        "PORTAL_STACK_WORKER": "1",
    }
    with served_stack(tmp_path_factory.mktemp("stack"), env) as served:
        yield served


# --- Clients through nginx

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Member:
    """A browser through nginx: an HTTPS session (a verified expert's, or nobody's)
    and, in a room, the socket and screen of room.js, keyed by message id."""

    def __init__(self, stack: Stack, user=None) -> None:
        self.stack = stack
        self.user = user
        self.session = verified_session_key(user) if user is not None else ""
        self.closing = contextlib.ExitStack()
        self.http = self.closing.enter_context(
            https_client(
                cookies={settings.SESSION_COOKIE_NAME: self.session}
                if user is not None
                else {},
                headers={"Origin": stack.url},
                follow_redirects=True,
            )
        )
        self.socket: ClientConnection | None = None
        self.room_id = 0
        self.delivered: Counter[int] = Counter()  # live frames and history pages
        self.live = 0
        self.caught_up = 0
        self.last_id = 0
        self.closed_with: int | None = None
        self.refusals: list[str] = []  # why each refused join failed

    def __enter__(self) -> Member:
        return self

    def __exit__(self, *exc) -> None:
        self.closing.close()

    def get(self, path: str, **params):
        return self.http.get(self.stack.url + path, params=params)

    def csrf_token(self, path: str) -> str:
        match = CSRF.search(self.get(path).text)
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    # -- the room

    def room_path(self) -> str:
        return reverse("coordination:room", args=[self.room_id])

    def open_socket(self, room_id: int) -> ClientConnection:
        return connect(
            f"{self.stack.ws_url}/ws/coordination/rooms/{room_id}/",
            ssl=ws_ssl(),
            additional_headers={
                "Origin": self.stack.url,
                "Cookie": f"{settings.SESSION_COOKIE_NAME}={self.session}",
            },
            open_timeout=30,
        )

    def join(self, room_id: int) -> bool:
        """What room.js does on (re)connect: open the socket, then fetch everything
        after the last message shown. False when the socket is refused."""
        self.room_id = room_id
        try:
            self.socket = self.closing.enter_context(self.open_socket(room_id))
            self.next_frame("presence")
        except (ConnectionClosed, InvalidStatus, OSError) as refusal:
            self.socket = None
            self.refusals.append(repr(refusal))
            return False
        self.closed_with = None
        self.catch_up()
        return True

    def catch_up(self) -> None:
        path = reverse("coordination:messages", args=[self.room_id])
        while True:
            page = self.http.get(
                self.stack.url + path,
                params={"after": self.last_id},
                headers={"Accept": "application/json"},
            ).json()
            for message in page["messages"]:
                self.caught_up += 1
                self.show(message["id"])
            if not page["has_more"]:
                return

    def show(self, message_id: int) -> None:
        self.delivered[message_id] += 1
        self.last_id = max(self.last_id, message_id)

    def next_frame(self, *types: str, timeout: float = 30) -> dict:
        assert self.socket is not None
        while True:
            frame = json.loads(self.socket.recv(timeout=timeout))
            if frame["type"] == "message":
                self.live += 1
                self.show(frame["message"]["id"])
            if frame["type"] in types:
                return frame
            assert frame["type"] != "error", frame

    def read_until_shown(self, ids: set[int], timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not ids <= set(self.delivered):
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"not shown: {sorted(ids - set(self.delivered))}"
            self.next_frame("message", timeout=remaining)

    def wait_closed(self, timeout: float = 30) -> int:
        """The close code of this member's socket, reading frames until it ends."""
        try:
            while True:
                self.next_frame("message", timeout=timeout)
        except ConnectionClosed as closed:
            self.closed_with = closed.rcvd.code if closed.rcvd else 1006
        self.socket = None
        return self.closed_with

    def send(self, body: str) -> int:
        """Post over the socket; the id of the accepted message."""
        assert self.socket is not None
        self.socket.send(
            json.dumps({"type": "message.send", "body": body, "client_id": body})
        )
        return int(self.next_frame("ack")["id"])

    def post(self, body: str) -> int:
        """Post through the room's HTTP form, as a JSON client."""
        path = reverse("coordination:messages", args=[self.room_id])
        response = self.http.post(
            self.stack.url + path,
            data={
                "body": body,
                "csrfmiddlewaretoken": self.csrf_token(self.room_path()),
            },
            headers={"Accept": "application/json"},
        )
        assert response.status_code == 201, (response.status_code, response.text[:500])
        return int(response.json()["message"]["id"])


def handshake_outcome(member: Member, room_id: int) -> int:
    """A new room socket: the close code it gets, or the HTTP status refusing it."""
    try:
        socket_ = member.open_socket(room_id)
    except InvalidStatus as refused:
        return refused.response.status_code
    with socket_:
        try:
            while True:
                socket_.recv(timeout=30)
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else 1006


# --- Redis


def _pages_while_redis_is_down(writer: Member, room_id: int) -> Counter[int]:
    """Statuses of the pages a member and a visitor open, four times each."""
    pages = [
        "/",
        reverse("exchange:list"),
        reverse("coordination:rooms"),
        reverse("coordination:room", args=[room_id]),
        reverse("coordination:messages", args=[room_id]),
        reverse("coordination:presence", args=[room_id]),
    ]
    statuses = Counter(writer.get(path).status_code for path in pages * 4)
    with Member(writer.stack) as visitor:
        statuses.update(
            visitor.get(path).status_code
            for path in ["/", reverse("accounts:login")] * 4
        )
    return statuses


def _reset_while_redis_is_down(stack: Stack) -> tuple[int, str]:
    """A password reset asked through the form: its limits count in Redis."""
    with Member(stack) as visitor:
        path = reverse("accounts:password_reset")
        answer = visitor.http.post(
            stack.url + path,
            data={
                "email": "someone@example.org",
                "csrfmiddlewaretoken": visitor.csrf_token(path),
            },
        )
    return answer.status_code, answer.text


def test_a_redis_restart_loses_no_room_message(stack, redis_server, home_page):
    writer_user, reader_user = make_user("writer"), make_user("reader")
    room = default_room(make_group(writer_user, reader_user))
    with Member(stack, writer_user) as writer, Member(stack, reader_user) as reader:
        assert writer.join(room.pk) and reader.join(room.pk)
        accepted = [writer.send(f"before the outage {n}") for n in range(3)]
        reader.read_until_shown(set(accepted))

        redis_server.stop()
        try:
            # Open sockets are closed with "try again later"; room.js reconnects.
            closed = (reader.wait_closed(), writer.wait_closed())
            statuses = _pages_while_redis_is_down(writer, room.pk)
            presence = writer.get(
                reverse("coordination:presence", args=[room.pk])
            ).json()
            reset_status, reset_page = _reset_while_redis_is_down(stack)
            during = [writer.post(f"during the outage {n}") for n in range(2)]
            stored = Message.objects.filter(pk__in=during).count()
            refused = handshake_outcome(writer, room.pk)
        finally:
            redis_server.start()
        accepted += during
        record(
            f"redis down: open sockets closed with {closed}; "
            f"{sum(statuses.values())} page requests {dict(statuses)}; presence "
            f"{presence}; password reset {reset_status}; HTTP posts stored "
            f"{stored}/{len(during)}; new handshake -> {refused}"
        )
        assert closed == (1013, 1013)
        assert set(statuses) == {200}, statuses
        assert presence == {"users": [], "available": False}
        assert reset_status == 429 and "unavailable for a few minutes" in reset_page
        assert stored == len(during)
        assert refused in (1013, 503)

        # Redis is back on its port: one message before anyone reconnects, then the
        # members reconnect as room.js does (with a pause between attempts).
        accepted.append(writer.post("right after the restart"))
        started = time.monotonic()
        wait_until(
            lambda: reader.join(room.pk),
            timeout=60,
            interval=0.5,
            message=lambda: (
                f"the room socket is still refused: {reader.refusals[-3:]}\n"
                + stack.log("app-1")
            ),
        )
        reconnected = time.monotonic() - started
        # Each process's channel layer may refuse once more while its pooled Redis
        # connections are replaced: the writer retries as room.js does.
        wait_until(
            lambda: writer.join(room.pk),
            timeout=60,
            interval=0.5,
            message=lambda: (
                f"the writer's room socket is still refused: {writer.refusals[-3:]}\n"
                + stack.log("app-1")
            ),
        )
        accepted += [writer.send(f"after the restart {n}") for n in range(3)]
        reader.read_until_shown(set(accepted))

    both_ways = sum(1 for count in reader.delivered.values() if count > 1)
    record(
        f"redis restart: {len(accepted)} messages accepted, "
        f"{len(set(reader.delivered) & set(accepted))} shown to the other member, "
        f"lost {len(set(accepted) - set(reader.delivered))}; "
        f"{reader.live} live frames, {reader.caught_up} from the catch-up, "
        f"{both_ways} delivered both ways (drawn once, by id); "
        f"reconnected {reconnected:.1f} s after Redis answered"
    )
    # Zero lost, nothing extra: the screen (keyed by id) holds exactly these.
    assert set(reader.delivered) == set(accepted)
    assert len(accepted) == len(set(accepted)) == 9


# --- Elasticsearch


def _search(member: Member, q: str) -> dict:
    response = member.get(reverse("search:api"), q=q)
    assert response.status_code == 200, response.status_code
    return response.json()


def test_search_while_elasticsearch_is_cut_off(stack, relay):
    owner = make_user("owner", state="NL")
    recipient = make_user("recipient", state="BE")
    stranger = make_user("stranger", state="DE")
    with (
        Member(stack, owner) as author,
        Member(stack, recipient) as reader,
        Member(stack, stranger) as outsider,
    ):
        _search_while_cut_off(stack, relay, author, reader, outsider)


def _search_while_cut_off(stack, relay, author, reader, outsider) -> None:
    recipient = reader.user
    assert not _search(reader, "inspection")["degraded"]

    relay.cut()
    try:
        costs, statuses = [], Counter()
        for _ in range(20):
            before = relay.attempts
            page = reader.get(reverse("search:page"), q="inspection")
            costs.append(relay.attempts - before)
            statuses[page.status_code] += 1
            assert "reduced mode" in page.text
        # The expert shares a document through the upload form meanwhile.
        title = "Vault inspection during the outage"
        created = author.http.post(
            stack.url + reverse("exchange:create"),
            data={
                "title": title,
                "tier": "restricted",
                "users": [str(recipient.pk)],
                "csrfmiddlewaretoken": author.csrf_token(reverse("exchange:create")),
            },
            files={"file": ("notes.txt", b"vault inspection notes\n", "text/plain")},
        )
        document = Document.objects.filter(title=title).first()
        queued = IndexOutbox.objects.filter(
            object_type="document", object_id=str(document.pk) if document else ""
        ).count()
    finally:
        relay.restore()
    restored = time.monotonic()
    record(
        f"elasticsearch cut: {sum(statuses.values())} searches {dict(statuses)}, "
        f"relay connections per search {costs}; document stored "
        f"{document is not None}, outbox rows {queued}"
    )
    assert statuses == {200: 20}
    # Each process tries Elasticsearch once; its breaker holds the others back.
    assert sum(1 for cost in costs if cost) <= len(stack.app_ports), costs
    assert created.status_code == 200, created.status_code
    assert document is not None and list(document.shared_users.all()) == [recipient]
    assert queued >= 1

    def found() -> bool:
        results = _search(reader, "vault inspection")
        return not results["degraded"] and any(
            hit["title"] == title for hit in results["results"]
        )

    wait_until(
        found,
        timeout=120,
        interval=0.5,
        message=lambda: "not searchable yet\n" + stack.log("worker")[-2000:],
    )
    record(
        f"elasticsearch restored: the document was searchable for its recipient "
        f"{time.monotonic() - restored:.1f} s later"
    )
    assert not IndexOutbox.objects.filter(object_id=str(document.pk)).exists()
    # The person it is not shared with finds nothing of it, in either backend.
    assert not _search(outsider, "vault inspection")["results"]
