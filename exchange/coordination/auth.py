"""Who is behind a WebSocket: the session's user, only when verified by a second factor.

This is the single place the coordination consumers learn who they serve. It reads
the session afresh from the session store on every call, so a logout, an expired
session, a changed password, a removed device or a lapsed vetting is seen at the next
check. When `portal.accounts.channels.VerifiedSessionMiddleware` wraps the router,
`scope_viewer` can trust `scope["user"]` instead; keep the re-read of the session
for the rechecks pushed to open sockets.
"""

from __future__ import annotations

import time
from importlib import import_module

from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.utils.crypto import constant_time_compare

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device

from exchange.policy import ANONYMOUS, Viewer, viewer_for_user
from portal.accounts.stepup import SESSION_STARTED_AT_KEY


def session_key_of(scope) -> str | None:
    session = scope.get("session")
    return getattr(session, "session_key", None) if session is not None else None


def verified_user_for_session(session_key: str | None):
    """The active user of a live session verified with a confirmed device, or None."""
    if not session_key:
        return None
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key=session_key)
    data = store.load()  # empty when the session ended or expired
    user_id = data.get(SESSION_KEY)
    if user_id is None:
        return None
    # The absolute cap of a signed-in session, as the HTTP side enforces it.
    started = data.get(SESSION_STARTED_AT_KEY)
    cap = getattr(settings, "SESSION_ABSOLUTE_SECONDS", 12 * 60 * 60)
    if started is not None and time.time() - started > cap:
        return None
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return None
    # As Django's get_user: a password change ends every other session.
    if not constant_time_compare(
        data.get(HASH_SESSION_KEY, ""), user.get_session_auth_hash()
    ):
        return None
    persistent_id = data.get(DEVICE_ID_SESSION_KEY)
    device = Device.from_persistent_id(persistent_id) if persistent_id else None
    if device is None or device.user_id != user.pk or not device.confirmed:
        return None
    return user


def scope_viewer(scope) -> tuple[object | None, Viewer]:
    """(user, viewer) for a socket's scope; (None, ANONYMOUS) unless verified.

    Synchronous: call it through `database_sync_to_async`.
    """
    user = verified_user_for_session(session_key_of(scope))
    if user is None:
        return None, ANONYMOUS
    return user, viewer_for_user(user, verified=True)
