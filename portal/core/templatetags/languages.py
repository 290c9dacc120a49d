"""The header's language switcher: each language named in itself, back to the page.

On a public page, which has an address in every language, the switcher is a list of
links to those addresses: the page then reads the same to every visitor and may be
served from the cache (portal.core.page_cache), which a form with a CSRF token would
forbid. Elsewhere it is a form posting to `set_language`, which sets the cookie and
remembers the choice in the account.
"""

from __future__ import annotations

from django import template
from django.conf import settings
from django.urls import translate_url
from django.utils import translation

from portal.core.languages import NATIVE_NAMES, has_language_prefix

register = template.Library()


@register.inclusion_tag("portal/language_switcher.html", takes_context=True)
def language_switcher(context):
    request = context["request"]
    current = translation.get_language()
    path = request.get_full_path()
    plain = request.path_info
    if translation.get_language_from_path(plain):
        plain = "/" + plain.split("/", 2)[2]
    links = has_language_prefix(plain)
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "switcher": {
            "links": links,
            "next": path,
            "languages": [
                {
                    "code": code,
                    "name": NATIVE_NAMES[code],
                    "current": code == current,
                    "url": translate_url(path, code) if links else "",
                }
                for code, _name in settings.LANGUAGES
            ],
        },
    }
