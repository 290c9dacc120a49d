"""Malware scanning of uploads by the real clamd of the test command.

The test clamd knows one signature, the EICAR test file's (deploy/services.sh), and
reports it as `Eicar-Test-Signature` (with ClamAV's suffix for unofficial
databases).
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

import pytest

from exchange import actions
from exchange.models import Document, DocumentVersion
from exchange.pdf import make_text_pdf
from exchange.scanning import ScanUnavailable, command, scan_stream
from exchange.storage import exchange_storage
from exchange.uploads import InfectedUpload, UploadRejected, inspect_upload
from portal.audit.models import AuditEvent
from tests.exchange.conftest import make_expert, pdf_upload, share, text_upload
from tests.exchange.test_active_content import office, pdf_with_attachment
from tests.support import free_port, login_verified

# The EICAR anti-malware test file: exactly these 68 bytes.
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def stored_files() -> set[str]:
    root = exchange_storage().location
    return {
        os.path.join(folder, name)
        for folder, _, names in os.walk(root)
        for name in names
    }


def test_the_eicar_bytes_are_the_standard_test_file():
    assert len(EICAR) == 68
    assert hashlib.md5(EICAR).hexdigest() == "44d88612fea8a8f36de82e1278abb02f"  # noqa: S324


def test_clamd_answers_and_finds_the_test_file_by_itself():
    assert command("PING") == "PONG"
    assert command("VERSION").startswith("ClamAV ")
    assert scan_stream(io.BytesIO(EICAR)).signature.startswith("Eicar-Test-Signature")
    clean = scan_stream(io.BytesIO(b"clean notes\n"))
    assert not clean.infected
    assert clean.sha256 == hashlib.sha256(b"clean notes\n").hexdigest()


def test_the_eicar_file_is_refused_with_a_clear_message():
    with pytest.raises(InfectedUpload, match="found “Eicar-Test-Signature") as caught:
        inspect_upload(SimpleUploadedFile("notes.txt", EICAR))
    assert "nothing was stored" in caught.value.messages[0]
    assert caught.value.sha256 == hashlib.sha256(EICAR).hexdigest()


def test_malware_inside_a_document_is_refused():
    with pytest.raises(InfectedUpload):
        inspect_upload(SimpleUploadedFile("plan.docx", office({"word/x.txt": EICAR})))
    with pytest.raises(InfectedUpload):
        inspect_upload(
            SimpleUploadedFile("plan.pdf", pdf_with_attachment("eicar.txt", EICAR))
        )


def test_clean_files_are_scanned_and_accepted():
    for name, data in [
        ("notes.txt", b"clean notes\n"),
        ("plan.pdf", make_text_pdf("Plan", ["A paragraph."])),
        ("plan.docx", office({})),
    ]:
        facts = inspect_upload(SimpleUploadedFile(name, data))
        assert facts.scanned and facts.sha256 == hashlib.sha256(data).hexdigest()


@pytest.mark.django_db
def test_malware_is_audited_and_nothing_is_stored():
    owner = make_expert("NL")
    before = stored_files()
    with pytest.raises(InfectedUpload):
        share(owner, upload=SimpleUploadedFile("notes.txt", EICAR))
    assert not Document.objects.exists()
    assert stored_files() == before
    event = AuditEvent.objects.get(action="exchange.upload.malware_found")
    assert event.actor == owner and event.outcome == "denied"
    assert event.details["signature"].startswith("Eicar-Test-Signature")
    assert event.details["sha256"] == hashlib.sha256(EICAR).hexdigest()
    assert "notes.txt" not in str(event.details)  # references, not content


@pytest.mark.django_db
def test_a_new_version_with_malware_is_refused_and_audited_on_its_document():
    owner = make_expert("NL")
    document = share(owner)
    before = stored_files()
    with pytest.raises(InfectedUpload):
        actions.add_version(document, SimpleUploadedFile("v2.txt", EICAR), by=owner)
    assert document.versions.count() == 1
    assert stored_files() == before
    event = AuditEvent.objects.get(action="exchange.upload.malware_found")
    assert event.target_id == str(document.pk) and event.outcome == "denied"


@pytest.mark.django_db
def test_the_upload_form_shows_why_malware_is_refused():
    owner = make_expert("NL")
    client = login_verified(Client(), owner)
    response = client.post(
        reverse("exchange:create"),
        {
            "title": "Notes",
            "tier": "restricted",
            "file": SimpleUploadedFile("notes.txt", EICAR),
        },
    )
    assert response.status_code == 400
    assert "The malware scanner found" in response.content.decode()
    assert not Document.objects.exists()
    response = client.post(
        reverse("exchange:create"),
        {"title": "Plan", "tier": "restricted", "file": pdf_upload()},
    )
    assert response.status_code == 302
    assert DocumentVersion.objects.count() == 1


@pytest.mark.django_db
def test_an_unreachable_scanner_refuses_the_upload(settings):
    settings.CLAMD_URL = f"tcp://127.0.0.1:{free_port()}"
    owner = make_expert("NL")
    before = stored_files()
    with pytest.raises(ScanUnavailable):
        scan_stream(io.BytesIO(b"clean notes\n"))
    with pytest.raises(UploadRejected, match="cannot be checked for malware right now"):
        share(owner, upload=text_upload())
    assert not Document.objects.exists()
    assert stored_files() == before


def test_without_a_scanner_uploads_are_refused_unless_scanning_is_optional(
    settings, caplog
):
    settings.CLAMD_URL = None
    with pytest.raises(UploadRejected, match="cannot be checked for malware"):
        inspect_upload(text_upload())
    settings.EXCHANGE_SCAN_REQUIRED = False  # the demo's choice
    with caplog.at_level(logging.WARNING, logger="portal.exchange.scanning"):
        facts = inspect_upload(text_upload())
    assert not facts.scanned
    assert "without a malware scan" in caplog.text


def test_a_file_refused_for_its_type_is_refused_before_any_scan():
    """Files refused on their type never reach the scanner (nor cost a scan)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("eicar.com", EICAR)
    with pytest.raises(UploadRejected, match="application/zip") as caught:
        inspect_upload(SimpleUploadedFile("files.docx", buffer.getvalue()))
    assert not isinstance(caught.value, InfectedUpload)


def test_the_deploy_check_warns_when_no_scanner_is_configured(settings):
    from exchange.checks import check_malware_scanner

    assert check_malware_scanner(None) == []
    settings.CLAMD_URL = None
    (warning,) = check_malware_scanner(None)
    assert warning.id == "exchange.W001" and "every upload is refused" in warning.msg


@pytest.mark.parametrize(
    "reply", ["INSTREAM size limit exceeded. ERROR", "", "stream: lstat() failed"]
)
def test_a_reply_that_is_no_verdict_counts_as_no_scan(reply):
    from exchange.scanning import _parse

    with pytest.raises(ScanUnavailable):
        _parse(reply)
