"""Where encrypted exchange files live: a Django storage that never hands out URLs."""

from __future__ import annotations

from django.core.files.storage import FileSystemStorage, Storage, storages


class ExchangeFileSystemStorage(FileSystemStorage):
    """Local ciphertext files. Restricted files are served by the download view only,
    after the policy and the audit trail, so a direct URL must never exist."""

    def url(self, name: str | None) -> str:
        raise NotImplementedError("Exchange files have no URL; use the download view.")


def exchange_storage() -> Storage:
    """The storage configured as STORAGES["exchange"] (object storage by settings)."""
    return storages["exchange"]
