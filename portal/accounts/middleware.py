"""Session rules: the idle and absolute lifetimes; a verified session for the admin."""

from __future__ import annotations

import time
import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import redirect
from django.utils import timezone, translation

from portal.accounts.stepup import (
    SESSION_STARTED_AT_KEY,
    SESSION_TOUCHED_AT_KEY,
    is_session_verified,
)
from portal.accounts.twofactor import second_factor_url
from portal.audit.actions import record

GetResponse = Callable[[HttpRequest], HttpResponseBase]


def session_expired(session: SessionBase) -> bool:
    started = session.get(SESSION_STARTED_AT_KEY)
    return started is not None and bool(time.time() - started > absolute_seconds())


def absolute_seconds() -> int:
    return int(getattr(settings, "SESSION_ABSOLUTE_SECONDS", 12 * 60 * 60))


def touch_seconds() -> int:
    return int(getattr(settings, "SESSION_TOUCH_SECONDS", 60))


class AbsoluteSessionAgeMiddleware:
    """Ends a signed-in session SESSION_ABSOLUTE_SECONDS after sign-in, and slides
    the idle timeout.

    The idle timeout is Django's expiry (SESSION_COOKIE_AGE), which moves each time
    the session is saved. Saving on every request would write the session table on
    every page and API call; the session is instead saved when it was last saved
    more than SESSION_TOUCH_SECONDS ago, so an idle session ends between
    SESSION_COOKIE_AGE minus that and SESSION_COOKIE_AGE after its last request. The
    absolute cap does not slide, so a session kept busy still ends.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        session = request.session
        now = int(time.time())
        if (
            not session.is_empty()
            and now - session.get(SESSION_TOUCHED_AT_KEY, 0) >= touch_seconds()
        ):
            session[SESSION_TOUCHED_AT_KEY] = now  # saved, so its expiry moves on
        if request.user.is_authenticated:
            if SESSION_STARTED_AT_KEY not in session:
                session[SESSION_STARTED_AT_KEY] = now
            elif session_expired(session):
                user = request.user
                with transaction.atomic():
                    logout(request)
                    record(
                        "auth.session_expired",
                        actor=user,
                        target=user,
                        request=request,
                        details={"absolute_seconds": absolute_seconds()},
                    )
                messages.info(
                    request,
                    translation.gettext(
                        "Your session has ended; please sign in again."
                    ),
                )
                return redirect_to_login(request.get_full_path())
        return self.get_response(request)


class AdminVerifiedSessionMiddleware:
    """The Wagtail admin answers only to sessions verified with a second factor, of
    people with Wagtail's admin access; a verified person without it gets 403.

    Its own login page is replaced by the portal's, which enforces lockout and
    two-factor authentication. Wagtail would send a signed-in person without admin
    access back to that login page, which sends a verified session on to `next`:
    a redirect loop, hence the 403 here.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response
        self.prefix = "/admin/"

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
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
            if not request.user.has_perm("wagtailadmin.access_admin"):
                raise PermissionDenied
        return self.get_response(request)


class PersonalLanguageMiddleware:
    """Speaks the signed-in person's own language (`User.language`) on pages without
    a language prefix (role pages, APIs, the admin); a prefixed public page stays
    in its prefix's language. After the portal's LocaleMiddleware, which has already
    chosen the cookie's or the browser's language."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        language = getattr(request.user, "language", "")
        if language and getattr(request, "language_from_person", False):
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)


class PersonalTimeZoneMiddleware:
    """Writes times in the signed-in person's own zone (`User.time_zone`, UTC by
    default); visitors and mails read UTC. The formats name the zone after each
    time, so a reader never has to guess which one it is."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        zone = getattr(request.user, "time_zone", "") or "UTC"
        try:
            timezone.activate(zoneinfo.ZoneInfo(zone))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
