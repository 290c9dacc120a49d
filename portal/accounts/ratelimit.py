"""Counting attempts per key in Django's cache, in fixed windows."""

from __future__ import annotations

import time

from django.core.cache import cache

from redis.exceptions import RedisError

# What Django's Redis cache raises when Redis is down or unreachable.
CACHE_ERRORS = (RedisError, OSError)


class CountUnavailable(Exception):
    """The cache that keeps the counts did not answer: nothing was counted.

    Callers refuse the attempt (as django-ratelimit does unless told to fail
    open): a limit that cannot count does not let everything through.
    """


def hit(scope: str, key: str, *, limit: int, window: int) -> bool:
    """Count one attempt of `key`; True while at most `limit` fell in this window.

    Windows are fixed (aligned on multiples of `window` seconds) so that the count
    needs one `add` and one `incr`, both atomic in Redis and in the local cache.
    Raises `CountUnavailable` when the cache is down.
    """
    start = int(time.time()) // window * window
    name = f"ratelimit:{scope}:{key}:{start}"
    try:
        cache.add(name, 0, timeout=window)
        try:
            count = cache.incr(name)
        except ValueError:
            # Evicted between add and incr: this attempt is the first again.
            cache.set(name, 1, timeout=window)
            count = 1
    except CACHE_ERRORS as error:
        raise CountUnavailable(scope) from error
    return count <= limit
