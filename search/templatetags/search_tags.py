"""Template helpers of the search page."""

from urllib.parse import urlencode

from django import template

from search.labels import worded

register = template.Library()


@register.filter
def as_querystring(pairs) -> str:
    """(name, value) pairs as a query string; the template escapes it."""
    return "?" + urlencode(pairs)


@register.simple_tag
def toggle_filter(params, name, value) -> str:
    """The query string with facet value `value` of `name` switched on or off."""
    chosen = list(params.filters.get(name, []))
    if value in chosen:
        chosen.remove(value)
    else:
        chosen.append(value)
    return "?" + urlencode(params.as_query(**{name: chosen, "page": 1}))


@register.filter
def label(value) -> str:
    return worded(value)
