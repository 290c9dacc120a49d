"""Races on PostgreSQL: the audit chain, a double invitation accept, a TOTP replay."""

from __future__ import annotations

import threading

from django.db import connection

import pytest

from portal.accounts import actions
from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.audit.actions import record
from portal.audit.models import AuditEvent
from portal.audit.verify import verify_chain
from tests.portal.identity import make_totp, make_user, totp_code

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _race(count: int, work) -> list:
    """Run `work(i)` in `count` threads released together; collect the results."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[i] = work(i)
        except Exception as error:  # the outcome is asserted by the test
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_concurrent_writers_never_fork_the_audit_chain():
    assert connection.vendor == "postgresql"
    before = AuditEvent.objects.count()
    per_thread = 25

    def write(i: int) -> int:
        written = 0
        for n in range(per_thread):
            if record(f"test.thread{i}", details={"n": n}) is not None:
                written += 1
        return written

    results = _race(6, write)
    assert results == [per_thread] * 6
    assert AuditEvent.objects.count() == before + 6 * per_thread
    sequences = list(AuditEvent.objects.values_list("sequence", flat=True))
    assert sequences == list(range(1, len(sequences) + 1))
    previous = list(AuditEvent.objects.values_list("previous_hash", flat=True))
    assert len(set(previous)) == len(previous), "two rows claim one predecessor"
    report = verify_chain()
    assert report.ok, report.problem
    assert report.checked == len(sequences)


def test_an_invitation_accepted_twice_at_once_creates_one_account():
    focal = make_user("focal@example.org", Role.FOCAL_POINT)
    sent = actions.invite_expert(
        "racer@example.org", by=focal, accept_url_for=lambda token: token
    )

    def accept(i: int):
        return actions.accept_invitation(
            sent.token, password="a-long-and-unusual-passphrase"
        )

    results = _race(2, accept)
    accounts = [r for r in results if isinstance(r, User)]
    refused = [r for r in results if isinstance(r, actions.InvitationError)]
    assert len(accounts) == 1 and len(refused) == 1, results
    assert "already been used" in str(refused[0])
    assert User.objects.filter(email="racer@example.org").count() == 1


def test_a_totp_code_racing_in_two_requests_is_accepted_once():
    user = make_user("race@example.org")
    device = make_totp(user)
    code = totp_code(device)

    def verify(i: int) -> bool:
        accepted, _ = actions.verify_code(user, device, code)
        return accepted

    results = _race(2, verify)
    assert sorted(results) == [False, True], results
