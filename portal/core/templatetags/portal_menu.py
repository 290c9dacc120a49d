"""`{% portal_menu as portal_nav %}`: the header's sections for the person asking."""

from django import template
from django.db import DatabaseError

from portal.core.navigation import PUBLIC_SECTIONS, Menu, MenuItem, menu_for

register = template.Library()


def _public_only() -> Menu:
    return Menu(public=[MenuItem(url, str(label)) for url, label in PUBLIC_SECTIONS])


@register.simple_tag(takes_context=True)
def portal_menu(context) -> Menu:
    request = context.get("request")
    if request is None or not hasattr(request, "user"):
        return Menu(
            public=[MenuItem(url, str(label)) for url, label in PUBLIC_SECTIONS]
        )
    try:
        return menu_for(request)
    except DatabaseError:
        # The error page of a failing database still shows the public sections.
        return Menu(
            public=[MenuItem(url, str(label)) for url, label in PUBLIC_SECTIONS]
        )
