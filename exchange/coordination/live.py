"""Redis-side state of the live layer: presence and per-user rate limits.

With `REDIS_URL` set (tests, production) both live in Redis under `REDIS_PREFIX`, so
every application server sees the same presence and the same budgets. The one-process
demo (in-memory channel layer) keeps them in this process instead.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
import weakref
from typing import Any

from django.conf import settings

from redis.exceptions import RedisError

from exchange.coordination import conf

logger = logging.getLogger("portal.coordination")

_clients: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

# What the Redis client raises when Redis is down or unreachable.
LIVE_ERRORS = (RedisError, OSError)


def _prefix() -> str:
    # A setting of Channels, not of Django: the plugin cannot type it.
    default: dict[str, Any] = settings.CHANNEL_LAYERS["default"]
    layer = default.get("CONFIG", {})
    return f"{layer.get('prefix', 'portal')}:coordination"


def redis_client():
    """One asyncio Redis client per event loop (clients cannot cross loops)."""
    if not getattr(settings, "REDIS_URL", None):
        return None
    import redis.asyncio as redis

    loop = asyncio.get_running_loop()
    client = _clients.get(loop)
    if client is None:
        client = redis.from_url(settings.REDIS_URL)
        _clients[loop] = client
    return client


# --- Presence: a sorted set per room of "user_id:socket" scored by expiry time.

_local_presence: dict[int, dict[str, float]] = {}


def _presence_key(room_id: int) -> str:
    return f"{_prefix()}:presence:{room_id}"


async def mark_present(room_id: int, user_id: int, socket: str) -> None:
    ttl = conf.get("COORDINATION_PRESENCE_TTL_SECONDS")
    member = f"{user_id}:{socket}"
    client = redis_client()
    if client is None:
        _local_presence.setdefault(room_id, {})[member] = time.time() + ttl
        return
    key = _presence_key(room_id)
    async with client.pipeline(transaction=True) as pipe:
        pipe.zadd(key, {member: time.time() + ttl})
        pipe.expire(key, ttl * 2)
        await pipe.execute()


async def mark_absent(room_id: int, user_id: int, socket: str) -> None:
    member = f"{user_id}:{socket}"
    client = redis_client()
    if client is None:
        _local_presence.get(room_id, {}).pop(member, None)
        return
    await client.zrem(_presence_key(room_id), member)


async def present_user_ids(room_id: int) -> set[int]:
    """Users with at least one live socket on the room."""
    now = time.time()
    client = redis_client()
    if client is None:
        entries = _local_presence.get(room_id, {})
        members = [m for m, expiry in entries.items() if expiry > now]
    else:
        key = _presence_key(room_id)
        await client.zremrangebyscore(key, "-inf", now)
        members = [m.decode() for m in await client.zrangebyscore(key, now, "+inf")]
    return {int(member.split(":", 1)[0]) for member in members}


# --- Rate limit: a sliding window per user, shared by all of the user's sockets.

_local_windows: dict[int, list[float]] = {}


async def allow(user_id: int) -> bool:
    """Count one write by `user_id`; False when it exceeds the budget."""
    limit = conf.get("COORDINATION_RATE_LIMIT_COUNT")
    window = conf.get("COORDINATION_RATE_LIMIT_SECONDS")
    now = time.time()
    client = redis_client()
    if client is None:
        stamps = [t for t in _local_windows.get(user_id, []) if t > now - window]
        allowed = len(stamps) < limit
        if allowed:
            stamps.append(now)
        _local_windows[user_id] = stamps
        return allowed
    key = f"{_prefix()}:rate:{user_id}"
    stamp = uuid.uuid4().hex
    async with client.pipeline(transaction=True) as pipe:
        pipe.zremrangebyscore(key, "-inf", now - window)
        pipe.zcard(key)
        pipe.zadd(key, {stamp: now})
        pipe.expire(key, window + 1)
        _, count, _, _ = await pipe.execute()
    if count >= limit:
        # Refused attempts do not eat the budget of the next window.
        await client.zrem(key, stamp)
        return False
    return True
