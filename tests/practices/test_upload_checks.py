"""CMS uploads are checked like the exchange's: documents fully, images for malware."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from wagtail.documents.models import Document
from wagtail.images.models import Image

import pytest

from exchange.pdf import make_text_pdf
from portal.accounts.models import User
from portal.audit.models import AuditEvent
from tests.exchange.test_active_content import _action, office, pdf_with_open_action
from tests.exchange.test_scanning import EICAR
from tests.support import login_verified

pytestmark = pytest.mark.django_db


def upload_document(client, name: str, data: bytes):
    return client.post(
        reverse("wagtaildocs:add"),
        {"title": name, "file": SimpleUploadedFile(name, data), "collection": 1},
    )


@pytest.fixture
def admin_client(client, site):
    admin = User.objects.create_superuser(
        email="admin@secretariat.example", password="correct horse battery staple"
    )
    return login_verified(client, admin)


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        (
            "plan.pdf",
            pdf_with_open_action(_action("/JavaScript", JS="app.alert(1);")),
            "This PDF contains JavaScript",
        ),
        ("plan.docx", office({"word/vbaProject.bin": b"x"}), "contains macros"),
        ("notes.txt", EICAR, "The malware scanner found"),
    ],
    ids=["pdf-javascript", "docx-macros", "eicar"],
)
def test_active_content_and_malware_are_refused_in_the_cms(
    admin_client, name, data, message
):
    response = upload_document(admin_client, name, data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Document.objects.filter(title=name).exists()


def test_malware_in_the_cms_is_audited_and_a_clean_pdf_is_accepted(admin_client):
    upload_document(admin_client, "notes.txt", EICAR)
    event = AuditEvent.objects.get(action="practices.document.malware_found")
    assert event.actor.email == "admin@secretariat.example"
    assert event.outcome == "denied"
    response = upload_document(admin_client, "plan.pdf", make_text_pdf("Plan", ["x"]))
    assert response.status_code == 302
    assert Document.objects.filter(title="plan.pdf").exists()


def png(extra: bytes = b"") -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, "PNG")
    return buffer.getvalue() + extra


def upload_image(client, name: str, data: bytes):
    return client.post(
        reverse("wagtailimages:add"),
        {"title": name, "file": SimpleUploadedFile(name, data), "collection": 1},
    )


def test_images_are_scanned_for_malware_in_the_cms(admin_client):
    response = upload_image(admin_client, "carrier.png", png(EICAR))
    assert response.status_code == 200
    assert "The malware scanner found" in response.content.decode()
    assert not Image.objects.filter(title="carrier.png").exists()
    event = AuditEvent.objects.get(action="practices.image.malware_found")
    assert event.outcome == "denied"
    assert upload_image(admin_client, "clean.png", png()).status_code == 302
    assert Image.objects.filter(title="clean.png").exists()
