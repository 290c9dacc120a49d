"""The audit signing key: the private key from settings, the public keys published.

`AUDIT_SIGNING_KEY` holds an Ed25519 private key, as the base64 of its 32 raw bytes
or as PEM; `AUDIT_RETIRED_PUBLIC_KEYS` the public halves (base64 of 32 raw bytes)
of keys it replaced, so that checkpoints they signed still verify. A key's id is
derived from its public key (`verify_receipt.key_id`).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from portal.audit import verify_receipt as rules


@dataclass(frozen=True)
class SigningKey:
    private: Ed25519PrivateKey
    public_raw: bytes

    @property
    def key_id(self) -> str:
        return rules.key_id(self.public_raw)

    @property
    def public_b64(self) -> str:
        return base64.b64encode(self.public_raw).decode()

    def sign(self, payload: bytes) -> str:
        return rules.sign(self.private, payload)


def parse_private_key(value: str) -> Ed25519PrivateKey:
    """An Ed25519 private key from PEM or base64 raw bytes; ValueError otherwise."""
    value = value.strip()
    if value.startswith("-----BEGIN"):
        key = serialization.load_pem_private_key(value.encode(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("the PEM key is not an Ed25519 key")
        return key
    try:
        raw = base64.b64decode(value, validate=True)
    except binascii.Error:
        raise ValueError("not base64") from None
    if len(raw) != 32:
        raise ValueError(f"{len(raw)} bytes instead of 32")
    return Ed25519PrivateKey.from_private_bytes(raw)


def signing_key() -> SigningKey:
    value = getattr(settings, "AUDIT_SIGNING_KEY", None)
    if not value:
        raise ImproperlyConfigured("AUDIT_SIGNING_KEY is required to sign checkpoints.")
    try:
        private = parse_private_key(value)
    except ValueError as error:
        raise ImproperlyConfigured(
            f"AUDIT_SIGNING_KEY is not an Ed25519 private key ({error})."
        ) from None
    return SigningKey(private, rules.public_key_bytes(private.public_key()))


def retired_public_keys() -> dict[str, bytes]:
    """Retired public keys by id; a malformed one raises, naming the setting."""
    keys = {}
    for value in settings.AUDIT_RETIRED_PUBLIC_KEYS:
        try:
            raw = base64.b64decode(value, validate=True)
            Ed25519PublicKey.from_public_bytes(raw)
        except (binascii.Error, ValueError):
            raise ImproperlyConfigured(
                f"AUDIT_RETIRED_PUBLIC_KEYS holds {value!r}, which is not the base64 "
                "of an Ed25519 public key."
            ) from None
        keys[rules.key_id(raw)] = raw
    return keys


def public_keys_document() -> dict[str, Any]:
    """The key file an offline checker uses (`--key`), as the portal publishes it."""
    current = signing_key()
    entries = [
        {
            "key_id": current.key_id,
            "algorithm": "Ed25519",
            "public_key": current.public_b64,
            "status": "current",
        }
    ]
    for kid, raw in retired_public_keys().items():
        if kid != current.key_id:
            entries.append(
                {
                    "key_id": kid,
                    "algorithm": "Ed25519",
                    "public_key": base64.b64encode(raw).decode(),
                    "status": "retired",
                }
            )
    return {"format": rules.KEYS_FORMAT, "keys": entries}


def trusted_keys() -> dict[str, Ed25519PublicKey]:
    """Every key whose checkpoints the portal accepts, by id."""
    return rules.load_keys(public_keys_document())
