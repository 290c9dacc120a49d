"""Malware scanning of uploads by ClamAV's clamd, over its INSTREAM protocol.

Every exchange upload is streamed to clamd before it is stored. The portal fails
closed: a scanner that is configured but out of reach, or that answers with an
error, refuses the upload ("try again later"), as does production or the test suite
without a scanner configured. Only the demo (`EXCHANGE_SCAN_REQUIRED` off) may run
without `CLAMD_URL`, and then says so in its log at every upload.

The protocol (clamd(8)): `zINSTREAM\\0`, then chunks each preceded by its length as
4 bytes big-endian, then a zero length; clamd answers `stream: OK` or
`stream: <signature> FOUND`, NUL-terminated.
"""

from __future__ import annotations

import hashlib
import logging
import socket
import struct
from dataclasses import dataclass
from typing import BinaryIO
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger("portal.exchange.scanning")

CHUNK_BYTES = 1024 * 1024
MAX_REPLY_BYTES = 4096


class ScanUnavailable(Exception):
    """The scanner could not give a verdict: unreachable, timed out or in error."""


@dataclass(frozen=True)
class ScanResult:
    signature: str | None  # the name of what clamd found, None when clean
    sha256: str
    scanned: bool = True

    @property
    def infected(self) -> bool:
        return self.signature is not None


def clamd_address(url: str) -> tuple[int, str | tuple[str, int]]:
    """The socket family and address of `tcp://host:port` or `unix:///path`."""
    parts = urlsplit(url)
    if parts.scheme == "tcp" and parts.hostname and parts.port:
        return socket.AF_INET, (parts.hostname, parts.port)
    if parts.scheme == "unix" and parts.path:
        return socket.AF_UNIX, parts.path
    raise ImproperlyConfigured(
        f"CLAMD_URL must be tcp://host:port or unix:///path/to/clamd.ctl, not {url!r}."
    )


def _connect(url: str, timeout: float) -> socket.socket:
    family, address = clamd_address(url)
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(address)
    except OSError:
        sock.close()
        raise
    return sock


def _read_reply(sock: socket.socket) -> str:
    reply = b""
    while not reply.endswith(b"\0") and len(reply) < MAX_REPLY_BYTES:
        data = sock.recv(MAX_REPLY_BYTES)
        if not data:
            break
        reply += data
    return reply.rstrip(b"\0").decode("utf-8", "replace").strip()


def command(word: str, *, url: str | None = None, timeout: float = 2.0) -> str:
    """One short clamd command (PING, VERSION), its reply."""
    url = url or settings.CLAMD_URL
    if not url:
        raise ScanUnavailable("CLAMD_URL is not set")
    with _connect(url, timeout) as sock:
        sock.sendall(f"z{word}\0".encode())
        return _read_reply(sock)


def _parse(reply: str) -> str | None:
    if reply == "stream: OK":
        return None
    if reply.startswith("stream: ") and reply.endswith(" FOUND"):
        return reply[len("stream: ") : -len(" FOUND")]
    raise ScanUnavailable(f"clamd answered {reply!r}")


def scan_stream(stream: BinaryIO, *, url: str | None = None) -> ScanResult:
    """Send `stream` from its start to clamd; ScanUnavailable without a verdict."""
    url = url or settings.CLAMD_URL
    if not url:
        raise ScanUnavailable("CLAMD_URL is not set")
    digest = hashlib.sha256()
    stream.seek(0)
    try:
        with _connect(url, settings.CLAMD_TIMEOUT_SECONDS) as sock:
            sock.sendall(b"zINSTREAM\0")
            try:
                while chunk := stream.read(CHUNK_BYTES):
                    digest.update(chunk)
                    sock.sendall(struct.pack(">I", len(chunk)) + chunk)
                sock.sendall(struct.pack(">I", 0))
            except OSError:
                # clamd closes the stream early when it exceeds StreamMaxLength;
                # its reply, if any, says so.
                reply = _read_reply(sock)
                raise ScanUnavailable(f"clamd closed the stream: {reply!r}") from None
            reply = _read_reply(sock)
    except OSError as error:
        raise ScanUnavailable(f"clamd at {url} is out of reach: {error}") from error
    finally:
        stream.seek(0)
    return ScanResult(signature=_parse(reply), sha256=digest.hexdigest())


def scan_upload(stream: BinaryIO) -> ScanResult:
    """The verdict on an upload, or skipped (only where scanning is not required)."""
    if settings.CLAMD_URL:
        return scan_stream(stream)
    if settings.EXCHANGE_SCAN_REQUIRED:
        raise ScanUnavailable("CLAMD_URL is not set")
    logger.warning(
        "upload stored without a malware scan: CLAMD_URL is not set "
        "(allowed only because EXCHANGE_SCAN_REQUIRED is off)"
    )
    stream.seek(0)
    digest = hashlib.sha256()
    while chunk := stream.read(CHUNK_BYTES):
        digest.update(chunk)
    stream.seek(0)
    return ScanResult(signature=None, sha256=digest.hexdigest(), scanned=False)
