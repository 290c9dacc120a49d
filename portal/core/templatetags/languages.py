"""The header's language switcher: each language named in itself, back to the page."""

from __future__ import annotations

from django import template
from django.conf import settings
from django.utils import translation

from portal.core.languages import NATIVE_NAMES

register = template.Library()


@register.inclusion_tag("portal/language_switcher.html", takes_context=True)
def language_switcher(context):
    request = context["request"]
    current = translation.get_language()
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "switcher": {
            "next": request.get_full_path(),
            "languages": [
                {
                    "code": code,
                    "name": NATIVE_NAMES[code],
                    "current": code == current,
                }
                for code, _name in settings.LANGUAGES
            ],
        },
    }
