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
    """The text of one exchange file, extracted once and keyed by its SHA-256.

    Rebuilding the index then never decrypts and parses every file again. The text
    is as confidential as the file: it is only ever read to be indexed with the
    document's access fields.
    """

    sha256 = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=16)  # "ok", "empty" or "failed"
    reason = models.CharField(max_length=300, blank=True)
    text = models.TextField(blank=True)
    extracted_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.sha256[:12]} ({self.status})"
