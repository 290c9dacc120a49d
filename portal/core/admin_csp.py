"""Wagtail's admin without inline scripts, so that it runs under the portal's
Content-Security-Policy (`script-src 'self'` and the request's nonce).

Wagtail starts its chooser widgets (page, image, document, snippet) and its date
pickers with an inline `<script>` written next to each input. The portal writes a
hidden marker instead, naming the constructor or function, the input and the
options as data attributes; `portal/static/portal/admin-csp.js` (added to every
admin page by `portal/core/wagtail_hooks.py`) starts each marker, including those
added later to the page. The date pickers' markers come from the portal's overrides
of their templates (`portal/templates/wagtailadmin/widgets/`); the choosers' from
`render` below, installed on Wagtail's `BaseChooser` when the app is ready.
"""

from __future__ import annotations

import json

from django.utils.html import format_html
from django.utils.safestring import mark_safe


def marker(*, construct: str = "", init: str = "", target: str, options) -> str:
    return format_html(
        '<span hidden data-portal-{}="{}" data-portal-target="{}" '
        'data-portal-config="{}"></span>',
        "construct" if construct else "init",
        construct or init,
        target,
        json.dumps(options),
    )


def install() -> None:
    from wagtail.admin.widgets.chooser import BaseChooser

    inline_render = BaseChooser.render

    def render(self, name, value, attrs=None, renderer=None):
        # A chooser that starts in its own way keeps Wagtail's rendering.
        if type(self).render_js_init is not BaseChooser.render_js_init:
            return inline_render(self, name, value, attrs, renderer)
        try:
            id_ = attrs["id"]
        except (KeyError, TypeError) as error:
            raise TypeError(
                "BaseChooser cannot be rendered without an 'id' attribute"
            ) from error
        value_data = self.get_value_data(value)
        html = self.render_html(name, value_data, attrs)
        options = self.get_js_init_options(id_, name, value_data)
        start = marker(construct=self.js_constructor, target=id_, options=options)
        return mark_safe(html + start)  # noqa: S308 - both parts are escaped HTML

    BaseChooser.render = render
