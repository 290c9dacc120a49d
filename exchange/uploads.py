"""Checking an uploaded file before anything is stored: size, type, name, archives.

The media type is detected from the content with libmagic, never taken from the
client; the file name's extension must agree with it. Zip-based office files are
checked for their entry count and declared unpacked size from the central directory
before libmagic or anything else looks inside, and are never unpacked.
"""

from __future__ import annotations

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

from exchange.pdf import UnreadablePdf, check_pdf

ZIP_SIGNATURE = b"PK\x03\x04"
MAX_NAME_LENGTH = 150
_UNSAFE = re.compile(r"[^\w.\- ()+,]", re.UNICODE)


class UploadRejected(ValidationError):
    """The upload cannot be accepted; the message says why, for the person."""


@dataclass(frozen=True)
class UploadFacts:
    file_name: str
    media_type: str
    size: int


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
        with zipfile.ZipFile(upload) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise UploadRejected("The file looks like an archive but is damaged.") from None
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


def _detect(upload: UploadedFile) -> str:
    path = getattr(upload, "temporary_file_path", None)
    if path is not None:
        return magic.from_file(path(), mime=True)
    upload.seek(0)
    return magic.from_buffer(upload.read(), mime=True)


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
            check_pdf(upload.read())
        except UnreadablePdf as error:
            raise UploadRejected(str(error)) from None
        finally:
            upload.seek(0)
    return UploadFacts(file_name=file_name, media_type=media_type, size=upload.size)
