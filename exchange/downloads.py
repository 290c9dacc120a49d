"""Serving a document version: decrypt, verify, mark for its reader, stream, audit.

Under ASGI Django would read a synchronous iterator fully into memory, so the body
is an asynchronous iterator of 1 MiB chunks whose reads and decryption run off the
event loop. PDFs and office files are decrypted and verified in full before anything
is sent, since they are marked as a whole (`exchange.marking`); small files are
verified in full too, so that a tampered file is refused with a clear page. A large
text file streams chunk by chunk inside its cover notice, and the stream stops at the
first chunk that fails: nothing past it is ever sent. A file that cannot be marked is
refused, never sent unmarked.

A download outlasts the request that the policy allowed, so every stream asks the
policy again after each few MiB it has sent (`RECHECK_EVERY_CHUNKS`): once the
document is revoked, expired or no longer shared with the person, the stream ends
at that chunk, short of its Content-Length (clients see an incomplete download, not
a complete file), and the cut is audited.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import uuid
from collections.abc import AsyncIterator

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import content_disposition_header

from asgiref.sync import sync_to_async

from exchange import crypto, marking, policy
from exchange.models import Document, DocumentVersion
from exchange.storage import exchange_storage
from portal.accounts.decorators import SignedInRequest
from portal.accounts.stepup import is_session_verified
from portal.audit.actions import record

logger = logging.getLogger("portal.exchange")

STREAM_CHUNK = 1024 * 1024
# Files up to this size are verified completely before the first byte is sent.
VERIFY_FIRST_BYTES = 8 * 1024 * 1024
# The policy decides again on every this many chunks (4 MiB) after the first; it is
# asked that many chunks ahead, while they are sent.
RECHECK_EVERY_CHUNKS = 4
ASK_AHEAD = 2
# The reader's own account and reach are read again on every this many checks.
REFRESH_READER_EVERY = 4


def data_key_of(version: DocumentVersion) -> bytes:
    ring = crypto.keyring()
    kek = ring.keys.get(version.kek_id)
    if kek is None:
        raise crypto.TamperedFile(
            "The key that protects this file is not configured (EXCHANGE_KEK)."
        )
    return crypto.unwrap_key(
        bytes(version.wrapped_key), bytes.fromhex(version.file_id), kek
    )


def open_decryptor(version: DocumentVersion):
    handle = exchange_storage().open(version.storage_name, "rb")
    with contextlib.suppress(AttributeError, OSError, ValueError):
        # A local file is read front to back: ask the kernel for a wider read-ahead.
        os.posix_fadvise(handle.fileno(), 0, 0, os.POSIX_FADV_SEQUENTIAL)
    try:
        return handle, crypto.Decryptor(
            handle, data_key_of(version), bytes.fromhex(version.file_id)
        )
    except BaseException:
        handle.close()
        raise


class _ReaderWatch:
    """The question a download keeps asking: may its reader still see the document?

    Each check is the policy's compiled visibility query for the reader, over the
    current rows and the database's clock (one query: revoked, expired, un-shared).
    The reader's own facts (account, vetting, clearance, groups) are read afresh on
    every `REFRESH_READER_EVERY`th check, two queries more.
    """

    def __init__(self, viewer: policy.Viewer, *, verified: bool, document_id: int):
        self.viewer = viewer
        self.verified = verified
        self.document_id = document_id
        self.checks = 0

    def reason_to_stop(self) -> str | None:
        """None while the reader may still see the document; else why not."""
        from django.contrib.auth import get_user_model

        self.checks += 1
        if self.checks % REFRESH_READER_EVERY == 0:
            user_id = self.viewer.user_id
            user = (
                None
                if user_id is None
                else get_user_model().objects.filter(pk=user_id).first()
            )
            self.viewer = policy.viewer_for_user(user, verified=self.verified)
        if policy.can_still_view(self.viewer, self.document_id):
            return None
        document = Document.objects.get(pk=self.document_id)
        reason = policy.refusal_reason(self.viewer, document)
        if reason != "not_allowed":
            return reason
        # Live, but not for this reader: no longer cleared for it, or un-shared.
        if document.tier not in policy.exchange_tiers_visible_to(self.viewer):
            return "not_cleared"
        return "no_longer_shared"


class _Gate:
    """Lets a download's chunks through until the policy no longer lets its reader
    see the document; then says stop, and audits the cut with the bytes sent.

    The policy is asked `ASK_AHEAD` chunks before each check point, so that its
    query runs while those chunks are sent, and its answer decides the chunk at the
    check point. The body's own generator asks `allows` before each chunk, so that
    stopping closes the file there and then (no generator wraps another).
    """

    def __init__(self, watch: _ReaderWatch, *, actor, address, document, details):
        self.check = sync_to_async(watch.reason_to_stop)
        self.actor = actor
        self.address = address
        self.document = document
        self.details = details
        self.sent = 0
        self.count = 0
        self.asked: asyncio.Future | None = None

    async def allows(self, chunk: bytes) -> bool:
        count = self.count
        if count % RECHECK_EVERY_CHUNKS == RECHECK_EVERY_CHUNKS - ASK_AHEAD:
            self.asked = asyncio.ensure_future(self.check())
        if self.asked is not None and count % RECHECK_EVERY_CHUNKS == 0:
            reason, self.asked = await self.asked, None
            if reason is not None:
                await _audit_cut(
                    self.actor,
                    self.address,
                    self.document,
                    self.details,
                    self.sent,
                    reason,
                )
                return False
        self.count += 1
        self.sent += len(chunk)
        return True

    async def settle(self) -> None:
        """Wait for a question still in flight (the body ended before its answer)."""
        if self.asked is not None:
            await asyncio.gather(self.asked, return_exceptions=True)
            self.asked = None


async def _slices(
    data: bytes, gate: _Gate, cover: marking.TextCover
) -> AsyncIterator[bytes]:
    """`data` in chunks through the gate, inside its cover (empty unless text)."""
    view = memoryview(data)
    try:
        if cover.head:
            yield cover.head
        for start in range(cover.skip, len(data), STREAM_CHUNK):
            chunk = bytes(view[start : start + STREAM_CHUNK])
            if not await gate.allows(chunk):
                return
            yield chunk
        if cover.tail:
            yield cover.tail
    finally:
        await gate.settle()


async def _audit_cut(actor, address, document, details, sent: int, reason: str):
    logger.warning(
        "download %s cut after %d bytes: %s", details["download_id"], sent, reason
    )
    await sync_to_async(record)(
        "exchange.document.download_cut",
        actor=actor,
        target=document,
        outcome="denied",
        details={
            "version": details["version"],
            "download_id": details["download_id"],
            "bytes_sent": sent,
            "reason": reason,
            "address": address,
        },
    )


def _refuse(
    request, document, version, download_id, error, *, unmarkable: bool = False
) -> HttpResponse:
    record(
        "exchange.document.download_refused",
        target=document,
        outcome="failure",
        request=request,
        details={
            "tier": document.tier,
            "version": version.number,
            "sha256": version.sha256,
            "download_id": download_id,
            "reason": str(error),
            "refusal": "unmarkable" if unmarkable else "integrity",
        },
    )
    return render(
        request,
        "exchange/download_refused.html",
        {
            "document": document,
            "version": version,
            "reason": str(error),
            "unmarkable": unmarkable,
            "classification": document.tier,
        },
        status=409 if unmarkable else 500,
    )


def _response(body, version: DocumentVersion, media_type: str, length: int):
    response = StreamingHttpResponse(body, content_type=media_type)
    response["Content-Length"] = str(length)
    response["Content-Disposition"] = (
        content_disposition_header(True, version.file_name) or "attachment"
    )
    response["Cache-Control"] = "no-store, private"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


def record_url(request: HttpRequest, download_id: str) -> str:
    """Where the download id in a marking leads: its record in the access history."""
    return request.build_absolute_uri(
        reverse("exchange:download_record", args=[download_id])
    )


def serve_version(
    request: SignedInRequest, document: Document, version: DocumentVersion
) -> HttpResponse:
    """The response for one allowed download (the policy has already said yes)."""
    download_id = uuid.uuid4().hex
    details = {
        "tier": document.tier,
        "version": version.number,
        "sha256": version.sha256,
        "download_id": download_id,
    }
    mark = marking.marking_for(
        request.user,
        tier=document.tier,
        download_id=download_id,
        record_url=record_url(request, download_id),
        media_type=version.media_type,
    )
    media_type = version.media_type
    if media_type not in marking.WHOLE_FILE_TYPES | marking.TEXT_TYPES:
        return _refuse(
            request,
            document,
            version,
            download_id,
            marking.UnmarkableFile(
                f"Files of this type ({media_type}) cannot be marked."
            ),
            unmarkable=True,
        )
    try:
        handle, decryptor = open_decryptor(version)
    except (crypto.TamperedFile, OSError) as error:
        return _refuse(request, document, version, download_id, error)
    actor = request.user
    address = request.META.get("REMOTE_ADDR")

    gate = _Gate(
        _ReaderWatch(
            policy.viewer_for(request),
            verified=is_session_verified(request),
            document_id=document.pk,
        ),
        actor=actor,
        address=address,
        document=document,
        details=details,
    )

    whole_file = media_type in marking.WHOLE_FILE_TYPES
    if whole_file or version.size <= VERIFY_FIRST_BYTES:
        try:
            with handle:
                data = b"".join(decryptor)
            # Marking rewrites the file: check first that it is the one uploaded.
            if hashlib.sha256(data).hexdigest() != version.sha256:
                raise crypto.TamperedFile(
                    "The file's SHA-256 differs from the one recorded at upload."
                )
        except crypto.TamperedFile as error:
            return _refuse(request, document, version, download_id, error)
        try:
            if whole_file:
                data = marking.mark_whole_file(data, media_type, mark)
                cover = marking.TextCover(head=b"", tail=b"", skip=0)
            else:
                cover = marking.text_cover(data, mark, complete=True)
        except marking.UnmarkableFile as error:
            return _refuse(
                request, document, version, download_id, error, unmarkable=True
            )
        details["marked"] = True
        record(
            "exchange.document.downloaded",
            target=document,
            request=request,
            details=details,
        )
        return _response(
            _slices(data, gate, cover),
            version,
            media_type,
            cover.length_for(len(data)),
        )

    try:
        first = decryptor.next_chunk() or b""
        cover = marking.text_cover(first, mark, complete=False)
    except (crypto.TamperedFile, marking.UnmarkableFile) as error:
        handle.close()
        return _refuse(
            request,
            document,
            version,
            download_id,
            error,
            unmarkable=isinstance(error, marking.UnmarkableFile),
        )
    details["marked"] = True
    record(
        "exchange.document.downloaded",
        target=document,
        request=request,
        details=details,
    )

    async def stream() -> AsyncIterator[bytes]:
        try:
            yield cover.head
            if first:
                if not await gate.allows(first):
                    return
                yield first[cover.skip :]
            # Closed explicitly on a cut: a read in flight ends before the file does.
            async with contextlib.aclosing(decryptor.aiter()) as chunks:
                async for chunk in chunks:
                    if not await gate.allows(chunk):
                        return
                    yield chunk
            yield cover.tail
        except crypto.TamperedFile as error:
            logger.error("download %s stopped: %s", download_id, error)
            await sync_to_async(record)(
                "exchange.document.download_refused",
                actor=actor,
                target=document,
                outcome="failure",
                details={**details, "reason": str(error), "address": address},
            )
            raise
        finally:
            await gate.settle()
            await sync_to_async(handle.close, thread_sensitive=False)()

    return _response(stream(), version, media_type, cover.length_for(version.size))
