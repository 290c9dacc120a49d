"""Settings: each URL variable switches its backend; production needs its secret."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from django.conf import settings

import pytest

PROBE = """
import json, django
django.setup()
from django.conf import settings
print(json.dumps({
    "db": settings.DATABASES["default"]["ENGINE"],
    "layer": settings.CHANNEL_LAYERS["default"]["BACKEND"],
    "search": settings.SEARCH_BACKEND,
    "es": settings.ELASTICSEARCH_URL,
    "debug": settings.DEBUG,
    "hosts": settings.ALLOWED_HOSTS,
    "pool": settings.DATABASES["default"].get("OPTIONS", {}).get("pool"),
    "origins": settings.OTP_WEBAUTHN_ALLOWED_ORIGINS,
}))
"""

# An Ed25519 private key in the settings' form: the base64 of 32 bytes.
AUDIT_KEY = "cHJvZHVjdGlvbi10ZXN0LWF1ZGl0LWtleS0zMmJ5dGU="

CONFIG_VARS = (
    "DATABASE_URL",
    "REDIS_URL",
    "ELASTICSEARCH_URL",
    "SECRET_KEY",
    "DEBUG",
    "EXCHANGE_KEK",
    "AUDIT_SIGNING_KEY",
    "DATABASE_POOL",
    "CLAMD_URL",
    "HOST",
    "PORT",
    "WEBAUTHN_ALLOWED_ORIGINS",
)


def load_settings(module: str, tmp_path, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in CONFIG_VARS}
    clean.update(DJANGO_SETTINGS_MODULE=module, PORTAL_VAR_DIR=str(tmp_path), **env)
    return subprocess.run(
        [sys.executable, "-c", PROBE],
        env=clean,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )


def settings_of(module: str, tmp_path, **env: str) -> dict:
    result = load_settings(module, tmp_path, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_demo_defaults_are_embedded(tmp_path):
    loaded = settings_of("portal.settings.dev", tmp_path)
    assert loaded["db"] == "django.db.backends.sqlite3"
    assert loaded["layer"] == "channels.layers.InMemoryChannelLayer"
    assert loaded["search"] == "database"
    assert loaded["es"] is None
    assert loaded["pool"] is None


def test_database_url_switches_to_postgresql(tmp_path):
    loaded = settings_of(
        "portal.settings.dev", tmp_path, DATABASE_URL="postgres://u@127.0.0.1:5432/db"
    )
    assert loaded["db"] == "django.db.backends.postgresql"
    # Pooled connections: under ASGI each request's database work has its own thread.
    assert loaded["pool"] == {"min_size": 2, "max_size": 10, "timeout": 10}
    unpooled = settings_of(
        "portal.settings.dev",
        tmp_path,
        DATABASE_URL="postgres://u@127.0.0.1:5432/db",
        DATABASE_POOL="false",
    )
    assert unpooled["pool"] is None


def test_redis_url_switches_the_channel_layer(tmp_path):
    loaded = settings_of(
        "portal.settings.dev", tmp_path, REDIS_URL="redis://127.0.0.1:6379/0"
    )
    assert loaded["layer"] == "channels_redis.core.RedisChannelLayer"


def test_elasticsearch_url_switches_search(tmp_path):
    loaded = settings_of(
        "portal.settings.dev", tmp_path, ELASTICSEARCH_URL="http://127.0.0.1:9200"
    )
    assert loaded["search"] == "elasticsearch"
    assert loaded["es"] == "http://127.0.0.1:9200"


def test_passkey_origins_follow_the_port_the_demo_serves_on(tmp_path):
    assert settings_of("portal.settings.dev", tmp_path)["origins"] == [
        "http://localhost:8000"
    ]
    on_8123 = settings_of("portal.settings.dev", tmp_path, PORT="8123")
    assert on_8123["origins"] == ["http://localhost:8123"]
    # A wildcard bind is still opened as localhost; a host name is allowed as well.
    wildcard = settings_of("portal.settings.dev", tmp_path, HOST="::", PORT="9001")
    assert wildcard["origins"] == ["http://localhost:9001"]
    named = settings_of("portal.settings.dev", tmp_path, HOST="demo.lan", PORT="80")
    assert named["origins"] == ["http://localhost:80", "http://demo.lan:80"]
    # Set explicitly, the list is taken as it is.
    explicit = settings_of(
        "portal.settings.dev",
        tmp_path,
        PORT="8123",
        WEBAUTHN_ALLOWED_ORIGINS="https://portal.example.org",
    )
    assert explicit["origins"] == ["https://portal.example.org"]


def test_demo_secret_is_generated_once_into_var(tmp_path):
    settings_of("portal.settings.dev", tmp_path)
    secret_file = tmp_path / "secret_key"
    first = secret_file.read_text()
    settings_of("portal.settings.dev", tmp_path)
    assert secret_file.read_text() == first
    assert len(first) >= 50
    assert oct(secret_file.stat().st_mode & 0o777) == "0o600"


def test_production_refuses_to_start_without_secret_key(tmp_path):
    result = load_settings("portal.settings.production", tmp_path)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr
    assert not (tmp_path / "secret_key").exists(), (
        "production must never invent a secret"
    )


def test_production_refuses_to_start_without_the_exchange_key(tmp_path):
    result = load_settings("portal.settings.production", tmp_path, SECRET_KEY="x" * 60)
    assert result.returncode != 0
    assert "EXCHANGE_KEK" in result.stderr
    assert not (tmp_path / "exchange_kek").exists()


def test_production_refuses_to_start_without_the_audit_signing_key(tmp_path):
    result = load_settings(
        "portal.settings.production",
        tmp_path,
        SECRET_KEY="x" * 60,
        EXCHANGE_KEK="k" * 60,
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "AUDIT_SIGNING_KEY" in result.stderr
    assert not (tmp_path / "audit_signing_key").exists()


def test_the_demo_generates_its_audit_signing_key_once_into_var(tmp_path):
    import base64

    settings_of("portal.settings.dev", tmp_path)
    key_file = tmp_path / "audit_signing_key"
    first = key_file.read_text()
    assert len(base64.b64decode(first, validate=True)) == 32  # an Ed25519 key
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    settings_of("portal.settings.dev", tmp_path)
    assert key_file.read_text() == first


def test_production_with_secret_starts_without_debug(tmp_path):
    loaded = settings_of(
        "portal.settings.production",
        tmp_path,
        SECRET_KEY="x" * 60,
        EXCHANGE_KEK="k" * 60,
        AUDIT_SIGNING_KEY=AUDIT_KEY,
        ALLOWED_HOSTS="portal.example.org",
    )
    assert loaded["debug"] is False
    assert loaded["hosts"] == ["portal.example.org"]


def test_production_passes_check_deploy_without_warnings(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in CONFIG_VARS}
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings.production",
        PORTAL_VAR_DIR=str(tmp_path),
        SECRET_KEY="a-long-random-production-secret-" + "k" * 40,
        EXCHANGE_KEK="a-long-random-exchange-key-secret-" + "k" * 40,
        AUDIT_SIGNING_KEY=AUDIT_KEY,
        ALLOWED_HOSTS="portal.example.org",
        CLAMD_URL="tcp://127.0.0.1:3310",  # checked for presence, not reached
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("value", ["maybe", "2"])
def test_a_malformed_boolean_is_named_in_the_error(tmp_path, value):
    result = load_settings("portal.settings.dev", tmp_path, DEBUG=value)
    assert result.returncode != 0
    assert "DEBUG must be true or false" in result.stderr
