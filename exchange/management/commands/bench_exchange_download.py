"""Benchmark: upload then download a large file through the portal under uvicorn.

Prints the download's throughput next to a plain read of the same encrypted file
from disk in the same run, their ratio, and the server's peak memory while it
served the download. Uses the configured database (PostgreSQL when DATABASE_URL
says so) and leaves no document behind; the bench account is kept for the next run.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import socket
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

import httpx

from exchange.marking import without_cover
from exchange.models import Document
from exchange.storage import exchange_storage
from portal.core.servers import serve_portal, verified_session_key

MIB = 1024 * 1024
BENCH_EMAIL = "bench-exchange@example.invalid"


def _raw_get(port: int, path: str, cookie: str) -> tuple[int, int]:
    """GET over a bare socket; returns (status, body bytes). The measuring client
    must not be the bottleneck, so it only counts what the kernel hands it."""
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Cookie: {settings.SESSION_COOKIE_NAME}={cookie}\r\n"
        "Connection: close\r\n\r\n"
    ).encode()
    buffer = bytearray(4 * MIB)
    view = memoryview(buffer)
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(request)
        head = b""
        while b"\r\n\r\n" not in head:
            received = sock.recv(65536)
            if not received:
                raise CommandError("the server closed the connection early")
            head += received
        head, _, body = head.partition(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        total = len(body)
        while count := sock.recv_into(view):
            total += count
    return status, total


def _evict(path: str) -> None:
    """Drop the file from the page cache, so that reads come from the disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def _plain_read(path: str) -> float:
    read = 0
    started = time.perf_counter()
    with open(path, "rb") as handle:
        while chunk := handle.read(MIB):
            read += len(chunk)
    return read / MIB / (time.perf_counter() - started)


def _rss_peak_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def _reset_peak(pid: int) -> None:
    # Linux: writing 5 to clear_refs resets the peak resident set size.
    with contextlib.suppress(OSError):
        Path(f"/proc/{pid}/clear_refs").write_text("5")


class Command(BaseCommand):
    help = "Upload then download a large file through the portal; print throughput."

    def add_arguments(self, parser):
        parser.add_argument("--size-mb", type=int, default=200)
        parser.add_argument("--rounds", type=int, default=3)

    def handle(self, *args, size_mb: int, rounds: int, **options) -> None:
        size = size_mb * MIB
        if size > settings.EXCHANGE_MAX_UPLOAD_BYTES:
            raise CommandError("Raise EXCHANGE_MAX_UPLOAD_BYTES above the bench size.")
        self.stdout.write(
            f"database: {connection.vendor}; file: {size_mb} MiB; "
            f"chunk: {settings.EXCHANGE_CHUNK_SIZE // MIB} MiB"
        )
        cookie = self._session()
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        with (
            serve_portal(env=env, extra_args=["--no-access-log"]) as served,
            tempfile.TemporaryDirectory(prefix="bench-exchange-") as tmp,
        ):
            port, server = served.port, served.process
            base = served.url
            source = Path(tmp) / "bench-report.txt"
            expected = self._write_text_file(source, size)
            with httpx.Client(
                base_url=base,
                cookies={settings.SESSION_COOKIE_NAME: cookie},
                timeout=600,
            ) as client:
                document = self._upload(client, source)
                try:
                    self._measure(
                        client, port, cookie, server.pid, document, expected, rounds
                    )
                finally:
                    self._remove(document)

    def _session(self):
        from portal.accounts.guard import authorised
        from portal.accounts.models import User
        from portal.states.models import State

        user, _ = User.objects.get_or_create(
            email=BENCH_EMAIL,
            defaults={"first_name": "Benchmark", "last_name": "Expert"},
        )
        user.state = State.objects.get(iso_code="NL")
        user.clearance = "restricted"
        user.vetted_until = timezone.localdate() + timezone.timedelta(days=1)
        user.is_active = True
        user.set_unusable_password()
        with authorised():  # a throwaway benchmark account, removed afterwards
            user.save()
        return verified_session_key(user)

    def _write_text_file(self, path: Path, size: int) -> str:
        digest = hashlib.sha256()
        line = b"".join(
            f"{i:08d} sealed source inventory line for the benchmark\n".encode()
            for i in range(20_000)
        )
        written = 0
        with path.open("wb") as handle:
            while written < size:
                piece = line[: size - written]
                handle.write(piece)
                digest.update(piece)
                written += len(piece)
        return digest.hexdigest()

    def _upload(self, client: httpx.Client, source: Path) -> Document:
        form = client.get("/exchange/new/")
        if form.status_code != 200:
            raise CommandError(f"upload form answered {form.status_code}")
        token = client.cookies.get(settings.CSRF_COOKIE_NAME)
        started = time.perf_counter()
        with source.open("rb") as handle:
            response = client.post(
                "/exchange/new/",
                data={
                    "csrfmiddlewaretoken": token,
                    "title": "Benchmark transfer",
                    "tier": "restricted",
                },
                files={"file": (source.name, handle, "text/plain")},
                headers={"Referer": f"{client.base_url}/exchange/new/"},
            )
        elapsed = time.perf_counter() - started
        if response.status_code != 302:
            raise CommandError(
                f"upload answered {response.status_code}: {response.text[:500]}"
            )
        pk = int(response.headers["location"].rstrip("/").split("/")[-1])
        size = source.stat().st_size
        self.stdout.write(
            f"upload:    {size / MIB / elapsed:8.1f} MiB/s ({elapsed:.2f} s, "
            "multipart parse + type check + encryption + storage)"
        )
        return Document.objects.get(pk=pk)

    def _measure(self, client, port, cookie, pid, document, expected, rounds):
        version = document.versions.get()
        path = exchange_storage().path(version.storage_name)
        url = f"/exchange/{document.pk}/download/"
        # First check that what comes back is what went in; then time, without
        # hashing on either side, so both figures measure moving bytes only.
        with client.stream("GET", url) as response:
            received = b"".join(response.iter_raw(MIB))
        # The download is the file inside the cover notice that marks it.
        digest = hashlib.sha256(without_cover(received))
        del received
        if response.status_code != 200 or digest.hexdigest() != expected:
            raise CommandError("the downloaded file differs from the upload")
        self.stdout.write("verified:  the download's SHA-256 equals the upload's")
        results = {"disk": ([], []), "cache": ([], [])}
        peak = before = 0
        for _ in range(rounds):
            for mode in ("disk", "cache"):
                if mode == "disk":
                    _evict(path)
                _reset_peak(pid)
                before = before or _rss_peak_kib(pid)
                started = time.perf_counter()
                status, received = _raw_get(port, url, cookie)
                elapsed = time.perf_counter() - started
                if status != 200 or received != version.size:
                    raise CommandError(f"download answered {status}, {received} bytes")
                peak = max(peak, _rss_peak_kib(pid))
                if mode == "disk":
                    _evict(path)
                results[mode][0].append(received / MIB / elapsed)
                results[mode][1].append(_plain_read(path))
        for mode, label in (
            ("disk", "file evicted from the page cache before each read"),
            ("cache", "file in the page cache"),
        ):
            portal, plain = (sorted(v)[len(v) // 2] for v in results[mode])
            self.stdout.write(f"{label} (median of {rounds}):")
            self.stdout.write(f"  portal download {portal:8.1f} MiB/s")
            self.stdout.write(f"  plain read      {plain:8.1f} MiB/s")
            target = "target >= 0.5" if mode == "disk" else "for information"
            self.stdout.write(f"  ratio           {portal / plain:8.2f} ({target})")
        self.stdout.write(
            f"memory: server resident {before / 1024:.0f} MiB before a download, "
            f"peak {peak / 1024:.0f} MiB while serving {version.size / MIB:.0f} MiB"
        )

    def _remove(self, document: Document) -> None:
        storage = exchange_storage()
        for version in document.versions.all():
            storage.delete(version.storage_name)
        document.delete()
