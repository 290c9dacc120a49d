"""Signed checkpoints of the audit chain: signing, chaining, verification, rotation,
one checkpoint for two runs at once, and where they are published."""

from __future__ import annotations

import base64
import io
import threading

from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.test import Client, override_settings
from django.urls import reverse

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from portal.accounts.roles import Role
from portal.audit import signing
from portal.audit import verify_receipt as rules
from portal.audit.actions import CHAIN_LOCK_KEY, record, sign_checkpoint
from portal.audit.models import AuditEvent, Checkpoint
from portal.audit.verify import verify_chain
from tests.exchange.conftest import make_expert
from tests.support import assert_not_found, login_verified, wait_until

pytestmark = pytest.mark.django_db


def _events(n: int) -> list[AuditEvent]:
    return [record("test.event", details={"n": i}) for i in range(n)]


def _raw_key(private: Ed25519PrivateKey) -> str:
    from cryptography.hazmat.primitives import serialization

    raw = private.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    return base64.b64encode(raw).decode()


def test_a_checkpoint_signs_the_head_and_is_itself_audited():
    _events(3)
    checkpoint = sign_checkpoint()
    head = AuditEvent.objects.order_by("-sequence").first()
    # The checkpoint's own record is the row it signs.
    assert head.action == "audit.checkpoint_signed"
    assert checkpoint.sequence == head.sequence == 4
    assert checkpoint.row_hash == head.row_hash
    hashes = AuditEvent.objects.order_by("sequence").values_list("row_hash", flat=True)
    assert checkpoint.rows_digest == rules.fold_digest(rules.GENESIS_HASH, hashes)
    assert checkpoint.previous_checkpoint_hash == rules.GENESIS_HASH
    key = signing.signing_key()
    assert checkpoint.key_id == key.key_id
    key.private.public_key().verify(
        base64.b64decode(checkpoint.signature),
        rules.checkpoint_payload(checkpoint.as_signed()),
    )


def test_no_checkpoint_while_the_head_has_not_moved_and_the_next_one_chains():
    _events(2)
    first = sign_checkpoint()
    assert sign_checkpoint() is None
    assert Checkpoint.objects.count() == 1
    _events(1)
    second = sign_checkpoint()
    assert second.sequence == first.sequence + 2
    assert second.previous_checkpoint_hash == rules.checkpoint_hash(first.as_signed())
    report = verify_chain()
    assert report.ok, report.problem
    assert report.checkpoints == 2


def test_the_command_signs_once_and_says_so():
    _events(2)
    out = io.StringIO()
    call_command("audit_checkpoint", stdout=out)
    assert "Checkpoint signed at row #3" in out.getvalue()
    out = io.StringIO()
    call_command("audit_checkpoint", stdout=out)
    assert "signed already" in out.getvalue()
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    assert "1 signed checkpoint;" in out.getvalue()


def _drop_rows_from(sequence: int) -> None:
    """What someone with the database's superuser could do: cut the newest rows."""
    with connection.cursor() as cursor:
        cursor.execute(
            "ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only"
        )
        cursor.execute("DELETE FROM audit_auditevent WHERE sequence >= %s", [sequence])
        cursor.execute(
            "ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only"
        )


def test_removing_the_newest_rows_is_caught_by_the_checkpoint():
    _events(4)
    checkpoint = sign_checkpoint()
    _drop_rows_from(3)  # rows 3, 4 and the checkpoint's own row 5
    with pytest.raises(CommandError) as raised:
        call_command("audit_verify", stdout=io.StringIO())
    message = str(raised.value)
    assert f"checkpoint #{checkpoint.sequence}" in message
    assert "the newest rows were removed after row #2" in message


def test_a_rewritten_tail_under_a_checkpoint_is_caught():
    _events(3)
    sign_checkpoint()
    with connection.cursor() as cursor:
        cursor.execute(
            "ALTER TABLE audit_checkpoint DISABLE TRIGGER audit_checkpoint_append_only"
        )
        cursor.execute("UPDATE audit_checkpoint SET rows_digest = %s", ["f" * 64])
        cursor.execute(
            "ALTER TABLE audit_checkpoint ENABLE TRIGGER audit_checkpoint_append_only"
        )
    report = verify_chain()
    assert not report.ok
    assert "its signature does not hold" in report.problem


def test_checkpoints_are_append_only_in_the_database():
    from django.db import DatabaseError, transaction

    _events(1)
    sign_checkpoint()
    for sql in (
        "UPDATE audit_checkpoint SET key_id = 'x'",
        "DELETE FROM audit_checkpoint",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)
    assert Checkpoint.objects.count() == 1


def test_a_rotated_key_keeps_older_checkpoints_verifiable():
    _events(2)
    old = sign_checkpoint()
    old_public = signing.signing_key().public_b64
    new_key = _raw_key(Ed25519PrivateKey.generate())
    with override_settings(
        AUDIT_SIGNING_KEY=new_key, AUDIT_RETIRED_PUBLIC_KEYS=[old_public]
    ):
        _events(1)
        new = sign_checkpoint()
        assert new.key_id != old.key_id
        report = verify_chain()
        assert report.ok, report.problem
        assert report.checkpoints == 2
        document = signing.public_keys_document()
        assert [k["status"] for k in document["keys"]] == ["current", "retired"]
    with override_settings(AUDIT_SIGNING_KEY=new_key, AUDIT_RETIRED_PUBLIC_KEYS=[]):
        report = verify_chain()
        assert not report.ok
        assert f"checkpoint #{old.sequence} is signed by key {old.key_id}" in (
            report.problem
        )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_runs_at_once_sign_one_checkpoint():
    """Both runs wait on the chain's lock, held here on a connection of its own,
    then race for it: the one that gets it second finds the head signed."""
    _events(3)
    holder = connections.create_connection("default")
    results: list = []
    errors: list = []

    def run():
        try:
            results.append(sign_checkpoint())
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connections["default"].close()

    try:
        with holder.cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])
            threads = [threading.Thread(target=run) for _ in range(2)]
            for thread in threads:
                thread.start()

            def waiting() -> bool:
                with connection.cursor() as probe:
                    probe.execute(
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                        "AND NOT granted AND database = (SELECT oid FROM pg_database "
                        "WHERE datname = current_database())"
                    )
                    return probe.fetchone()[0] >= 2

            wait_until(waiting, timeout=20, message="both runs wait on the lock")
            cursor.execute("COMMIT")
        for thread in threads:
            thread.join(timeout=30)
    finally:
        holder.close()
    assert not errors, errors
    assert sorted(r is None for r in results) == [False, True]
    assert Checkpoint.objects.count() == 1
    assert AuditEvent.objects.filter(action="audit.checkpoint_signed").count() == 1
    assert verify_chain().ok


def test_the_public_keys_are_published_at_a_well_known_address(client):
    response = client.get("/.well-known/portal-audit-keys.json")
    assert response.status_code == 200
    document = response.json()
    key = signing.signing_key()
    assert document == {
        "format": "nsip-audit-keys/1",
        "keys": [
            {
                "key_id": key.key_id,
                "algorithm": "Ed25519",
                "public_key": key.public_b64,
                "status": "current",
            }
        ],
    }
    assert rules.load_keys(document).keys() == {key.key_id}


def test_focal_points_and_security_officers_read_the_checkpoints():
    _events(1)
    checkpoint = sign_checkpoint()
    url = reverse("audit:checkpoints")
    for roles in ([Role.FOCAL_POINT], [Role.SECURITY_OFFICER]):
        client = login_verified(Client(), make_expert("NL", roles=roles))
        body = client.get(url).json()
        assert body["checkpoints"] == [checkpoint.as_signed()]
        assert body["keys"][0]["key_id"] == checkpoint.key_id
    assert_not_found(login_verified(Client(), make_expert("NL")).get(url))


def test_the_security_officer_signs_a_checkpoint_on_demand():
    officer = login_verified(Client(), make_expert("NL", roles=[Role.SECURITY_OFFICER]))
    response = officer.post(reverse("audit:sign_checkpoint"), follow=True)
    assert "Checkpoint signed at row #" in response.content.decode()
    checkpoint = Checkpoint.objects.get()
    signed = AuditEvent.objects.get(sequence=checkpoint.sequence)
    assert signed.action == "audit.checkpoint_signed"
    assert signed.actor_label  # the officer
    response = officer.post(reverse("audit:sign_checkpoint"), follow=True)
    # The verify page records its own check: the head moved, so a second one.
    assert Checkpoint.objects.count() == 2


@pytest.mark.parametrize("value", ["not base64!", base64.b64encode(b"short").decode()])
def test_a_malformed_signing_key_is_a_system_check_error(value):
    from portal.audit.checks import check_signing_key

    with override_settings(AUDIT_SIGNING_KEY=value):
        (error,) = check_signing_key(None)
    assert error.id == "audit.E001"
    assert "AUDIT_SIGNING_KEY" in error.msg
