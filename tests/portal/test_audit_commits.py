"""The audit commits with the action or the action fails; the table stays append-only.

The failures here are PostgreSQL's own: a trigger that refuses the audit insert, a
database role without the privilege. Each is created inside the test's transaction
and rolled back with it.
"""

from __future__ import annotations

import contextlib
import datetime
import uuid

from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

import pytest

from exchange import actions
from exchange.coordination import actions as coordination
from exchange.models import Document, PartnerGroup
from exchange.storage import exchange_storage
from portal.accounts import actions as accounts
from portal.accounts.roles import Role, has_role, role_group
from portal.audit.actions import record
from portal.audit.models import AuditEvent
from portal.states.models import State
from tests.exchange.conftest import make_expert, share, text_upload
from tests.portal.identity import make_user
from tests.support import login_verified

pytestmark = pytest.mark.django_db

REFUSAL = "the audit trail is unavailable"


def test_record_raises_when_the_event_cannot_be_written():
    with refused_audit(), pytest.raises(DatabaseError, match=REFUSAL):
        record("test.refused")
    assert not AuditEvent.objects.filter(action="test.refused").exists()


def test_a_document_is_not_created_when_its_audit_fails():
    owner = make_expert("NL")
    stored_before = _stored_files()
    with refused_audit(), pytest.raises(DatabaseError, match=REFUSAL):
        share(owner, title="Never created")
    assert not Document.objects.filter(title="Never created").exists()
    assert _stored_files() == stored_before  # the encrypted file was removed too


def test_sharing_revocation_and_tier_are_unchanged_when_their_audit_fails():
    owner = make_expert("NL")
    document = share(owner)
    germany = State.objects.get(iso_code="DE")
    with refused_audit(), pytest.raises(DatabaseError, match=REFUSAL):
        actions.share_document(document, by=owner, states=[germany])
    with refused_audit(), pytest.raises(DatabaseError, match=REFUSAL):
        actions.revoke_document(document, by=owner)
    with refused_audit(), pytest.raises(DatabaseError, match=REFUSAL):
        actions.change_tier(document, "confidential", by=owner)
    with refused_audit(), pytest.raises(DatabaseError, match=REFUSAL):
        actions.add_version(document, text_upload(), by=owner)
    document.refresh_from_db()
    assert list(document.shared_states.all()) == []
    assert not document.revoked
    assert document.tier == "restricted"
    assert document.versions.count() == 1


def test_roles_and_vetting_are_unchanged_when_their_audit_fails():
    secretariat = make_user("secretariat@example.org", Role.SECRETARIAT)
    person = make_user("person@example.org")
    with refused_audit(), pytest.raises(DatabaseError, match=REFUSAL):
        accounts.assign_role(person, Role.SECURITY_OFFICER, by=secretariat)
    with refused_audit(), pytest.raises(DatabaseError, match=REFUSAL):
        accounts.vet_expert(
            person,
            clearance="confidential",
            vetted_until=timezone.localdate() + datetime.timedelta(days=30),
            by=secretariat,
        )
    person.refresh_from_db()
    assert not has_role(person, Role.SECURITY_OFFICER)
    assert person.vetted_until is None


def test_a_room_is_not_opened_when_its_audit_fails():
    secretariat = make_user("secretariat@example.org", Role.SECRETARIAT)
    group = PartnerGroup.objects.create(name="Border group", slug="border")
    with refused_audit(), pytest.raises(DatabaseError, match=REFUSAL):
        coordination.open_room(group, by=secretariat, name="Never opened")
    assert not group.rooms.filter(name="Never opened").exists()


# --- The table itself --------------------------------------------------------------


def test_truncate_is_refused_by_the_database():
    record("test.kept")
    with (
        pytest.raises(DatabaseError, match="TRUNCATE is not allowed"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        # The test suite's connections may truncate (Django's flush between
        # transactional tests); a deployment's never may.
        cursor.execute("SET LOCAL portal.audit_allow_truncate = off")
        cursor.execute("TRUNCATE audit_auditevent")
    assert AuditEvent.objects.filter(action="test.kept").exists()


def test_a_role_with_insert_and_select_only_writes_the_trail_and_nothing_else():
    """The deployment of docs/deployment.md: the portal's role may only INSERT and
    SELECT on the audit table; the database then refuses the rest by privilege."""
    role = f"portal_audit_writer_{uuid.uuid4().hex[:8]}"
    first = record("test.as_owner")
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {role} NOLOGIN")
        cursor.execute(f"GRANT SELECT, INSERT ON audit_auditevent TO {role}")
        cursor.execute(f"SET ROLE {role}")
    try:
        written = record("test.as_restricted_role", details={"n": 1})
        assert written.previous_hash == first.row_hash
        for statement in (
            "UPDATE audit_auditevent SET action = 'test.changed'",
            "DELETE FROM audit_auditevent",
            "TRUNCATE audit_auditevent",
        ):
            with (
                pytest.raises(DatabaseError, match="permission denied"),
                transaction.atomic(),
                connection.cursor() as cursor,
            ):
                cursor.execute(statement)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")
    assert AuditEvent.objects.filter(action="test.as_restricted_role").exists()
    assert connection.vendor == "postgresql"


# --- Helpers -----------------------------------------------------------------------


@contextlib.contextmanager
def refused_audit():
    """Audit inserts fail in the database inside the block (as a full disk or a
    lost privilege would make them fail), and work again after it."""
    savepoint = transaction.savepoint()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            CREATE FUNCTION test_refuse_audit() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION '{REFUSAL}'; END;
            $$ LANGUAGE plpgsql;
            CREATE TRIGGER test_refuse_audit BEFORE INSERT ON audit_auditevent
                FOR EACH ROW EXECUTE FUNCTION test_refuse_audit();
            """
        )
    try:
        yield
    finally:
        # Drops the trigger and whatever the failed action left.
        transaction.savepoint_rollback(savepoint)


def _stored_files() -> set[str]:
    storage = exchange_storage()
    found: set[str] = set()

    def walk(path: str) -> None:
        directories, files = storage.listdir(path)
        found.update(f"{path}/{name}" for name in files)
        for directory in directories:
            walk(f"{path}/{directory}" if path else directory)

    walk("")
    return found


def test_an_admin_change_is_not_kept_when_its_audit_fails(client):
    """The Wagtail user editor changes groups and then audits them (a signal) in
    the transaction of its save, so a failed audit undoes the whole edit."""
    admin = make_user("admin@example.org", state=None)
    admin.is_staff = True
    admin.save()
    accounts.set_superuser(admin, True, by=None)
    login_verified(client, admin)
    person = make_user("person@example.org")
    person.first_name = "Before"
    person.save()
    officers = role_group(Role.SECURITY_OFFICER)
    url = reverse("wagtailusers_users:edit", args=[person.pk])
    form = {
        "email": person.email,
        "first_name": "After",
        "last_name": "Person",
        "is_active": "on",
        "groups": [officers.pk],
        "password1": "",
        "password2": "",
    }
    with refused_audit(), pytest.raises(DatabaseError, match=REFUSAL):
        client.post(url, form)
    person.refresh_from_db()
    assert person.first_name == "Before"
    assert not has_role(person, Role.SECURITY_OFFICER)
    # Without the failure the same edit goes through, audited.
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert has_role(person, Role.SECURITY_OFFICER)
    assert AuditEvent.objects.filter(
        action="accounts.groups_changed", target_id=str(person.pk)
    ).exists()
