"""Public releases: what a good practice prepared from restricted material may carry.

The draft is prefilled with nothing of the source (`DRAFT_TITLE` and
`DRAFT_SUMMARY` are fixed words, refused at approval); what is published is what
the originating State's focal point approved (`content_fingerprint`), and the page
says only who released it and when (`provenance_of`), never what it came from.
"""

from __future__ import annotations

import hashlib
import html
import json
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape, strip_tags
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.states.register import name_in_prose

# Fixed words a new draft starts with: nothing of the source, and refused at
# approval so that a draft cannot be released unwritten.
DRAFT_TITLE = gettext_lazy("Good practice in preparation")
DRAFT_SUMMARY = gettext_lazy(
    "To be written: what can be released of this experience, in two or three sentences."
)

SUMMARY_LIMIT = 600
TITLE_REQUIRED = gettext_lazy("Give the good practice a title.")
SUMMARY_REQUIRED = gettext_lazy("Write a summary of two or three sentences.")


def summary_too_long(length: int) -> str:
    return _("Keep the summary to %(limit)d characters (it has %(length)d).") % {
        "limit": SUMMARY_LIMIT,
        "length": length,
    }


def draft_errors(title: str, summary: str) -> dict[str, str]:
    """What is wrong with a draft's title and summary, by field; empty when fine."""
    errors = {}
    if not title.strip():
        errors["title"] = str(TITLE_REQUIRED)
    if not summary.strip():
        errors["summary"] = str(SUMMARY_REQUIRED)
    elif len(summary.strip()) > SUMMARY_LIMIT:
        errors["summary"] = summary_too_long(len(summary.strip()))
    return errors


UNAPPROVED_PUBLICATION = gettext_lazy(
    "This good practice was prepared from material exchanged between experts: it "
    "can be published only as its State's focal point approved it. Ask them to "
    "approve the current text first."
)


def release_of(page) -> Any:
    """The release a page was prepared by, or None (one indexed query)."""
    from exchange.models import PublicRelease

    if page is None or page.pk is None:
        return None
    return PublicRelease.objects.filter(page_id=page.pk).first()


def content_fingerprint(page) -> str:
    """The SHA-256 of everything the public sees of a good practice.

    Read from the page object (a revision's content when publishing), so an edit
    made after approval, in the portal or in the page editor, changes it.
    """
    data = {
        "title": page.title,
        "slug": page.slug,
        "seo_title": page.seo_title,
        "search_description": page.search_description,
        "summary": page.summary,
        "body": page.body.get_prep_value() if page.body else [],
        "date": page.date.isoformat() if page.date else None,
        "language": page.language_id,
        "image": page.image_id,
        "contact_name": page.contact_name,
        "contact_email": page.contact_email,
        "is_demonstration": page.is_demonstration,
        "commitments": sorted(c.pk for c in page.commitments.all()),
        "additional_actions": sorted(a.pk for a in page.additional_actions.all()),
        "iaea_documents": sorted(d.pk for d in page.iaea_documents.all()),
        "other_states": sorted(s.pk for s in page.other_states.all()),
        "tags": sorted(page.tags.names()),
    }
    encoded = json.dumps(data, sort_keys=True, default=str).encode()
    return hashlib.sha256(encoded).hexdigest()


def is_unwritten(page) -> bool:
    """Does the draft still hold the fixed words it started with?"""
    return page.title == str(DRAFT_TITLE) or page.summary == str(DRAFT_SUMMARY)


def may_publish(page, release=None) -> bool:
    """May this content of a released page go live: approved as it is, and not
    withdrawn since? Pages that no release prepared are not concerned."""
    release = release if release is not None else release_of(page)
    if release is None:
        return True
    return (
        release.withdrawn_at is None
        and release.approved_at is not None
        and release.approved_fingerprint == content_fingerprint(page)
    )


def check_publication(page) -> None:
    """The backstop of every way of publishing (the editor, the workflow, the
    scheduled publisher, code): a released page goes live only as approved."""
    if page.live and not page.has_unpublished_changes and not may_publish(page):
        raise ValidationError(UNAPPROVED_PUBLICATION)


def provenance_of(page) -> str:
    """The line a published released practice carries: who released it and when,
    in the portal's date style; never the title of, or a link to, the source."""
    release = release_of(page)
    if release is None or release.approved_at is None or release.withdrawn_at:
        return ""
    return _(
        "Released by %(state)s on %(date)s from material exchanged between experts"
    ) % {
        "state": name_in_prose(release.state),
        "date": date_format(timezone.localdate(release.approved_at), "DATE_FORMAT"),
    }


# --- The draft's body as plain paragraphs, for the side-by-side form.


def paragraphs_html(text: str) -> str:
    """Plain text as rich text: a paragraph per blank-line-separated block."""
    blocks = [b.strip() for b in text.replace("\r\n", "\n").split("\n\n")]
    return "".join(
        "<p>" + "<br/>".join(escape(line) for line in block.split("\n")) + "</p>"
        for block in blocks
        if block
    )


def body_as_text(page) -> str | None:
    """The draft's body as the side-by-side form edits it, or None when the body
    holds more than that form can give back unchanged (richer blocks written in
    the page editor), which the form then leaves alone."""
    blocks = list(page.body) if page.body else []
    if not blocks:
        return ""
    if len(blocks) != 1 or blocks[0].block_type != "paragraph":
        return None
    source = str(blocks[0].value.source)
    parts = source.removeprefix("<p>").removesuffix("</p>").split("</p><p>")
    text = "\n\n".join(
        "\n".join(html.unescape(strip_tags(line)) for line in part.split("<br/>"))
        for part in parts
    )
    return text if paragraphs_html(text) == source else None
