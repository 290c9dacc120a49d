"""Verified sessions and step-up: when the last second-factor check happened.

The two-factor flow calls `mark_verified(request)` after every successful code.
Sensitive actions require that check to be recent (`STEP_UP_SECONDS`).
"""

from __future__ import annotations

import time
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect

VERIFIED_AT_SESSION_KEY = "portal_otp_verified_at"
SESSION_STARTED_AT_KEY = "portal_session_started_at"
# When the session was last saved, which slides its idle expiry (middleware).
SESSION_TOUCHED_AT_KEY = "portal_session_touched_at"


def step_up_seconds() -> int:
    return getattr(settings, "STEP_UP_SECONDS", 15 * 60)


def mark_verified(request) -> None:
    request.session[VERIFIED_AT_SESSION_KEY] = int(time.time())


def is_session_verified(request) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and user.is_verified())


def is_recently_verified(request) -> bool:
    verified_at = request.session.get(VERIFIED_AT_SESSION_KEY)
    if not is_session_verified(request) or verified_at is None:
        return False
    return time.time() - verified_at <= step_up_seconds()


def step_up_required(view):
    """Ask for a fresh code when the last one is older than the step-up window."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_recently_verified(request):
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{settings.STEP_UP_URL}?{query}")
        return view(request, *args, **kwargs)

    return wrapper
