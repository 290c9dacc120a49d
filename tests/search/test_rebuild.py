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
from search.indexing import (
    aliased_indices,
    concrete_indices,
    rebuild,
    unfinished_rebuild,
)
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


@pytest.mark.django_db
def test_bulk_read_sources_equal_what_prepare_makes_of_each_document(states, owner):
    """The rebuild reads documents in bulk, without model instances: every source it
    produces must equal the one `prepare` makes from the document itself, across
    chunk boundaries, tiers, every kind of sharing, expiry, revocation and files."""
    import datetime
    import itertools
    import os

    from django.utils import timezone

    from exchange import crypto
    from exchange.models import DocumentVersion, PartnerGroup
    from search.extraction import Extraction
    from search.files import store_text

    ring = crypto.keyring()

    benelux = PartnerGroup.objects.create(name="Benelux", slug="benelux")
    nordic = PartnerGroup.objects.create(name="Nordic", slug="nordic")
    colleague = make_expert("colleague@example.org", states["BE"])
    tiers = ["public", "restricted", "confidential", "highly_confidential"]
    now = timezone.now()
    for i, (tier, shape) in enumerate(itertools.product(tiers, range(5))):
        document = Document.objects.create(
            title=f"Dossier {i}",
            description=f"  Summary   of dossier {i}\n",
            handling_note="Handle\twith care" if shape % 2 else "",
            tier=tier,
            originating_state=states["NL" if shape < 3 else "DE"],
            owner=owner,
            revoked=shape == 4,
            expires_at=now + datetime.timedelta(days=shape) if shape % 2 else None,
            last_shared_at=now - datetime.timedelta(days=400 * shape),
        )
        hc = tier == "highly_confidential"  # shared with named users only
        if shape in (1, 2, 4) and not hc:
            document.shared_states.set([states["BE"], states["DE"]][: shape % 3 + 1])
        if shape in (2, 3) and not hc:
            document.shared_groups.set([benelux, nordic][: shape - 1])
        if shape in (0, 3, 4):
            document.shared_users.set([colleague, owner][: shape % 2 + 1])
        for number in range(1, shape % 3 + 1):
            sha = f"{number}{i:063d}"
            file_id = bytes.fromhex(f"{number}{i:031d}")
            data_key = os.urandom(32)
            version = DocumentVersion.objects.create(
                document=document,
                number=number,
                file_name=f"dossier-{i}-{number}.txt",
                size=10,
                media_type="text/plain",
                sha256=sha,
                uploaded_by=owner,
                storage_name=f"missing/{sha}",
                file_id=file_id.hex(),
                wrapped_key=crypto.wrap_key(data_key, file_id, ring.current),
                kek_id=ring.current_id,
            )
            if number == 2 or i % 4:
                store_text(version, Extraction(f"text of version {number}", "ok"))
    documents = INDEX_TYPES["documents"]
    expected = {
        documents.document.document_id(d): documents.document.prepare(d)
        for d in documents.document.queryset()
    }
    found = dict(documents.iter_sources(chunk_size=3))
    assert len(expected) == 20
    assert found == expected
    # The shapes above did reach every kind of access fact and file outcome.
    facts = list(found.values())
    assert {s["access"]["tier"] for s in facts} == set(tiers)
    assert any(s["access"]["groups"] for s in facts)
    assert any(s["access"]["users"] and not s["access"]["states"] for s in facts)
    assert any(s["access"]["revoked"] for s in facts)
    assert any(s["access"]["expires_at"] for s in facts)
    assert {s["file_text"] for s in facts} >= {"", "text of version 2"}
    assert {"failed", "withheld"} <= {s["extraction_status"] for s in facts}
    withheld = [s for s in facts if s["access"]["tier"] == "highly_confidential"]
    assert withheld and all(s["file_text"] == "" for s in withheld)


class Stopped(Exception):
    """Stands for a rebuild that died part way (a crash, a cluster that gave up)."""


def _dossiers(count: int):
    from portal.accounts.models import User
    from portal.states.models import State

    netherlands = State.objects.get(iso_code="NL")
    owner = User.objects.create_user("resume-owner@example.org", state=netherlands)
    Document.objects.bulk_create(
        Document(
            title=f"Resumed dossier {i}",
            tier="restricted",
            originating_state=netherlands,
            owner=owner,
        )
        for i in range(count)
    )
    index_now("document", Document.objects.all())
    return INDEX_TYPES["documents"]


def _stop_after(documents, loaded_at_stop: int) -> str:
    before = aliased_indices(documents)

    def stop(_name: str, loaded: int, _total: int) -> None:
        if loaded >= loaded_at_stop:
            raise Stopped

    with pytest.raises(Stopped):
        rebuild(documents, progress=stop, chunk_size=10)
    # Searches still read the old index; the new one says how far it got.
    assert aliased_indices(documents) == before
    found = unfinished_rebuild(documents)
    assert found is not None
    name, done, last_id = found
    assert done == loaded_at_stop
    assert last_id == str(Document.objects.order_by("pk")[done - 1].pk)
    return name


def test_a_stopped_rebuild_is_resumed_from_where_it_stopped(search_index):
    documents = _dossiers(60)
    old = aliased_indices(documents)
    unfinished = _stop_after(documents, 20)
    out = io.StringIO()
    call_command(
        "search_rebuild", "--type", "documents", "--chunk-size", "10", stdout=out
    )
    assert (
        f"resuming {unfinished}, which an earlier rebuild left with 20"
        in out.getvalue()
    )
    assert "60/60 (100%)" in out.getvalue()
    # Only what was missing was sent: the progress starts at the stop.
    assert "20/60" in out.getvalue() and "10/60" not in out.getvalue()
    assert aliased_indices(documents) == [unfinished] and unfinished not in old
    assert concrete_indices(documents) == [unfinished]
    assert get_client().count(index=alias_name("documents"))["count"] == 60


def test_a_resumed_rebuild_sends_everything_again_when_the_rows_moved(search_index):
    documents = _dossiers(60)
    unfinished = _stop_after(documents, 20)
    # A row before the stop goes away: counting 20 sources no longer ends where
    # the last run stopped, so the resumed run writes every source again.
    Document.objects.order_by("pk")[5].delete()
    seen: list[int] = []
    name, count = rebuild(
        documents, progress=lambda _n, loaded, _t: seen.append(loaded), chunk_size=10
    )
    assert name == unfinished
    assert seen[0] == 0 and seen[-1] == 59
    assert count == 59
    assert aliased_indices(documents) == [name]


def test_a_fresh_rebuild_leaves_an_unfinished_one_aside(search_index):
    documents = _dossiers(30)
    unfinished = _stop_after(documents, 10)
    seen: list[int] = []
    name, count = rebuild(
        documents,
        progress=lambda _n, loaded, _t: seen.append(loaded),
        chunk_size=10,
        resume=False,
    )
    assert name != unfinished and seen[0] == 0 and count == 30
    # The swap drops every other index of the type, the unfinished one too.
    assert concrete_indices(documents) == [name]
