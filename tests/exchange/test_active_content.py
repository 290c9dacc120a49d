"""Active content in uploads: scripts and programs in PDFs, macros in documents."""

from __future__ import annotations

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from exchange.pdf import make_text_pdf
from exchange.uploads import UploadRejected, inspect_upload
from tests.exchange.test_uploads import docx

ODT = "application/vnd.oasis.opendocument.text"
PE_HEADER = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200


def _writer() -> PdfWriter:
    return PdfWriter(clone_from=PdfReader(io.BytesIO(make_text_pdf("Plan", ["x"]))))


def _bytes(writer: PdfWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _action(kind: str, **entries) -> DictionaryObject:
    action = DictionaryObject(
        {NameObject("/Type"): NameObject("/Action"), NameObject("/S"): NameObject(kind)}
    )
    for key, value in entries.items():
        action[NameObject(f"/{key}")] = TextStringObject(value)
    return action


def pdf_with_open_action(action: DictionaryObject) -> bytes:
    writer = _writer()
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)
    return _bytes(writer)


def pdf_with_document_js() -> bytes:
    """JavaScript in the document's names tree, run when the document opens."""
    writer = _writer()
    script = writer._add_object(_action("/JavaScript", JS="app.alert('hello');"))
    names = DictionaryObject(
        {NameObject("/Names"): ArrayObject([TextStringObject("init"), script])}
    )
    writer._root_object[NameObject("/Names")] = DictionaryObject(
        {NameObject("/JavaScript"): writer._add_object(names)}
    )
    return _bytes(writer)


def pdf_with_escaped_names() -> bytes:
    """`/J#61vaScript` and `/J#53` are `/JavaScript` and `/JS` to a PDF reader."""
    data = pdf_with_open_action(_action("/JavaScript", JS="app.alert(1);"))
    return data.replace(b"/S /JavaScript", b"/S /J#61vaScript").replace(
        b"/JS ", b"/J#53 "
    )


def pdf_with_page_aa() -> bytes:
    writer = _writer()
    page = writer.pages[0]
    page[NameObject("/AA")] = DictionaryObject(
        {NameObject("/O"): _action("/JavaScript", JS="app.launchURL('x');")}
    )
    return _bytes(writer)


def pdf_with_annotation_launch() -> bytes:
    writer = _writer()
    annotation = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Link"),
            NameObject("/Rect"): ArrayObject([NumberObject(n) for n in (0, 0, 9, 9)]),
            NameObject("/A"): _action("/Launch", F="cmd.exe"),
        }
    )
    writer.pages[0][NameObject("/Annots")] = ArrayObject(
        [writer._add_object(annotation)]
    )
    return _bytes(writer)


def pdf_with_xfa() -> bytes:
    writer = _writer()
    writer._root_object[NameObject("/AcroForm")] = DictionaryObject(
        {
            NameObject("/Fields"): ArrayObject(),
            NameObject("/XFA"): TextStringObject("<xdp:xdp/>"),
        }
    )
    return _bytes(writer)


def pdf_with_attachment(name: str, data: bytes) -> bytes:
    writer = _writer()
    writer.add_attachment(name, data)
    return _bytes(writer)


def zipped(parts: dict[str, str | bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def office(extra: dict[str, str | bytes], content_types: str = "") -> bytes:
    """A minimal DOCX with `extra` parts added."""
    source = zipfile.ZipFile(io.BytesIO(docx()))
    parts = {info.filename: source.read(info) for info in source.infolist()}
    if content_types:
        parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
            b"</Types>", content_types.encode() + b"</Types>"
        )
    return zipped({**parts, **extra})


def odt(extra: dict[str, str | bytes] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        # The media type comes first and unstored, as OpenDocument requires.
        archive.writestr("mimetype", ODT, compress_type=zipfile.ZIP_STORED)
        archive.writestr(
            "content.xml",
            '<?xml version="1.0"?><office:document-content xmlns:office='
            '"urn:oasis:names:tc:opendocument:xmlns:office:1.0"/>',
        )
        archive.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0"?><manifest:manifest xmlns:manifest='
            '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>',
        )
        for name, content in (extra or {}).items():
            archive.writestr(name, content)
    return buffer.getvalue()


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


@pytest.mark.parametrize(
    "data",
    [
        pdf_with_document_js,
        lambda: pdf_with_open_action(_action("/JavaScript", JS="app.alert(1);")),
        pdf_with_page_aa,
        pdf_with_escaped_names,
    ],
    ids=["names-tree", "open-action", "page-additional-action", "escaped-names"],
)
def test_a_pdf_with_javascript_is_refused(data):
    with pytest.raises(UploadRejected, match="This PDF contains JavaScript"):
        inspect_upload(upload("plan.pdf", data()))


@pytest.mark.parametrize(
    "data",
    [
        lambda: pdf_with_open_action(_action("/Launch", F="calc.exe")),
        pdf_with_annotation_launch,
    ],
    ids=["open-action", "link-annotation"],
)
def test_a_pdf_with_a_launch_action_is_refused(data):
    with pytest.raises(UploadRejected, match="launch action"):
        inspect_upload(upload("plan.pdf", data()))


def test_a_pdf_with_an_xfa_form_is_refused():
    with pytest.raises(UploadRejected, match="XFA form"):
        inspect_upload(upload("form.pdf", pdf_with_xfa()))


def test_a_pdf_carrying_a_program_or_an_active_pdf_is_refused():
    with pytest.raises(UploadRejected, match=r"does not accept \(application/x-dos"):
        inspect_upload(upload("plan.pdf", pdf_with_attachment("setup.exe", PE_HEADER)))
    nested = pdf_with_attachment("inner.pdf", pdf_with_document_js())
    with pytest.raises(UploadRejected, match="This PDF contains JavaScript"):
        inspect_upload(upload("plan.pdf", nested))
    with_macros = pdf_with_attachment(
        "inner.docx", office({"word/vbaProject.bin": b"x"})
    )
    with pytest.raises(UploadRejected, match="contains macros"):
        inspect_upload(upload("plan.pdf", with_macros))


def test_a_clean_pdf_is_accepted_with_its_harmless_attachment_and_link():
    assert inspect_upload(upload("plan.pdf", make_text_pdf("Plan", ["x"])))
    uri = pdf_with_open_action(_action("/URI", URI="https://www.iaea.org/"))
    assert inspect_upload(upload("plan.pdf", uri)).media_type == "application/pdf"
    attached = pdf_with_attachment("figures.csv", b"year,count\n2024,3\n")
    assert inspect_upload(upload("plan.pdf", attached)).media_type == "application/pdf"


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("plan.docx", office({"word/vbaProject.bin": b"\xd0\xcf\x11\xe0macros"})),
        ("plan.docx", office({"word/vbaData.xml": "<wne:vbaSuppData/>"})),
        (
            "plan.docx",
            office(
                {"word/project.dat": b"\xd0\xcf\x11\xe0"},
                '<Override PartName="/word/project.dat" ContentType='
                '"application/vnd.ms-office.vbaProject"/>',
            ),
        ),
        (
            "plan.docx",
            office(
                {},
                '<Override PartName="/word/document.xml" ContentType="application/'
                'vnd.ms-word.document.macroEnabled.main+xml"/>',
            ),
        ),
    ],
    ids=["vba-project", "vba-data", "vba-under-another-name", "docm-renamed"],
)
def test_an_office_document_with_macros_is_refused(name, data):
    with pytest.raises(UploadRejected, match="This document contains macros"):
        inspect_upload(upload(name, data))


@pytest.mark.parametrize(
    "part",
    [
        "word/activeX/activeX1.xml",
        "word/activeX/activeX1.bin",
        "word/embeddings/oleObject1.bin",
        "word/embeddings/Microsoft_Excel_Macro-Enabled_Worksheet.xlsm",
    ],
)
def test_an_office_document_with_controls_or_embedded_programs_is_refused(part):
    with pytest.raises(UploadRejected, match="ActiveX controls or embedded programs"):
        inspect_upload(upload("plan.docx", office({part: b"x"})))


@pytest.mark.parametrize(
    "part",
    [
        "Basic/Standard/Module1.xml",
        "Scripts/python/macro.py",
        "Object 1/Basic/script-lc.xml",
    ],
)
def test_an_opendocument_file_with_macros_or_scripts_is_refused(part):
    with pytest.raises(UploadRejected, match="macros or scripts"):
        inspect_upload(upload("minutes.odt", odt({part: "<x/>"})))


def test_clean_office_documents_are_accepted():
    assert inspect_upload(upload("minutes.odt", odt())).media_type == ODT
    chart = office({"word/embeddings/Microsoft_Excel_Worksheet.xlsx": b"PK"})
    assert inspect_upload(upload("plan.docx", chart)).file_name == "plan.docx"
