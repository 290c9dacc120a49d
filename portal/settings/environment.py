"""All reading of the environment happens here, and nowhere else."""

from __future__ import annotations

import base64
import ipaddress
import os
import secrets
from pathlib import Path
from typing import overload

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("PORTAL_VAR_DIR", BASE_DIR / "var"))

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


@overload
def get(name: str) -> str | None: ...
@overload
def get(name: str, default: str) -> str: ...
def get(name: str, default: str | None = None) -> str | None:
    """An optional variable; empty counts as unset."""
    value = os.environ.get(name, "").strip()
    return value or default


def get_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def get_int(name: str, default: int) -> int:
    value = get(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(
            f"{name} must be a whole number, not {value!r}"
        ) from None


def get_list(name: str, default: list[str]) -> list[str]:
    value = get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def get_mandatory_secret(name: str) -> str:
    """A secret production cannot run without; it is never invented."""
    value = get(name)
    if not value:
        raise ImproperlyConfigured(f"The environment variable {name} is required.")
    return value


def _random_text() -> str:
    return secrets.token_urlsafe(50)


def random_signing_key() -> str:
    """A new Ed25519 private key, as the base64 of its 32 random bytes."""
    return base64.b64encode(secrets.token_bytes(32)).decode()


def get_demo_secret(name: str, filename: str, make=_random_text) -> str:
    """A secret from the environment, or one generated once into var/ for the demo
    (by `make`: random text unless the secret must have another form)."""
    value = get(name)
    if value:
        return value
    path = VAR_DIR / filename
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        # Create with owner-only permissions before writing the secret.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(make())
    return path.read_text().strip()


def demo_origins(rp_id: str) -> list[str]:
    """The origins the run command serves on, for passkeys: `http://<host>:<PORT>`.

    `./task run` binds `HOST` (default 127.0.0.1) and `PORT` (default 8000). Browsers
    refuse passkeys on an IP address, so an address or a wildcard bind is offered as
    the relying party's host name (localhost in the demo) on the same port.
    """
    port = get("PORT", "8000")
    host = get("HOST", "127.0.0.1")
    names = [rp_id]
    try:
        ipaddress.ip_address(host)
    except ValueError:
        if host != rp_id:
            names.append(host)
    return [f"http://{name}:{port}" for name in names]
