"""Message text: sanitised to links and simple formatting, and mentions found in it."""

from __future__ import annotations

import re

import nh3

ALLOWED_TAGS = {
    "a",
    "b",
    "strong",
    "i",
    "em",
    "code",
    "br",
    "p",
    "ul",
    "ol",
    "li",
    "blockquote",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = {"http", "https", "mailto"}

# "@anna.bakker" (the person's name, words joined by dots), "@alice" (the local part
# of an email address) or "@alice@example.org".
MENTION = re.compile(r"(?<![\w@])@([\w.+-]+(?:@[\w-]+(?:\.[\w-]+)+)?)")


def sanitise(text: str) -> str:
    """Keep links and simple formatting; drop every other tag, attribute and script."""
    return nh3.clean(
        text,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    ).strip()


def plain_text(html: str) -> str:
    """The text of sanitised HTML, for mentions and previews."""
    return nh3.clean(html, tags=set()).strip()


def mentioned_handles(text: str) -> set[str]:
    return {match.lower().rstrip(".") for match in MENTION.findall(plain_text(text))}
