"""Counting attempts per key in Django's cache, in fixed windows."""

from __future__ import annotations

import time

from django.core.cache import cache


def hit(scope: str, key: str, *, limit: int, window: int) -> bool:
    """Count one attempt of `key`; True while at most `limit` fell in this window.

    Windows are fixed (aligned on multiples of `window` seconds) so that the count
    needs one `add` and one `incr`, both atomic in Redis and in the local cache.
    """
    start = int(time.time()) // window * window
    name = f"ratelimit:{scope}:{key}:{start}"
    cache.add(name, 0, timeout=window)
    try:
        count = cache.incr(name)
    except ValueError:
        # Evicted between add and incr: this attempt is the first again.
        cache.set(name, 1, timeout=window)
        count = 1
    return count <= limit
