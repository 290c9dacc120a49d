"""The text of an exchange document's latest file, extracted once and cached."""

from __future__ import annotations

import logging

from search.extraction import Extraction, extract_text
from search.models import ExtractedText

logger = logging.getLogger(__name__)


def document_file_text(document) -> Extraction | None:
    """The extraction of the latest version's file, or None when it has no file."""
    # All versions are prefetched by the indexing queryset: no query per document.
    versions = list(document.versions.all())
    if not versions:
        return None
    version = max(versions, key=lambda v: v.number)
    return version_text(
        version, ExtractedText.objects.filter(sha256=version.sha256).first()
    )


def version_text(version, cached: ExtractedText | None) -> Extraction:
    """The extraction of `version`'s file: `cached` (its stored row) when there is
    one, else extracted now and stored for the next time."""
    if cached is not None:
        return Extraction(cached.text, cached.status, cached.reason)
    data = read_version_plaintext(version)
    if data is None:
        # Not cached: the next index of this document tries again.
        return Extraction("", "failed", "the file could not be read")
    extraction = extract_text(
        data, file_name=version.file_name, media_type=version.media_type
    )
    ExtractedText.objects.update_or_create(
        sha256=version.sha256,
        defaults={
            "status": extraction.status,
            "reason": extraction.reason,
            "text": extraction.text,
        },
    )
    return extraction


def read_version_plaintext(version) -> bytes | None:
    """The decrypted, verified bytes of `version`, through the exchange's decryptor.

    Read for indexing only, never served: the download view and its audit stay the
    only way a person gets the file. A file that fails verification is not indexed.
    """
    from exchange.downloads import open_decryptor

    try:
        handle, decryptor = open_decryptor(version)
        try:
            return b"".join(decryptor)
        finally:
            handle.close()
    except Exception:
        logger.exception("search: could not read the file of %s", version)
        return None
