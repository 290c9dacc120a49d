"""Encryption at rest of exchange files: chunked AES-256-GCM under wrapped data keys.

File format (docs/exchange-policy.md): a 25-byte header (magic "NSIX", format
version, plaintext chunk size, a random 16-byte file id) followed by chunks of
`chunk_size` plaintext bytes, each sealed with AES-256-GCM (ciphertext + 16-byte tag)
under the file's own random data key. Every chunk's nonce is derived from its index
and a final-chunk flag (the STREAM construction), and the header is authenticated
with each chunk, so a flipped bit, a reordered or dropped chunk, a truncated file or
a file grafted onto another header all fail to decrypt. The last chunk, possibly
empty, carries the final flag. Counter nonces are safe because a data key encrypts
exactly one file, once: key rotation re-wraps data keys and never re-encrypts.

The data key is stored in the database wrapped (AES-256-GCM) by a key-encryption key
(KEK) from settings, bound to the file id; `kek_id` names the KEK that wrapped it.

What is derived from a file (the search index's extracted text) is sealed under a key
derived from the file's data key with HKDF (`seal_derived`), never under the data key
itself: the file's counter nonces stay the only ones used with the data key, and a
derived copy can take a random nonce each time it is rewritten.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import os
import struct
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

MAGIC = b"NSIX"
FORMAT_VERSION = 1
HEADER = struct.Struct("!4sBI16s")
TAG_SIZE = 16
MAX_CHUNK_SIZE = 64 * 1024 * 1024
_WRAP_CONTEXT = b"nsi-portal exchange data key|"
_DERIVED_CONTEXT = b"nsi-portal exchange derived|"


class TamperedFile(Exception):
    """The stored file failed its integrity check; nothing past this point is sent."""


@dataclass(frozen=True)
class KeyRing:
    current_id: str
    keys: dict[str, bytes]

    @property
    def current(self) -> bytes:
        return self.keys[self.current_id]


def derive_kek(secret: str) -> tuple[str, bytes]:
    """A 256-bit KEK and its public id from a configured secret string."""
    if not secret:
        raise ImproperlyConfigured("EXCHANGE_KEK is required for the exchange.")
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"nsi-portal exchange kek"
    ).derive(secret.encode())
    kek_id = hashlib.sha256(b"nsi-portal exchange kek id|" + key).hexdigest()[:16]
    return kek_id, key


def keyring() -> KeyRing:
    """The current KEK from settings, and the previous ones still readable."""
    current_id, current = derive_kek(settings.EXCHANGE_KEK or "")
    keys = {current_id: current}
    for secret in getattr(settings, "EXCHANGE_PREVIOUS_KEKS", []):
        kek_id, key = derive_kek(secret)
        keys.setdefault(kek_id, key)
    return KeyRing(current_id, keys)


def wrap_key(data_key: bytes, file_id: bytes, kek: bytes) -> bytes:
    nonce = os.urandom(12)
    return nonce + AESGCM(kek).encrypt(nonce, data_key, _WRAP_CONTEXT + file_id)


def unwrap_key(wrapped: bytes, file_id: bytes, kek: bytes) -> bytes:
    wrapped = bytes(wrapped)
    try:
        return AESGCM(kek).decrypt(wrapped[:12], wrapped[12:], _WRAP_CONTEXT + file_id)
    except InvalidTag:
        raise TamperedFile("The file's data key does not unwrap.") from None


def _derived_key(data_key: bytes, purpose: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=None,
        info=_DERIVED_CONTEXT + purpose.encode(),
    ).derive(data_key)


def seal_derived(
    plaintext: bytes, *, data_key: bytes, file_id: bytes, purpose: str
) -> tuple[bytes, bytes]:
    """(nonce, ciphertext) of something derived from a file, for `purpose`.

    Sealed under a subkey of the file's data key and bound to the file id and the
    purpose, so it follows the file: readable exactly while the file is, untouched
    by KEK rotation (which re-wraps the data key), and gone with the file's key.
    """
    nonce = os.urandom(12)
    aead = AESGCM(_derived_key(data_key, purpose))
    aad = _DERIVED_CONTEXT + purpose.encode() + b"|" + file_id
    return nonce, aead.encrypt(nonce, plaintext, aad)


def open_derived(
    nonce: bytes, ciphertext: bytes, *, data_key: bytes, file_id: bytes, purpose: str
) -> bytes:
    """The plaintext sealed by `seal_derived`; `TamperedFile` if it does not verify."""
    aead = AESGCM(_derived_key(data_key, purpose))
    aad = _DERIVED_CONTEXT + purpose.encode() + b"|" + file_id
    try:
        return aead.decrypt(bytes(nonce), bytes(ciphertext), aad)
    except InvalidTag:
        raise TamperedFile("The sealed copy failed its integrity check.") from None


def _nonce(index: int, final: bool) -> bytes:
    return b"\x00\x00\x00" + index.to_bytes(8, "big") + (b"\x01" if final else b"\x00")


@dataclass
class Sealed:
    """What encrypting a file produced, besides the ciphertext itself."""

    file_id: bytes
    data_key: bytes
    size: int = 0
    sha256: str = ""


class Readable(Protocol):
    """What the cipher reads from: any file-like object with `read` (an upload,
    a stored file, a raw stream); `fileno` and `tell` are used when present."""

    def read(self, size: int = ..., /) -> bytes: ...


class EncryptingReader(io.RawIOBase):
    """A readable stream of the ciphertext of `plaintext`, produced as it is read.

    Storage backends read it like a file, so nothing is held in memory beyond a
    chunk or two; the plaintext's size and SHA-256 are computed on the way.
    """

    def __init__(self, plaintext: Readable, *, chunk_size: int | None = None):
        super().__init__()
        self.chunk_size = chunk_size or settings.EXCHANGE_CHUNK_SIZE
        self.sealed = Sealed(file_id=os.urandom(16), data_key=AESGCM.generate_key(256))
        self._source = plaintext
        self._hash = hashlib.sha256()
        self._pieces = self._generate()
        self._buffer = memoryview(b"")
        self._offset = 0

    def _read_plain(self) -> bytes:
        data = _read_exact(self._source, self.chunk_size)
        self._hash.update(data)
        self.sealed.size += len(data)
        return data

    def _generate(self) -> Iterator[bytes]:
        header = HEADER.pack(
            MAGIC, FORMAT_VERSION, self.chunk_size, self.sealed.file_id
        )
        yield header
        aead = AESGCM(self.sealed.data_key)
        current = self._read_plain()
        index = 0
        while True:
            following = self._read_plain() if len(current) == self.chunk_size else b""
            final = not following
            yield aead.encrypt(_nonce(index, final), current, header)
            if final:
                break
            current = following
            index += 1
        self.sealed.sha256 = self._hash.hexdigest()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        # Hand out the current sealed chunk through a moving offset: slicing the
        # remainder off on each call would copy the chunk over and over.
        while self._offset >= len(self._buffer):
            piece = next(self._pieces, None)
            if piece is None:
                return 0
            self._buffer, self._offset = memoryview(piece), 0
        target = memoryview(buffer)
        count = min(len(target), len(self._buffer) - self._offset)
        target[:count] = self._buffer[self._offset : self._offset + count]
        self._offset += count
        return count

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            return b"".join(iter(lambda: self.read(1024 * 1024), b""))
        buffer = bytearray(size)
        return bytes(buffer[: self.readinto(buffer)])


def _read_exact(stream: Readable, size: int) -> bytes:
    """Read `size` bytes, or fewer only at the end of the stream."""
    data = stream.read(size)
    if len(data) == size or not data:
        return data
    parts = [data]
    remaining = size - len(data)
    while remaining:
        more = stream.read(remaining)
        if not more:
            break
        parts.append(more)
        remaining -= len(more)
    return b"".join(parts)


class Decryptor:
    """Reads and checks one encrypted file a chunk at a time.

    `next_chunk()` returns the next verified plaintext chunk, `None` after the final
    one, and raises `TamperedFile` at the first chunk that fails: the caller never
    gets plaintext from a chunk that did not verify, nor any chunk after it.
    """

    def __init__(self, ciphertext: Readable, data_key: bytes, file_id: bytes):
        self._source = ciphertext
        header = _read_exact(ciphertext, HEADER.size)
        if len(header) != HEADER.size:
            raise TamperedFile("The file is shorter than its header.")
        magic, version, chunk_size, stored_id = HEADER.unpack(header)
        if magic != MAGIC or version != FORMAT_VERSION:
            raise TamperedFile("The file is not an exchange file of a known format.")
        if not 0 < chunk_size <= MAX_CHUNK_SIZE or stored_id != file_id:
            raise TamperedFile("The file's header does not match its record.")
        self._header = header
        self._aead = AESGCM(data_key)
        self._sealed_size = chunk_size + TAG_SIZE
        self._index = 0
        self._done = False
        # Two reusable buffers: the chunk being opened and the one after it (read
        # first, to know whether the current chunk is the final one).
        self._buffers = [bytearray(self._sealed_size), bytearray(self._sealed_size)]
        self._pending = self._fill(0)

    def next_chunk(self) -> bytes | None:
        if self._done:
            return None
        current = self._pending
        if len(current) < TAG_SIZE:
            self._done = True
            raise TamperedFile(f"The file ends early, at chunk {self._index}.")
        following = memoryview(b"")
        if len(current) == self._sealed_size:
            following = self._fill((self._index + 1) % 2)
        final = not following
        try:
            plain = self._aead.decrypt(
                _nonce(self._index, final), current, self._header
            )
        except InvalidTag:
            self._done = True
            raise TamperedFile(
                f"Chunk {self._index} of the file failed its integrity check."
            ) from None
        self._pending = following
        self._index += 1
        self._done = final
        return plain

    def _fill(self, which: int) -> memoryview:
        """Read the next sealed chunk into buffer `which`; a view of what was read."""
        view = memoryview(self._buffers[which])
        readinto = getattr(self._source, "readinto", None)
        if readinto is None:  # a storage file object that only offers read()
            data = _read_exact(self._source, len(view))
            view[: len(data)] = data
            return view[: len(data)]
        filled = 0
        while filled < len(view):
            count = readinto(view[filled:])
            if not count:
                break
            filled += count
        return view[:filled]

    def __iter__(self) -> Iterator[bytes]:
        while (chunk := self.next_chunk()) is not None:
            yield chunk

    def _read_ahead(self, chunks: int) -> None:
        """Ask the kernel to start reading the next `chunks` sealed chunks of a
        local file now, so that disk reads overlap decryption and sending."""
        with contextlib.suppress(AttributeError, OSError, ValueError):
            source: Any = self._source  # a file has both; other streams raise
            fd = source.fileno()
            start = source.tell()
            os.posix_fadvise(
                fd, start, chunks * self._sealed_size, os.POSIX_FADV_WILLNEED
            )

    def next_batch(self, count: int) -> tuple[list[bytes], TamperedFile | None]:
        """Up to `count` verified chunks, and the failure that stopped them, if any."""
        self._read_ahead(2 * count)
        chunks: list[bytes] = []
        try:
            while len(chunks) < count and (chunk := self.next_chunk()) is not None:
                chunks.append(chunk)
        except TamperedFile as error:
            return chunks, error
        return chunks, None

    async def aiter(self, batch: int = 4) -> AsyncIterator[bytes]:
        """The same chunks, read and decrypted in a worker thread, a batch ahead.

        While one batch is being sent, the next is read and checked. Chunks are only
        handed out once they have verified, and a failure is raised right after the
        last good chunk, so nothing past a corrupted chunk ever leaves.
        """
        loop = asyncio.get_running_loop()
        pending = loop.run_in_executor(None, self.next_batch, batch)
        try:
            while True:
                chunks, error = await pending
                finished = error is not None or len(chunks) < batch
                if not finished:
                    pending = loop.run_in_executor(None, self.next_batch, batch)
                for chunk in chunks:
                    yield chunk
                if error is not None:
                    raise error
                if finished:
                    return
        finally:
            # Let a read in flight finish before the caller closes the file.
            await asyncio.gather(pending, return_exceptions=True)
