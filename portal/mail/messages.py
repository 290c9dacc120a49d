"""What each kind of mail says: fixed sentences, the tier and a link, nothing else.

A mail leaves the portal, so it must carry nothing a reader of the mailbox could not
see on the portal without signing in: no document title, file name, message text or
list of recipients. The only inputs here are a `Notice`'s fields, none of which can
hold restricted text: the tier, a link, dates, and for public pages (approved or
sent back in moderation) the page's title and the reviewer's comment.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.mail.kinds import Kind
from portal.tiers import Tier

PORTAL = gettext_lazy("Nuclear Security Implementation Portal")


@dataclass(frozen=True)
class Notice:
    """One event to tell a person of. `link` is a path on the portal or a full URL."""

    kind: str
    link: str = ""
    tier: str = ""
    # Public page moderation only.
    page_title: str = ""
    comment: str = ""
    # Vetting.
    until: datetime.date | None = None
    # Factor resets: "requested" or "done"; factors added: "app" or "passkey".
    stage: str = ""
    # Invitations: who invites, for which State (names, never restricted).
    inviter: str = ""
    state: str = ""
    hours: int = 0


@dataclass
class Composed:
    subject: str
    heading: str
    paragraphs: list[str]
    link: str
    link_label: str
    lines: list[tuple[str, str]] = field(default_factory=list)


def absolute(link: str) -> str:
    if not link or "://" in link:
        return link
    return settings.PORTAL_BASE_URL.rstrip("/") + "/" + link.lstrip("/")


def tier_label(tier: str) -> str:
    return str(Tier(tier).label).lower() if tier else _("restricted")


# Keyed by the kind's value: a notice stores it as a plain string.
_SHARED_WITH: dict[str, Promise] = {
    Kind.SHARED_WITH_YOU: gettext_lazy("you"),
    Kind.SHARED_WITH_STATE: gettext_lazy("your State"),
    Kind.SHARED_WITH_GROUP: gettext_lazy("your partner group"),
}


def headline(notice: Notice) -> str:
    """The one line that names the event: the subject, and a digest's line."""
    tier = tier_label(notice.tier)
    article = _("An") if tier[:1] in "aeiou" else _("A")
    kind = notice.kind
    if kind in _SHARED_WITH:
        return _("%(a)s %(tier)s document was shared with %(whom)s") % {
            "a": article,
            "tier": tier,
            "whom": _SHARED_WITH[kind],
        }
    if kind == Kind.MENTION:
        return _("You were mentioned in %(a)s %(tier)s coordination room") % {
            "a": article.lower(),
            "tier": tier,
        }
    if kind == Kind.PAGE_APPROVED:
        return _("Your page “%(title)s” was approved") % {"title": notice.page_title}
    if kind == Kind.PAGE_REJECTED:
        return _("Your page “%(title)s” needs changes") % {"title": notice.page_title}
    if kind == Kind.VETTING_ENDING:
        return _("Your vetting ends after %(day)s") % {"day": _day(notice.until)}
    if kind == Kind.VETTING_ENDED:
        return _("Your vetting has ended")
    if kind == Kind.FACTOR_ADDED:
        return _("A second factor was added to your account")
    if kind == Kind.PASSWORD_CHANGED:
        return _("Your password was changed")
    if kind == Kind.FACTOR_RESET:
        if notice.stage == "requested":
            return _("A reset of your second factors was requested")
        return _("Your second factors were reset")
    if kind == Kind.PASSWORD_RESET:
        return _("Reset your password")
    if kind == Kind.INVITATION:
        return _("Your invitation to the %(portal)s") % {"portal": PORTAL}
    raise ValueError(f"No mail for the kind {kind!r}")


def _day(value: datetime.date | None) -> str:
    return date_format(value) if value else ""


def compose(notice: Notice) -> Composed:
    kind = notice.kind
    heading = headline(notice)
    link = absolute(notice.link)
    label = _("Open it on the portal")
    paragraphs: list[str] = []
    if kind in _SHARED_WITH:
        paragraphs = [
            _(
                "Sign in with your second factor to see what it is. This mail does "
                "not say more: restricted content never leaves the portal by mail."
            )
        ]
        label = _("Open the document")
    elif kind == Kind.MENTION:
        paragraphs = [
            _(
                "Sign in with your second factor to read the message. This mail "
                "does not quote it: restricted content never leaves the portal by "
                "mail."
            )
        ]
        label = _("Open the room")
    elif kind == Kind.PAGE_APPROVED:
        paragraphs = [_("The secretariat approved it; it is published.")]
        label = _("Open the page")
    elif kind == Kind.PAGE_REJECTED:
        paragraphs = [_("The secretariat sent it back to you for changes.")]
        if notice.comment:
            paragraphs.append(_("The reviewer's comment:") + "\n" + notice.comment)
        label = _("Open the page in the editor")
    elif kind == Kind.VETTING_ENDING:
        paragraphs = [
            _(
                "On the next day your access to the exchange ends. Ask the "
                "secretariat to renew your vetting."
            )
        ]
        label = _("Open your account")
    elif kind == Kind.VETTING_ENDED:
        paragraphs = [
            _(
                "Your access to the exchange has ended. Ask the secretariat to renew "
                "your vetting."
            )
        ]
        label = _("Open your account")
    elif kind == Kind.FACTOR_ADDED:
        what = (
            _("A passkey") if notice.stage == "passkey" else _("An authenticator app")
        )
        paragraphs = [
            _("%(what)s can now sign in to your account.") % {"what": what},
            _(
                "If you did not add it, remove it from your account page, change "
                "your password and tell the secretariat."
            ),
        ]
        label = _("Open your account")
    elif kind == Kind.PASSWORD_CHANGED:
        paragraphs = [
            _("Every other session of your account was ended."),
            _(
                "If you did not change it, reset your password from the sign-in "
                "page now and tell the secretariat."
            ),
        ]
        label = _("Sign in")
    elif kind == Kind.FACTOR_RESET:
        if notice.stage == "requested":
            paragraphs = [
                _(
                    "The focal point of your State asked for it; once the "
                    "secretariat confirms, your devices and backup codes stop "
                    "working and you set up a new second factor at your next "
                    "sign-in."
                ),
                _("If you did not lose your second factor, tell the secretariat."),
            ]
        else:
            paragraphs = [
                _(
                    "Your devices and backup codes no longer work and every session "
                    "of your account was ended. At your next sign-in, you set up a "
                    "new second factor."
                ),
                _("If you did not ask for this, tell the secretariat now."),
            ]
        label = _("Sign in")
    elif kind == Kind.PASSWORD_RESET:
        paragraphs = [
            _(
                "Someone, we hope you, asked to reset the password of your account "
                "on the %(portal)s."
            )
            % {"portal": PORTAL},
            _(
                "Open the link below within %(hours)s hour(s) to choose a new "
                "password (it works once). After that you sign in with the new "
                "password and your second factor as usual."
            )
            % {"hours": notice.hours},
            _(
                "If you did not ask for this, ignore this mail: your password "
                "stays as it is."
            ),
        ]
        label = _("Choose a new password")
    elif kind == Kind.INVITATION:
        paragraphs = [
            _(
                "%(inviter)s invites you to join the %(portal)s as an expert of "
                "%(state)s."
            )
            % {"inviter": notice.inviter, "portal": PORTAL, "state": notice.state},
            _(
                "Open the link below within %(hours)s hours to create your account "
                "(it works once). After you sign in, you will set up two-factor "
                "authentication; the secretariat then vets your account before you "
                "can exchange documents."
            )
            % {"hours": notice.hours},
        ]
        label = _("Create your account")
    subject = heading if kind == Kind.INVITATION else f"{heading} · {PORTAL}"
    return Composed(subject, heading, paragraphs, link, label)


def compose_digest(entries) -> Composed:
    lines = [(entry.line, absolute(entry.link)) for entry in entries]
    count = len(lines)
    heading = _("Your daily digest: %(count)s event(s)") % {"count": count}
    return Composed(
        subject=f"{heading} · {PORTAL}",
        heading=heading,
        paragraphs=[
            _(
                "Sign in with your second factor to see each of them. This mail "
                "names only the kind of each event: restricted content never leaves "
                "the portal by mail."
            )
        ],
        link=absolute("/my/"),
        link_label=_("Open your home on the portal"),
        lines=lines,
    )


def render(composed: Composed, *, unsubscribe_url: str = "") -> tuple[str, str]:
    """The plain-text and HTML bodies."""
    context = {
        "mail": composed,
        "portal": PORTAL,
        "unsubscribe_url": unsubscribe_url,
        "preferences_url": absolute("/account/#mail"),
    }
    text = render_to_string("mail/message.txt", context)
    html = render_to_string("mail/message.html", context)
    return text, html
