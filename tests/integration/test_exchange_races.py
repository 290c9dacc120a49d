"""Changes to one document race on PostgreSQL: they queue on its row, and a change
that waited behind a revocation is refused, audited as refused, and changes nothing.

Two real threads on two real connections: one holds a revocation's transaction
open; the other starts a change, which must block on the document's row lock
(seen in PostgreSQL's lock manager) and then be refused once the revocation commits.
"""

from __future__ import annotations

import datetime
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib.messages import get_messages
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

import pytest

from exchange import actions
from exchange.models import Document, DocumentVersion
from portal.audit.models import AuditEvent
from tests.exchange.conftest import FOCAL_POINT, make_expert, share, text_upload
from tests.support import login_verified

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

WAIT = 30  # seconds: a bound on each wait, never a pause


@contextmanager
def revocation_held_open(document: Document, by) -> Iterator[None]:
    """`revoke_document` run in a thread of its own, its transaction kept open (the
    document's row locked, the revocation not yet visible) until the block ends."""
    locked, release = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def run() -> None:
        try:
            with transaction.atomic():
                actions.revoke_document(document, by=by)
                locked.set()
                if not release.wait(WAIT):
                    raise TimeoutError("the revocation was never released")
        except BaseException as error:
            failures.append(error)
        finally:
            locked.set()
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    assert locked.wait(WAIT), "the revocation never took the lock"
    assert not failures, failures
    try:
        yield
    finally:
        release.set()
        thread.join(WAIT)
    assert not thread.is_alive(), "the revocation did not finish"
    assert not failures, failures


class Racer:
    """`work()` in a thread of its own; knows its PostgreSQL backend to watch it."""

    def __init__(self, work: Callable[[], Any]) -> None:
        self.work = work
        self.result: Any = None
        self.backend_pid: int | None = None
        self.started, self.done = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._run)
        self.thread.start()
        assert self.started.wait(WAIT), "the racing thread never connected"

    def _run(self) -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                self.backend_pid = cursor.fetchone()[0]
            self.started.set()
            self.result = self.work()
        except Exception as error:  # the outcome is asserted by the test
            self.result = error
        finally:
            self.started.set()
            self.done.set()
            connection.close()

    def wait_until_blocked(self) -> None:
        """Poll PostgreSQL's lock manager until this thread's query waits on a lock
        another backend holds; fail if it finishes first or the bound passes."""
        deadline = time.monotonic() + WAIT
        with connection.cursor() as cursor:
            while time.monotonic() < deadline:
                cursor.execute(
                    "SELECT cardinality(pg_blocking_pids(%s))", [self.backend_pid]
                )
                if cursor.fetchone()[0] > 0:
                    return
                if self.done.wait(0.005):
                    pytest.fail(f"the change did not wait for the lock: {self.result}")
        pytest.fail("the change never waited for the document's lock")

    def outcome(self) -> Any:
        self.thread.join(WAIT)
        assert not self.thread.is_alive(), "the racing change did not finish"
        return self.result


def _world():
    owner = make_expert("NL")
    focal_point = make_expert("NL", roles=[FOCAL_POINT])
    newcomer = make_expert("BE")
    document = share(owner, title="Transport security plan")
    return owner, focal_point, newcomer, document


CHANGES = {
    "shared": lambda d, by, newcomer: actions.share_document(
        d, by=by, users=[newcomer]
    ),
    "tier_changed": lambda d, by, newcomer: actions.change_tier(
        d, "public", by=by, justification="Published in the annual report"
    ),
    "expiry_set": lambda d, by, newcomer: actions.set_expiry(
        d, timezone.now() + datetime.timedelta(days=30), by=by
    ),
    "revoked": lambda d, by, newcomer: actions.revoke_document(d, by=by),
    "version_added": lambda d, by, newcomer: actions.add_version(
        d, text_upload("v2.txt", b"second version\n"), by=by
    ),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_a_change_that_waited_behind_a_revocation_is_refused_and_audited(change):
    owner, focal_point, newcomer, document = _world()
    audit_action = (
        "exchange.version.added"
        if change == "version_added"
        else f"exchange.document.{change}"
    )
    before = Document.objects.values("tier", "expires_at", "updated_at").get(
        pk=document.pk
    )
    with revocation_held_open(document, focal_point):
        racer = Racer(lambda: CHANGES[change](document, owner, newcomer))
        racer.wait_until_blocked()
    result = racer.outcome()

    assert isinstance(result, actions.NoLongerAllowed), result
    refusal = AuditEvent.objects.get(action=audit_action, actor=owner, outcome="denied")
    assert refusal.target_id == str(document.pk)
    assert refusal.details == {"reason": "revoked", "under_lock": True}
    # The revocation stands, alone; the refused change left nothing behind.
    revocations = AuditEvent.objects.filter(
        action="exchange.document.revoked"
    ).order_by("sequence")
    assert [(e.actor_id, e.outcome) for e in revocations] == [
        (focal_point.pk, "success")
    ] + ([(owner.pk, "denied")] if change == "revoked" else [])
    assert not AuditEvent.objects.filter(
        actor=owner, outcome="success", sequence__gt=revocations[0].sequence
    ).exists()
    after = Document.objects.values("tier", "expires_at").get(pk=document.pk)
    assert after == {k: before[k] for k in ("tier", "expires_at")}
    assert not Document.shared_users.through.objects.filter(document=document).exists()
    assert DocumentVersion.objects.filter(document=document).count() == 1


def test_a_share_posted_while_the_document_is_being_revoked_is_refused_on_the_page():
    owner, focal_point, newcomer, document = _world()
    client = login_verified(Client(), owner)
    url = reverse("exchange:sharing", args=[document.pk])
    with revocation_held_open(document, focal_point):
        racer = Racer(
            lambda: client.post(url, {"tier": "restricted", "users": [newcomer.pk]})
        )
        racer.wait_until_blocked()
    response = racer.outcome()

    assert response.status_code == 302, response
    assert response["Location"] == reverse("exchange:list")
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert shown == [actions.NoLongerAllowed.message]
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Nothing was changed" in page.content.decode()
    # The page's own transaction rolled back; the refusal was recorded again after it.
    refusal = AuditEvent.objects.get(action="exchange.document.shared")
    assert (refusal.actor_id, refusal.outcome) == (owner.pk, "denied")
    assert refusal.details["reason"] == "revoked"
    assert not Document.shared_users.through.objects.filter(document=document).exists()
