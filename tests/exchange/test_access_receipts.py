"""Access receipts: every read of a document is in the trail, and its originator
reads that history back on the document's page."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re

from django.test import Client
from django.urls import reverse

import pytest

from exchange import actions
from exchange.models import Document
from portal.accounts.roles import Role
from portal.audit.models import AuditEvent
from portal.audit.verify import verify_chain
from portal.states.models import State
from tests.exchange.conftest import (
    FOCAL_POINT,
    make_expert,
    read_stream,
    share,
    text_upload,
)
from tests.support import assert_not_found, login_verified

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    return login_verified(Client(), user)


def page_text(response) -> str:
    """The body with what differs between any two responses taken out: the
    address asked for, the Content-Security-Policy nonce and the CSRF token."""
    text = response.content.decode().replace(response.wsgi_request.path, "PATH")
    text = re.sub(r'nonce="[^"]*"', "", text)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", text)


def events_of(document: Document, action: str) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            target_type="exchange.document", target_id=str(document.pk), action=action
        ).order_by("sequence")
    )


def test_a_page_view_is_recorded_with_references_only():
    owner = make_expert("NL")
    recipient = make_expert("BE")
    document = share(owner, users=[recipient])
    response = client_for(recipient).get(reverse("exchange:detail", args=[document.pk]))
    assert response.status_code == 200
    (viewed,) = events_of(document, "exchange.document.viewed")
    assert viewed.actor_id == recipient.pk
    assert viewed.outcome == "success"
    assert viewed.details == {"tier": "restricted", "channel": "page"}


def test_the_api_representation_is_a_recorded_view_too():
    owner = make_expert("NL")
    document = share(owner)
    response = client_for(owner).get(
        reverse("exchange:api_document", args=[document.pk])
    )
    assert response.status_code == 200
    (viewed,) = events_of(document, "exchange.document.viewed")
    assert viewed.details["channel"] == "api"


def test_each_download_is_recorded_with_its_version_hash_and_id():
    owner = make_expert("NL")
    recipient = make_expert("BE")
    document = share(owner, users=[recipient])
    client = client_for(recipient)
    for _ in range(2):
        response = client.get(reverse("exchange:download", args=[document.pk, 1]))
        assert response.status_code == 200
        read_stream(response)
    first, second = events_of(document, "exchange.document.downloaded")
    version = document.versions.get(number=1)
    for event in (first, second):
        assert event.actor_id == recipient.pk
        assert event.details["version"] == 1
        assert event.details["sha256"] == version.sha256
        assert len(event.details["download_id"]) == 32
    assert first.details["download_id"] != second.details["download_id"]


def test_a_refused_attempt_is_recorded_without_telling_the_requester():
    owner = make_expert("NL")
    document = share(
        owner,
        tier="confidential",
        title="Perimeter drill",
        upload=text_upload(name="perimeter.txt"),
    )
    outsider = make_expert("DE")
    client = client_for(outsider)
    missing = Document.objects.order_by("-pk").first().pk + 1000
    urls = {
        "page": ("exchange:detail", [document.pk], [missing]),
        "download": ("exchange:download", [document.pk, 1], [missing, 1]),
        "api": ("exchange:api_document", [document.pk], [missing]),
    }
    for name, existing_args, missing_args in urls.values():
        refused = client.get(reverse(name, args=existing_args))
        absent = client.get(reverse(name, args=missing_args))
        assert_not_found(refused)
        assert_not_found(absent)
        assert page_text(refused) == page_text(absent)
    assert_not_found(
        client.get(reverse("exchange:download_latest", args=[document.pk]))
    )

    refusals = AuditEvent.objects.filter(
        target_type="exchange.document", outcome="denied", actor=outsider
    ).order_by("sequence")
    assert [(e.target_id, e.action, e.details) for e in refusals] == [
        (
            str(document.pk),
            "exchange.document.viewed",
            {"tier": "confidential", "channel": "page"},
        ),
        (
            str(document.pk),
            "exchange.document.downloaded",
            {"tier": "confidential", "channel": "download", "version": 1},
        ),
        (
            str(document.pk),
            "exchange.document.viewed",
            {"tier": "confidential", "channel": "api"},
        ),
        (
            str(document.pk),
            "exchange.document.downloaded",
            {"tier": "confidential", "channel": "download"},
        ),
    ]
    # The id that named nothing left no trace, and nothing names the content.
    assert not AuditEvent.objects.filter(target_id=str(missing)).exists()
    stored = str(list(refusals.values("details")))
    assert "Perimeter" not in stored and "perimeter.txt" not in stored


def test_a_refused_attempt_on_a_revoked_document_is_recorded():
    owner = make_expert("NL")
    recipient = make_expert("BE")
    document = share(owner, states=[State.objects.get(iso_code="BE")])
    actions.revoke_document(document, by=owner)
    assert_not_found(
        client_for(recipient).get(reverse("exchange:detail", args=[document.pk]))
    )
    (refused,) = [
        e for e in events_of(document, "exchange.document.viewed") if e.outcome
    ]
    assert refused.outcome == "denied" and refused.actor_id == recipient.pk


# --- The access history, on the originating side only.


def history_section(response) -> str:
    """The access history's part of a document page ("" when there is none)."""
    text = response.content.decode()
    start = text.find('<section class="access-history"')
    return "" if start < 0 else text[start : text.index("</section>", start)]


def history_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


@pytest.fixture
def accessed():
    """A document of the Netherlands read by a Belgian and a German expert, and
    refused to an outsider from France."""
    owner = make_expert("NL", first_name="Olga", last_name="Owner")
    belgian = make_expert("BE", first_name="Bram", last_name="Reader")
    german = make_expert("DE", first_name="Greta", last_name="Reader")
    outsider = make_expert("FR", first_name="Francois", last_name="Outsider")
    document = share(owner, users=[belgian, german])
    actions.add_version(document, text_upload(content=b"second\n"), by=owner)
    client_for(belgian).get(reverse("exchange:detail", args=[document.pk]))
    response = client_for(german).get(
        reverse("exchange:download", args=[document.pk, 2])
    )
    read_stream(response)
    client_for(outsider).get(reverse("exchange:detail", args=[document.pk]))
    return {
        "document": document,
        "owner": owner,
        "belgian": belgian,
        "german": german,
        "outsider": outsider,
    }


def test_the_owner_reads_who_accessed_the_document(accessed):
    document = accessed["document"]
    page = client_for(accessed["owner"]).get(
        reverse("exchange:detail", args=[document.pk])
    )
    text = history_section(page)
    assert "Access history" in text
    for name in ("Bram Reader", "Greta Reader", "Francois Outsider"):
        assert name in text
    for word in ("Viewed", "Downloaded", "Refused"):
        assert f'<td data-label="Access">{word}</td>' in text
    for state in ("Belgium", "Germany"):
        assert f'<td data-label="State">{state}</td>' in text


def test_the_history_filters_by_kind_and_state_and_exports_as_csv(accessed):
    document = accessed["document"]
    owner = client_for(accessed["owner"])
    url = reverse("exchange:access_history_csv", args=[document.pk])

    rows = history_rows(owner.get(url))
    assert rows[0][:6] == [
        "sequence",
        "occurred_at",
        "kind",
        "name",
        "state",
        "version",
    ]
    lines = {(r[2], r[3], r[4], r[5]) for r in rows[1:]}
    assert ("viewed", "Bram Reader", "Belgium", "") in lines
    assert ("downloaded", "Greta Reader", "Germany", "2") in lines
    assert ("refused", "Francois Outsider", "France", "") in lines
    download = next(r for r in rows[1:] if r[2] == "downloaded")
    assert download[6] == document.versions.get(number=2).sha256
    assert len(download[7]) == 32

    downloads = history_rows(owner.get(url, {"kind": "downloaded"}))[1:]
    assert [(r[2], r[3]) for r in downloads] == [("downloaded", "Greta Reader")]
    belgians = history_rows(owner.get(url, {"state": "BE"}))[1:]
    assert {r[3] for r in belgians} == {"Bram Reader"}
    refused = history_rows(owner.get(url, {"kind": "refused", "state": "FR"}))[1:]
    assert [(r[2], r[3]) for r in refused] == [("refused", "Francois Outsider")]

    page = history_section(
        owner.get(reverse("exchange:detail", args=[document.pk]), {"kind": "refused"})
    )
    assert "Francois Outsider" in page and "Bram Reader" not in page
    assert "access-history.csv?kind=refused" in page


def test_the_focal_point_of_the_originating_state_reads_it_too(accessed):
    document = accessed["document"]
    focal = client_for(make_expert("NL", roles=[FOCAL_POINT]))
    page = focal.get(reverse("exchange:detail", args=[document.pk]))
    assert "Bram Reader" in history_section(page)
    response = focal.get(reverse("exchange:access_history_csv", args=[document.pk]))
    assert response.status_code == 200


def test_nobody_else_learns_of_the_history(accessed):
    document = accessed["document"]
    csv_url = reverse("exchange:access_history_csv", args=[document.pk])
    detail = reverse("exchange:detail", args=[document.pk])
    recipient = client_for(accessed["belgian"])
    page = recipient.get(detail)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Access history" not in text and "access-history" not in text
    # Named recipients are listed under "Shared with"; the refused outsider is
    # named only in the history.
    assert "Francois Outsider" not in text
    assert_not_found(recipient.get(csv_url))

    others = [
        make_expert("BE", roles=[FOCAL_POINT]),  # another State's focal point
        make_expert("FR", roles=[Role.SECURITY_OFFICER]),  # no sharing reaches them
    ]
    for person in others:
        client = client_for(person)
        assert_not_found(client.get(detail))
        assert_not_found(client.get(csv_url))
    # An officer the sharing reaches (of the originating State) reads the
    # document but not who else did.
    officer = client_for(make_expert("NL", roles=[Role.SECURITY_OFFICER]))
    text = officer.get(detail).content.decode()
    assert "Access history" not in text and "Francois Outsider" not in text
    assert_not_found(officer.get(csv_url))


# --- The receipt bundle: rows that can be checked without the portal.


def row_hash_of(row: dict) -> str:
    """A row's hash recomputed from the bundle alone, by its stated rule."""
    content = {k: v for k, v in row.items() if k not in ("previous_hash", "row_hash")}
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256((row["previous_hash"] + canonical).encode()).hexdigest()


def test_the_receipt_bundle_rows_recompute_to_their_chain_hashes(accessed):
    document = accessed["document"]
    response = client_for(accessed["owner"]).get(
        reverse("exchange:access_receipt", args=[document.pk])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    bundle = json.loads(response.content)
    assert bundle["format"] == "nsip-access-receipt/2"
    assert bundle["scope"] == {"document": {"id": document.pk, "tier": "restricted"}}
    rows = bundle["rows"]
    actions_in = [r["action"] for r in rows]
    for action in (
        "exchange.document.created",
        "exchange.document.viewed",
        "exchange.document.downloaded",
        "exchange.document.receipt_exported",
    ):
        assert action in actions_in
    assert any(r["outcome"] == "denied" for r in rows)
    sequences = [r["sequence"] for r in rows]
    assert sequences == sorted(sequences)
    for row in rows:
        assert row_hash_of(row) == row["row_hash"], row["sequence"]
    # The same hashes as the chain holds, and the chain's head covers them all.
    stored = dict(
        AuditEvent.objects.filter(sequence__in=sequences).values_list(
            "sequence", "row_hash"
        )
    )
    assert {r["sequence"]: r["row_hash"] for r in rows} == stored
    # The latest signed checkpoint covers them all, the export's own row included.
    assert bundle["checkpoints"][-1]["sequence"] >= sequences[-1]
    assert verify_chain().ok

    # One changed byte in any field is caught.
    changed = dict(
        rows[0], outcome="success" if rows[0]["outcome"] != "success" else "denied"
    )
    assert row_hash_of(changed) != changed["row_hash"]


def test_only_the_originating_side_gets_the_receipt_bundle(accessed):
    document = accessed["document"]
    url = reverse("exchange:access_receipt", args=[document.pk])
    focal = client_for(make_expert("NL", roles=[FOCAL_POINT]))
    assert focal.get(url).status_code == 200
    for person in (
        accessed["belgian"],
        make_expert("BE", roles=[FOCAL_POINT]),
        make_expert("NL", roles=[Role.SECURITY_OFFICER]),
    ):
        assert_not_found(client_for(person).get(url))


def test_a_filter_that_is_not_valid_is_said_so(accessed):
    document = accessed["document"]
    owner = client_for(accessed["owner"])
    page = owner.get(reverse("exchange:detail", args=[document.pk]), {"state": "XX"})
    assert page.status_code == 200
    assert "Select a valid choice" in history_section(page)
    response = owner.get(
        reverse("exchange:access_history_csv", args=[document.pk]), {"kind": "x"}
    )
    assert response.status_code == 400
    assert "kind" in response.content.decode()


def test_the_exports_are_themselves_audited(accessed):
    document = accessed["document"]
    owner = client_for(accessed["owner"])
    history_rows(owner.get(reverse("exchange:access_history_csv", args=[document.pk])))
    (exported,) = events_of(document, "exchange.document.access_history_exported")
    assert exported.actor_id == accessed["owner"].pk
    assert exported.details == {"tier": "restricted"}
