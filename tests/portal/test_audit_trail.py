"""The audit trail: verification, tampering, and the security officer's pages."""

from __future__ import annotations

import csv
import io
import json

from django.core.management import CommandError, call_command
from django.db import connection

import pytest

from portal.accounts import actions
from portal.accounts.roles import Role
from portal.audit.actions import record
from portal.audit.models import AuditEvent
from tests.portal.identity import make_user
from tests.support import assert_not_found, login_verified

pytestmark = pytest.mark.django_db


def _tamper(sql: str, params: list) -> None:
    """What an attacker with database superuser rights could do."""
    with connection.cursor() as cursor:
        cursor.execute(
            "ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only"
        )
        cursor.execute(sql, params)
        cursor.execute(
            "ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only"
        )


def _events(n: int) -> list[AuditEvent]:
    return [record("test.event", details={"n": i}) for i in range(n)]


def test_audit_verify_passes_on_an_intact_chain():
    _events(5)
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    assert "Audit chain intact: 5 rows" in out.getvalue()


@pytest.mark.parametrize(
    ("sql", "problem"),
    [
        (
            "UPDATE audit_auditevent SET details = '{\"n\": 99}' WHERE sequence = %s",
            "was changed",
        ),
        (
            "UPDATE audit_auditevent SET outcome = 'failure' WHERE sequence = %s",
            "was changed",
        ),
        ("DELETE FROM audit_auditevent WHERE sequence = %s", "is missing"),
    ],
)
def test_tampering_with_any_row_is_named_by_audit_verify(sql, problem):
    events = _events(6)
    target = events[3].sequence
    _tamper(sql, [target])
    with pytest.raises(CommandError) as failure:
        call_command("audit_verify", stdout=io.StringIO())
    message = str(failure.value)
    broken = target if "DELETE" not in sql else target + 1
    assert f"BROKEN at row #{broken}" in message
    assert problem in message


def test_recomputed_hash_still_breaks_the_next_link():
    events = _events(4)
    row = AuditEvent.objects.get(pk=events[1].pk)
    row.details = {"n": "forged"}
    forged_hash = row.compute_hash()
    _tamper(
        "UPDATE audit_auditevent SET details = %s, row_hash = %s WHERE id = %s",
        [json.dumps(row.details), forged_hash, row.pk],
    )
    with pytest.raises(CommandError, match=f"#{events[2].sequence} does not link"):
        call_command("audit_verify", stdout=io.StringIO())


@pytest.fixture
def officer(client):
    user = make_user("officer@example.org", Role.SECURITY_OFFICER, state=None)
    login_verified(client, user)
    return user


def test_security_officer_browses_and_filters(client, officer):
    record("test.alpha", details={"k": 1})
    record("test.beta", outcome="denied")
    page = client.get("/audit/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "test.alpha" in html and "test.beta" in html
    assert "{&quot;k&quot;: 1}" in html  # details read as JSON
    filtered = client.get("/audit/", {"action": "test.beta", "outcome": "denied"})
    html = filtered.content.decode()
    assert "test.beta" in html and "test.alpha" not in html
    bad = client.get("/audit/", {"since": "not-a-date"})
    assert bad.status_code == 200
    assert "Enter a valid date" in bad.content.decode()


def test_the_trail_pages_by_twenty_five_and_folds_long_details(client, officer):
    for i in range(30):
        record("test.page", details={"n": i, "note": "x" * (100 if i % 2 else 1)})
    html = client.get("/audit/", {"action": "test.page"}).content.decode()
    rows = html[html.index("<tbody>") : html.index("</tbody>")]
    assert rows.count("<tr>") == 25
    # The newest first: 29 down to 5; the long ones (odd n) fold under a summary.
    assert rows.count('<details class="audit-details">') == 13
    second = client.get("/audit/", {"action": "test.page", "page": 2}).content.decode()
    assert second[second.index("<tbody>") : second.index("</tbody>")].count("<tr>") == 5


def test_security_officer_exports_csv_and_json_lines(client, officer):
    record("test.export", details={"formula": "=1+1"})
    response = client.get("/audit/export.csv", {"action": "test.export"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(
        csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()))
    )
    assert [row["action"] for row in rows] == ["test.export"]
    assert json.loads(rows[0]["details"]) == {"formula": "=1+1"}
    response = client.get("/audit/export.jsonl")
    lines = [
        json.loads(line) for line in b"".join(response.streaming_content).splitlines()
    ]
    assert {"test.export", "auth.login"} <= {line["action"] for line in lines}
    first = AuditEvent.objects.order_by("sequence").first()
    assert lines[0]["row_hash"] == first.row_hash
    assert AuditEvent.objects.filter(action="audit.exported").count() == 2


def test_verify_page_reports_the_chain(client, officer):
    response = client.get("/audit/verify/")
    assert "The chain is intact" in response.content.decode()


@pytest.mark.parametrize(
    "role", [None, Role.SECRETARIAT, Role.VETTED_EXPERT, Role.FOCAL_POINT]
)
def test_audit_pages_are_not_found_for_everyone_else(client, role):
    user = make_user("someone@example.org", *([role] if role else []))
    user.is_staff = True
    user.save()
    actions.set_superuser(user, True, by=None)
    login_verified(client, user)
    for url in (
        "/audit/",
        "/audit/export.csv",
        "/audit/export.jsonl",
        "/audit/verify/",
    ):
        assert_not_found(client.get(url))


def test_unverified_officer_gets_no_audit_page(client):
    officer = make_user("officer@example.org", Role.SECURITY_OFFICER)
    client.force_login(officer)
    response = client.get("/audit/export.csv")
    assert response.status_code == 302
    assert "two-factor" in response["Location"]
