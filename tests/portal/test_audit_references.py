"""The audit trail names documents and people by reference, never by content.

Unique tokens go into restricted titles, file names and recipients' addresses; the
security officer's pages and exports are searched for them after the actions that
used to copy them into the trail, and after an older row that still carries them.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import uuid

from django.test import Client
from django.urls import reverse
from django.utils import timezone

import pytest

from exchange import actions
from portal.accounts import actions as accounts
from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.audit.actions import record
from portal.audit.models import AuditEvent
from portal.states.models import State
from tests.exchange.conftest import make_expert, read_stream, share, text_upload
from tests.portal.identity import make_user, sign_in
from tests.support import login_verified

pytestmark = pytest.mark.django_db

AUDIT_URLS = ("/audit/", "/audit/export.csv", "/audit/export.jsonl")


def token(kind: str) -> str:
    return f"{kind}{uuid.uuid4().hex[:12]}"


def expert_named(email: str, iso: str, *, clearance: str = "confidential") -> User:
    """A vetted expert whose address is a token."""
    return User.objects.create_user(
        email,
        state=State.objects.get(iso_code=iso),
        clearance=clearance,
        vetted_until=timezone.localdate() + datetime.timedelta(days=90),
    )


@pytest.fixture
def trail():
    """Actions on a confidential and a highly confidential document, an invitation
    and a failed sign-in, each carrying tokens of its own."""
    tokens: dict[str, str] = {}

    def new(kind: str) -> str:
        tokens[kind] = token(kind)
        return tokens[kind]

    owner = make_expert("NL", clearance="highly_confidential")
    recipient = expert_named(f"{new('recipient')}@example.org", "BE")
    confidential = share(
        owner,
        tier="confidential",
        title=new("conftitle"),
        upload=text_upload(name=f"{new('conffile')}.txt"),
        users=[recipient],
    )
    actions.add_version(
        confidential, text_upload(name=f"{new('conffile2')}.txt"), by=owner
    )
    named = expert_named(
        f"{new('named')}@example.org", "DE", clearance="highly_confidential"
    )
    secret = share(
        owner,
        tier="highly_confidential",
        title=new("hctitle"),
        upload=text_upload(name=f"{new('hcfile')}.txt"),
    )
    actions.share_document(secret, by=owner, users=[owner, named])
    actions.change_tier(
        confidential, "restricted", by=owner, justification="Cleared for release"
    )
    actions.change_tier(confidential, "confidential", by=owner)
    downloader = Client()
    login_verified(downloader, owner)
    for document in (confidential, secret):
        response = downloader.get(
            reverse("exchange:download_latest", args=[document.pk])
        )
        assert response.status_code == 200
        read_stream(response)
    actions.revoke_document(secret, by=owner)

    focal_point = make_user("focal@example.org", Role.FOCAL_POINT)
    invited = f"{new('invited')}@example.org"
    accounts.invite_expert(invited, by=focal_point, accept_url_for=lambda t: t)
    sign_in(Client(), f"{new('typed')}@example.org", "wrong password")

    # A row written before the trail held references only: it cannot be rewritten
    # (the chain), so it must be hidden when read.
    record(
        "exchange.document.created",
        actor=owner,
        target=secret,
        details={
            "title": secret.title,
            "file_name": f"{new('oldfile')}.pdf",
            "after": {"tier": "highly_confidential", "users": [new("oldrecipient")]},
        },
    )
    record(
        "accounts.invitation_sent",
        actor=focal_point,
        details={"email": f"{new('oldinvited')}@example.org"},
    )
    return {
        "tokens": tokens,
        "confidential": confidential,
        "secret": secret,
        "owner": owner,
    }


def read_trail(client) -> dict[str, str]:
    pages = {}
    for url in AUDIT_URLS:
        response = client.get(url)
        assert response.status_code == 200, url
        body = (
            b"".join(response.streaming_content)
            if response.streaming
            else response.content
        )
        pages[url] = body.decode()
    return pages


def test_the_security_officer_reads_references_and_no_content(client, trail):
    officer = make_user("officer@example.org", Role.SECURITY_OFFICER, state=None)
    login_verified(client, officer)
    pages = read_trail(client)
    for url, text in pages.items():
        for kind, value in trail["tokens"].items():
            assert value not in text, f"{kind} token in {url}"
    confidential, secret = trail["confidential"], trail["secret"]
    html = pages["/audit/"]
    assert f"document #{confidential.pk} (confidential)" in html
    assert f"document #{secret.pk} (highly confidential)" in html
    assert "content hidden" in html  # the older rows were redacted, not dropped
    rows = [json.loads(line) for line in pages["/audit/export.jsonl"].splitlines()]
    old = next(r for r in rows if r["details"].get("file_name"))
    assert old["details"]["file_name"] == "[hidden]"
    assert old["details_redacted"] is True
    assert old["reference"] == f"document #{secret.pk} (highly confidential)"
    shared = next(r for r in rows if r["action"] == "exchange.document.shared")
    assert shared["details"]["after"]["users"] == sorted(
        [trail["owner"].pk, secret.shared_users.exclude(pk=trail["owner"].pk).get().pk]
    )  # ids stay: they name nobody
    csv_rows = list(csv.DictReader(io.StringIO(pages["/audit/export.csv"])))
    assert {r["reference"] for r in csv_rows} >= {
        f"document #{confidential.pk} (confidential)"
    }


def test_new_events_hold_references_only(trail):
    stored = json.dumps(list(AuditEvent.objects.values("details", "target_id")))
    old_tokens = {"oldfile", "oldrecipient", "oldinvited"}
    for kind, value in trail["tokens"].items():
        if kind in old_tokens or kind == "hctitle":
            continue  # the deliberately old-style rows carry these
        assert value not in stored, f"{kind} token stored in the trail"
    invitation = AuditEvent.objects.get(
        action="accounts.invitation_sent", details__has_key="email_sha256"
    )
    assert len(invitation.details["email_sha256"]) == 64
    failure = AuditEvent.objects.get(action="auth.login", outcome="failure")
    assert set(failure.details) == {"username_sha256", "user"}


def test_an_officer_who_may_see_the_document_sees_its_title(client, trail):
    """Cleared, vetted and of the originating State: the policy lets this officer
    see the confidential document, and only that one."""
    officer = make_expert("NL", clearance="confidential", roles=[Role.SECURITY_OFFICER])
    login_verified(client, officer)
    pages = read_trail(client)
    tokens = trail["tokens"]
    assert tokens["conftitle"] in pages["/audit/"]
    for url in ("/audit/export.csv", "/audit/export.jsonl"):
        assert tokens["conftitle"] in pages[url]
        assert tokens["conffile"] not in pages[url]  # new rows never held it
    for url, text in pages.items():
        for kind in ("hctitle", "hcfile", "named", "oldfile", "oldrecipient"):
            assert tokens[kind] not in text, f"{kind} token in {url}"
