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


@register.simple_tag(takes_context=True)
def footer_pages(context) -> list:
    """The notices linked from every footer: live, public information pages with
    "Show in menus", under the site's home, in the tree's order."""
    from practices.models import InformationPage

    try:
        return list(
            InformationPage.objects.live()
            .public()
            .in_menu()
            .order_by("path")
            .only("title", "url_path")
        )
    except DatabaseError:
        return []


@register.inclusion_tag("_breadcrumbs.html", takes_context=True)
def portal_breadcrumbs(context) -> dict:
    """The trail of the portal's own pages (`portal.core.breadcrumbs`)."""
    from portal.core.breadcrumbs import trail_for

    request = context.get("request")
    return {"crumbs": trail_for(request, context) if request is not None else []}
