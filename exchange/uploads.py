"""Checking an uploaded file before anything is stored: size, type, name, archives.

The media type is detected from the content with libmagic, never taken from the
client; the file name's extension must agree with it. Zip-based office files are
checked for their entry count and declared unpacked size from the central directory
before libmagic or anything else looks inside, and are never unpacked.

Active content is refused, not cleaned: PDFs with JavaScript, launch actions, XFA
forms or embedded files that are not plain documents; office files carrying macros
(`vbaProject.bin`), ActiveX controls or embedded OLE objects; OpenDocument files
carrying Basic or script libraries. The person is told what to remove. Last, the
file is scanned for malware by ClamAV (exchange/scanning.py).
"""

from __future__ import annotations

import io
import logging
import os
import re
import unicodedata
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat

import magic

from exchange.pdf import ActivePdf, UnreadablePdf, check_pdf, find_active_content
from exchange.scanning import ScanResult, ScanUnavailable, scan_upload

logger = logging.getLogger("portal.exchange.uploads")

ZIP_SIGNATURE = b"PK\x03\x04"
MAX_NAME_LENGTH = 150
_UNSAFE = re.compile(r"[^\w.\- ()+,]", re.UNICODE)
# Office parts that hold programs: VBA projects (also in .docm/.xlsm/.pptm renamed
# to .docx), ActiveX controls, OLE objects (which can wrap any program), and
# macro-enabled documents embedded in a document.
_OFFICE_MACRO = re.compile(r"(^|/)vbaproject\.bin$|(^|/)vbadata\.xml$", re.IGNORECASE)
_OFFICE_ACTIVEX = re.compile(r"(^|/)activex/", re.IGNORECASE)
_OFFICE_OLE = re.compile(
    r"(^|/)embeddings/.*\.(bin|docm|xlsm|pptm|dotm|xltm|potm|xlsb|exe|dll|js|vbs)$",
    re.IGNORECASE,
)
# OpenDocument macro and script libraries, in the document or an embedded object.
_ODF_SCRIPTS = re.compile(r"(^|/)(basic|scripts)/", re.IGNORECASE)
_MACRO_CONTENT_TYPES = (
    b"macroenabled",
    b"application/vnd.ms-office.vbaproject",
    b"application/vnd.ms-office.activex",
)
# Files a PDF may carry as attachments besides the exchange's accepted types.
_HARMLESS_EMBEDDED_TYPES = frozenset(
    {"image/png", "image/jpeg", "image/gif", "image/tiff", "text/plain", "text/csv"}
)
_CONTENT_TYPES_MAX_BYTES = 1024 * 1024

MACROS_REFUSED = (
    "This document contains macros, which the exchange does not accept. Save it "
    "without macros (as .docx, .xlsx or .odt) and upload again."
)
ACTIVEX_REFUSED = (
    "This document contains ActiveX controls or embedded programs, which the "
    "exchange does not accept. Remove them and upload again."
)


class UploadRejected(ValidationError):
    """The upload cannot be accepted; the message says why, for the person."""


class InfectedUpload(UploadRejected):
    """The malware scanner found `signature` in the upload (whose hash is `sha256`)."""

    def __init__(self, signature: str, sha256: str) -> None:
        super().__init__(
            f"The malware scanner found “{signature}” in this file, so the exchange "
            "does not accept it and nothing was stored. Check the file with your "
            "security team; the attempt is recorded."
        )
        self.signature = signature
        self.sha256 = sha256


SCAN_UNAVAILABLE = (
    "The file cannot be checked for malware right now, so it was not stored. "
    "Please try again in a few minutes."
)


@dataclass(frozen=True)
class UploadFacts:
    file_name: str
    media_type: str
    size: int
    sha256: str
    scanned: bool


def sanitise_file_name(name: str) -> str:
    """A safe, short display and download name: no paths, controls or odd marks."""
    name = unicodedata.normalize("NFKC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = _UNSAFE.sub("_", name).strip(" .")
    stem, ext = os.path.splitext(name)
    ext = ext.lower()[:10]
    stem = stem[: MAX_NAME_LENGTH - len(ext)] or "document"
    return f"{stem}{ext}"


def _describe(types) -> str:
    names = sorted({ext for exts in types.values() for ext in exts})
    return ", ".join(names)


def _check_zip(upload: UploadedFile) -> None:
    upload.seek(0)
    try:
        archive = zipfile.ZipFile(upload)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise UploadRejected("The file looks like an archive but is damaged.") from None
    with archive:
        _check_archive(archive)


def _check_archive(archive: zipfile.ZipFile) -> None:
    entries = archive.infolist()
    if len(entries) > settings.EXCHANGE_ZIP_MAX_ENTRIES:
        raise UploadRejected(
            f"The document holds {len(entries)} parts, more than the limit of "
            f"{settings.EXCHANGE_ZIP_MAX_ENTRIES}."
        )
    unpacked = sum(entry.file_size for entry in entries)
    if unpacked > settings.EXCHANGE_ZIP_MAX_UNPACKED_BYTES:
        raise UploadRejected(
            f"The document would unpack to {filesizeformat(unpacked)}, more than "
            f"the limit of {filesizeformat(settings.EXCHANGE_ZIP_MAX_UNPACKED_BYTES)}."
        )
    _check_active_parts(archive, entries)


def _check_active_parts(archive: zipfile.ZipFile, entries) -> None:
    """Refuse office and OpenDocument files that carry macros or controls.

    Judged by part names, and by the declared content types (a VBA project can be
    stored under any name): only `[Content_Types].xml` is read, within a size cap.
    """
    for entry in entries:
        name = entry.filename
        if _OFFICE_MACRO.search(name):
            raise UploadRejected(MACROS_REFUSED)
        if _OFFICE_ACTIVEX.search(name) or _OFFICE_OLE.search(name):
            raise UploadRejected(ACTIVEX_REFUSED)
        if _ODF_SCRIPTS.search(name):
            raise UploadRejected(
                "This document contains macros or scripts (Basic or Scripts "
                "libraries), which the exchange does not accept. Save it without "
                "macros and upload again."
            )
        if (
            name == "[Content_Types].xml"
            and entry.file_size <= _CONTENT_TYPES_MAX_BYTES
        ):
            try:
                declared = archive.read(entry).lower()
            except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError):
                raise UploadRejected(
                    "The file looks like an archive but is damaged."
                ) from None
            if any(marker in declared for marker in _MACRO_CONTENT_TYPES):
                raise UploadRejected(MACROS_REFUSED)


def _detect(upload: UploadedFile) -> str:
    path = getattr(upload, "temporary_file_path", None)
    if path is not None:
        return magic.from_file(path(), mime=True)
    upload.seek(0)
    return magic.from_buffer(upload.read(), mime=True)


def scan_or_refuse(upload) -> ScanResult:
    """The malware scan of a clean upload; raises UploadRejected without a verdict
    and InfectedUpload when the scanner finds something."""
    try:
        scan = scan_upload(upload)
    except ScanUnavailable as error:
        logger.error("upload refused, the malware scan failed: %s", error)
        raise UploadRejected(SCAN_UNAVAILABLE) from None
    if scan.signature is not None:
        raise InfectedUpload(scan.signature, scan.sha256)
    return scan


def inspect_upload(upload: UploadedFile | None) -> UploadFacts:
    """The facts of an acceptable upload; raises UploadRejected with a clear message."""
    if upload is None:
        raise UploadRejected("Choose a file to upload.")
    if not upload.size:
        raise UploadRejected("The file is empty.")
    if upload.size > settings.EXCHANGE_MAX_UPLOAD_BYTES:
        raise UploadRejected(
            f"The file is {filesizeformat(upload.size)}, more than the limit of "
            f"{filesizeformat(settings.EXCHANGE_MAX_UPLOAD_BYTES)}."
        )
    file_name = sanitise_file_name(upload.name or "")
    upload.seek(0)
    if upload.read(len(ZIP_SIGNATURE)) == ZIP_SIGNATURE:
        _check_zip(upload)
    allowed = settings.EXCHANGE_ALLOWED_MEDIA_TYPES
    media_type = _detect(upload)
    upload.seek(0)
    if media_type not in allowed:
        raise UploadRejected(
            f"Files of this type ({media_type}) are not accepted. "
            f"Accepted: {_describe(allowed)}."
        )
    extension = os.path.splitext(file_name)[1]
    if extension not in allowed[media_type]:
        raise UploadRejected(
            f"The file name ends in “{extension or 'nothing'}” but its content is "
            f"{media_type}: rename it to {' or '.join(allowed[media_type])}, "
            "or choose the right file."
        )
    if media_type == "application/pdf":
        try:
            data = upload.read()
            check_pdf(data)
            find_active_content(data, check_embedded=_check_embedded)
        except (UnreadablePdf, ActivePdf) as error:
            raise UploadRejected(str(error)) from None
        finally:
            upload.seek(0)
    scan = scan_or_refuse(upload)  # last, as the costliest check
    return UploadFacts(
        file_name=file_name,
        media_type=media_type,
        size=upload.size,
        sha256=scan.sha256,
        scanned=scan.scanned,
    )


def _check_embedded(data: bytes, depth: int) -> None:
    """A file attached inside a PDF: a plain document, itself free of active content."""
    if data[: len(ZIP_SIGNATURE)] == ZIP_SIGNATURE:
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, OSError, ValueError):
            raise UploadRejected(
                "This PDF carries a damaged archive as an attachment. Remove it and "
                "upload again."
            ) from None
        with archive:
            _check_archive(archive)
    media_type = magic.from_buffer(data, mime=True)
    if media_type == "application/pdf":
        find_active_content(data, check_embedded=_check_embedded, depth=depth)
    elif (
        media_type not in settings.EXCHANGE_ALLOWED_MEDIA_TYPES
        and media_type not in _HARMLESS_EMBEDDED_TYPES
    ):
        raise UploadRejected(
            f"This PDF carries an attached file of a type the exchange does not "
            f"accept ({media_type}). Remove the attachment and upload again."
        )
