"""Session rules: the absolute lifetime; a verified session for the Wagtail admin."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect

from portal.accounts.stepup import SESSION_STARTED_AT_KEY, is_session_verified
from portal.accounts.twofactor import second_factor_url
from portal.audit.actions import record


def session_expired(session) -> bool:
    started = session.get(SESSION_STARTED_AT_KEY)
    return started is not None and time.time() - started > absolute_seconds()


def absolute_seconds() -> int:
    return getattr(settings, "SESSION_ABSOLUTE_SECONDS", 12 * 60 * 60)


class AbsoluteSessionAgeMiddleware:
    """Ends a signed-in session SESSION_ABSOLUTE_SECONDS after sign-in.

    Django's own expiry slides with every request (the 30-minute idle timeout);
    this cap does not, so a session kept busy still ends.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            if SESSION_STARTED_AT_KEY not in request.session:
                request.session[SESSION_STARTED_AT_KEY] = int(time.time())
            elif session_expired(request.session):
                user = request.user
                logout(request)
                record(
                    "auth.session_expired",
                    actor=user,
                    target=user,
                    request=request,
                    details={"absolute_seconds": absolute_seconds()},
                )
                messages.info(request, "Your session has ended; please sign in again.")
                return redirect_to_login(request.get_full_path())
        return self.get_response(request)


class AdminVerifiedSessionMiddleware:
    """The Wagtail admin answers only to sessions verified with a second factor.

    Its own login page is replaced by the portal's, which enforces lockout and
    two-factor authentication.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.prefix = "/admin/"

    def __call__(self, request):
        if request.path.startswith(self.prefix):
            if not request.user.is_authenticated:
                next_url = request.get_full_path()
                if request.path.startswith(f"{self.prefix}login/"):
                    next_url = request.GET.get("next") or self.prefix
                return redirect_to_login(next_url)
            if not is_session_verified(request):
                return redirect(
                    second_factor_url(request.user, request.get_full_path())
                )
        return self.get_response(request)
