"""The demo's search index: built once at the end of `load_demo`, if there is one."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from search.client import is_configured
from search.documents import active_index_types
from search.indexing import SEARCH_ERRORS, enqueue, indexing_paused, rebuild

logger = logging.getLogger(__name__)


@contextmanager
def demo_indexing(write: Callable[[str], object]) -> Iterator[None]:
    """Load demo content without a queue entry per change, then index it at once.

    Without Elasticsearch (the demo's default) the database answers searches and
    nothing is queued or built. With it, one rebuild per index type replaces a drain
    after every demo commit; running the demo again rebuilds the same content, so
    the index stays an exact copy of the database.
    """
    with indexing_paused():
        yield
    if not is_configured():
        write("Search: the database answers (ELASTICSEARCH_URL is not set).")
        return
    for index_type in active_index_types():
        try:
            _, count = rebuild(index_type)
        except SEARCH_ERRORS as exc:
            # Elasticsearch is down: queue everything so the worker catches up.
            logger.warning("search: demo index not built: %s", exc)
            ids = index_type.document.queryset().values_list("pk", flat=True)
            enqueue(index_type.object_type, list(ids))
            write(f"Search: {index_type.name} queued (Elasticsearch unavailable).")
        else:
            write(f"Search: {index_type.name} indexed ({count}).")
