"""Verified sessions and step-up: when the last second-factor check happened.

The two-factor flow calls `mark_verified(request)` after every successful code.
Sensitive actions require that check to be recent (`STEP_UP_SECONDS`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar, cast
from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponseBase

View = TypeVar("View", bound=Callable[..., "HttpResponseBase"])

VERIFIED_AT_SESSION_KEY = "portal_otp_verified_at"
SESSION_STARTED_AT_KEY = "portal_session_started_at"
# When the session was last saved, which slides its idle expiry (middleware).
SESSION_TOUCHED_AT_KEY = "portal_session_touched_at"


def step_up_seconds() -> int:
    return int(getattr(settings, "STEP_UP_SECONDS", 15 * 60))


def mark_verified(request: HttpRequest) -> None:
    request.session[VERIFIED_AT_SESSION_KEY] = int(time.time())


def is_session_verified(request: HttpRequest) -> bool:
    # django-otp's middleware gives the user `is_verified`, which no type declares.
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and user.is_verified())


def is_recently_verified(request: HttpRequest) -> bool:
    verified_at = request.session.get(VERIFIED_AT_SESSION_KEY)
    if not is_session_verified(request) or verified_at is None:
        return False
    return bool(time.time() - verified_at <= step_up_seconds())


def step_up_required(view: View) -> View:
    """Ask for a fresh code when the last one is older than the step-up window."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not is_recently_verified(request):
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{settings.STEP_UP_URL}?{query}")
        return view(request, *args, **kwargs)

    return cast(View, wrapper)
