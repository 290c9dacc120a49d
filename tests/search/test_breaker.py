"""The search breaker: a dead or hanging Elasticsearch costs one wait per pause.

A real listening socket that accepts connections and never answers stands for a
hung node (the worst case: each request would wait for its whole timeout); the
number of connections it accepted shows which searches still tried it.
"""

from __future__ import annotations

import datetime
import socket
import threading

from django.conf import settings
from django.test import override_settings

import pytest
import time_machine

from exchange.policy import viewer_for_user
from search import service
from search.client import breaker
from search.indexing import pending_count
from search.models import IndexOutbox
from search.query import SearchParams
from tests.search.conftest import index_now, make_document
from tests.search.test_queue import announce

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 12, 3, 9, 0, tzinfo=datetime.UTC)


class HungNode:
    """Accepts TCP connections on loopback, counts them, and never replies."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}"
        self.accepted: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            self.accepted.append(connection)

    def close(self) -> None:
        self.server.close()
        for connection in self.accepted:
            connection.close()


@pytest.fixture
def hung_node():
    node = HungNode()
    yield node
    node.close()


def test_a_hung_node_is_waited_for_once_per_pause(
    hung_node, states, expert, django_capture_on_commit_callbacks
):
    viewer = viewer_for_user(expert, verified=True)
    with (
        override_settings(
            ELASTICSEARCH_URL=hung_node.url,
            ELASTICSEARCH_TIMEOUT=1,
            ELASTICSEARCH_BREAKER_SECONDS=30,
        ),
        time_machine.travel(START, tick=False) as clock,
    ):
        first = service.search(viewer, SearchParams(q="inspection"))
        assert first.degraded
        tried = len(hung_node.accepted)
        assert tried >= 1
        assert breaker.is_open(hung_node.url)

        for _ in range(20):
            results = service.search(viewer, SearchParams(q="inspection"))
            assert results.degraded and "reduced mode" in results.messages[0]
        assert service.suggest(viewer, "insp") == []
        # A change committed meanwhile waits in the outbox for the worker instead of
        # holding its request on the hung node.
        with django_capture_on_commit_callbacks(execute=True):
            document = make_document(expert, states["NL"], "Inspection of the vault")
            announce(document, "created")
        assert pending_count() == 1
        assert IndexOutbox.objects.get().attempts == 0
        assert len(hung_node.accepted) == tried

        clock.shift(29)
        service.search(viewer, SearchParams(q="inspection"))
        assert len(hung_node.accepted) == tried

        clock.shift(2)
        probe = service.search(viewer, SearchParams(q="inspection"))
        assert probe.degraded
        assert len(hung_node.accepted) > tried
        assert breaker.is_open(hung_node.url)


def test_the_breaker_closes_when_elasticsearch_answers_again(
    search_index, states, owner, expert
):
    index_now(
        "document", [make_document(owner, states["NL"], "Perimeter patrol schedule")]
    )
    viewer = viewer_for_user(expert, verified=True)
    url = settings.ELASTICSEARCH_URL
    with time_machine.travel(START, tick=False) as clock:
        breaker.failed(url)
        held = service.search(viewer, SearchParams(q="perimeter"))
        # Answered by the database while the breaker is open, with the same policy.
        assert held.degraded and held.total == 1

        clock.shift(settings.ELASTICSEARCH_BREAKER_SECONDS)
        back = service.search(viewer, SearchParams(q="perimeter"))
        assert not back.degraded and back.backend == "elasticsearch"
        assert back.total == 1
        assert not breaker.is_open(url)


def test_a_cluster_of_several_urls_retries_on_the_live_node(
    search_index, states, owner, expert
):
    """A dead node listed first: the client's own retry reaches the live one."""
    index_now("document", [make_document(owner, states["NL"], "Access control review")])
    dead = socket.create_server(("127.0.0.1", 0))
    dead_url = f"http://127.0.0.1:{dead.getsockname()[1]}"
    dead.close()
    viewer = viewer_for_user(expert, verified=True)
    nodes = f"{dead_url},{settings.ELASTICSEARCH_URL}"
    with override_settings(ELASTICSEARCH_URL=nodes):
        answers = [
            service.search(viewer, SearchParams(q="access control")) for _ in range(6)
        ]
    assert all(not a.degraded and a.total == 1 for a in answers)
