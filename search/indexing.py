"""Writing to the index: aliases, the outbox queue and its drain, and the rebuild.

Every change is first written to `IndexOutbox` (in the changing transaction, or when
it commits), then drained: right after the commit (best effort) and by the
`search_worker` loop. A drain that cannot reach Elasticsearch leaves the rows where
they are, so nothing is lost while it is down.

Writers resolve the alias to its concrete indices and write to every index of the
type, so that changes made while `search_rebuild` fills a new index land in it too.
"""

from __future__ import annotations

import datetime
import logging
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from itertools import islice
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F

from elasticsearch import ApiError, NotFoundError, TransportError
from elasticsearch.helpers import BulkIndexError, bulk, streaming_bulk

from search.client import alias_name, breaker, get_client, is_configured
from search.documents import (
    BY_OBJECT_TYPE,
    INDEX_TYPES,
    IndexType,
    active_index_types,
    index_body,
)
from search.models import IndexOutbox

logger = logging.getLogger(__name__)

SEARCH_ERRORS = (TransportError, ApiError, BulkIndexError, ConnectionError)
DRAIN_BATCH = 200
# Back-off of the bulk helper on 429 (the cluster's queue is full): 2, 4, 8... s.
BULK_RETRIES = 5
# Statuses the bulk helper retries, for a whole request or single items: a full queue
# (429), and a shard or node that is briefly unavailable while the cluster recovers
# from a lost node (503) or a proxy in front of it says so (502, 504). Every action
# carries its `_id`, so sending one again writes the same document, never a second.
BULK_RETRY_STATUSES = (429, 502, 503, 504)


# --- Indices and aliases ---


def language_analysis_available(client) -> bool:
    """Whether the cluster has the language analysers (the analysis-common module)."""
    info = client.nodes.info(filter_path="nodes.*.modules.name,nodes.*.plugins.name")
    for node in info.get("nodes", {}).values():
        names = {m["name"] for m in node.get("modules", [])}
        names |= {p["name"] for p in node.get("plugins", [])}
        if "analysis-common" not in names:
            return False
    return bool(info.get("nodes"))


def new_index_name(index_type: IndexType) -> str:
    stamp = datetime.datetime.now(tz=datetime.UTC).strftime("%Y%m%d%H%M%S%f")
    return f"{alias_name(index_type.name)}-{stamp}"


def create_index(index_type: IndexType, name: str | None = None) -> str:
    client = get_client()
    name = name or new_index_name(index_type)
    body = index_body(index_type, language_analysis=language_analysis_available(client))
    client.indices.create(index=name, **body)
    return name


def concrete_indices(index_type: IndexType) -> list[str]:
    """Every index of the type: the aliased one and any rebuild in progress."""
    client = get_client()
    alias = alias_name(index_type.name)
    found = client.indices.get(index=f"{alias}-*", ignore_unavailable=True)
    return sorted(name for name in found if _is_type_index(name, alias))


def _is_type_index(name: str, alias: str) -> bool:
    suffix = name[len(alias) + 1 :]
    return name.startswith(alias + "-") and suffix.isdigit()


def aliased_indices(index_type: IndexType) -> list[str]:
    client = get_client()
    try:
        return sorted(client.indices.get_alias(name=alias_name(index_type.name)))
    except NotFoundError:
        return []


def ensure_indices() -> None:
    """Create each type's first index and alias when missing."""
    client = get_client()
    for index_type in active_index_types():
        if aliased_indices(index_type):
            continue
        name = create_index(index_type)
        client.indices.put_alias(index=name, name=alias_name(index_type.name))


def search_aliases() -> list[str]:
    return [alias_name(t.name) for t in active_index_types()]


def delete_all_indices() -> None:
    """Remove every index of every type under the prefix (tests, benchmarks)."""
    client = get_client()
    for index_type in INDEX_TYPES.values():
        for name in concrete_indices(index_type):
            client.indices.delete(index=name, ignore_unavailable=True)


# --- Writing documents ---


def _actions(
    targets: list[str], sources: Iterable[tuple[str, dict[str, Any]]]
) -> Iterable[dict]:
    """Bulk index actions writing each (`_id`, source) pair to every target index."""
    for object_id, source in sources:
        for target in targets:
            yield {"_index": target, "_id": object_id, "_source": source}


def bulk_client(*, patient: bool = True):
    """The client for bulk writes.

    Patient writers (the worker, rebuilds) wait `ELASTICSEARCH_BULK_TIMEOUT` per
    request and retry a timed-out request, on another node when there is one: a
    busy cluster slows them down instead of failing them. Writes in the request
    path after a commit keep the short timeout and leave failures to the worker.
    """
    client = get_client()
    if not patient:
        return client
    return client.options(
        request_timeout=settings.ELASTICSEARCH_BULK_TIMEOUT,
        retry_on_timeout=True,
        max_retries=3,
    )


def bulk_settings(*, patient: bool = True) -> dict[str, Any]:
    """The bulk helper's own retries, and requests sized by bytes.

    Patient writers also wait out an unavailable shard (5xx); a write in the request
    path retries a full queue only and leaves the rest to the worker.
    """
    return {
        "max_chunk_bytes": settings.ELASTICSEARCH_BULK_MAX_BYTES,
        "max_retries": BULK_RETRIES,
        "retry_on_status": BULK_RETRY_STATUSES if patient else (429,),
        "initial_backoff": 2,
        "max_backoff": 60,
    }


def write_changes(
    object_type: str, object_ids: list[str], *, refresh=False, patient=True
) -> None:
    """Bring the index in line with the database for these objects (or raise)."""
    index_type = BY_OBJECT_TYPE[object_type]
    if not index_type.available():
        return
    client = bulk_client(patient=patient)
    targets = concrete_indices(index_type)
    if not targets:
        ensure_indices()
        targets = concrete_indices(index_type)
    document = index_type.document
    found = {document.document_id(obj): obj for obj in document.load_many(object_ids)}
    prepared = ((object_id, document.prepare(obj)) for object_id, obj in found.items())
    operations: list[dict] = list(_actions(targets, prepared))
    for object_id in object_ids:
        if object_id not in found:
            # Gone, unpublished or restricted: it leaves every index of its type.
            operations.extend(
                {"_op_type": "delete", "_index": target, "_id": object_id}
                for target in targets
            )
    errors = []
    for ok, item in streaming_bulk(
        client,
        operations,
        raise_on_error=False,
        raise_on_exception=True,
        refresh=refresh,
        **bulk_settings(patient=patient),
    ):
        if not ok and item.get("delete", {}).get("status") != 404:
            errors.append(item)
    if errors:
        raise BulkIndexError(f"{len(errors)} document(s) failed to index", errors)


# --- The outbox ---


_paused = threading.local()


@contextmanager
def indexing_paused():
    """Queue nothing inside this block (bulk clean-ups followed by a rebuild)."""
    _paused.active = True
    try:
        yield
    finally:
        _paused.active = False


def enqueue(object_type: str, object_ids: Iterable[Any]) -> None:
    """Queue a re-index of these objects, and drain right after the commit."""
    if getattr(_paused, "active", False):
        return
    rows = [
        IndexOutbox(object_type=object_type, object_id=str(object_id))
        for object_id in object_ids
    ]
    if not rows:
        return
    IndexOutbox.objects.bulk_create(rows)
    transaction.on_commit(drain_quietly)


def drain_quietly() -> None:
    """Best-effort drain after a commit: a failure leaves the rows for the worker.

    It runs in the request that committed, so it keeps the short timeout, and it is
    not tried while the search breaker is open (Elasticsearch failed recently).
    """
    url = settings.ELASTICSEARCH_URL
    if not url or not is_configured() or breaker.is_open(url):
        return
    try:
        drain(patient=False)
    except Exception:
        breaker.failed(url)
        logger.warning("search: immediate index update deferred", exc_info=True)


def drain(
    *, limit: int | None = None, refresh: bool = False, patient: bool = True
) -> int:
    """Apply queued changes; returns how many rows were done. Raises when ES is down.

    Rows are claimed with SKIP LOCKED so the worker and the post-commit drains of
    several processes never write the same change twice at once.
    """
    if not is_configured():
        return 0
    done = 0
    while limit is None or done < limit:
        failure: Exception | None = None
        with transaction.atomic():
            claimed = IndexOutbox.objects.select_for_update(skip_locked=True).order_by(
                "pk"
            )[:DRAIN_BATCH]
            rows = list(claimed)
            if not rows:
                break
            by_type: dict[str, set[str]] = {}
            for row in rows:
                by_type.setdefault(row.object_type, set()).add(row.object_id)
            try:
                for object_type, ids in by_type.items():
                    if object_type in BY_OBJECT_TYPE:
                        write_changes(
                            object_type, sorted(ids), refresh=refresh, patient=patient
                        )
            except SEARCH_ERRORS as exc:
                failure = exc
                IndexOutbox.objects.filter(pk__in=[r.pk for r in rows]).update(
                    attempts=F("attempts") + 1, last_error=str(exc)[:300]
                )
            else:
                IndexOutbox.objects.filter(pk__in=[r.pk for r in rows]).delete()
                done += len(rows)
        if failure is not None:
            raise failure
    if refresh:
        refresh_indices()
    return done


def refresh_indices() -> None:
    """Make every write so far visible to searches (tests; Elasticsearch does it every
    second by itself)."""
    get_client().indices.refresh(
        index=",".join(search_aliases()), ignore_unavailable=True
    )


def pending_count() -> int:
    return IndexOutbox.objects.count()


# --- Rebuild ---


ProgressCallback = Callable[[str, int, int], None]
# Where an unfinished rebuild's index records how far it got (its mapping's _meta).
CHECKPOINT = "portal_rebuild"


def _record_checkpoint(client, name: str, done: int, last_id: str) -> None:
    client.indices.put_mapping(
        index=name, meta={CHECKPOINT: {"done": done, "last_id": last_id}}
    )


def unfinished_rebuild(index_type: IndexType) -> tuple[str, int, str] | None:
    """The newest index a rebuild left behind the alias's back: its name, how many
    sources it holds from the start of the rebuild's order, and the last one's id."""
    client = get_client()
    aliased = set(aliased_indices(index_type))
    for name in reversed(concrete_indices(index_type)):
        if name in aliased:
            continue
        mapping = client.indices.get_mapping(index=name)[name]["mappings"]
        mark = mapping.get("_meta", {}).get(CHECKPOINT)
        if mark is not None:
            return name, int(mark["done"]), str(mark["last_id"])
    return None


def _sources_after(
    index_type: IndexType, chunk_size: int, done: int, last_id: str
) -> tuple[Iterator[tuple[str, dict[str, Any]]], int]:
    """The sources a resumed rebuild still has to send, and how many it skips.

    The first `done` sources are read again (not sent) to find where the last run
    stopped; if the rows changed since, so that the last one sent is not where it
    was, every source is sent again (the same ids into the same index).
    """
    sources = iter(index_type.iter_sources(chunk_size))
    # The last of the first `done` sources (a deque of one keeps only it).
    last = deque(islice(sources, done), maxlen=1)
    if done and last and last[0][0] == last_id:
        return sources, done
    return iter(index_type.iter_sources(chunk_size)), 0


def rebuild(
    index_type: IndexType,
    *,
    progress: ProgressCallback | None = None,
    chunk_size: int = 1000,
    resume: bool = True,
) -> tuple[str, int]:
    """Fill a new index from the database, swap the alias to it, drop the old one.

    Searches keep reading the old index through the alias until the single
    `_aliases` call swaps them; returns the new index's name and document count.
    After each chunk the index records how far the rebuild got, so that a rebuild
    that stopped (a crash, a cluster that gave up) is resumed from there by the
    next one into the same index (`resume=False` starts a new index); changes made
    meanwhile reached that index through the worker, which writes to every index
    of the type.
    """
    client = get_client()
    writer = bulk_client()
    alias = alias_name(index_type.name)
    found = unfinished_rebuild(index_type) if resume else None
    if found is None:
        name = create_index(index_type)
        _record_checkpoint(client, name, 0, "")
        sources, skipped = iter(index_type.iter_sources(chunk_size)), 0
    else:
        name, done, last_id = found
        sources, skipped = _sources_after(index_type, chunk_size, done, last_id)
    # Refreshing and replicating while bulk loading only slows the load.
    client.indices.put_settings(index=name, settings={"refresh_interval": "-1"})
    total = index_type.count()
    loaded = sent = skipped
    if progress:
        progress(index_type.name, loaded, total)
    # The database is read and documents prepared in this thread while up to two
    # earlier chunks are being indexed, so that neither side waits for the other.
    actions = _actions([name], sources)

    def finish(entry: tuple[Future, int, str]) -> None:
        nonlocal loaded, sent
        future, size, last_id = entry
        loaded += future.result()[0]
        sent += size
        # Chunks finish in order here: everything up to this one is in the index.
        _record_checkpoint(client, name, sent, last_id)
        if progress:
            progress(index_type.name, loaded, total)

    with ThreadPoolExecutor(max_workers=2) as pool:
        pending: list[tuple[Future, int, str]] = []
        while chunk := list(islice(actions, chunk_size)):
            future = pool.submit(
                bulk, writer, chunk, chunk_size=chunk_size, **bulk_settings()
            )
            pending.append((future, len(chunk), chunk[-1]["_id"]))
            while len(pending) > 2 or (pending and pending[0][0].done()):
                finish(pending.pop(0))
        for entry in pending:
            finish(entry)
    client.indices.put_settings(index=name, settings={"refresh_interval": None})
    client.indices.refresh(index=name)
    old = aliased_indices(index_type)
    swap: list[dict] = [{"add": {"index": name, "alias": alias}}]
    swap += [{"remove": {"index": o, "alias": alias}} for o in old]
    client.indices.update_aliases(actions=swap)
    for stale in concrete_indices(index_type):
        if stale != name:
            client.indices.delete(index=stale, ignore_unavailable=True)
    count = client.count(index=alias)["count"]
    return name, count
