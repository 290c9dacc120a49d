"""The audit trail appends hash-chained rows and refuses changes on PostgreSQL."""

from django.db import DatabaseError, connection, transaction

import pytest

from portal.audit.actions import record
from portal.audit.models import GENESIS_HASH, AuditEvent

pytestmark = pytest.mark.django_db


def test_events_are_chained_in_sequence():
    first = record("test.first", details={"n": 1})
    second = record("test.second", details={"n": 2})
    assert first.previous_hash == GENESIS_HASH
    assert second.previous_hash == first.row_hash
    assert second.sequence == first.sequence + 1
    for event in AuditEvent.objects.all():
        assert event.row_hash == event.compute_hash()


def test_update_and_delete_are_rejected_by_the_database():
    event = record("test.immutable")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="test.changed")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "test.immutable"
    assert connection.vendor == "postgresql"
