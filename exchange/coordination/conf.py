"""Coordination settings with their defaults; override any of them in settings."""

from __future__ import annotations

from django.conf import settings

DEFAULTS = {
    # Largest WebSocket text frame accepted, in bytes (UTF-8).
    "COORDINATION_MAX_FRAME_BYTES": 16 * 1024,
    # Longest message, in characters after sanitising.
    "COORDINATION_MAX_MESSAGE_CHARS": 4000,
    # Authors may edit or delete their messages for this long.
    "COORDINATION_EDIT_WINDOW_SECONDS": 15 * 60,
    # Per-user rate limit on frames that write: COUNT per SECONDS, sliding window.
    "COORDINATION_RATE_LIMIT_COUNT": 20,
    "COORDINATION_RATE_LIMIT_SECONDS": 10,
    # A socket counts as present for this long after its last heartbeat.
    "COORDINATION_PRESENCE_TTL_SECONDS": 60,
    # How often an open socket refreshes its presence and re-asks the policy (which
    # also catches a vetting that lapses while connected).
    "COORDINATION_HEARTBEAT_SECONDS": 20,
    # Messages per page of the history API.
    "COORDINATION_PAGE_SIZE": 50,
}


def get(name: str):
    return getattr(settings, name, DEFAULTS[name])
