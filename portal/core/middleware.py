"""Set once for every page: the language, no storing of personal answers, and the
Content-Security-Policy."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponseRedirect
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.cache import add_never_cache_headers, patch_vary_headers

from csp import constants as csp
from csp.middleware import CSPMiddleware

from portal.core.languages import has_language_prefix


class PortalLocaleMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware, with English public pages unprefixed and the other
    pages speaking the person's language.

    Django, with `prefix_default_language=False`, writes every unprefixed path in
    English. Here only the public pages do: a path with a prefix is in its language;
    an unprefixed public page is English, except that a visitor whose cookie or
    browser (`Accept-Language`, on a first visit) asks for another language is sent
    to that language's page; any other path (role pages, APIs, the admin) speaks the
    cookie's or the browser's language, and `PersonalLanguageMiddleware` then the
    account's.
    """

    def process_request(self, request):
        path = request.path_info
        from_path = translation.get_language_from_path(path)
        if from_path:
            language = from_path
        elif has_language_prefix(path):
            language = settings.LANGUAGE_CODE
            wanted = translation.get_language_from_request(request)
            if wanted != language and request.method in ("GET", "HEAD"):
                query = request.META.get("QUERY_STRING", "")
                target = f"{request.path[: -len(path)]}/{wanted}{path}"
                translation.activate(wanted)
                response = HttpResponseRedirect(
                    f"{target}?{query}" if query else target
                )
                patch_vary_headers(response, ["Cookie"])
                return response
        else:
            language = translation.get_language_from_request(request)
            request.language_from_person = True
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        return None


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


class PortalCSPMiddleware(CSPMiddleware):
    """django-csp's middleware with one allowance for Wagtail's admin: its templates
    and scripts set inline `style` attributes (panels, icons, progress bars), so
    under `/admin/` styles may be inline. Scripts keep the strict rule everywhere;
    the admin's few inline scripts are given the nonce by the portal's overrides of
    their templates (`portal/templates/wagtailadmin/`)."""

    admin_allowances = {"style-src": [csp.UNSAFE_INLINE], "img-src": ["blob:"]}

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only and request.path_info.startswith("/admin/"):
            parts.update = {**self.admin_allowances, **(parts.update or {})}
        return parts
