"""Public pages served from a cache: anonymous visitors only, invalidated as a whole.

Django's cache framework (the "pages" alias: Redis when REDIS_URL is set, local memory
for the demo) rather than wagtail-cache or Django's per-site cache middleware: both
key on the URL and the response's Vary headers, but the portal must also refuse to
store pages that used a CSRF token, a CSP nonce or a message, pages of a signed-in
person and restricted pages; these rules are the portal's, so they live here.

A view opts in with `mark_public_page(request)` (Wagtail pages through the
`before_serve_page` hook, unless the page has view restrictions). Every stored page
is keyed by a generation number; any change to pages, taxonomy, snippets, States or
progress records bumps it, which drops every stored page at once. Listings, the
menu, the footer and the home page all show other pages' titles, so nothing finer
would be right without tracking which page shows which.
"""

from __future__ import annotations

import hashlib
import logging
import threading

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import caches
from django.db import transaction
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers

from redis.exceptions import RedisError

CACHE_ALIAS = "pages"
GENERATION_KEY = "public-pages:generation"
PUBLIC_MARK = "_public_page_cacheable"
ELIGIBLE_MARK = "_public_page_eligible"
# Apps whose rows appear on public pages: Wagtail's pages and sites, the portal's
# page types, taxonomy and snippets, States, progress records, tags and images.
INVALIDATING_APPS = frozenset(
    {
        "wagtailcore",
        "wagtailimages",
        "taggit",
        "practices",
        "states",
        "progress",
    }
)


logger = logging.getLogger(__name__)
# What the cache raises when Redis is away: pages are then answered as if nothing
# were stored, and nothing is stored.
UNREACHABLE = (RedisError, OSError)
# Set when this process could not drop the stored pages (Redis away during a
# write); the next request that reaches the cache drops them first.
_missed_invalidation = threading.Event()


def page_cache():
    return caches[CACHE_ALIAS]


def mark_public_page(request) -> None:
    """Say that this request's answer is the same for every anonymous visitor."""
    setattr(request, PUBLIC_MARK, True)


def invalidate_public_pages() -> None:
    """Drop every stored public page (by moving to a new generation).

    With Redis away the write still succeeds: this process remembers to drop the
    pages once Redis answers again (a Redis that restarted has lost them anyway).
    """
    try:
        _next_generation()
    except UNREACHABLE:
        _missed_invalidation.set()
        logger.warning("page cache unreachable: stored pages are dropped on its return")
    else:
        _missed_invalidation.clear()


def _next_generation() -> None:
    cache = page_cache()
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, 1, timeout=None)


def invalidate_on_commit(**kwargs) -> None:
    """Now, and again once the change is committed: a page rendered from the old
    rows between the two would otherwise be stored for good."""
    invalidate_public_pages()
    transaction.on_commit(invalidate_public_pages)


def invalidate_on_row_change(sender, **kwargs) -> None:
    if sender._meta.app_label in INVALIDATING_APPS:
        invalidate_on_commit()


def connect_invalidation() -> None:
    """Any write to a row that public pages show drops the stored pages."""
    from django.db.models import signals

    from wagtail import signals as wagtail_signals

    for signal in (signals.post_save, signals.post_delete, signals.m2m_changed):
        signal.connect(invalidate_on_row_change, dispatch_uid=f"page-cache-{signal}")
    for signal in (
        wagtail_signals.page_published,
        wagtail_signals.page_unpublished,
        wagtail_signals.post_page_move,
    ):
        signal.connect(invalidate_on_commit, dispatch_uid=f"page-cache-{signal}")


def _generation() -> int:
    return page_cache().get(GENERATION_KEY, 0)


def _cache_key(request, generation: int) -> str:
    path = hashlib.sha256(request.get_full_path().encode()).hexdigest()
    return ":".join(
        [
            "public-pages",
            str(generation),
            request.scheme,
            request.get_host(),
            translation.get_language() or "",
            path,
        ]
    )


def _is_eligible(request) -> bool:
    """An anonymous GET that carries no message and no authenticating session."""
    if request.method not in ("GET", "HEAD"):
        return False
    # Django's default message storage keeps messages in this cookie first.
    if CookieStorage.cookie_name in request.COOKIES:
        return False
    # Only a request that brings a session cookie costs a session read here.
    return settings.SESSION_COOKIE_NAME not in request.COOKIES or not (
        request.user.is_authenticated or "_messages" in request.session
    )


def _rendered_personally(request, response) -> bool:
    """Did the page use anything that belongs to this one request?"""
    messages = getattr(request, "_messages", None)
    return bool(
        request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        or getattr(request, "_csp_nonce", None) is not None
        or (messages is not None and (messages.used or messages._queued_messages))
        or response.cookies
        or response.has_header("Set-Cookie")
    )


class PublicPageCacheMiddleware:
    """Answer anonymous requests for public pages from the cache, or store them.

    Last in the chain: a stored page skips the view and every later middleware,
    while the earlier ones (CSP with a fresh nonce header, security headers) still
    run on it. A page that used a CSRF token, a nonce or a message is never stored,
    so a stored page never carries one that the header does not match.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        eligible = _is_eligible(request)
        setattr(request, ELIGIBLE_MARK, eligible)
        if not eligible:
            return self.get_response(request)
        try:
            if _missed_invalidation.is_set():
                _next_generation()
                _missed_invalidation.clear()
            key = _cache_key(request, _generation())
            cached = page_cache().get(key)
        except UNREACHABLE:
            logger.warning("page cache unreachable: %s answered uncached", request.path)
            return self.get_response(request)
        if cached is not None:
            cached["X-Page-Cache"] = "hit"
            return cached
        response = self.get_response(request)
        if (
            getattr(request, PUBLIC_MARK, False)
            and response.status_code == 200
            and not response.streaming
            and not _rendered_personally(request, response)
            and not request.user.is_authenticated
        ):
            if not response.has_header("Cache-Control"):
                patch_cache_control(
                    response, public=True, max_age=settings.PUBLIC_PAGE_MAX_AGE
                )
            patch_vary_headers(response, ["Cookie", "Accept-Language"])
            # Rendered already: the handler renders template responses first.
            try:
                page_cache().set(
                    key, response, timeout=settings.PUBLIC_PAGE_CACHE_TIMEOUT
                )
            except UNREACHABLE:
                logger.warning("page cache unreachable: %s not stored", request.path)
            else:
                response["X-Page-Cache"] = "miss"
        return response
