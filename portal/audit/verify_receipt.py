#!/usr/bin/env python3
"""Check an access receipt bundle offline, without the portal.

    python verify_receipt.py bundle.json --key portal-audit-keys.json

One file, the Python standard library and `cryptography`, no Django: a State copies
it, the bundle it downloaded and the portal's public keys
(`/.well-known/portal-audit-keys.json`), and checks, without trusting the portal's
operators, that

- every checkpoint in the bundle is signed by a key in the key file (by its id, a
  hash of the key itself), links to the checkpoint before it, and is not dated in
  the future;
- every row recomputes to its hash, links to the row before it, and sits under a
  signed checkpoint: the hashes of the rows between two checkpoints fold into the
  later checkpoint's signed digest, so no row under it can be changed, removed,
  inserted or reordered without a signature failing;
- the bundle holds every row the portal listed for it (the list is signed).

Given the portal's list of checkpoints (`/audit/checkpoints.json`) instead of a
bundle, it checks that list; with `--earlier FILE` (an earlier bundle or list) it
checks that every checkpoint of the earlier copy is still there unchanged, which
proves that the rows since were appended, not rewritten, truncated or reordered.

It prints one verdict: VERIFIED, or NOT VERIFIED with the first row or checkpoint
that does not hold. Exit status 0 verified, 1 not verified, 2 unreadable input.
The portal computes its hashes and signatures with the functions below, so both
sides apply one rule (docs/exchange-policy.md, "Checking a receipt offline").
"""

from __future__ import annotations

import argparse
import base64
import datetime
import hashlib
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

# A value as parsed from a file: whatever its JSON held. The checks below look at its
# shape (`_fields`, `isinstance`) before they rely on it.
Json = Any

GENESIS_HASH = "0" * 64
BUNDLE_FORMAT = "nsip-access-receipt/2"
CHECKPOINT_FORMAT = "nsip-audit-checkpoint/1"
MANIFEST_FORMAT = "nsip-access-receipt-manifest/1"
KEYS_FORMAT = "nsip-audit-keys/1"
CHECKPOINT_LIST_FORMAT = "nsip-audit-checkpoints/1"
# A clock difference tolerated between the portal and the checking machine.
CLOCK_SKEW = datetime.timedelta(minutes=5)

ROW_FIELDS = frozenset(
    {
        "sequence",
        "occurred_at",
        "actor_id",
        "actor_label",
        "action",
        "target_type",
        "target_id",
        "outcome",
        "ip_address",
        "user_agent",
        "details",
        "previous_hash",
        "row_hash",
    }
)
CHECKPOINT_SIGNED_FIELDS = (
    "sequence",
    "row_hash",
    "rows_digest",
    "created_at",
    "key_id",
    "previous_checkpoint_hash",
)
CHECKPOINT_FIELDS = frozenset({*CHECKPOINT_SIGNED_FIELDS, "signature"})
SEGMENT_FIELDS = frozenset({"after", "through", "row_hashes"})
BUNDLE_FIELDS = frozenset(
    {
        "format",
        "scope",
        "generated_at",
        "hash_rule",
        "rows",
        "checkpoints",
        "segments",
        "listed_rows",
        "signature",
    }
)
CHECKPOINT_LIST_FIELDS = frozenset({"format", "keys", "checkpoints"})
SIGNATURE_FIELDS = frozenset({"key_id", "value"})
KEY_FIELDS = frozenset({"key_id", "algorithm", "public_key", "status"})


# --- The rules the portal and this checker share.


def canonical(value: object) -> str:
    """JSON with sorted keys and no spaces: the form that is hashed and signed."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def row_hash(row: Mapping[str, Any]) -> str:
    """SHA-256 of the previous row's hash and the canonical row without hashes."""
    content = {k: v for k, v in row.items() if k not in ("previous_hash", "row_hash")}
    return sha256_hex(row["previous_hash"] + canonical(content))


def fold_digest(digest: str, row_hashes: Iterable[str]) -> str:
    """The rows' digest: each row's hash folded into the one before, from genesis.

    A checkpoint signs it, so the hashes of the rows between two checkpoints, and
    nothing more of them, prove which rows the later one covers."""
    for value in row_hashes:
        digest = sha256_hex(digest + value)
    return digest


def key_id(public_key: bytes) -> str:
    """A key's id: derived from the key, so that a replaced key shows."""
    return "ed25519:" + hashlib.sha256(public_key).hexdigest()[:16]


def public_key_bytes(public_key: Ed25519PublicKey) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return public_key.public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )


def checkpoint_payload(checkpoint: Mapping[str, Any]) -> bytes:
    signed = {name: checkpoint[name] for name in CHECKPOINT_SIGNED_FIELDS}
    return canonical({"format": CHECKPOINT_FORMAT, **signed}).encode()


def checkpoint_hash(checkpoint: Mapping[str, Any]) -> str:
    """What the next checkpoint names as its predecessor."""
    return hashlib.sha256(checkpoint_payload(checkpoint)).hexdigest()


def manifest_payload(bundle: Mapping[str, Any]) -> bytes:
    return canonical(
        {
            "format": MANIFEST_FORMAT,
            "scope": bundle["scope"],
            "generated_at": bundle["generated_at"],
            "listed_rows": bundle["listed_rows"],
            "checkpoint": checkpoint_hash(bundle["checkpoints"][-1])
            if bundle["checkpoints"]
            else None,
        }
    ).encode()


def sign(private_key: Ed25519PrivateKey, payload: bytes) -> str:
    return base64.b64encode(private_key.sign(payload)).decode()


# --- Checking.


class Refused(Exception):
    """The verdict: the first thing in the bundle that does not hold."""


def _timestamp(value: Json, where: str) -> datetime.datetime:
    try:
        moment = datetime.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise Refused(f"{where} has no valid timestamp ({value!r})") from None
    if moment.tzinfo is None:
        raise Refused(f"{where} has a timestamp without a time zone ({value!r})")
    return moment


def _not_future(value: Json, where: str, now: datetime.datetime) -> datetime.datetime:
    moment = _timestamp(value, where)
    if moment > now + CLOCK_SKEW:
        raise Refused(f"{where} is dated {value}, in the future")
    return moment


def _fields(
    obj: Json,
    allowed: frozenset[str],
    where: str,
    optional: frozenset[str] = frozenset(),
) -> None:
    if not isinstance(obj, dict):
        raise Refused(f"{where} is not an object")
    unknown = sorted(set(obj) - allowed)
    if unknown:
        raise Refused(f"{where} has unknown field(s): {', '.join(unknown)}")
    missing = sorted(allowed - optional - set(obj))
    if missing:
        raise Refused(f"{where} lacks field(s): {', '.join(missing)}")


def load_keys(document: Json) -> dict[str, Ed25519PublicKey]:
    """The key file's keys by id; each id must be the one its key derives."""
    _fields(document, frozenset({"format", "keys"}), "the key file")
    if document["format"] != KEYS_FORMAT:
        raise Refused(f"the key file is not in the format {KEYS_FORMAT}")
    keys: dict[str, Ed25519PublicKey] = {}
    for index, entry in enumerate(document["keys"]):
        _fields(entry, KEY_FIELDS, f"key {index + 1} of the key file")
        try:
            raw = base64.b64decode(entry["public_key"], validate=True)
            public = Ed25519PublicKey.from_public_bytes(raw)
        except ValueError:
            raise Refused(
                f"key {entry['key_id']} in the key file is not an Ed25519 public key"
            ) from None
        if key_id(raw) != entry["key_id"]:
            raise Refused(
                f"key {entry['key_id']} in the key file is not the key that id names "
                f"(the key was replaced: its own id is {key_id(raw)})"
            )
        keys[entry["key_id"]] = public
    return keys


def _verify_signature(
    keys: Mapping[str, Ed25519PublicKey],
    key: Json,
    value: Json,
    payload: bytes,
    where: str,
) -> None:
    public = keys.get(key)
    if public is None:
        raise Refused(
            f"{where} names the key id {key}, which the key file does not hold "
            f"(it holds {', '.join(sorted(keys)) or 'no key'})"
        )
    try:
        public.verify(base64.b64decode(value, validate=True), payload)
    except (InvalidSignature, ValueError):
        raise Refused(
            f"{where}: its signature does not hold for key {key} (signed by another "
            "key, or changed after it was signed)"
        ) from None


def verify_checkpoints(
    items: Json, keys: Mapping[str, Ed25519PublicKey], *, now: datetime.datetime
) -> dict[int, dict[str, Json]]:
    """Checkpoints by row number: each signed by a known key, not from the future,
    in order, and linked to the one before it."""
    if not isinstance(items, list) or not items:
        raise Refused("there is no signed checkpoint")
    checkpoints: dict[int, dict[str, Json]] = {}
    previous = None
    for cp in items:
        where = f"checkpoint #{cp.get('sequence')}" if isinstance(cp, dict) else ""
        _fields(cp, CHECKPOINT_FIELDS, where or "a checkpoint")
        if not isinstance(cp["sequence"], int) or cp["sequence"] < 1:
            raise Refused(f"{where} has no valid row number")
        moment = _not_future(cp["created_at"], where, now)
        _verify_signature(
            keys, cp["key_id"], cp["signature"], checkpoint_payload(cp), where
        )
        if previous is not None:
            if cp["sequence"] <= previous["sequence"]:
                raise Refused(
                    f"{where} comes after checkpoint #{previous['sequence']}: the "
                    "checkpoints are out of order"
                )
            if cp["previous_checkpoint_hash"] != checkpoint_hash(previous):
                raise Refused(
                    f"{where} does not link to checkpoint #{previous['sequence']} "
                    "before it"
                )
            if moment < _timestamp(previous["created_at"], where):
                raise Refused(f"{where} is dated before the checkpoint before it")
        checkpoints[cp["sequence"]] = cp
        previous = cp
    return checkpoints


def compare_with_earlier(
    current: Sequence[Mapping[str, Json]],
    earlier: Json,
    keys: Mapping[str, Ed25519PublicKey],
    *,
    now: datetime.datetime,
) -> str:
    """An earlier copy's checkpoints must all be in `current`, unchanged: then the
    rows since were appended, not rewritten, truncated or reordered (each
    checkpoint signs the digest of every row before it, and the hash of the
    checkpoint before it)."""
    verify_checkpoints(earlier, keys, now=now)
    by_sequence = {cp["sequence"]: cp for cp in current}
    first, latest = current[0]["sequence"], current[-1]["sequence"]
    compared = 0
    for cp in earlier:
        sequence = cp["sequence"]
        if sequence > latest:
            raise Refused(
                f"checkpoint #{sequence} of the earlier copy is newer than this "
                f"copy's latest, #{latest}: the newest rows were cut off"
            )
        if sequence < first:
            continue  # before this copy's first checkpoint: nothing to compare
        if sequence not in by_sequence:
            raise Refused(
                f"checkpoint #{sequence} of the earlier copy is missing: the chain "
                "was rewritten"
            )
        if by_sequence[sequence] != cp:
            raise Refused(
                f"checkpoint #{sequence} is not the one signed earlier: the chain "
                "was rewritten"
            )
        compared += 1
    if not compared:
        raise Refused(
            "no checkpoint of the earlier copy is in this one: nothing to compare "
            "(compare with the full list, /audit/checkpoints.json)"
        )
    return f"{compared} earlier checkpoints found unchanged"


def verify_checkpoint_list(
    document: Json, keys_document: Json, *, now: datetime.datetime
) -> str:
    """The portal's full list of checkpoints (/audit/checkpoints.json)."""
    _fields(document, CHECKPOINT_LIST_FIELDS, "the checkpoint list")
    if document["format"] != CHECKPOINT_LIST_FORMAT:
        raise Refused(
            f"the checkpoint list is not in the format {CHECKPOINT_LIST_FORMAT}"
        )
    keys = load_keys(keys_document)
    checkpoints = verify_checkpoints(document["checkpoints"], keys, now=now)
    first = document["checkpoints"][0]
    if first["previous_checkpoint_hash"] != GENESIS_HASH:
        raise Refused(
            f"checkpoint #{first['sequence']} opens the list but names a checkpoint "
            "before it: the list is not complete"
        )
    latest = document["checkpoints"][-1]
    return (
        f"{len(checkpoints)} checkpoints chained up to #{latest['sequence']} "
        f"(signed {latest['created_at']} by key {latest['key_id']})"
    )


def verify_bundle(bundle: Json, keys_document: Json, *, now: datetime.datetime) -> str:
    """The verdict's summary when every check holds; raises `Refused` otherwise."""
    _fields(bundle, BUNDLE_FIELDS, "the bundle")
    if bundle["format"] != BUNDLE_FORMAT:
        raise Refused(f"the bundle is not in the format {BUNDLE_FORMAT}")
    keys = load_keys(keys_document)
    generated_at = _not_future(bundle["generated_at"], "the bundle", now)
    for name in ("rows", "checkpoints", "segments", "listed_rows"):
        if not isinstance(bundle[name], list):
            raise Refused(f"the bundle's {name} are not a list")
    if not bundle["checkpoints"]:
        raise Refused("the bundle holds no signed checkpoint")

    checkpoints = verify_checkpoints(bundle["checkpoints"], keys, now=now)
    latest = bundle["checkpoints"][-1]
    if _timestamp(latest["created_at"], "") > generated_at + CLOCK_SKEW:
        raise Refused(
            f"checkpoint #{latest['sequence']} is dated after the bundle was made"
        )

    # Segments: the hashes between two checkpoints fold into the later one's digest.
    chain: dict[int, str] = {}
    covering: dict[int, dict[str, Json]] = {}
    for index, segment in enumerate(bundle["segments"]):
        _fields(segment, SEGMENT_FIELDS, f"segment {index + 1}")
        after, through = segment["after"], segment["through"]
        if through not in checkpoints:
            raise Refused(
                f"segment {index + 1} ends at row #{through}, which no checkpoint "
                "in the bundle signs"
            )
        if after == 0:
            start_hash = start_digest = GENESIS_HASH
        elif after in checkpoints:
            start_hash = checkpoints[after]["row_hash"]
            start_digest = checkpoints[after]["rows_digest"]
        else:
            raise Refused(
                f"segment {index + 1} starts after row #{after}, which no checkpoint "
                "in the bundle signs"
            )
        hashes = segment["row_hashes"]
        if not isinstance(hashes, list) or len(hashes) != through - after:
            raise Refused(
                f"segment {index + 1} should hold {through - after} row hashes "
                f"(rows #{after + 1} to #{through})"
            )
        signed = checkpoints[through]
        if fold_digest(start_digest, hashes) != signed["rows_digest"] or (
            hashes[-1] != signed["row_hash"]
        ):
            raise Refused(
                f"the row hashes from #{after + 1} to #{through} do not add up to "
                f"checkpoint #{through}'s signed digest: a row under it was changed, "
                "removed, inserted or reordered"
            )
        chain[after] = start_hash
        for offset, value in enumerate(hashes, start=after + 1):
            chain[offset] = value
            covering[offset] = signed

    # Rows: each recomputes, sits at its place in a signed segment, links back.
    last_sequence = 0
    for index, row in enumerate(bundle["rows"]):
        label = (
            f"row #{row['sequence']}"
            if isinstance(row, dict) and isinstance(row.get("sequence"), int)
            else f"row {index + 1} of the bundle"
        )
        _fields(row, ROW_FIELDS, label)
        sequence = row["sequence"]
        if not isinstance(sequence, int):
            raise Refused(f"{label} has no valid row number")
        if sequence <= last_sequence:
            raise Refused(
                f"{label} comes after row #{last_sequence}: the rows are out of order"
            )
        last_sequence = sequence
        if row_hash(row) != row["row_hash"]:
            raise Refused(f"{label} was changed: it does not recompute to its hash")
        if sequence not in covering:
            raise Refused(f"{label} sits under no signed checkpoint in the bundle")
        if chain[sequence] != row["row_hash"]:
            raise Refused(
                f"{label} is not the row the signed chain holds at #{sequence}"
            )
        if chain.get(sequence - 1) != row["previous_hash"]:
            raise Refused(f"{label} does not link to the row before it")
        occurred = _not_future(row["occurred_at"], label, now)
        if occurred > _timestamp(covering[sequence]["created_at"], label) + CLOCK_SKEW:
            raise Refused(
                f"{label} is dated after checkpoint #{covering[sequence]['sequence']} "
                "that signs it"
            )

    # Completeness: the portal's signed list of the bundle's rows.
    _fields(bundle["signature"], SIGNATURE_FIELDS, "the bundle's signature")
    _verify_signature(
        keys,
        bundle["signature"]["key_id"],
        bundle["signature"]["value"],
        manifest_payload(bundle),
        "the bundle's list of rows",
    )
    present = {row["sequence"]: row["row_hash"] for row in bundle["rows"]}
    listed = {}
    for entry in bundle["listed_rows"]:
        if not (isinstance(entry, list) and len(entry) == 2):
            raise Refused("the bundle's list of rows is malformed")
        listed[entry[0]] = entry[1]
    for sequence, value in sorted(listed.items()):
        if sequence not in present:
            raise Refused(f"row #{sequence} is missing from the bundle")
        if present[sequence] != value:
            raise Refused(f"row #{sequence} is not the row the portal listed")
    extra = sorted(set(present) - set(listed))
    if extra:
        raise Refused(f"row #{extra[0]} was added: the portal did not list it")

    return (
        f"{len(bundle['rows'])} rows verified under checkpoint "
        f"#{latest['sequence']} (signed {latest['created_at']} by key "
        f"{latest['key_id']}); {len(bundle['checkpoints'])} checkpoints chained"
    )


def _read_json(path: str, what: str) -> Json:
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as error:
        raise OSError(f"cannot read the {what} {path}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise Refused(f"the {what} {path} is not UTF-8 text") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        # The text ends before the document does: the error sits at its end, or a
        # string runs to the end of the file without its closing quote.
        cut = error.pos >= len(text.rstrip()) or error.msg.startswith(
            "Unterminated string"
        )
        end = " (the file is truncated)" if cut else ""
        raise Refused(
            f"the {what} {path} is not valid JSON{end}: {error.msg} at line "
            f"{error.lineno}, column {error.colno}"
        ) from None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Verify an access receipt bundle of the portal, or its list of "
        "signed checkpoints, offline."
    )
    parser.add_argument(
        "bundle", help="a receipt bundle, or the checkpoint list, to check (JSON)"
    )
    parser.add_argument(
        "--key",
        required=True,
        help="the portal's public keys (/.well-known/portal-audit-keys.json)",
    )
    parser.add_argument(
        "--earlier",
        help="an earlier bundle or checkpoint list whose checkpoints must all "
        "still be there, unchanged",
    )
    args = parser.parse_args(argv)
    now = datetime.datetime.now(datetime.UTC)
    try:
        document = _read_json(args.bundle, "bundle")
        keys = _read_json(args.key, "key file")
        if isinstance(document, dict) and (
            document.get("format") == CHECKPOINT_LIST_FORMAT
        ):
            summary = verify_checkpoint_list(document, keys, now=now)
        else:
            summary = verify_bundle(document, keys, now=now)
        if args.earlier:
            earlier = _read_json(args.earlier, "earlier copy")
            if not isinstance(earlier, dict) or "checkpoints" not in earlier:
                raise Refused("the earlier copy holds no checkpoints")
            summary += "; " + compare_with_earlier(
                document["checkpoints"],
                earlier["checkpoints"],
                load_keys(keys),
                now=now,
            )
    except OSError as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 2
    except Refused as verdict:
        print(f"NOT VERIFIED: {verdict}")
        return 1
    except (KeyError, TypeError, AttributeError) as error:
        kind = type(error).__name__
        print(f"NOT VERIFIED: the bundle is malformed ({kind}: {error})")
        return 1
    print(f"VERIFIED: {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
