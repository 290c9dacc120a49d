"""Signals the exchange sends after a change commits: search and notifications listen.

`document_changed` is sent with `document` and `kind` (one of `CHANGE_KINDS`) from
`transaction.on_commit`, so receivers never see a change that was rolled back. A
receiver must ask `exchange.policy` before telling anyone about the document.
"""

from __future__ import annotations

from django.dispatch import Signal

CHANGE_KINDS = (
    "created",
    "version_added",
    "shared",
    "tier_changed",
    "revoked",
    "expiry_set",
)

document_changed = Signal()
