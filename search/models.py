"""The durable indexing queue and the cache of text extracted from exchange files."""

from __future__ import annotations

from django.db import models


class IndexOutbox(models.Model):
    """One pending change to the search index, written when the change commits.

    Rows stay until the change has reached Elasticsearch, so nothing is lost while it
    is down; `search_worker` and the drain after each commit remove them. The row only
    names the object: the drain reads its current state, so several rows for one
    object collapse into one write and a stale row can never resurrect old content.
    """

    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.object_type}:{self.object_id}"


class ExtractedText(models.Model):
    """The text of one exchange file version, extracted once, kept encrypted.

    Rebuilding the index then never decrypts and parses every file again. The text
    is as confidential as the file, so it is sealed like the file: under a key
    derived from that version's own data key (`exchange.crypto.seal_derived`), with
    a random nonce, bound to the file id. A row is therefore keyed by the version,
    not by the file's SHA-256: two versions with the same content have different
    data keys, and a row shared between them would be readable with either key and
    would outlive the first version's deletion. A key derived from the KEK instead
    would make rotation re-encrypt every row; under the data key, rotation re-wraps
    the data key and the text follows it. Highly confidential documents have no row:
    they are indexed by their metadata only (`search.files`).
    """

    version = models.OneToOneField(
        "exchange.DocumentVersion",
        on_delete=models.CASCADE,
        related_name="extracted_text",
    )
    status = models.CharField(max_length=16)  # "ok", "empty" or "failed"
    reason = models.CharField(max_length=300, blank=True)
    nonce = models.BinaryField()
    ciphertext = models.BinaryField()
    extracted_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"text of version {self.version_id} ({self.status})"
