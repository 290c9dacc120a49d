"""The text of an exchange document's latest file, extracted once and kept encrypted.

The extracted text is sealed under a key derived from the version's data key (see
`search.models.ExtractedText`), so the database holds it no more in clear than the
file storage holds the file. Highly confidential documents are searchable by their
metadata only: their files are never extracted, and a row left from a lower tier is
deleted when the document is next indexed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from search.extraction import Extraction, extract_text
from search.models import ExtractedText

logger = logging.getLogger(__name__)

TEXT_PURPOSE = "search extracted text"
WITHHELD = Extraction(
    "", "withheld", "highly confidential: searchable by its metadata only"
)


def is_metadata_only(tier: str) -> bool:
    """Whether documents of `tier` keep their file text out of every search store."""
    from portal.tiers import Tier

    return tier == Tier.HIGHLY_CONFIDENTIAL


def document_file_text(document) -> Extraction | None:
    """The extraction of the latest version's file, or None when it has no file."""
    # All versions are prefetched by the indexing queryset: no query per document.
    versions = list(document.versions.all())
    if not versions:
        return None
    if is_metadata_only(document.tier):
        forget_texts([v.pk for v in versions])
        return WITHHELD
    version = max(versions, key=lambda v: v.number)
    return version_text(version, ExtractedText.objects.filter(version=version).first())


def forget_texts(version_ids: Iterable[int]) -> None:
    """Delete the stored texts of these versions (their document became metadata
    only)."""
    ExtractedText.objects.filter(version_id__in=list(version_ids)).delete()


def version_text(version, cached: ExtractedText | None) -> Extraction:
    """The extraction of `version`'s file: `cached` (its stored row) when there is
    one that opens, else extracted now and stored for the next time."""
    if cached is not None:
        opened = open_text(version, cached)
        if opened is not None:
            return opened
    data = read_version_plaintext(version)
    if data is None:
        # Not cached: the next index of this document tries again.
        return Extraction("", "failed", "the file could not be read")
    extraction = extract_text(
        data, file_name=version.file_name, media_type=version.media_type
    )
    store_text(version, extraction)
    return extraction


def store_text(version, extraction: Extraction) -> None:
    """Keep `extraction` for `version`, its text sealed under the version's key."""
    from exchange import crypto
    from exchange.downloads import data_key_of

    nonce, ciphertext = crypto.seal_derived(
        extraction.text.encode(),
        data_key=data_key_of(version),
        file_id=bytes.fromhex(version.file_id),
        purpose=TEXT_PURPOSE,
    )
    ExtractedText.objects.update_or_create(
        version=version,
        defaults={
            "status": extraction.status,
            "reason": extraction.reason,
            "nonce": nonce,
            "ciphertext": ciphertext,
        },
    )


def open_text(version, cached: ExtractedText) -> Extraction | None:
    """The stored extraction of `version`, or None when it does not open (its key
    is not configured, or the row does not verify): it is then extracted again."""
    from exchange import crypto
    from exchange.downloads import data_key_of

    try:
        text = crypto.open_derived(
            bytes(cached.nonce),
            bytes(cached.ciphertext),
            data_key=data_key_of(version),
            file_id=bytes.fromhex(version.file_id),
            purpose=TEXT_PURPOSE,
        ).decode()
    except (crypto.TamperedFile, ValueError) as error:
        logger.warning("search: stored text of %s does not open: %s", version, error)
        return None
    return Extraction(text, cached.status, cached.reason)


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
