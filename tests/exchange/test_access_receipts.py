"""Access receipts: every read of a document is in the trail, and its originator
reads that history back on the document's page."""

from __future__ import annotations

import re

from django.test import Client
from django.urls import reverse

import pytest

from exchange import actions
from exchange.models import Document
from portal.audit.models import AuditEvent
from portal.states.models import State
from tests.exchange.conftest import (
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
