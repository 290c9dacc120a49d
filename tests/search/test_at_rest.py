"""Restricted text at rest: encrypted in the database, withheld from search when
highly confidential, and still readable after the key-encryption key rotates."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import override_settings

import pytest

from exchange import actions, crypto
from exchange.policy import viewer_for_user
from exchange.storage import exchange_storage
from search import fallback, service
from search.client import alias_name, get_client
from search.files import TEXT_PURPOSE, document_file_text, open_text, version_text
from search.indexing import drain
from search.models import ExtractedText
from search.query import SearchParams
from tests.search.conftest import make_expert

pytestmark = pytest.mark.django_db


def unique_token() -> str:
    return "tok" + uuid.uuid4().hex[:16]


def upload_with(token: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(
        "notes.txt",
        f"Findings of the review.\nMarker {token} for the search test.\n".encode(),
        content_type="text/plain",
    )


def create(by, tier: str, token: str, capture, **sharing):
    with capture(execute=True):
        document = actions.create_document(
            by=by,
            title=sharing.pop("title", f"Review of {tier} measures"),
            tier=tier,
            upload=upload_with(token),
            **sharing,
        )
    drain(refresh=True)
    return document


def raw_index_hits(token: str) -> int:
    """Hits for `token` over every index under the test prefix, straight from ES."""
    client = get_client()
    everything = f"{django_settings.ELASTICSEARCH_INDEX_PREFIX}-*"
    client.indices.refresh(index=everything)
    found = client.search(
        index=everything,
        query={"query_string": {"query": token, "fields": ["*"], "lenient": True}},
    )
    return found["hits"]["total"]["value"]


def portal_search(user, q: str):
    return service.search(viewer_for_user(user, verified=True), SearchParams(q=q))


def fallback_search(user, q: str):
    return fallback.search(viewer_for_user(user, verified=True), SearchParams(q=q))


def test_highly_confidential_text_never_reaches_the_index_or_the_fallback(
    search_index, states, django_capture_on_commit_callbacks
):
    author = make_expert("hc@example.org", states["NL"], "highly_confidential")
    token = unique_token()
    document = create(
        author,
        "highly_confidential",
        token,
        django_capture_on_commit_callbacks,
        title="Vital area review",
    )
    source = get_client().get(index=alias_name("documents"), id=document.pk)["_source"]
    assert token not in json.dumps(source)
    assert source["file_text"] == ""
    assert source["extraction_status"] == "withheld"
    assert raw_index_hits(token) == 0
    assert not ExtractedText.objects.filter(version__document=document).exists()
    # Still found by its metadata, by the people it is shared with.
    assert [h.pk for h in portal_search(author, "vital area").hits] == [document.pk]
    assert portal_search(author, token).total == 0
    assert [h.pk for h in fallback_search(author, "vital area").hits] == [document.pk]
    assert fallback_search(author, token).total == 0


def test_confidential_text_is_searchable_by_entitled_people_only(
    search_index, states, django_capture_on_commit_callbacks
):
    author = make_expert("author@example.org", states["NL"])
    reader = make_expert("reader@example.org", states["BE"])
    outsider = make_expert("outsider@example.org", states["DE"])
    token = unique_token()
    document = create(
        author,
        "confidential",
        token,
        django_capture_on_commit_callbacks,
        states=[states["BE"]],
    )
    assert [h.pk for h in portal_search(reader, token).hits] == [document.pk]
    assert [h.pk for h in fallback_search(reader, token).hits] == [document.pk]
    assert portal_search(outsider, token).total == 0
    assert fallback_search(outsider, token).total == 0


def test_raising_a_document_to_highly_confidential_removes_its_text(
    search_index, states, django_capture_on_commit_callbacks
):
    author = make_expert("hc@example.org", states["NL"], "highly_confidential")
    token = unique_token()
    document = create(author, "confidential", token, django_capture_on_commit_callbacks)
    assert raw_index_hits(token) == 1
    assert ExtractedText.objects.filter(version__document=document).exists()
    with django_capture_on_commit_callbacks(execute=True):
        actions.change_tier(document, "highly_confidential", by=author)
    drain(refresh=True)
    assert raw_index_hits(token) == 0
    assert not ExtractedText.objects.filter(version__document=document).exists()
    assert portal_search(author, token).total == 0
    assert fallback_search(author, token).total == 0


def database_text_containing(needles: list[str]) -> list[tuple[str, str]]:
    """(table, needle) for every needle found in any row of any table, read raw.

    Each row is read as PostgreSQL's text form of the whole row, so a token in any
    column shows; binary columns print as hex, so the token's hex is looked for too.
    """
    assert connection.vendor == "postgresql"
    found = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
        )
        tables = [row[0] for row in cursor.fetchall()]
        for table in tables:
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT t::text FROM {quoted} t")  # noqa: S608 (catalog name)
            rows = "\n".join(row[0] for row in cursor.fetchall()).lower()
            for needle in needles:
                if needle.lower() in rows or needle.encode().hex() in rows:
                    found.append((table, needle))
    return found


def test_no_clear_text_of_any_tier_in_the_database(
    search_index, states, django_capture_on_commit_callbacks
):
    author = make_expert("hc@example.org", states["NL"], "highly_confidential")
    tokens = {}
    for tier in ("public", "restricted", "confidential", "highly_confidential"):
        tokens[tier] = unique_token()
        create(author, tier, tokens[tier], django_capture_on_commit_callbacks)
    # Three texts were extracted and stored (none for highly confidential) ...
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT status, nonce, ciphertext FROM {ExtractedText._meta.db_table}"  # noqa: S608
        )
        rows = cursor.fetchall()
    assert sorted(status for status, _, _ in rows) == ["ok", "ok", "ok"]
    for _, nonce, ciphertext in rows:
        assert len(bytes(nonce)) == 12
        assert not any(t.encode() in bytes(ciphertext) for t in tokens.values())
    # ... and found by search, but no table holds any token in clear.
    for tier in ("public", "restricted", "confidential"):
        assert portal_search(author, tokens[tier]).total == 1
    assert database_text_containing(list(tokens.values())) == []


def test_stored_text_follows_the_file_key_through_rotation(
    search_index, states, django_capture_on_commit_callbacks, settings
):
    author = make_expert("author@example.org", states["NL"])
    token = unique_token()
    document = create(author, "restricted", token, django_capture_on_commit_callbacks)
    version = document.versions.get()
    stored = ExtractedText.objects.get(version=version)
    old_secret = settings.EXCHANGE_KEK
    with override_settings(
        EXCHANGE_KEK="the next exchange key", EXCHANGE_PREVIOUS_KEKS=[old_secret]
    ):
        call_command("rotate_exchange_key", stdout=open("/dev/null", "w"))  # noqa: SIM115
    version.refresh_from_db()
    with override_settings(
        EXCHANGE_KEK="the next exchange key", EXCHANGE_PREVIOUS_KEKS=[]
    ):
        assert version.kek_id == crypto.keyring().current_id
        # The file is gone from storage: the text can only come from the stored row,
        # which rotation did not touch and which opens under the re-wrapped key.
        exchange_storage().delete(version.storage_name)
        again = ExtractedText.objects.get(version=version)
        assert bytes(again.ciphertext) == bytes(stored.ciphertext)
        assert token in version_text(version, again).text
        document.refresh_from_db()
        assert token in document_file_text(document).text
    # Under a key that never wrapped it, the row does not open (and nothing is read).
    with override_settings(EXCHANGE_KEK="an unrelated key", EXCHANGE_PREVIOUS_KEKS=[]):
        assert open_text(version, again) is None


def test_a_stored_text_is_bound_to_its_version(
    search_index, states, django_capture_on_commit_callbacks
):
    author = make_expert("author@example.org", states["NL"])
    with django_capture_on_commit_callbacks(execute=True):
        first = actions.create_document(
            by=author, title="One", tier="restricted", upload=upload_with("same")
        )
        second = actions.create_document(
            by=author, title="Two", tier="restricted", upload=upload_with("same")
        )
    drain()
    one, two = first.versions.get(), second.versions.get()
    assert one.sha256 == two.sha256  # the same content, two data keys, two rows
    row_one = ExtractedText.objects.get(version=one)
    row_two = ExtractedText.objects.get(version=two)
    assert bytes(row_two.ciphertext) != bytes(row_one.ciphertext)
    assert open_text(two, row_one) is None  # another version's row does not open


def test_the_migration_seals_old_rows_and_drops_the_untied(states):
    author = make_expert("hc@example.org", states["NL"], "highly_confidential")
    kept = actions.create_document(
        by=author, title="Kept", tier="restricted", upload=upload_with("k")
    )
    withheld = actions.create_document(
        by=author, title="Withheld", tier="highly_confidential", upload=upload_with("w")
    )
    kept_version, withheld_version = kept.versions.get(), withheld.versions.get()
    # Constraint checks run as rows are written, so that the migrations may alter
    # the table inside this test's transaction.
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    executor = MigrationExecutor(connection)
    executor.migrate([("portal_search", "0001_outbox")])
    old = executor.loader.project_state([("portal_search", "0001_outbox")]).apps
    OldText = old.get_model("portal_search", "ExtractedText")
    for sha256, text in [
        (kept_version.sha256, "kept text"),
        (withheld_version.sha256, "withheld text"),
        ("0" * 64, "text of a file no version has"),
    ]:
        OldText.objects.create(sha256=sha256, status="ok", text=text)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes("portal_search"))
    rows = list(ExtractedText.objects.all())
    assert [row.version_id for row in rows] == [kept_version.pk]
    assert open_text(kept_version, rows[0]).text == "kept text"
    assert TEXT_PURPOSE == "search extracted text"  # the migration's own copy


def test_the_migration_runs_on_sqlite(tmp_path):
    """The demo runs on SQLite: the same conversion, on a fresh SQLite database."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "ELASTICSEARCH_URL": "",
        "REDIS_URL": "",
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
    }
    done = subprocess.run(
        [sys.executable, "-m", "tests.search.migrate_sqlite"],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["versions"] == [result["kept"]]
    assert result["texts"] == ["kept clear text"]
    assert result["clear_in_table"] is False
