"""Text extraction from exchange files: PDF, DOCX, XLSX, ODT and plain text.

Files come from other States' experts, so every parser runs under limits: zip
archives are checked for entry count and unpacked size before anything is read, XML
with a DOCTYPE (entity expansion) is refused, and the text kept is capped. A file that
cannot be parsed is never an error for the caller: it yields an `Extraction` with
status "failed" and a reason, and the document is indexed by its metadata alone.
"""

from __future__ import annotations

import io
import logging
import zipfile
from dataclasses import dataclass
from xml.etree import ElementTree as ET

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_ZIP_ENTRIES = 2_000
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_PDF_PAGES = 500
MAX_TEXT_CHARS = 1_000_000


@dataclass(frozen=True)
class Extraction:
    text: str
    status: str  # "ok", "empty" or "failed"
    reason: str = ""


class ExtractionError(Exception):
    """A file that cannot be read safely; the message becomes the recorded reason."""


def extract_text(
    data: bytes, *, file_name: str = "", media_type: str = ""
) -> Extraction:
    """The searchable text of one file; never raises."""
    try:
        if len(data) > MAX_FILE_BYTES:
            raise ExtractionError(f"file larger than {MAX_FILE_BYTES} bytes")
        kind = detect_kind(data, file_name=file_name, media_type=media_type)
        if kind is None:
            raise ExtractionError("unsupported file type")
        text = _EXTRACTORS[kind](data)
    except ExtractionError as exc:
        return Extraction("", "failed", str(exc)[:300])
    except Exception as exc:  # a malformed file must never stop indexing
        logger.info("text extraction failed for %s: %s", file_name, exc)
        return Extraction("", "failed", f"unreadable file ({type(exc).__name__})")
    text = " ".join(text.split())[:MAX_TEXT_CHARS]
    if not text:
        return Extraction("", "empty", "no text found in the file")
    return Extraction(text, "ok")


def detect_kind(data: bytes, *, file_name: str, media_type: str) -> str | None:
    """pdf, docx, xlsx, odt or text, from the content first and the name second."""
    name = file_name.lower()
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        for suffix in ("docx", "xlsx", "odt"):
            if name.endswith("." + suffix):
                return suffix
        names = _safe_zip(data).namelist()
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
        if "content.xml" in names:
            return "odt"
        return None
    if media_type.startswith("text/") or name.endswith((".txt", ".md", ".csv")):
        return "text"
    if b"\x00" not in data[:4096]:
        try:
            data[:4096].decode("utf-8")
        except UnicodeDecodeError:
            return None
        return "text"
    return None


def _safe_zip(data: bytes) -> zipfile.ZipFile:
    archive = zipfile.ZipFile(io.BytesIO(data))
    entries = archive.infolist()
    if len(entries) > MAX_ZIP_ENTRIES:
        raise ExtractionError(f"archive has more than {MAX_ZIP_ENTRIES} entries")
    if sum(entry.file_size for entry in entries) > MAX_UNPACKED_BYTES:
        raise ExtractionError(
            f"archive unpacks to more than {MAX_UNPACKED_BYTES} bytes"
        )
    return archive


def _read_member(archive: zipfile.ZipFile, name: str) -> bytes:
    # The declared size was checked; read no more than it in case it lies.
    info = archive.getinfo(name)
    with archive.open(info) as handle:
        content = handle.read(info.file_size + 1)
    if len(content) > info.file_size:
        raise ExtractionError("archive entry larger than declared")
    return content


def _parse_xml(content: bytes) -> ET.Element:
    if b"<!DOCTYPE" in content[:4096].upper() or b"<!ENTITY" in content.upper():
        raise ExtractionError("XML with a document type declaration is refused")
    return ET.fromstring(content)  # noqa: S314 (DOCTYPE and entities refused above)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _text_of(root: ET.Element, *, text_tags: set[str], break_tags: set[str]) -> str:
    parts: list[str] = []
    for element in root.iter():
        tag = _local(element.tag)
        if tag in text_tags and element.text:
            parts.append(element.text)
        elif tag in break_tags:
            parts.append("\n")
    return "".join(parts)


def _pdf(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted:
        raise ExtractionError("the PDF is encrypted")
    pages = reader.pages
    if len(pages) > MAX_PDF_PAGES:
        raise ExtractionError(f"PDF with more than {MAX_PDF_PAGES} pages")
    texts: list[str] = []
    size = 0
    for page in pages:
        text = page.extract_text() or ""
        texts.append(text)
        size += len(text)
        if size > MAX_TEXT_CHARS:
            break
    return "\n".join(texts)


def _docx(data: bytes) -> str:
    archive = _safe_zip(data)
    names = [
        n
        for n in archive.namelist()
        if n == "word/document.xml"
        or (
            n.startswith("word/")
            and n.rsplit("/", 1)[-1].startswith(("header", "footer"))
        )
    ]
    if "word/document.xml" not in names:
        raise ExtractionError("not a Word document (no word/document.xml)")
    return "\n".join(
        _text_of(
            _parse_xml(_read_member(archive, name)), text_tags={"t"}, break_tags={"p"}
        )
        for name in names
    )


def _xlsx(data: bytes) -> str:
    archive = _safe_zip(data)
    names = archive.namelist()
    texts: list[str] = []
    if "xl/sharedStrings.xml" in names:
        root = _parse_xml(_read_member(archive, "xl/sharedStrings.xml"))
        texts.append(_text_of(root, text_tags={"t"}, break_tags={"si"}))
    for name in sorted(n for n in names if n.startswith("xl/worksheets/sheet")):
        root = _parse_xml(_read_member(archive, name))
        # Inline strings only: numbers carry little meaning without their labels.
        texts.append(_text_of(root, text_tags={"t"}, break_tags={"row"}))
    if not texts and "xl/workbook.xml" not in names:
        raise ExtractionError("not a spreadsheet (no xl/workbook.xml)")
    return "\n".join(texts)


def _odt(data: bytes) -> str:
    archive = _safe_zip(data)
    if "content.xml" not in archive.namelist():
        raise ExtractionError("not an OpenDocument file (no content.xml)")
    root = _parse_xml(_read_member(archive, "content.xml"))
    parts: list[str] = []
    for element in root.iter():
        if _local(element.tag) in {"p", "h"}:
            parts.append("".join(element.itertext()))
    return "\n".join(parts)


def _plain(data: bytes) -> str:
    if b"\x00" in data[:4096]:
        raise ExtractionError("binary file, not text")
    return data[: MAX_TEXT_CHARS * 4].decode("utf-8", errors="replace")


_EXTRACTORS = {
    "pdf": _pdf,
    "docx": _docx,
    "xlsx": _xlsx,
    "odt": _odt,
    "text": _plain,
}
