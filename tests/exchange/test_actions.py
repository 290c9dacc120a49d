"""Documents change only through the actions: who may, what is audited, what is sent."""

from __future__ import annotations

import datetime
import hashlib

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

import pytest

from exchange import actions
from exchange.models import Document, DocumentVersion
from exchange.policy import viewer_for_user, visible_documents
from exchange.signals import document_changed
from exchange.storage import exchange_storage
from portal.audit.models import AuditEvent
from portal.states.models import State
from tests.exchange.conftest import FOCAL_POINT, make_expert, share, text_upload

pytestmark = pytest.mark.django_db


def sees(user, document) -> bool:
    return (
        visible_documents(viewer_for_user(user, verified=True))
        .filter(pk=document.pk)
        .exists()
    )


def test_recipient_cannot_reshare():
    owner = make_expert("NL")
    recipient = make_expert("BE")
    outsider = make_expert("DE")
    document = share(owner, states=[State.objects.get(iso_code="BE")])
    assert sees(recipient, document)
    with pytest.raises(actions.NotAllowed):
        actions.share_document(document, by=recipient, users=[outsider])
    with pytest.raises(actions.NotAllowed):
        actions.change_tier(document, "public", by=recipient)
    with pytest.raises(actions.NotAllowed):
        actions.add_version(document, text_upload(), by=recipient)
    assert not sees(outsider, document)
    denied = AuditEvent.objects.filter(outcome="denied", actor=recipient)
    assert denied.count() == 3


def test_a_colleague_of_the_originating_state_cannot_reshare_but_its_focal_point_can():
    owner = make_expert("NL")
    colleague = make_expert("NL")
    focal_point = make_expert("NL", roles=[FOCAL_POINT])
    other_focal_point = make_expert("BE", roles=[FOCAL_POINT])
    belgium = State.objects.get(iso_code="BE")
    document = share(owner)
    with pytest.raises(actions.NotAllowed):
        actions.share_document(document, by=colleague, states=[belgium])
    with pytest.raises(actions.NotAllowed):
        actions.share_document(document, by=other_focal_point, states=[belgium])
    actions.share_document(document, by=focal_point, states=[belgium])
    assert sees(make_expert("BE"), document)


def test_sharing_changes_are_audited_with_before_and_after():
    owner = make_expert("NL")
    document = share(owner)
    actions.share_document(
        document, by=owner, states=[State.objects.get(iso_code="DE")]
    )
    event = AuditEvent.objects.filter(action="exchange.document.shared").get()
    assert event.details["before"]["states"] == []
    assert event.details["after"]["states"] == ["DE"]
    assert event.actor == owner


def test_highly_confidential_is_shared_with_named_individuals_only():
    owner = make_expert("NL", clearance="highly_confidential")
    named = make_expert("BE", clearance="highly_confidential")
    colleague = make_expert("NL", clearance="highly_confidential")
    with pytest.raises(actions.ExchangeError):
        share(owner, tier="highly_confidential", states=[named.state])
    document = share(owner, tier="highly_confidential", users=[named])
    assert sees(named, document) and sees(owner, document)
    assert not sees(colleague, document)
    with pytest.raises(actions.ExchangeError):
        actions.share_document(document, by=owner, states=[colleague.state])
    other = share(owner, tier="confidential", states=[named.state])
    with pytest.raises(actions.ExchangeError):
        actions.change_tier(other, "highly_confidential", by=owner)


def test_nobody_raises_a_document_above_their_own_clearance():
    owner = make_expert("NL", clearance="restricted")
    with pytest.raises(actions.ExchangeError):
        share(owner, tier="confidential")
    document = share(owner, tier="restricted")
    with pytest.raises(actions.ExchangeError):
        actions.change_tier(document, "confidential", by=owner)


def test_revocation_and_expiry_take_effect_at_once():
    owner = make_expert("NL")
    reader = make_expert("BE")
    first = share(owner, states=[reader.state])
    second = share(owner, states=[reader.state])
    assert sees(reader, first) and sees(reader, second)
    actions.revoke_document(first, by=owner)
    assert not sees(reader, first) and not sees(owner, first)
    actions.set_expiry(second, timezone.now() - datetime.timedelta(seconds=1), by=owner)
    assert not sees(reader, second)


def test_unvetted_or_unverified_people_cannot_share():
    with pytest.raises(actions.NotAllowed):
        share(make_expert("NL", vetted=False))


def test_bad_uploads_leave_nothing_behind():
    owner = make_expert("NL")
    storage = exchange_storage()
    before = _stored_files(storage)
    bad = [
        SimpleUploadedFile("empty.txt", b"", content_type="text/plain"),
        SimpleUploadedFile("run.exe", b"MZ\x90\x00" + b"\x00" * 200),
        SimpleUploadedFile(
            "report.pdf", b"just some text\n", content_type="application/pdf"
        ),
    ]
    for upload in bad:
        with pytest.raises(ValidationError):
            share(owner, upload=upload)
    assert Document.objects.count() == 0
    assert DocumentVersion.objects.count() == 0
    assert _stored_files(storage) == before


def test_a_failure_after_storing_removes_the_stored_file(monkeypatch):
    owner = make_expert("NL")
    document = share(owner)
    storage = exchange_storage()
    before = _stored_files(storage)

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(DocumentVersion.objects, "create", broken)
    with pytest.raises(RuntimeError):
        actions.add_version(document, text_upload(), by=owner)
    assert _stored_files(storage) == before
    assert document.versions.count() == 1


def _stored_files(storage) -> set[str]:
    found = set()

    def walk(path):
        dirs, files = storage.listdir(path)
        found.update(f"{path}/{f}" for f in files)
        for d in dirs:
            walk(f"{path}/{d}" if path else d)

    walk("")
    return found


def test_changes_are_announced_after_commit_only(django_capture_on_commit_callbacks):
    owner = make_expert("NL")
    seen = []

    def receiver(sender, document, kind, **kwargs):
        seen.append((document.pk, kind))

    document_changed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            document = share(owner)
        with django_capture_on_commit_callbacks(execute=False) as pending:
            actions.revoke_document(document, by=owner)
        assert seen == [(document.pk, "created")]
        assert len(pending) == 1
    finally:
        document_changed.disconnect(receiver)


def test_versions_are_numbered_and_keep_their_facts():
    owner = make_expert("NL")
    document = share(owner, upload=text_upload("v1.txt", b"one\n"))
    with transaction.atomic():
        version = actions.add_version(
            document, text_upload("../../etc/v2.txt", b"two\n"), by=owner
        )
    assert version.number == 2
    assert version.file_name == "v2.txt"
    assert version.size == 4 and version.media_type == "text/plain"
    assert version.sha256 == hashlib.sha256(b"two\n").hexdigest()


def test_the_model_refuses_states_or_groups_on_a_highly_confidential_document():
    owner = make_expert("NL", clearance="highly_confidential")
    document = share(owner, tier="highly_confidential")
    germany = State.objects.get(iso_code="DE")
    with pytest.raises(ValidationError), transaction.atomic():
        document.shared_states.add(germany)
    with pytest.raises(ValidationError), transaction.atomic():
        germany.shared_documents.add(document)
    other = share(owner, tier="confidential", states=[germany])
    other.tier = "highly_confidential"
    with pytest.raises(ValidationError), transaction.atomic():
        other.save()
    assert not document.shared_states.exists()
