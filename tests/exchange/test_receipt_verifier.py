"""The offline verifier, run as a State runs it (a subprocess, no Django), on
receipt bundles the portal produced: they verify, and each tampering is named."""

from __future__ import annotations

import base64
import copy
import datetime
import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from exchange import actions
from portal.accounts.roles import Role
from portal.audit import verify_receipt as rules
from portal.audit.actions import sign_checkpoint
from portal.audit.models import AuditEvent
from tests.exchange.conftest import FOCAL_POINT, make_expert, read_stream, share
from tests.support import assert_not_found, login_verified

pytestmark = pytest.mark.django_db

VERIFIER = Path(settings.BASE_DIR) / "portal" / "audit" / "verify_receipt.py"


def client_for(user) -> Client:
    return login_verified(Client(), user)


def run_verifier(tmp_path, bundle, keys, earlier=None) -> subprocess.CompletedProcess:
    """The verifier as a State runs it: its own process, without Django."""
    bundle_path, keys_path = tmp_path / "bundle.json", tmp_path / "keys.json"
    files = [(bundle_path, bundle), (keys_path, keys)]
    command = [sys.executable, "-I", str(VERIFIER), str(bundle_path)]
    command += ["--key", str(keys_path)]
    if earlier is not None:
        files.append((tmp_path / "earlier.json", earlier))
        command += ["--earlier", str(tmp_path / "earlier.json")]
    for path, value in files:
        path.write_text(value if isinstance(value, str) else json.dumps(value))
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=tmp_path,  # not the repository: nothing of the portal is importable
    )


@pytest.fixture
def receipt(tmp_path):
    """A document read and downloaded across two checkpoints, its bundle and the
    published keys."""
    owner = make_expert("NL")
    reader = make_expert("BE")
    document = share(owner, users=[reader])
    client = client_for(reader)
    client.get(reverse("exchange:detail", args=[document.pk]))
    sign_checkpoint()  # the daily timer
    read_stream(client.get(reverse("exchange:download", args=[document.pk, 1])))
    actions.add_version(document, _upload(), by=owner)
    response = client_for(owner).get(
        reverse("exchange:access_receipt", args=[document.pk])
    )
    assert response.status_code == 200
    keys = Client().get("/.well-known/portal-audit-keys.json").json()
    return {"bundle": json.loads(response.content), "keys": keys, "text": response}


def _upload():
    from tests.exchange.conftest import text_upload

    return text_upload(content=b"second version\n")


def test_a_bundle_from_the_portal_verifies(tmp_path, receipt):
    bundle = receipt["bundle"]
    assert len(bundle["checkpoints"]) == 2
    assert len(bundle["rows"]) >= 5
    result = run_verifier(tmp_path, receipt["text"].content.decode(), receipt["keys"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("VERIFIED: ")
    assert f"{len(bundle['rows'])} rows verified under checkpoint" in result.stdout


def _flip(value: str) -> str:
    """One byte changed: the last."""
    return value[:-1] + ("x" if value[-1:] != "x" else "y")


def test_one_changed_byte_in_any_row_is_named(receipt):
    """Every field of every row: each change names that row (in-process, the
    same function the command runs)."""
    now = datetime.datetime.now(datetime.UTC)
    bundle = receipt["bundle"]
    for index, row in enumerate(bundle["rows"]):
        for field in ("occurred_at", "action", "outcome", "target_id", "details"):
            tampered = copy.deepcopy(bundle)
            changed = tampered["rows"][index]
            if field == "details":
                changed["details"]["tier"] = _flip(changed["details"].get("tier", ""))
            else:
                changed[field] = _flip(str(changed[field]))
            with pytest.raises(rules.Refused, match=rf"row #{row['sequence']} "):
                rules.verify_bundle(tampered, receipt["keys"], now=now)


def _sign_with_other_key(checkpoint: dict) -> None:
    other = Ed25519PrivateKey.generate()
    checkpoint["signature"] = rules.sign(other, rules.checkpoint_payload(checkpoint))


def _other_key_file(keys: dict) -> dict:
    other = Ed25519PrivateKey.generate()
    raw = rules.public_key_bytes(other.public_key())
    replaced = copy.deepcopy(keys)
    replaced["keys"][0]["public_key"] = base64.b64encode(raw).decode()
    return replaced


def _tamper_row_byte(bundle, keys):
    bundle["rows"][1]["user_agent"] += "x"
    return bundle, keys, f"row #{bundle['rows'][1]['sequence']} was changed"


def _remove_row(bundle, keys):
    gone = bundle["rows"].pop(1)
    return bundle, keys, f"row #{gone['sequence']} is missing from the bundle"


def _reorder_rows(bundle, keys):
    rows = bundle["rows"]
    rows[1], rows[2] = rows[2], rows[1]
    return (
        bundle,
        keys,
        f"row #{rows[2]['sequence']} comes after row #{rows[1]['sequence']}: "
        "the rows are out of order",
    )


def _replace_key(bundle, keys):
    kid = keys["keys"][0]["key_id"]
    return bundle, _other_key_file(keys), f"key {kid} in the key file is not the key"


def _foreign_checkpoint_signature(bundle, keys):
    latest = bundle["checkpoints"][-1]
    _sign_with_other_key(latest)
    return (
        bundle,
        keys,
        f"checkpoint #{latest['sequence']}: its signature does not hold for key",
    )


def _wrong_key_id(bundle, keys):
    first = bundle["checkpoints"][0]
    first["key_id"] = "ed25519:0000000000000000"
    return (
        bundle,
        keys,
        f"checkpoint #{first['sequence']} names the key id ed25519:0000000000000000, "
        "which the key file does not hold",
    )


def _future_checkpoint(bundle, keys):
    latest = bundle["checkpoints"][-1]
    latest["created_at"] = "2999-01-01T00:00:00+00:00"
    return bundle, keys, f"checkpoint #{latest['sequence']} is dated 2999-01-01"


def _unknown_field(bundle, keys):
    bundle["rows"][0]["note"] = "added"
    return (
        bundle,
        keys,
        f"row #{bundle['rows'][0]['sequence']} has unknown field(s): note",
    )


def _unknown_top_field(bundle, keys):
    bundle["comment"] = "added"
    return bundle, keys, "the bundle has unknown field(s): comment"


def _rewritten_segment(bundle, keys):
    segment = bundle["segments"][0]
    segment["row_hashes"][0] = "0" * 64
    return (
        bundle,
        keys,
        f"the row hashes from #{segment['after'] + 1} to #{segment['through']} do "
        "not add up",
    )


TAMPERINGS = [
    _tamper_row_byte,
    _remove_row,
    _reorder_rows,
    _replace_key,
    _foreign_checkpoint_signature,
    _wrong_key_id,
    _future_checkpoint,
    _unknown_field,
    _unknown_top_field,
    _rewritten_segment,
]


@pytest.mark.parametrize("tamper", TAMPERINGS, ids=lambda f: f.__name__.strip("_"))
def test_each_tampering_gets_its_verdict(tmp_path, receipt, tamper):
    bundle, keys, expected = tamper(
        copy.deepcopy(receipt["bundle"]), copy.deepcopy(receipt["keys"])
    )
    result = run_verifier(tmp_path, bundle, keys)
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout.startswith("NOT VERIFIED: "), result.stdout
    assert expected in result.stdout, result.stdout


@pytest.mark.parametrize("part", [0.5, 0.3, 0.77, 0.9])
def test_a_truncated_bundle_is_said_to_be_truncated(tmp_path, receipt, part):
    """Wherever the file is cut: between values, inside a string or a number."""
    text = receipt["text"].content.decode()
    result = run_verifier(tmp_path, text[: int(len(text) * part)], receipt["keys"])
    assert result.returncode == 1
    assert "is not valid JSON (the file is truncated)" in result.stdout


def test_a_missing_file_is_an_error_not_a_verdict(tmp_path, receipt):
    missing = str(tmp_path / "none.json")
    result = subprocess.run(
        [sys.executable, "-I", str(VERIFIER), missing, "--key", "x"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "cannot read the bundle" in result.stderr


# --- The list of checkpoints, and an earlier copy of it.


def _checkpoint_list(person) -> dict:
    response = client_for(person).get(reverse("audit:checkpoints"))
    assert response.status_code == 200
    return response.json()


def _cut_newest(sequence: int) -> None:
    """What someone with the database's superuser could do: cut the newest rows
    and the checkpoints over them, then let the portal sign again."""
    from django.db import connection

    tables = {
        "audit_auditevent": "audit_event_append_only",
        "audit_checkpoint": "audit_checkpoint_append_only",
    }
    with connection.cursor() as cursor:
        for table, trigger in tables.items():
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}")
            cursor.execute(
                f"DELETE FROM {table} WHERE sequence >= %s",  # noqa: S608 - fixed names
                [sequence],
            )
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}")


def test_the_checkpoint_list_verifies_and_an_earlier_copy_is_found_in_it(tmp_path):
    from portal.audit.actions import record

    focal = make_expert("NL", roles=[FOCAL_POINT])
    record("test.event")
    sign_checkpoint()
    earlier = _checkpoint_list(focal)
    record("test.event")
    sign_checkpoint()
    current = _checkpoint_list(focal)
    keys = Client().get("/.well-known/portal-audit-keys.json").json()
    result = run_verifier(tmp_path, current, keys, earlier=earlier)
    assert result.returncode == 0, result.stdout
    assert "2 checkpoints chained" in result.stdout
    assert "1 earlier checkpoints found unchanged" in result.stdout


def test_an_earlier_copy_shows_that_the_newest_rows_were_cut_and_resigned(tmp_path):
    from portal.audit.actions import record

    focal = make_expert("NL", roles=[FOCAL_POINT])
    record("test.event")
    first = sign_checkpoint()
    record("test.event")
    record("test.event")
    second = sign_checkpoint()
    earlier = _checkpoint_list(focal)
    _cut_newest(first.sequence + 1)
    record("test.event")
    third = sign_checkpoint()
    assert third.sequence < second.sequence
    current = _checkpoint_list(focal)
    keys = Client().get("/.well-known/portal-audit-keys.json").json()
    # The new list holds together on its own: only the earlier copy shows the cut.
    assert run_verifier(tmp_path, current, keys).returncode == 0
    result = run_verifier(tmp_path, current, keys, earlier=earlier)
    assert result.returncode == 1
    assert (
        f"checkpoint #{second.sequence} of the earlier copy is newer than this "
        f"copy's latest, #{third.sequence}: the newest rows were cut off"
    ) in result.stdout


def test_a_rewritten_checkpoint_differs_from_the_earlier_copy(tmp_path):
    from portal.audit.actions import record

    focal = make_expert("NL", roles=[FOCAL_POINT])
    record("test.event")
    record("test.event")
    first = sign_checkpoint()
    earlier = _checkpoint_list(focal)
    # Rewrite: the same number of rows, the last one other, signed again.
    _cut_newest(first.sequence - 1)
    record("test.other")
    again = sign_checkpoint()
    assert again.sequence == first.sequence
    keys = Client().get("/.well-known/portal-audit-keys.json").json()
    result = run_verifier(tmp_path, _checkpoint_list(focal), keys, earlier=earlier)
    assert result.returncode == 1
    assert (
        f"checkpoint #{first.sequence} is not the one signed earlier: the chain was "
        "rewritten"
    ) in result.stdout


def test_no_receipt_is_signed_over_a_chain_that_does_not_verify():
    from django.db import connection

    owner = make_expert("NL")
    document = share(owner)
    with connection.cursor() as cursor:
        cursor.execute(
            "ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only"
        )
        cursor.execute(
            "UPDATE audit_auditevent SET outcome = 'failure' WHERE sequence = "
            "(SELECT max(sequence) FROM audit_auditevent)"
        )
        cursor.execute(
            "ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only"
        )
    response = client_for(owner).get(
        reverse("exchange:access_receipt", args=[document.pk])
    )
    assert response.status_code == 503
    assert "No receipt can be signed" in response.content.decode()
    assert not AuditEvent.objects.filter(action="audit.checkpoint_signed").exists()


# --- A State's bundle over a period.


def test_the_focal_point_downloads_the_states_bundle_and_it_verifies(tmp_path):
    owner = make_expert("NL")
    reader = make_expert("BE")
    ours = share(owner, users=[reader])
    theirs = share(make_expert("DE"), users=[reader])
    client_for(reader).get(reverse("exchange:detail", args=[ours.pk]))
    client_for(reader).get(reverse("exchange:detail", args=[theirs.pk]))
    focal = client_for(make_expert("NL", roles=[FOCAL_POINT]))
    page = focal.get(reverse("exchange:state_receipts"))
    assert page.status_code == 200
    assert "Access receipts of the Netherlands" in page.content.decode() or (
        "Access receipts of Netherlands" in page.content.decode()
    )
    today = timezone.localdate().isoformat()
    response = focal.get(
        reverse("exchange:state_receipts"), {"since": today, "until": today}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    bundle = json.loads(response.content)
    assert bundle["scope"]["state"] == "NL"
    assert bundle["scope"]["documents"] == [{"id": ours.pk, "tier": "restricted"}]
    targets = {row["target_id"] for row in bundle["rows"]}
    assert targets == {str(ours.pk)}
    assert {"exchange.document.created", "exchange.document.viewed"} <= {
        row["action"] for row in bundle["rows"]
    }
    assert AuditEvent.objects.filter(action="exchange.state.receipt_exported").exists()
    keys = Client().get("/.well-known/portal-audit-keys.json").json()
    result = run_verifier(tmp_path, bundle, keys)
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"since": "2026-13-01", "until": "2026-12-01"}, "Enter a valid date."),
        ({"since": "2026-11-02", "until": "2026-11-01"}, "The period ends before"),
        ({"since": "2026-11-01"}, "This field is required."),
        ({"since": "2026-11-01", "until": "2999-01-01"}, "cannot end in the future"),
        ({"since": "2020-01-01", "until": "2026-11-01"}, "at most 366 days"),
    ],
)
def test_a_period_that_is_not_valid_is_said_so(query, message):
    focal = client_for(make_expert("NL", roles=[FOCAL_POINT]))
    response = focal.get(reverse("exchange:state_receipts"), query)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not AuditEvent.objects.filter(
        action="exchange.state.receipt_exported"
    ).exists()


def test_only_focal_points_get_the_states_bundle():
    url = reverse("exchange:state_receipts")
    assert_not_found(client_for(make_expert("NL")).get(url))
    assert_not_found(
        client_for(make_expert("NL", roles=[Role.SECURITY_OFFICER])).get(url)
    )
