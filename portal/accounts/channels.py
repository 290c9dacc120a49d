"""WebSockets: a connection is authenticated only by a session verified with a
second factor (the same rule as django-otp's OTPMiddleware for HTTP)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AnonymousUser

from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.middleware import OTPMiddleware
from django_otp.models import Device

from portal.accounts.middleware import session_expired

if TYPE_CHECKING:
    from django.contrib.sessions.backends.base import SessionBase

    from portal.accounts.models import User


def _verified_user(
    user: User | AnonymousUser | None, session: SessionBase | None
) -> User | AnonymousUser:
    if user is None or not user.is_authenticated or session is None:
        return AnonymousUser()
    if session_expired(session):
        return AnonymousUser()
    persistent_id = session.get(DEVICE_ID_SESSION_KEY)
    if not persistent_id:
        return AnonymousUser()
    device = Device.from_persistent_id(
        OTPMiddleware._normalize_persistent_id(persistent_id)
    )
    if device is None or device.user_id != user.pk or not device.confirmed:
        return AnonymousUser()
    user.otp_device = device
    user.is_verified = lambda: True
    return user


class VerifiedSessionMiddleware(BaseMiddleware):
    """Wrap inside `AuthMiddlewareStack`: `scope["user"]` becomes AnonymousUser
    unless the session was verified with a confirmed device of that user."""

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        scope = dict(scope)
        scope["user"] = await database_sync_to_async(_verified_user)(
            scope.get("user"), scope.get("session")
        )
        return await super().__call__(scope, receive, send)
