"""The fields a browser submits from an HTML form, read from the page's HTML.

For clients that post the portal's own forms as a browser would (the load
benchmark's editors saving a Wagtail page): no Django here, so that a process
without the portal's settings (locust's) can use it.
"""

from __future__ import annotations

from html.parser import HTMLParser


class FormFields(HTMLParser):
    """The fields a browser sends when the form `form_id` is submitted without
    pressing a named button: inputs, checked boxes, text areas, selected options."""

    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id = form_id
        self.fields: list[tuple[str, str]] = []
        self._inside = False
        self._textarea: str | None = None
        self._select: str | None = None
        self._select_first: str | None = None
        self._select_chosen = False

    def _belongs(self, attrs: dict[str, str | None]) -> bool:
        return bool(attrs.get("name")) and (
            self._inside or attrs.get("form") == self.form_id
        )

    def handle_starttag(self, tag: str, attrs_list) -> None:
        attrs = dict(attrs_list)
        if tag == "form" and attrs.get("id") == self.form_id:
            self._inside = True
        if "disabled" in attrs or (not self._belongs(attrs) and tag != "option"):
            return
        name = attrs.get("name") or ""
        if tag == "input":
            kind = (attrs.get("type") or "text").lower()
            if kind in {"submit", "button", "image", "reset", "file"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in attrs:
                return
            default = "on" if kind in {"checkbox", "radio"} else ""
            self.fields.append((name, attrs.get("value") or default))
        elif tag == "textarea":
            self._textarea = name
            self.fields.append((name, ""))
        elif tag == "select":
            self._select, self._select_first, self._select_chosen = name, None, False
        elif tag == "option" and self._select is not None:
            value = attrs.get("value") or ""
            if self._select_first is None:
                self._select_first = value
            if "selected" in attrs:
                self.fields.append((self._select, value))
                self._select_chosen = True

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            name, text = self.fields[-1]
            self.fields[-1] = (name, text + data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._inside = False
        elif tag == "textarea" and self._textarea is not None:
            # A browser drops the line break that opens a text area's content.
            name, text = self.fields[-1]
            text = text[2:] if text.startswith("\r\n") else text.removeprefix("\n")
            self.fields[-1] = (name, text)
            self._textarea = None
        elif tag == "select" and self._select is not None:
            if not self._select_chosen and self._select_first is not None:
                self.fields.append((self._select, self._select_first))
            self._select = None


def form_fields(html: str, form_id: str) -> list[tuple[str, str]]:
    """What submitting the form `form_id` of `html` sends, in document order."""
    form = FormFields(form_id)
    form.feed(html)
    form.close()
    return form.fields
