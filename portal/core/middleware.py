"""Responses that depend on who asks are never kept by a shared or back-button cache."""

from __future__ import annotations

from django.utils.cache import add_never_cache_headers, patch_vary_headers


class PersonalResponseNoStoreMiddleware:
    """Every answer to a signed-in person (pages, the exchange API, room history,
    notifications, progress management) carries `Cache-Control: no-store, private`.

    Set here, once, rather than on each view: a view added later is covered
    without anyone remembering to decorate it. Anonymous public pages stay
    cacheable. Static files are answered before the middleware chain
    (`portal.core.handlers`) and keep their own long-lived caching.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            # A view that already forbids storing (downloads) keeps its own header;
            # elsewhere Django's helper writes max-age=0, no-cache, no-store,
            # must-revalidate and private, and an Expires in the past.
            if "no-store" not in response.get("Cache-Control", ""):
                add_never_cache_headers(response)
            patch_vary_headers(response, ["Cookie"])
        return response
