"""The Elasticsearch client and index names, from settings, one client per URL."""

from __future__ import annotations

import threading

from django.conf import settings

from elasticsearch import Elasticsearch

# Short timeouts: a search that waits on a sick cluster is worse than the fallback.
REQUEST_TIMEOUT_SECONDS = 5.0

_clients: dict[str, Elasticsearch] = {}
_lock = threading.Lock()


def is_configured() -> bool:
    return bool(settings.ELASTICSEARCH_URL)


def get_client() -> Elasticsearch:
    """The client for the configured URL (tests may override the URL)."""
    url = settings.ELASTICSEARCH_URL
    if not url:
        raise RuntimeError("ELASTICSEARCH_URL is not configured")
    with _lock:
        client = _clients.get(url)
        if client is None:
            client = Elasticsearch(
                url, request_timeout=REQUEST_TIMEOUT_SECONDS, max_retries=0
            )
            _clients[url] = client
    return client


def alias_name(index_type: str) -> str:
    """The alias every reader and writer uses, e.g. `portal-pages`."""
    return f"{settings.ELASTICSEARCH_INDEX_PREFIX}-{index_type}"
