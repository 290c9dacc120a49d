"""Every download carries its tier and its reader, read back from the file itself."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

import docx
import openpyxl
import pytest

from exchange.marking import without_cover
from portal.accounts.roles import Role
from portal.audit.models import AuditEvent
from portal.tiers import Tier
from tests.exchange.conftest import make_expert, read_stream, share
from tests.exchange.formats import (
    docx_headers_and_footers,
    odt_headers_and_footers,
    pdf_lines_near_top,
    pdf_pages_text,
    upload_of,
    xlsx_headers_and_footers,
)
from tests.support import artifact_path, assert_not_found, login_verified

pytestmark = pytest.mark.django_db

PAGE_HEADERS = {"docx": docx_headers_and_footers, "odt": odt_headers_and_footers}

TIERS = {
    "public": "PUBLIC",
    "restricted": "RESTRICTED",
    "confidential": "CONFIDENTIAL",
    "highly_confidential": "HIGHLY CONFIDENTIAL",
}


def _shared(tier: str, kind: str):
    """A document of `tier` holding a `kind` file, and a reader it reaches."""
    owner = make_expert("NL", clearance="highly_confidential")
    reader = make_expert(
        "BE", clearance="highly_confidential", first_name="Anneke", last_name="Peeters"
    )
    if tier == "highly_confidential":
        sharing = {"users": [reader]}
    else:
        sharing = {"states": [reader.state]}
    document = share(owner, tier=tier, upload=upload_of(kind), **sharing)
    return owner, reader, document


def _download(reader, document) -> tuple[bytes, str]:
    response = login_verified(Client(), reader).get(
        reverse("exchange:download_latest", args=[document.pk])
    )
    assert response.status_code == 200
    body = read_stream(response)
    assert response["Content-Length"] == str(len(body))
    event = AuditEvent.objects.filter(
        action="exchange.document.downloaded", actor=reader
    ).latest("sequence")
    assert event.details["marked"] is True
    return body, event.details["download_id"]


def _assert_marking(text: str, tier: str, download_id: str, *, record=True):
    assert f"{TIERS[tier]} - downloaded by Anneke Peeters, Belgium" in text
    assert f"download {download_id} - do not forward" in text
    assert "UTC" in text  # the time, in the portal's format
    if record:
        assert f"/exchange/downloads/{download_id}/" in text


@pytest.mark.parametrize("tier", list(TIERS))
def test_pdfs_are_stamped_with_the_tier_and_the_reader_on_every_page(tier):
    _, reader, document = _shared(tier, "pdf")
    body, download_id = _download(reader, document)
    pages = pdf_pages_text(body)
    assert pages
    assert pdf_lines_near_top(body) == [[TIERS[tier]]] * len(pages)
    for text in pages:
        _assert_marking(text, tier, download_id)
        assert text.count("Belgium") == 1  # the State once


@pytest.mark.parametrize("kind", list(PAGE_HEADERS))
@pytest.mark.parametrize("tier", list(TIERS))
def test_documents_carry_the_marking_in_their_header_and_footer(tier, kind):
    _, reader, document = _shared(tier, kind)
    body, download_id = _download(reader, document)
    header, footer = PAGE_HEADERS[kind](body)
    _assert_marking(header, tier, download_id, record=False)
    _assert_marking(footer, tier, download_id)
    if kind == "docx":
        assert "Page footer of the author" in footer  # what was there stays
        text = [p.text for p in docx.Document(io.BytesIO(body)).paragraphs]
        assert text == ["Inventory of sealed sources."]
    else:  # still an OpenDocument package: its type first, as readers expect
        assert body.startswith(b"PK") and body[30:38] == b"mimetype"


@pytest.mark.parametrize("tier", list(TIERS))
def test_spreadsheets_carry_the_marking_in_their_header_and_footer(tier):
    _, reader, document = _shared(tier, "xlsx")
    body, download_id = _download(reader, document)
    header, footer = xlsx_headers_and_footers(body)
    assert f"{TIERS[tier]} - downloaded by Anneke Peeters, Belgium" in header
    assert "Author's header" in header
    assert footer.startswith(TIERS[tier])
    assert f"download {download_id} - do not forward" in footer
    sheet = openpyxl.load_workbook(io.BytesIO(body)).worksheets[0]
    assert [c.value for c in sheet[2]] == ["Cs-137", 3.2]


@pytest.mark.parametrize("tier", list(TIERS))
def test_text_files_arrive_inside_a_cover_notice(tier):
    _, reader, document = _shared(tier, "txt")
    body, download_id = _download(reader, document)
    text = body.decode("utf-8")
    head, _, rest = text.partition("==== end of marking ====")
    assert head.startswith(f"==== {TIERS[tier]} ====\n")
    _assert_marking(head, tier, download_id)
    assert rest.rstrip().endswith(
        f"==== {TIERS[tier]} - download {download_id} - end of document ===="
    )
    assert without_cover(body) == "Cs-137, 3 sources \u2013 sealed\n".encode()


def test_a_file_that_cannot_be_marked_is_refused_with_a_message_and_audited():
    owner = make_expert("NL")
    reader = make_expert("BE")
    latin1 = SimpleUploadedFile(
        "sources.txt", "Activité des sources scellées\n".encode("latin-1")
    )
    document = share(owner, states=[reader.state], upload=latin1)
    response = login_verified(Client(), reader).get(
        reverse("exchange:download_latest", args=[document.pk])
    )
    assert response.status_code == 409
    content = response.content.decode()
    assert "cannot be marked with its tier and your name" in content
    assert "not in UTF-8 or UTF-16" in content
    assert "Activit" not in content
    refused = AuditEvent.objects.get(action="exchange.document.download_refused")
    assert refused.outcome == "failure"
    assert refused.actor == reader
    assert refused.details["refusal"] == "unmarkable"
    assert not AuditEvent.objects.filter(action="exchange.document.downloaded").exists()


def test_the_download_id_leads_the_focal_point_to_that_downloads_record():
    owner, reader, document = _shared("confidential", "txt")
    body, download_id = _download(reader, document)
    _download_again = login_verified(Client(), reader).get(
        reverse("exchange:download_latest", args=[document.pk])
    )
    read_stream(_download_again)
    url = reverse("exchange:download_record", args=[download_id])
    assert url in body.decode()
    focal = make_expert("NL", roles=[Role.FOCAL_POINT])
    for person in (owner, focal):
        client = login_verified(Client(), person)
        response = client.get(url)
        assert response.status_code == 302
        page = client.get(response["Location"])
        rows = page.content.decode().split("<tbody>")[-1]
        assert rows.count("<tr>") == 1  # that download, not the other one
        assert download_id in rows and "Anneke Peeters" in rows
    # The reader, another expert of the owner's State, and a made-up id: 404.
    for person in (reader, make_expert("NL")):
        assert_not_found(login_verified(Client(), person).get(url))
    missing = reverse("exchange:download_record", args=["0" * 32])
    assert_not_found(login_verified(Client(), owner).get(missing))


def test_marked_office_files_still_open_in_libreoffice(tmp_path):
    files = []
    for kind in ("docx", "xlsx", "odt"):
        _, reader, document = _shared("confidential", kind)
        body, download_id = _download(reader, document)
        path = tmp_path / f"marked-{kind}.{kind}"
        path.write_bytes(body)
        files.append((path, download_id))
    profile = tmp_path / "profile"
    result = subprocess.run(
        [
            "/usr/bin/libreoffice",
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path / "pdf"),
            *(str(path) for path, _ in files),
        ],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    for path, download_id in files:
        converted = tmp_path / "pdf" / f"{path.stem}.pdf"
        assert converted.exists(), (path.name, result.stdout, result.stderr)
        Path(artifact_path(f"libreoffice-{path.suffix[1:]}.pdf")).write_bytes(
            converted.read_bytes()
        )
        text = "\n".join(pdf_pages_text(converted.read_bytes()))
        assert "CONFIDENTIAL - downloaded by Anneke Peeters, Belgium" in text, path
        assert download_id in text, path


def test_markings_speak_the_readers_language_and_pdfs_stay_in_latin_script():
    _, reader, pdf_document = _shared("confidential", "pdf")
    reader.language = "ru"
    reader.save(update_fields=["language"])
    with translation.override("ru"):
        russian = translation.gettext("%(tier)s - downloaded by %(name)s, %(state)s")
        russian_tier = str(Tier.CONFIDENTIAL.label).upper()
    assert russian_tier != "CONFIDENTIAL"
    assert "downloaded by" not in russian  # the catalogue is compiled
    # A PDF's standard font has no Cyrillic: its marking stays in English.
    body, download_id = _download(reader, pdf_document)
    for text in pdf_pages_text(body):
        _assert_marking(text, "confidential", download_id)
        assert "?" not in text.replace(f"/exchange/downloads/{download_id}/", "")
    # A Word document's marking is in the reader's language.
    owner = pdf_document.owner
    docx_document = share(
        owner,
        tier="confidential",
        upload=upload_of("docx"),
        states=[reader.state],
    )
    body, download_id = _download(reader, docx_document)
    header, _footer = docx_headers_and_footers(body)
    expected = russian % {
        "tier": russian_tier,
        "name": "Anneke Peeters",
        "state": "Belgium",
    }
    assert expected in header
