"""Probes of the backing services: up or down with latency, never raising."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

from django.conf import settings
from django.db import connection

PROBE_TIMEOUT_SECONDS = 2.0


@dataclass
class Probe:
    status: str  # "up", "down" or "not_configured"
    latency_ms: float | None = None
    backend: str = ""
    version: str = ""
    error: str = ""

    def as_dict(self) -> dict:
        return {
            key: value for key, value in asdict(self).items() if value not in ("", None)
        }

    def public(self) -> dict:
        """What an unauthenticated caller may learn: no versions, no error text."""
        return {"status": self.status, "latency_ms": self.latency_ms}


def _timed(check) -> Probe:
    started = time.perf_counter()
    try:
        backend, version = check()
    except Exception as exc:  # a probe reports every failure rather than raising
        return Probe(status="down", error=f"{type(exc).__name__}: {exc}"[:300])
    latency = round((time.perf_counter() - started) * 1000, 2)
    return Probe(status="up", latency_ms=latency, backend=backend, version=version)


def probe_database() -> Probe:
    def check():
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SHOW server_version")
            else:
                cursor.execute("SELECT sqlite_version()")
            version = cursor.fetchone()[0]
        return connection.vendor, str(version)

    return _timed(check)


def probe_redis() -> Probe:
    if not settings.REDIS_URL:
        return Probe(status="not_configured", backend="in-memory channel layer")

    def check():
        import redis

        client = redis.Redis.from_url(
            settings.REDIS_URL,
            socket_timeout=PROBE_TIMEOUT_SECONDS,
            socket_connect_timeout=PROBE_TIMEOUT_SECONDS,
        )
        try:
            client.ping()
            version = client.info("server").get("redis_version", "")
        finally:
            client.close()
        return "redis", version

    return _timed(check)


def probe_elasticsearch() -> Probe:
    if not settings.ELASTICSEARCH_URL:
        return Probe(status="not_configured", backend="database search")

    def check():
        from elasticsearch import Elasticsearch

        client = Elasticsearch(
            settings.ELASTICSEARCH_URL,
            request_timeout=PROBE_TIMEOUT_SECONDS,
            max_retries=0,
        )
        try:
            health = client.cluster.health(timeout="1s")
            nodes = client.nodes.info(node_id="_local", filter_path="nodes.*.version")
        finally:
            client.close()
        versions = {node["version"] for node in nodes.get("nodes", {}).values()}
        return f"elasticsearch ({health['status']})", ", ".join(sorted(versions))

    return _timed(check)


def probe_clamav() -> Probe:
    if not settings.CLAMD_URL:
        return Probe(status="not_configured", backend="uploads not scanned")

    def check():
        from exchange.scanning import command

        if command("PING", timeout=PROBE_TIMEOUT_SECONDS) != "PONG":
            raise ConnectionError("clamd did not answer PONG")
        return "clamd", command("VERSION", timeout=PROBE_TIMEOUT_SECONDS)

    return _timed(check)


def probe_all() -> dict[str, Probe]:
    return {
        "database": probe_database(),
        "redis": probe_redis(),
        "elasticsearch": probe_elasticsearch(),
        "clamav": probe_clamav(),
    }
