"""Sweeping what a crashed upload left behind: ciphertexts no row points to, and
Django's temporary upload files.

An upload is received into a temporary file (FILE_UPLOAD_TEMP_DIR), encrypted into
the exchange storage, and only then given its `DocumentVersion` row; a process
killed between those steps leaves files that nothing refers to and nothing would
ever remove. The sweep removes such files once they are older than a grace period
(an upload in progress on another process is younger), and records one audit event
with what it removed: counts and bytes, never names.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from exchange.models import DocumentVersion
from exchange.storage import exchange_storage
from portal.audit.actions import record

CIPHERTEXT_SUFFIX = ".nsix"
UPLOAD_MARK = ".upload"


@dataclass
class Swept:
    ciphertexts: int = 0
    uploads: int = 0
    bytes: int = 0

    @property
    def total(self) -> int:
        return self.ciphertexts + self.uploads


def _walk(storage, folder: str = ""):
    folders, files = storage.listdir(folder)
    for name in files:
        yield f"{folder}/{name}" if folder else name
    for child in folders:
        yield from _walk(storage, f"{folder}/{child}" if folder else child)


def sweep(*, grace: datetime.timedelta | None = None) -> Swept:
    """Remove orphans older than `grace` (EXCHANGE_ORPHAN_GRACE_SECONDS by default)."""
    if grace is None:
        grace = datetime.timedelta(seconds=settings.EXCHANGE_ORPHAN_GRACE_SECONDS)
    cutoff = timezone.now() - grace
    swept = Swept()
    storage = exchange_storage()
    known = set(DocumentVersion.objects.values_list("storage_name", flat=True))
    for name in _walk(storage):
        if not name.endswith(CIPHERTEXT_SUFFIX) or name in known:
            continue
        if storage.get_modified_time(name) >= cutoff:
            continue
        # Checked again just before removal: a version committed meanwhile keeps it.
        if DocumentVersion.objects.filter(storage_name=name).exists():
            continue
        swept.bytes += storage.size(name)
        storage.delete(name)
        swept.ciphertexts += 1
    folder = settings.FILE_UPLOAD_TEMP_DIR
    if folder and Path(folder).is_dir():
        for entry in os.scandir(folder):
            if not entry.is_file() or UPLOAD_MARK not in entry.name:
                continue
            stat = entry.stat()
            modified = datetime.datetime.fromtimestamp(stat.st_mtime, tz=datetime.UTC)
            if modified >= cutoff:
                continue
            Path(entry.path).unlink(missing_ok=True)
            swept.uploads += 1
            swept.bytes += stat.st_size
    if swept.total:
        record(
            "exchange.orphans.swept",
            target_type="exchange storage",
            details={
                "ciphertexts": swept.ciphertexts,
                "uploads": swept.uploads,
                "bytes": swept.bytes,
                "grace_seconds": int(grace.total_seconds()),
            },
        )
    return swept
