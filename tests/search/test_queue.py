"""The indexing queue: freshness after sharing and revocation; Elasticsearch down."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import override_settings

import pytest

from exchange import actions
from exchange.models import Document
from exchange.policy import viewer_for_user
from exchange.signals import document_changed
from search import service
from search.indexing import drain, pending_count
from search.models import IndexOutbox
from search.query import SearchParams
from tests.search.conftest import index_now, make_document, make_expert
from tests.support import free_port, login_verified, wait_until

pytestmark = pytest.mark.django_db


def announce(document: Document, kind: str) -> None:
    """What the exchange's actions do after a change: the signal, on commit."""
    transaction.on_commit(
        lambda: document_changed.send(sender=Document, document=document, kind=kind)
    )


def found_within(viewer, query: str, expected: bool, seconds: float = 5.0) -> None:
    """Wait until the search agrees with `expected`; fail after `seconds`."""

    def agrees() -> bool:
        results = service.search(viewer, SearchParams(q=query))
        return (results.total > 0) is expected and bool(results.hits) is expected

    wait_until(
        agrees,
        timeout=seconds,
        message=lambda: (
            f"search for {query!r} still says "
            f"{service.search(viewer, SearchParams(q=query)).total} after {seconds} s"
        ),
    )


def test_sharing_and_revocation_reach_search_within_five_seconds(
    search_index, states, django_capture_on_commit_callbacks
):
    author = make_expert("author@example.org", states["NL"])
    reader = make_expert("reader@example.org", states["BE"])
    viewer = viewer_for_user(reader, verified=True)
    with django_capture_on_commit_callbacks(execute=True):
        document = actions.create_document(
            by=author,
            title="Quarterly threat assessment",
            tier="restricted",
            upload=SimpleUploadedFile(
                "notes.txt", b"Notes.", content_type="text/plain"
            ),
        )
    assert service.search(viewer, SearchParams(q="threat assessment")).total == 0

    with django_capture_on_commit_callbacks(execute=True):
        actions.share_document(document, by=author, states=[states["BE"]])
    found_within(viewer, "threat assessment", True)

    with django_capture_on_commit_callbacks(execute=True):
        actions.revoke_document(document, by=author)
    found_within(viewer, "threat assessment", False)
    assert service.suggest(viewer, "quarterly") == []
    assert not IndexOutbox.objects.exists()


def test_changes_made_while_elasticsearch_is_down_are_kept_and_applied(
    search_index, states, owner, expert, client, django_capture_on_commit_callbacks
):
    viewer = viewer_for_user(expert, verified=True)
    closed = f"http://127.0.0.1:{free_port()}"
    with override_settings(ELASTICSEARCH_URL=closed):
        with django_capture_on_commit_callbacks(execute=True):
            document = make_document(owner, states["NL"], "Vault inspection checklist")
            announce(document, "created")
        # The post-commit drain failed quietly; the change waits in the queue.
        assert pending_count() == 1
        assert IndexOutbox.objects.get().attempts == 1
        with pytest.raises(Exception, match="Connection"):
            drain()
        # The page degrades to the database, with the same trimming: never a 500.
        login_verified(client, expert)
        response = client.get("/search/", {"q": "vault inspection"})
        assert response.status_code == 200
        assert b"reduced mode" in response.content
        assert (
            b"<mark>Vault</mark> <mark>inspection</mark> checklist" in response.content
        )
        api = client.get("/search/api/", {"q": "vault inspection"}).json()
        assert api["degraded"] is True and api["total"] == 1
    assert service.search(viewer, SearchParams(q="vault")).total == 0
    assert drain(refresh=True) == 1
    assert pending_count() == 0
    results = service.search(viewer, SearchParams(q="vault"))
    assert [hit.title for hit in results.hits] == ["Vault inspection checklist"]
    assert results.backend == "elasticsearch" and not results.degraded


def test_deleted_documents_leave_the_index(search_index, states, owner, expert):
    viewer = viewer_for_user(expert, verified=True)
    document = make_document(owner, states["NL"], "Obsolete contingency plan")
    index_now("document", [document])
    assert service.search(viewer, SearchParams(q="contingency")).total == 1
    document.delete()
    drain(refresh=True)
    assert service.search(viewer, SearchParams(q="contingency")).total == 0


def test_unsharing_raising_the_tier_and_a_lost_state_reach_search_within_five_seconds(
    search_index, states, django_capture_on_commit_callbacks
):
    from portal.accounts.guard import authorised

    author = make_expert("author@example.org", states["NL"], "highly_confidential")
    reader = make_expert("reader@example.org", states["BE"], "restricted")
    with django_capture_on_commit_callbacks(execute=True):
        document = actions.create_document(
            by=author,
            title="Quarterly threat assessment",
            tier="restricted",
            states=[states["BE"]],
            upload=SimpleUploadedFile(
                "notes.txt", b"Notes.", content_type="text/plain"
            ),
        )

    def reader_view():
        reader.refresh_from_db()
        return viewer_for_user(reader, verified=True)

    found_within(reader_view(), "threat assessment", True)
    with django_capture_on_commit_callbacks(execute=True):
        actions.share_document(document, by=author, states=[])
    found_within(reader_view(), "threat assessment", False)

    with django_capture_on_commit_callbacks(execute=True):
        actions.share_document(document, by=author, states=[states["BE"]])
    found_within(reader_view(), "threat assessment", True)
    with django_capture_on_commit_callbacks(execute=True):
        actions.change_tier(document, "confidential", by=author)  # above the reader
    found_within(reader_view(), "threat assessment", False)

    with django_capture_on_commit_callbacks(execute=True):
        actions.change_tier(
            document, "restricted", by=author, justification="Back to working level"
        )
    found_within(reader_view(), "threat assessment", True)
    with authorised():  # the reader moves to a State it is not shared with
        reader.state = states["DE"]
        reader.save()
    found_within(reader_view(), "threat assessment", False)
