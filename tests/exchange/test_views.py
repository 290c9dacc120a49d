"""The exchange's pages, downloads and API: policy first, 404 for whatever is denied."""

from __future__ import annotations

import io
import json

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

import pytest
from asgiref.sync import async_to_sync
from django_otp.plugins.otp_static.models import StaticDevice
from pypdf import PdfReader

from exchange.crypto import TamperedFile
from exchange.marking import without_cover
from exchange.models import Document, DocumentVersion
from exchange.storage import exchange_storage
from portal.accounts.roles import Role
from portal.audit.models import AuditEvent
from portal.states.models import State
from tests.exchange.conftest import (
    FOCAL_POINT,
    make_expert,
    pdf_upload,
    read_stream,
    share,
    text_upload,
)
from tests.support import assert_not_found, login_verified

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    return login_verified(Client(), user)


def urls_of(document: Document) -> list[str]:
    return [
        reverse("exchange:detail", args=[document.pk]),
        reverse("exchange:download_latest", args=[document.pk]),
        reverse("exchange:download", args=[document.pk, 1]),
        reverse("exchange:api_document", args=[document.pk]),
        reverse("exchange:version_create", args=[document.pk]),
        reverse("exchange:sharing", args=[document.pk]),
    ]


def test_anonymous_and_unverified_people_are_sent_to_sign_in_or_verify():
    owner = make_expert("NL")
    document = share(owner)
    anonymous = Client().get(reverse("exchange:detail", args=[document.pk]))
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(
        "/accounts/login/"
    )
    unverified = Client()
    unverified.force_login(owner)
    response = unverified.get(reverse("exchange:detail", args=[document.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:enrol"))
    StaticDevice.objects.create(user=owner, name="backup codes")
    response = unverified.get(reverse("exchange:detail", args=[document.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:verify"))
    api = unverified.get(reverse("exchange:api_documents"))
    assert api.status_code == 404


def test_what_is_denied_is_404_everywhere_and_absent_from_lists():
    owner = make_expert("NL")
    document = share(
        owner, title="Nordic drill findings", states=[State.objects.get(iso_code="BE")]
    )
    outsider = client_for(make_expert("DE"))
    for url in urls_of(document):
        assert_not_found(outsider.get(url))
    assert_not_found(outsider.get("/exchange/999999/"))
    listing = outsider.get(reverse("exchange:list"))
    assert b"Nordic drill findings" not in listing.content
    assert b"0 documents" in listing.content
    api = json.loads(outsider.get(reverse("exchange:api_documents")).content)
    assert api["count"] == 0 and api["results"] == []
    assert b"Nordic" not in outsider.get(reverse("exchange:recent")).content


def test_superusers_and_the_secretariat_get_nothing_by_role():
    owner = make_expert("NL")
    document = share(owner, tier="restricted")
    superuser = make_expert(
        None, clearance="highly_confidential", is_superuser=True, is_staff=True
    )
    secretariat = make_expert(
        None, clearance="highly_confidential", roles=[Role.SECRETARIAT]
    )
    for user in (superuser, secretariat):
        client = client_for(user)
        for url in urls_of(document):
            assert_not_found(client.get(url))
        assert b"Border monitoring" not in client.get(reverse("exchange:list")).content


def test_a_recipient_lists_reads_and_downloads_with_the_right_headers():
    owner = make_expert("NL")
    reader = make_expert("BE")
    document = share(
        owner,
        title="Radioactive source inventory",
        states=[reader.state],
        upload=text_upload('inventory "final";.txt', b"Cs-137, 3 sources\n"),
    )
    client = client_for(reader)
    listing = client.get(reverse("exchange:list"))
    assert b"Radioactive source inventory" in listing.content
    assert (
        b"Radioactive source inventory"
        in client.get(reverse("exchange:recent")).content
    )
    detail = client.get(document.get_absolute_url())
    assert b"Radioactive source inventory" in detail.content
    assert b"Change sharing" not in detail.content  # recipients cannot re-share
    response = client.get(reverse("exchange:download", args=[document.pk, 1]))
    assert response.status_code == 200
    assert without_cover(read_stream(response)) == b"Cs-137, 3 sources\n"
    assert response["Content-Type"] == "text/plain"
    assert response["Cache-Control"] == "no-store, private"
    assert response["X-Content-Type-Options"] == "nosniff"
    # The page-wide policy does not replace the download's own sandbox.
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert "nonce" not in detail["Content-Security-Policy"]
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;") and '"final"' not in disposition
    downloads = AuditEvent.objects.filter(action="exchange.document.downloaded")
    assert downloads.count() == 1
    event = downloads.get()
    assert event.actor == reader
    assert event.details["sha256"] == document.versions.get().sha256
    assert event.details["download_id"]
    api = json.loads(client.get(reverse("exchange:api_documents")).content)
    assert [d["title"] for d in api["results"]] == ["Radioactive source inventory"]


def test_pdfs_are_watermarked_with_name_state_time_and_download_id():
    owner = make_expert("NL")
    reader = make_expert("BE", first_name="Anneke")
    document = share(owner, states=[reader.state], upload=pdf_upload())
    response = client_for(reader).get(
        reverse("exchange:download_latest", args=[document.pk])
    )
    body = read_stream(response)
    assert response["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(body)).pages[0].extract_text()
    download_id = AuditEvent.objects.get(action="exchange.document.downloaded").details[
        "download_id"
    ]
    assert "Anneke" in text and "Belgium" in text and download_id in text
    assert "UTC" in text


def test_a_tampered_file_refuses_to_download_with_an_audit_record():
    owner = make_expert("NL")
    document = share(owner, upload=text_upload(content=b"A" * 5000))
    version = document.versions.get()
    storage = exchange_storage()
    with storage.open(version.storage_name, "rb") as handle:
        data = bytearray(handle.read())
    data[-3] ^= 0x04
    path = storage.path(version.storage_name)
    with open(path, "wb") as handle:
        handle.write(bytes(data))
    response = client_for(owner).get(
        reverse("exchange:download_latest", args=[document.pk])
    )
    assert response.status_code == 500
    assert b"failed its integrity check" in response.content
    assert b"AAAA" not in response.content
    assert AuditEvent.objects.filter(
        action="exchange.document.download_refused", outcome="failure"
    ).exists()
    assert not AuditEvent.objects.filter(action="exchange.document.downloaded").exists()


def test_sharing_changes_demand_a_fresh_second_factor(settings):
    owner = make_expert("NL")
    document = share(owner)
    client = client_for(owner)
    url = reverse("exchange:sharing", args=[document.pk])
    assert client.get(url).status_code == 200
    session = client.session
    session["portal_otp_verified_at"] = 1
    session.save()
    response = client.post(
        url, {"tier": "restricted", "states": [State.objects.get(iso_code="DE").pk]}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(settings.STEP_UP_URL)
    assert not document.shared_states.exists()


def test_the_owner_shares_through_the_sharing_page_and_recipients_get_404_there():
    owner = make_expert("NL")
    reader = make_expert("DE")
    document = share(owner)
    response = client_for(owner).post(
        reverse("exchange:sharing", args=[document.pk]),
        {"tier": "restricted", "states": [reader.state.pk], "users": ""},
    )
    assert response.status_code == 302
    assert list(document.shared_states.all()) == [reader.state]
    recipient = client_for(reader)
    assert recipient.get(document.get_absolute_url()).status_code == 200
    assert_not_found(recipient.get(reverse("exchange:sharing", args=[document.pk])))
    assert_not_found(
        recipient.post(
            reverse("exchange:sharing", args=[document.pk]),
            {"tier": "public", "states": [State.objects.get(iso_code="FR").pk]},
        )
    )
    assert document.shared_states.count() == 1


def test_a_focal_point_of_the_originating_state_can_revoke():
    owner = make_expert("NL")
    focal = make_expert("NL", roles=[FOCAL_POINT])
    document = share(owner)
    response = client_for(focal).post(
        reverse("exchange:sharing", args=[document.pk]), {"action": "revoke"}
    )
    assert response.status_code == 302
    assert_not_found(client_for(owner).get(document.get_absolute_url()))


def test_uploading_through_the_form_and_clear_errors_for_bad_files(settings):
    settings.EXCHANGE_MAX_UPLOAD_BYTES = 10_000
    owner = make_expert("NL")
    client = client_for(owner)
    url = reverse("exchange:create")
    cases = {
        "The submitted file is empty.": SimpleUploadedFile("a.txt", b""),
        "more than the limit": SimpleUploadedFile("a.txt", b"x" * 10_001),
        "are not accepted": SimpleUploadedFile(
            "a.bin", b"\x7fELF\x02\x01\x01" + bytes(300)
        ),
        "rename it to .pdf": SimpleUploadedFile("a.docx", pdf_upload().read()),
    }
    for message, upload in cases.items():
        response = client.post(
            url, {"title": "T", "tier": "restricted", "file": upload}
        )
        assert response.status_code == 400, message
        assert message.encode() in response.content, message
    assert not Document.objects.exists()
    response = client.post(
        url,
        {
            "title": "Transport security plan",
            "tier": "confidential",
            "file": pdf_upload(),
        },
    )
    assert response.status_code == 302
    document = Document.objects.get()
    assert document.originating_state == owner.state and document.owner == owner
    assert DocumentVersion.objects.get().media_type == "application/pdf"


def test_list_filters_and_pagination():
    owner = make_expert("NL", clearance="highly_confidential")
    for i in range(23):
        share(
            owner, title=f"Doc {i:02}", tier="restricted" if i % 2 else "confidential"
        )
    client = client_for(owner)
    first = client.get(reverse("exchange:list"), {"sort": "title"})
    assert b"23 documents" in first.content and b"Doc 00" in first.content
    assert b"Doc 22" not in first.content and b"page=2" in first.content
    confidential = client.get(reverse("exchange:list"), {"tier": "confidential"})
    assert b"12 documents" in confidential.content
    other_state = client.get(reverse("exchange:list"), {"state": "BE"})
    assert b"0 documents" in other_state.content


def test_a_large_tampered_file_stops_at_the_corrupted_chunk(settings):
    owner = make_expert("NL")
    chunk = settings.EXCHANGE_CHUNK_SIZE
    body = b"".join(
        f"{i:07d} line of a long inventory\n".encode() for i in range(400_000)
    )[: 10 * chunk]
    document = share(owner, upload=text_upload("inventory.txt", body))
    version = document.versions.get()
    path = exchange_storage().path(version.storage_name)
    with open(path, "r+b") as handle:  # flip one bit inside chunk 9 of 10
        handle.seek(25 + 8 * (chunk + 16) + 100)
        byte = handle.read(1)
        handle.seek(-1, 1)
        handle.write(bytes([byte[0] ^ 1]))
    response = client_for(owner).get(
        reverse("exchange:download_latest", args=[document.pk])
    )
    assert response.status_code == 200  # too large to verify before streaming

    received = []

    async def consume():
        async for piece in response.streaming_content:
            received.append(piece)

    with pytest.raises(TamperedFile):
        async_to_sync(consume)()
    assert without_cover(b"".join(received)) == body[: 8 * chunk]
    assert AuditEvent.objects.filter(
        action="exchange.document.download_refused", outcome="failure"
    ).exists()


def test_uploading_a_version_needs_a_verified_session_but_no_fresh_code():
    owner = make_expert("NL")
    document = share(owner)
    client = client_for(owner)
    session = client.session
    session["portal_otp_verified_at"] = 1  # verified long ago
    session.save()
    response = client.post(
        reverse("exchange:version_create", args=[document.pk]),
        {"file": text_upload("v2.txt", b"second\n")},
    )
    assert response.status_code == 302
    assert document.versions.count() == 2
    downloaded = client.get(reverse("exchange:download", args=[document.pk, 2]))
    assert without_cover(read_stream(downloaded)) == b"second\n"
