"""Small office files for the marking tests, and reading their markings back."""

from __future__ import annotations

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile

import docx
import openpyxl
from lxml import etree
from pypdf import PdfReader

from exchange.marking import DOCX, ODT, XLSX
from exchange.pdf import make_text_pdf

_ODF_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_ODF_NS = (
    f'xmlns:office="{_ODF_OFFICE}" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:fo="urn:oasis:names:xmlns:xsl-fo-compatible:1.0" office:version="1.3"'
)


def docx_bytes(paragraph: str = "Inventory of sealed sources.") -> bytes:
    document = docx.Document()
    document.add_paragraph(paragraph)
    document.sections[0].footer.paragraphs[0].text = "Page footer of the author"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def xlsx_bytes() -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Sources"
    sheet.append(["Source", "Activity (GBq)"])
    sheet.append(["Cs-137", 3.2])
    sheet.oddHeader.left.text = "Author's header"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def odt_bytes(paragraph: str = "Inventory of sealed sources.") -> bytes:
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:'
        'manifest:1.0" manifest:version="1.3">'
        '<manifest:file-entry manifest:full-path="/" manifest:version="1.3" '
        f'manifest:media-type="{ODT}"/>'
        '<manifest:file-entry manifest:full-path="content.xml" '
        'manifest:media-type="text/xml"/>'
        '<manifest:file-entry manifest:full-path="styles.xml" '
        'manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f"<office:document-content {_ODF_NS}><office:body><office:text>"
        f"<text:p>{paragraph}</text:p>"
        "</office:text></office:body></office:document-content>"
    )
    styles = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f"<office:document-styles {_ODF_NS}><office:automatic-styles>"
        '<style:page-layout style:name="pm1"><style:page-layout-properties '
        'fo:page-width="21cm" fo:page-height="29.7cm"/>'
        "<style:header-style/><style:footer-style/></style:page-layout>"
        "</office:automatic-styles><office:master-styles>"
        '<style:master-page style:name="Standard" style:page-layout-name="pm1"/>'
        "</office:master-styles></office:document-styles>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype"), ODT, compress_type=zipfile.ZIP_STORED
        )
        for name, body in (
            ("META-INF/manifest.xml", manifest),
            ("content.xml", content),
            ("styles.xml", styles),
        ):
            archive.writestr(name, body, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def upload_of(kind: str) -> SimpleUploadedFile:
    files = {
        "pdf": ("sources.pdf", make_text_pdf("Sources", ["Cs-137"]), "application/pdf"),
        "docx": ("sources.docx", docx_bytes(), DOCX),
        "xlsx": ("sources.xlsx", xlsx_bytes(), XLSX),
        "odt": ("sources.odt", odt_bytes(), ODT),
        "txt": (
            "sources.txt",
            "Cs-137, 3 sources \u2013 sealed\n".encode(),
            "text/plain",
        ),
    }
    name, body, media_type = files[kind]
    return SimpleUploadedFile(name, body, content_type=media_type)


# --- Reading markings back


def pdf_pages_text(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def pdf_lines_near_top(data: bytes, within: float = 40) -> list[list[str]]:
    """Per page, the text drawn within `within` points of the page's top edge."""
    pages = []
    for page in PdfReader(io.BytesIO(data)).pages:
        top = float(page.mediabox.top)
        found: list[str] = []

        def visit(text, cm, tm, font, size, found=found, top=top):
            y = tm[5] * cm[3] + cm[5]
            if text.strip() and y >= top - within:
                found.append(text.strip())

        page.extract_text(visitor_text=visit)
        pages.append(found)
    return pages


def docx_headers_and_footers(data: bytes) -> tuple[str, str]:
    section = docx.Document(io.BytesIO(data)).sections[0]
    header = "\n".join(p.text for p in section.header.paragraphs)
    footer = "\n".join(p.text for p in section.footer.paragraphs)
    return header, footer


def xlsx_headers_and_footers(data: bytes) -> tuple[str, str]:
    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    return (
        " ".join(
            filter(None, [sheet.oddHeader.left.text, sheet.oddHeader.center.text])
        ),
        sheet.oddFooter.center.text or "",
    )


def odt_headers_and_footers(data: bytes) -> tuple[str, str]:
    styles = etree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read("styles.xml"))
    style = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"

    def text_of(name: str) -> str:
        parts = styles.iter(f"{{{style}}}{name}")
        return "\n".join("".join(part.itertext()) for part in parts)

    return text_of("header"), text_of("footer")
