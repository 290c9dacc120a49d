"""The three-node Elasticsearch cluster under faults: a node killed with SIGKILL
while people search, and while a rebuild fills a new index.

`./task test` starts the cluster (`deploy/services.sh start es-cluster`, HTTP
9221-9223) beside the suite's single node and exports ELASTICSEARCH_CLUSTER_URL;
without a running cluster these tests fail, naming the command. The portal's client
is given all three nodes; each test kills the node holding the primary copy of the
index it uses, and brings it back with `start-node`.
"""

from __future__ import annotations

import logging
import os
import subprocess
import time
from pathlib import Path

from django.conf import settings as django_settings

import pytest
from elasticsearch import ConnectionError as ESConnectionError

from exchange.models import Document
from exchange.policy import viewer_for_user
from portal.accounts.models import User
from portal.states.models import State
from search import service
from search.client import alias_name, breaker, get_client
from search.documents import INDEX_TYPES
from search.indexing import (
    aliased_indices,
    concrete_indices,
    delete_all_indices,
    ensure_indices,
    rebuild,
)
from search.query import SearchParams
from tests.search.conftest import index_now, make_document, make_expert
from tests.support import wait_until

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ROOT / "deploy" / "services.sh"
SEARCHES_WHILE_DOWN = 60
# A node restart waits up to 300 s in deploy/services.sh; the subprocess a little more.
SERVICES_TIMEOUT = 360
REBUILD_DOCUMENTS = 600
REBUILD_CHUNK = 50
# Chunks the rebuild completes while the node is away.
RESTART_AFTER = 3
# Small bulk requests, so that the rebuild sends several while the node is away.
REBUILD_BULK_BYTES = 8 * 1024

logger = logging.getLogger(__name__)


def _services(*args: str) -> None:
    subprocess.run(["bash", str(SERVICES), *args], check=True, timeout=SERVICES_TIMEOUT)


def _health(client, **params) -> dict:
    return dict(client.cluster.health(**params))


@pytest.fixture
def cluster(settings):
    urls = os.environ.get("ELASTICSEARCH_CLUSTER_URL")
    if not urls:
        pytest.fail(
            "ELASTICSEARCH_CLUSTER_URL is not set: start the three-node cluster with "
            "`deploy/services.sh start es-cluster` (./task test does) and export "
            "what `deploy/services.sh env` prints"
        )
    settings.ELASTICSEARCH_URL = urls
    settings.ELASTICSEARCH_INDEX_PREFIX = f"{settings.ELASTICSEARCH_INDEX_PREFIX}-cl"
    client = get_client()
    try:
        health = _health(client, wait_for_nodes="3", timeout="60s")
    except ESConnectionError as exc:
        pytest.fail(
            f"the Elasticsearch cluster at {urls} does not answer ({exc}): start it "
            "with `deploy/services.sh start es-cluster`"
        )
    if health["number_of_nodes"] != 3:
        pytest.fail(f"the Elasticsearch cluster has {health['number_of_nodes']} nodes")
    delete_all_indices()
    ensure_indices()
    yield client
    delete_all_indices()


@pytest.fixture
def people(db):
    """The Netherlands, a document owner and a verified expert there."""
    netherlands = State.objects.get(iso_code="NL")
    owner = User.objects.create_user("owner@example.org", state=netherlands)
    expert = make_expert("expert@example.org", netherlands)
    return netherlands, owner, viewer_for_user(expert, verified=True)


def _primary_node(client, index: str) -> int:
    shards = client.cat.shards(index=index, format="json")
    primaries = [s for s in shards if s["prirep"] == "p" and s["state"] == "STARTED"]
    assert primaries, shards
    # Nodes are named portal-cluster-1..3 by deploy/services.sh.
    return int(primaries[0]["node"].rsplit("-", 1)[1])


def _wait_for_green(client) -> float:
    """Seconds until the cluster is green with all three nodes again."""
    started = time.monotonic()
    wait_until(
        lambda: (
            _health(client, wait_for_status="green", timeout="5s")["status"] == "green"
        ),
        timeout=300,
        interval=1,
        message=lambda: f"still {_health(client)['status']}",
    )
    assert _health(client)["number_of_nodes"] == 3
    return time.monotonic() - started


@pytest.mark.django_db
def test_searches_survive_the_loss_of_a_node(cluster, people):
    client = cluster
    netherlands, owner, viewer = people
    titles = [f"Cluster drill report {n}" for n in range(5)]
    index_now("document", [make_document(owner, netherlands, t) for t in titles])
    client.cluster.health(wait_for_status="green", timeout="120s")

    def search_ok() -> bool:
        results = service.search(viewer, SearchParams(q="cluster drill"))
        assert not results.degraded, results.messages
        assert results.total == len(titles)
        return True

    for _ in range(10):
        search_ok()
    victim = _primary_node(client, f"{alias_name('documents')}-*")
    _services("kill-node", str(victim))
    killed = time.monotonic()
    try:
        answered = sum(search_ok() for _ in range(SEARCHES_WHILE_DOWN))
        assert answered == SEARCHES_WHILE_DOWN
        assert not breaker.is_open(django_settings.ELASTICSEARCH_URL)
        wait_until(
            lambda: _health(client)["number_of_nodes"] == 2,
            timeout=120,
            interval=0.5,
            message="the cluster never noticed the lost node",
        )
        to_yellow = time.monotonic() - killed
        assert _health(client)["status"] == "yellow"
        search_ok()
    finally:
        _services("start-node", str(victim))
    to_green = _wait_for_green(client)
    search_ok()
    logger.warning(
        "node %s killed: %s searches answered while it was down; two nodes and "
        "yellow after %.1f s; green %.1f s after its restart, %.1f s after the kill",
        victim,
        answered,
        to_yellow,
        to_green,
        time.monotonic() - killed,
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_rebuild_completes_across_a_stopped_node(cluster, settings, people, caplog):
    """The node with the new index's primary is killed once the first chunk is in;
    the rebuild goes on sending bulk requests to the two others, and the node is
    brought back three chunks later: every document arrives once and the alias is
    swapped."""
    client = cluster
    netherlands, owner, viewer = people
    settings.ELASTICSEARCH_BULK_MAX_BYTES = REBUILD_BULK_BYTES
    documents = INDEX_TYPES["documents"]
    Document.objects.bulk_create(
        Document(
            title=f"Cluster rebuild dossier {i}",
            description="Stored for the rebuild across a stopped node. " * 4,
            tier="restricted",
            originating_state=netherlands,
            owner=owner,
        )
        for i in range(REBUILD_DOCUMENTS)
    )
    before = aliased_indices(documents)
    events: list[str] = []
    victim = killed_at = 0
    # Where the transport's log stood at the kill and at the restart.
    marks: list[int] = []
    caplog.set_level(logging.INFO, logger="elastic_transport.transport")

    def progress(name: str, loaded: int, total: int) -> None:
        # Called by the rebuild between chunks; the executor keeps sending the
        # chunks already handed to it meanwhile.
        nonlocal victim, killed_at
        if not victim and loaded > 0:
            (new,) = (i for i in concrete_indices(documents) if i not in before)
            victim, killed_at = _primary_node(client, new), loaded
            _services("kill-node", str(victim))
            marks.append(len(caplog.records))
            events.append(f"killed node {victim} at {loaded}/{total}")
        elif len(marks) == 1 and loaded >= killed_at + RESTART_AFTER * REBUILD_CHUNK:
            marks.append(len(caplog.records))
            _services("start-node", str(victim))
            events.append(f"restarted node {victim} at {loaded}/{total}")

    try:
        name, count = rebuild(documents, progress=progress, chunk_size=REBUILD_CHUNK)
    finally:
        if victim and len(marks) < 2:
            _services("start-node", str(victim))
    transport = [r.getMessage() for r in caplog.records]
    bulk_requests = [m for m in transport if "/_bulk [status:" in m]
    bulk_failed = [m for m in bulk_requests if "[status:N/A" in m or "[status:5" in m]
    retried = [m for m in transport if m.startswith("Retrying request")]

    assert len(events) == 2, events
    while_down = [m for m in transport[marks[0] : marks[1]] if "/_bulk [status:" in m]
    assert count == REBUILD_DOCUMENTS
    assert aliased_indices(documents) == [name]
    assert name not in before
    assert concrete_indices(documents) == [name]
    # Every document once: as many distinct ids as rows, each row's id among them.
    hits = client.search(
        index=alias_name("documents"),
        size=REBUILD_DOCUMENTS + 10,
        source=False,
        query={"match_all": {}},
    )["hits"]["hits"]
    ids = [hit["_id"] for hit in hits]
    assert len(ids) == len(set(ids)) == REBUILD_DOCUMENTS
    expected = {documents.document.document_id(d) for d in Document.objects.all()}
    assert set(ids) == expected
    results = service.search(viewer, SearchParams(q="cluster rebuild dossier"))
    assert not results.degraded, results.messages
    assert results.total == REBUILD_DOCUMENTS
    assert len(bulk_requests) > REBUILD_DOCUMENTS // REBUILD_CHUNK
    # The kill fell inside the rebuild: bulk requests went out while it was down.
    assert while_down
    to_green = _wait_for_green(client)
    logger.warning(
        "rebuild of %s documents across a stopped node: %s; %s bulk requests "
        "(%s while it was down), %s failed, %s requests retried by the client; "
        "green %.1f s after it",
        count,
        "; ".join(events),
        len(bulk_requests),
        len(while_down),
        len(bulk_failed),
        len(retried),
        to_green,
    )
