"""Run in a process of its own by `test_at_rest`: the extracted-text migrations on a
fresh SQLite database (the demo's), from clear rows to sealed ones.

Usage: DATABASE_URL=sqlite:///<path> python -m tests.search.migrate_sqlite
Prints one JSON line with what the migrated table holds.
"""

from __future__ import annotations

import hashlib
import json
import os

import django


def main() -> None:
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from exchange import crypto
    from exchange.models import Document, DocumentVersion
    from portal.states.models import State
    from search.files import open_text
    from search.models import ExtractedText
    from tests.search.conftest import make_expert

    assert connection.vendor == "sqlite", connection.vendor
    # Only the apps the conversion touches (and what they depend on, the audit
    # trail included: creating an account is recorded), and the accounts table as
    # it is now: a whole project migration takes minutes on SQLite.
    for app in ("accounts", "audit", "exchange", "portal_search"):
        call_command("migrate", app, verbosity=0)
    author = make_expert(
        "migrate@example.org", State.objects.get(iso_code="NL"), "highly_confidential"
    )
    ring = crypto.keyring()

    def create(title, tier, body):
        # Rows as an upload leaves them (the file itself is not needed here).
        document = Document.objects.create(
            title=title, tier=tier, originating_state=author.state, owner=author
        )
        file_id = os.urandom(16)
        return DocumentVersion.objects.create(
            document=document,
            number=1,
            file_name="notes.txt",
            size=len(body),
            media_type="text/plain",
            sha256=hashlib.sha256(body).hexdigest(),
            uploaded_by=author,
            storage_name=f"unused/{file_id.hex()}",
            file_id=file_id.hex(),
            wrapped_key=crypto.wrap_key(os.urandom(32), file_id, ring.current),
            kek_id=ring.current_id,
        )

    kept = create("Kept", "restricted", b"kept body\n")
    withheld = create("Withheld", "highly_confidential", b"withheld body\n")
    call_command("migrate", "portal_search", "0001_outbox", verbosity=0)
    with connection.cursor() as cursor:
        for sha256, text in [
            (kept.sha256, "kept clear text"),
            (withheld.sha256, "withheld clear text"),
            ("0" * 64, "text of a file no version has"),
        ]:
            cursor.execute(
                "INSERT INTO portal_search_extractedtext"
                " (sha256, status, reason, text, extracted_at)"
                " VALUES (%s, 'ok', '', %s, CURRENT_TIMESTAMP)",
                [sha256, text],
            )
    call_command("migrate", "portal_search", verbosity=0)
    rows = list(ExtractedText.objects.all())
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM portal_search_extractedtext")
        raw = repr(cursor.fetchall())
    print(
        json.dumps(
            {
                "versions": [row.version_id for row in rows],
                "kept": kept.pk,
                "texts": [open_text(row.version, row).text for row in rows],
                "clear_in_table": "clear text" in raw,
            }
        )
    )


if __name__ == "__main__":
    main()
