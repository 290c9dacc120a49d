"""What a crashed upload leaves behind is swept, and nothing else is."""

from __future__ import annotations

import os
import time
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management import call_command

import pytest

from exchange.orphans import sweep
from exchange.storage import exchange_storage
from portal.audit.models import AuditEvent
from tests.exchange.conftest import make_expert, share

pytestmark = pytest.mark.django_db

SEVEN_HOURS = 7 * 3600


def _age(path: str, seconds: int) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_the_sweep_removes_old_orphans_and_keeps_stored_versions(capsys):
    storage = exchange_storage()
    document = share(make_expert("NL"))
    kept = document.versions.get().storage_name
    _age(storage.path(kept), SEVEN_HOURS)

    old_cipher = storage.save("2026/11/crashed.nsix", ContentFile(b"\x00" * 2600))
    young_cipher = storage.save("2026/12/in-progress.nsix", ContentFile(b"\x01" * 10))
    _age(storage.path(old_cipher), SEVEN_HOURS)
    uploads = Path(settings.FILE_UPLOAD_TEMP_DIR)
    old_upload = uploads / "tmpcrash.upload.pdf"
    old_upload.write_bytes(b"%PDF" + b"\x00" * 4000)
    _age(str(old_upload), SEVEN_HOURS)
    young_upload = uploads / "tmpnow.upload.docx"
    young_upload.write_bytes(b"PK")
    unrelated = uploads / "notes.txt"
    unrelated.write_bytes(b"not an upload")
    _age(str(unrelated), SEVEN_HOURS)

    call_command("sweep_exchange_orphans")

    assert (
        "Removed 1 unreferenced ciphertext(s) and 1 temporary upload(s), 6604 bytes"
        in (capsys.readouterr().out)
    )
    assert not storage.exists(old_cipher) and not old_upload.exists()
    assert storage.exists(kept), "a stored version's file was removed"
    assert storage.exists(young_cipher) and young_upload.exists()
    assert unrelated.exists()
    event = AuditEvent.objects.get(action="exchange.orphans.swept")
    assert event.details == {
        "ciphertexts": 1,
        "uploads": 1,
        "bytes": 6604,
        "grace_seconds": 6 * 3600,
    }
    assert "crashed" not in str(event.details)

    # Nothing left to sweep: no second event.
    assert sweep().total == 0
    assert AuditEvent.objects.filter(action="exchange.orphans.swept").count() == 1


def test_a_shorter_grace_reaches_younger_files():
    storage = exchange_storage()
    name = storage.save("2026/12/recent.nsix", ContentFile(b"\x02" * 50))
    _age(storage.path(name), 120)
    call_command("sweep_exchange_orphans", "--older-than", "3600")
    assert storage.exists(name)
    call_command("sweep_exchange_orphans", "--older-than", "60")
    assert not storage.exists(name)
