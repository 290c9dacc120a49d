"""The Elasticsearch client and index names, from settings, one client per URL.

`ELASTICSEARCH_URL` names one node or several, comma-separated: the client keeps
them all in its node pool and retries a failed request on another node (its own
retry and dead-node back-off, not a loop of ours).

Searches on the request path go through `reading()`, a circuit breaker: after
Elasticsearch fails once, the process answers from the database fallback without
trying Elasticsearch again until `ELASTICSEARCH_BREAKER_SECONDS` have passed, then
lets one request through to probe it. A dead or hanging cluster therefore costs one
timeout per pause, not one per search.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings

from elasticsearch import Elasticsearch

_clients: dict[str, Elasticsearch] = {}
_lock = threading.Lock()


class SearchUnavailable(ConnectionError):
    """Elasticsearch failed recently; the breaker does not try it again yet."""


def is_configured() -> bool:
    return bool(settings.ELASTICSEARCH_URL)


def node_urls() -> list[str]:
    urls = settings.ELASTICSEARCH_URL or ""
    return [u.strip() for u in urls.split(",") if u.strip()]


def get_client() -> Elasticsearch:
    """The client for the configured URL (tests may override the URL)."""
    url = settings.ELASTICSEARCH_URL
    if not url:
        raise RuntimeError("ELASTICSEARCH_URL is not configured")
    with _lock:
        client = _clients.get(url)
        if client is None:
            nodes = node_urls()
            client = Elasticsearch(
                nodes,
                request_timeout=settings.ELASTICSEARCH_TIMEOUT,
                # One more try on each other node; a single node is tried once.
                max_retries=len(nodes) - 1,
                retry_on_timeout=len(nodes) > 1,
                retry_on_status=(502, 503, 504),
            )
            _clients[url] = client
    return client


def alias_name(index_type: str) -> str:
    """The alias every reader and writer uses, e.g. `portal-pages`."""
    return f"{settings.ELASTICSEARCH_INDEX_PREFIX}-{index_type}"


class CircuitBreaker:
    """Open after a failure, for `pause` seconds of the wall clock; then one probe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open_until: dict[str, float] = {}

    @staticmethod
    def _reopened() -> float:
        return time.time() + settings.ELASTICSEARCH_BREAKER_SECONDS

    def allows(self, url: str) -> bool:
        with self._lock:
            until = self._open_until.get(url)
            if until is None:
                return True
            if time.time() >= until:
                # Half-open: this request probes; the others keep waiting.
                self._open_until[url] = self._reopened()
                return True
            return False

    def failed(self, url: str) -> None:
        with self._lock:
            self._open_until[url] = self._reopened()

    def succeeded(self, url: str) -> None:
        with self._lock:
            self._open_until.pop(url, None)

    def is_open(self, url: str) -> bool:
        with self._lock:
            until = self._open_until.get(url)
            return until is not None and time.time() < until


breaker = CircuitBreaker()


@contextmanager
def reading() -> Iterator[Elasticsearch]:
    """The client for one search on the request path, behind the breaker.

    Raises `SearchUnavailable` while the breaker is open; a failure of the request
    opens it, a success closes it.
    """
    from search.indexing import SEARCH_ERRORS

    url = settings.ELASTICSEARCH_URL or ""
    if not breaker.allows(url):
        raise SearchUnavailable("Elasticsearch failed recently; the breaker is open")
    try:
        yield get_client()
    except SEARCH_ERRORS:
        breaker.failed(url)
        raise
    breaker.succeeded(url)
