"""One Elasticsearch node of three killed while people search: no search fails.

A check run by hand, not by the test command (its restart of the killed node hung
once in a full run and is not yet understood):

    deploy/services.sh start es-cluster && eval "$(deploy/services.sh env)"
    .venv/bin/python -m pytest deploy/checks/test_cluster.py -p no:cacheprovider

The three-node cluster runs beside the suite's single node. The portal's client is
given all three nodes; the node holding the primary copy of the searched index is
killed with SIGKILL between searches, and brought back once the cluster has turned
yellow.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from django.conf import settings as django_settings

import pytest

from exchange.policy import viewer_for_user
from search import service
from search.client import breaker, get_client
from search.indexing import delete_all_indices, ensure_indices
from search.query import SearchParams
from tests.search.conftest import index_now, make_document
from tests.support import wait_until

pytestmark = pytest.mark.django_db

SERVICES = Path(django_settings.BASE_DIR) / "deploy" / "services.sh"
SEARCHES_WHILE_DOWN = 60


def _services(*args: str) -> None:
    subprocess.run(["bash", str(SERVICES), *args], check=True, timeout=900)


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
    delete_all_indices()
    ensure_indices()
    yield get_client()
    delete_all_indices()


def _primary_node(client, prefix: str) -> int:
    shards = client.cat.shards(index=f"{prefix}-*", format="json")
    primaries = [s for s in shards if s["prirep"] == "p" and int(s["docs"] or 0) > 0]
    assert primaries, shards
    # Nodes are named portal-cluster-1..3 by deploy/services.sh.
    return int(primaries[0]["node"].rsplit("-", 1)[1])


def test_searches_survive_the_loss_of_a_node(cluster, states, owner, expert):
    client = cluster
    titles = [f"Cluster drill report {n}" for n in range(5)]
    index_now("document", [make_document(owner, states["NL"], t) for t in titles])
    client.cluster.health(wait_for_status="green", timeout="120s")
    viewer = viewer_for_user(expert, verified=True)
    prefix = django_settings.ELASTICSEARCH_INDEX_PREFIX

    def search_ok() -> bool:
        results = service.search(viewer, SearchParams(q="cluster drill"))
        assert not results.degraded, results.messages
        assert results.total == len(titles)
        return True

    for _ in range(10):
        search_ok()
    victim = _primary_node(client, prefix)
    _services("kill-node", str(victim))
    try:
        answered = sum(search_ok() for _ in range(SEARCHES_WHILE_DOWN))
        assert answered == SEARCHES_WHILE_DOWN
        assert not breaker.is_open(django_settings.ELASTICSEARCH_URL)
        wait_until(
            lambda: client.cluster.health()["number_of_nodes"] == 2,
            timeout=120,
            message="the cluster never noticed the lost node",
        )
        assert client.cluster.health()["status"] == "yellow"
        search_ok()
    finally:
        _services("start-node", str(victim))
    wait_until(
        lambda: (
            client.cluster.health(wait_for_status="green", timeout="5s")["status"]
            == "green"
        ),
        timeout=300,
        message=lambda: f"still {client.cluster.health()['status']}",
    )
    assert client.cluster.health()["number_of_nodes"] == 3
    search_ok()
