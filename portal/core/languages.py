"""The portal's six languages: which paths carry a language prefix, and the view that
changes the language.

Public pages (search and Wagtail's pages) live under a language prefix, English
without one (`/good-practices/`, `/fr/good-practices/`); role pages, APIs, the admin
and the sockets have no prefix and speak the person's language: the account's, then
the language cookie, then `Accept-Language` (docs/languages.md).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.utils import translation
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

LANGUAGE_CODES = frozenset(code for code, _name in settings.LANGUAGES)
# Each language named in itself, as the switcher lists it.
NATIVE_NAMES = {
    code: translation.get_language_info(code)["name_local"][:1].upper()
    + translation.get_language_info(code)["name_local"][1:]
    for code, _name in settings.LANGUAGES
}


def has_language_prefix(path: str) -> bool:
    """Whether `path` (unprefixed, as asked) is a public page that has a version
    under each language prefix: it resolves to the same view with a prefix."""
    # The prefix a URL pattern matches is the active language's.
    other = _other_language()
    try:
        with translation.override(settings.LANGUAGE_CODE):
            plain = resolve(path)
        with translation.override(other):
            prefixed = resolve(f"/{other}{path}")
    except Resolver404:
        return False
    return plain.func == prefixed.func and plain.view_name == prefixed.view_name


def _other_language() -> str:
    return next(code for code in sorted(LANGUAGE_CODES) if code != "en")


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's `set_language` (cookie, then back to the page in the chosen
    language), which also remembers the choice in a signed-in person's account."""
    language = request.POST.get("language", "")
    # Django's view translates `next` by resolving it in the active language: make
    # that the language the page was read in (its prefix, else English).
    # The header's form sends no `next` (a field of that name would be read by other
    # scripts on the page): Django's view then goes back to the Referer.
    next_path = (
        request.POST.get("next") or urlsplit(request.META.get("HTTP_REFERER", "")).path
    )
    with translation.override(
        translation.get_language_from_path(next_path) or settings.LANGUAGE_CODE
    ):
        response = django_set_language(request)
    user = getattr(request, "user", None)
    if language in LANGUAGE_CODES and user is not None and user.is_authenticated:
        from portal.accounts.actions.preferences import set_language as remember

        remember(user, language, request=request)
    return response
