"""Text extraction from exchange files, and file text in search through the actions."""

from __future__ import annotations

import io
import zipfile

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

import pytest

from exchange import actions
from exchange.pdf import make_text_pdf
from exchange.policy import viewer_for_user
from exchange.storage import exchange_storage
from search import extraction, service
from search.extraction import extract_text
from search.files import open_text
from search.indexing import drain
from search.models import ExtractedText
from search.query import SearchParams
from tests.search.conftest import make_expert


def zipped(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def docx(*paragraphs: str) -> bytes:
    body = "".join(f"<w:p><w:r><w:t>{p}</w:t></w:r></w:p>" for p in paragraphs)
    document = f"<w:document {W}><w:body>{body}</w:body></w:document>"
    return zipped(
        {"[Content_Types].xml": b"<Types/>", "word/document.xml": document.encode()}
    )


def test_pdf_text_is_extracted():
    data = make_text_pdf("Vital area identification", ["Target sets and sabotage."])
    result = extract_text(data, file_name="report.pdf")
    assert result.status == "ok"
    assert "Vital area identification" in result.text
    assert "sabotage" in result.text


def test_docx_xlsx_and_odt_text_is_extracted():
    assert extract_text(docx("Guard tour", "Alarm assessment")).text == (
        "Guard tour Alarm assessment"
    )
    sheet = zipped(
        {
            "xl/workbook.xml": b"<workbook/>",
            "xl/sharedStrings.xml": b'<sst xmlns="x"><si><t>Source inventory</t></si>'
            b"<si><t>Category 1</t></si></sst>",
            "xl/worksheets/sheet1.xml": b'<worksheet xmlns="x"><row><c t="inlineStr">'
            b"<is><t>Cobalt-60</t></is></c></row></worksheet>",
        }
    )
    result = extract_text(sheet, file_name="sources.xlsx")
    assert result.status == "ok"
    assert "Source inventory" in result.text and "Cobalt-60" in result.text
    odt = zipped(
        {
            "mimetype": b"application/vnd.oasis.opendocument.text",
            "content.xml": b'<office:document-content xmlns:office="o" xmlns:text="t">'
            b"<office:body><text:h>Transport security</text:h>"
            b"<text:p>Escort <text:span>planning</text:span></text:p></office:body>"
            b"</office:document-content>",
        }
    )
    assert extract_text(odt, file_name="plan.odt").text == (
        "Transport security Escort planning"
    )


def test_plain_text_is_read_as_utf8():
    result = extract_text("Über die Sicherung\n".encode(), media_type="text/plain")
    assert (result.status, result.text) == ("ok", "Über die Sicherung")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"%PDF-1.7 this is not really a PDF", "unreadable file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00binary", "unsupported file type"),
        (b"PK\x03\x04 truncated archive", "unreadable file"),
        (
            zipped(
                {
                    "word/document.xml": b'<?xml version="1.0"?><!DOCTYPE x '
                    b'[<!ENTITY a "aaaa">]><w:document>&a;</w:document>'
                }
            ),
            "document type declaration is refused",
        ),
    ],
)
def test_unparseable_files_fail_with_a_reason(data, reason):
    result = extract_text(data, file_name="upload.docx")
    assert result.status == "failed" and result.text == ""
    assert reason in result.reason


def test_archives_are_checked_before_reading(monkeypatch):
    monkeypatch.setattr(extraction, "MAX_ZIP_ENTRIES", 5)
    many = zipped({f"word/header{i}.xml": b"<x/>" for i in range(6)})
    assert "more than 5 entries" in extract_text(many, file_name="a.docx").reason
    monkeypatch.setattr(extraction, "MAX_UNPACKED_BYTES", 1000)
    bomb = docx("A" * 5000)
    assert len(bomb) < 1000
    assert "unpacks to more than 1000 bytes" in extract_text(bomb).reason


@pytest.mark.django_db
def test_file_text_is_searchable_by_recipients_only(
    search_index, states, django_capture_on_commit_callbacks
):
    author = make_expert("author@example.org", states["NL"])
    reader = make_expert("reader@example.org", states["BE"])
    outsider = make_expert("outsider@example.org", states["DE"])
    pdf = make_text_pdf("Annual summary", ["Perimeter intrusion detection upgrade."])
    with django_capture_on_commit_callbacks(execute=True):
        document = actions.create_document(
            by=author,
            title="Annual summary",
            tier="restricted",
            states=[states["BE"]],
            upload=SimpleUploadedFile(
                "summary.pdf", pdf, content_type="application/pdf"
            ),
        )
    drain(refresh=True)
    version = document.versions.get()
    cached = ExtractedText.objects.get(version=version)
    assert cached.status == "ok" and b"intrusion" not in bytes(cached.ciphertext)
    assert "intrusion" in open_text(version, cached).text
    found = service.search(
        viewer_for_user(reader, verified=True), SearchParams(q="intrusion detection")
    )
    assert [h.title for h in found.hits] == ["Annual summary"]
    assert "<mark>intrusion</mark>" in " ".join(found.hits[0].highlights)
    hidden = service.search(
        viewer_for_user(outsider, verified=True), SearchParams(q="intrusion")
    )
    assert hidden.total == 0


@pytest.mark.django_db
def test_a_file_that_cannot_be_parsed_is_indexed_by_its_metadata(
    search_index, states, django_capture_on_commit_callbacks
):
    from search.client import alias_name, get_client

    author = make_expert("author@example.org", states["NL"])
    with django_capture_on_commit_callbacks() as callbacks:
        document = actions.create_document(
            by=author,
            title="Inventory export",
            tier="restricted",
            upload=SimpleUploadedFile("export.txt", b"Counts per site.\n"),
        )
    # The stored file is damaged before the index reads it: it fails verification.
    storage = exchange_storage()
    name = document.versions.get().storage_name
    with storage.open(name, "rb") as handle:
        damaged = bytearray(handle.read())
    damaged[-1] ^= 0xFF
    storage.delete(name)
    storage.save(name, ContentFile(bytes(damaged)))
    for callback in callbacks:
        callback()
    drain(refresh=True)
    source = get_client().get(index=alias_name("documents"), id=document.pk)["_source"]
    assert source["extraction_status"] == "failed"
    assert source["extraction_reason"] == "the file could not be read"
    assert not ExtractedText.objects.exists()  # tried again at the next change
    found = service.search(
        viewer_for_user(author, verified=True), SearchParams(q="inventory export")
    )
    assert [h.pk for h in found.hits] == [document.pk]
