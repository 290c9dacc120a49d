"""WebSockets while the channel layer (Redis) is away: a clean close, never a 500.

A consumer joins its groups and reads its channel through Redis. When Redis is
down, that raises inside the consumer, and the ASGI server answers the handshake
with HTTP 500 (or drops an open socket without a close frame). This wrapper turns
those failures into a close frame with code 1013, "try again later": the room and
bell scripts then reconnect with their back-off, and fetch what they missed once
the layer is back. Other errors are not caught here.
"""

from __future__ import annotations

import logging
from contextlib import suppress

from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

TRY_AGAIN_LATER = 1013
LAYER_ERRORS = (RedisError, OSError)


class CloseWhenLayerDown:
    """ASGI middleware for the `websocket` scope."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        state = {"accepted": False, "closed": False}

        async def watched_send(message):
            if message["type"] == "websocket.accept":
                state["accepted"] = True
            elif message["type"] == "websocket.close":
                state["closed"] = True
            await send(message)

        try:
            return await self.app(scope, receive, watched_send)
        except LAYER_ERRORS as error:
            logger.warning("websocket: the channel layer failed: %s", error)
            if state["closed"]:
                return None
            # The socket may already be gone on the client's side.
            with suppress(*LAYER_ERRORS, RuntimeError):
                if not state["accepted"]:
                    await send({"type": "websocket.accept"})
                await send({"type": "websocket.close", "code": TRY_AGAIN_LATER})
            return None
