"""Upload checks: names, archives and types, before anything is stored."""

from __future__ import annotations

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile

import pytest

from exchange.uploads import UploadRejected, inspect_upload, sanitise_file_name

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def docx(entries: int = 3, padding: int = 0) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
            'package/2006/content-types"><Override PartName="/word/document.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.'
            'wordprocessingml.document.main+xml"/></Types>',
        )
        archive.writestr("_rels/.rels", "<Relationships/>")
        archive.writestr("word/document.xml", "<w:document/>" + " " * padding)
        for i in range(entries - 3):
            archive.writestr(f"word/media/part{i}.xml", "<x/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\x\\report.PDF", "report.pdf"),
        ("rapport\x00\x1b[31m.txt", "rapport_31m.txt"),
        ("...", "document"),
        ("a/b/" + "x" * 300 + ".docx", "x" * 145 + ".docx"),
        ('in"ject;ion.txt', "in_ject_ion.txt"),
    ],
)
def test_file_names_are_sanitised(given, expected):
    assert sanitise_file_name(given) == expected


def test_an_office_document_is_detected_from_its_content():
    facts = inspect_upload(SimpleUploadedFile("plan.docx", docx()))
    assert facts.media_type == DOCX


def test_a_zip_with_too_many_entries_is_refused_before_it_is_read(settings):
    settings.EXCHANGE_ZIP_MAX_ENTRIES = 10
    with pytest.raises(UploadRejected, match="more than the limit of 10"):
        inspect_upload(SimpleUploadedFile("plan.docx", docx(entries=11)))


def test_a_zip_bomb_is_refused_by_its_declared_unpacked_size(settings):
    settings.EXCHANGE_ZIP_MAX_UNPACKED_BYTES = 1_000_000
    bomb = docx(padding=2_000_000)
    assert len(bomb) < 50_000  # compresses well: the point of a bomb
    with pytest.raises(UploadRejected, match="would unpack to"):
        inspect_upload(SimpleUploadedFile("plan.docx", bomb))


def test_a_plain_zip_or_a_damaged_one_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("evil.sh", "rm -rf /")
    with pytest.raises(UploadRejected, match="application/zip"):
        inspect_upload(SimpleUploadedFile("files.docx", buffer.getvalue()))
    with pytest.raises(UploadRejected, match="damaged"):
        inspect_upload(SimpleUploadedFile("plan.docx", b"PK\x03\x04garbage" * 10))


def test_a_mislabeled_file_is_refused_with_the_detected_type():
    with pytest.raises(UploadRejected, match="its content is text/plain"):
        inspect_upload(SimpleUploadedFile("minutes.pdf", b"just text\n"))
