"""search_rebuild: a new index behind the alias, searches served throughout."""

from __future__ import annotations

import io
import threading

from django.core.management import call_command
from django.db import connection

import pytest

from exchange.models import Document
from exchange.policy import viewer_for_user
from search import service
from search.client import alias_name, get_client
from search.documents import INDEX_TYPES
from search.indexing import aliased_indices, concrete_indices
from search.query import SearchParams
from tests.search.conftest import index_now, make_expert

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

COUNT = 1500


def test_rebuild_swaps_atomically_while_searches_keep_answering(search_index):
    from portal.accounts.models import User
    from portal.states.models import State

    netherlands = State.objects.get(iso_code="NL")
    owner = User.objects.create_user("owner@example.org", state=netherlands)
    reader = make_expert("reader@example.org", netherlands)
    Document.objects.bulk_create(
        Document(
            title=f"Rebuild dossier {i}",
            description="Stored for the rebuild test.",
            tier="restricted",
            originating_state=netherlands,
            owner=owner,
        )
        for i in range(COUNT)
    )
    index_now("document", Document.objects.all())
    documents = INDEX_TYPES["documents"]
    before = aliased_indices(documents)
    viewer = viewer_for_user(reader, verified=True)

    totals: list[int] = []
    errors: list[BaseException] = []
    done = threading.Event()

    def keep_searching():
        try:
            while not done.is_set():
                results = service.search(viewer, SearchParams(q="rebuild dossier"))
                if results.degraded:
                    raise AssertionError("search degraded during the rebuild")
                totals.append(results.total)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    searcher = threading.Thread(target=keep_searching)
    searcher.start()
    out = io.StringIO()
    try:
        call_command(
            "search_rebuild", "--type", "documents", "--chunk-size", "250", stdout=out
        )
    finally:
        done.set()
        searcher.join(30)
    output = out.getvalue()
    assert not errors, errors
    assert len(totals) >= 3 and set(totals) == {COUNT}
    assert f"{COUNT}/{COUNT} (100%)" in output and "250/1500" in output
    assert f"holds {COUNT} document(s); the database has {COUNT}: matches" in output
    after = aliased_indices(documents)
    assert after != before and len(after) == 1
    assert concrete_indices(documents) == after
    assert after[0].startswith(alias_name("documents") + "-")
    assert get_client().count(index=alias_name("documents"))["count"] == COUNT
