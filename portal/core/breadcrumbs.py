"""The breadcrumb trail of the portal's own pages (the CMS pages use the page tree).

One table: each URL name gives its parent's URL name and its own label. A label
that names an object (a document, a room, an expert) is read from the page's
context, which the view has already trimmed to what the person may see.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Crumb:
    label: str
    url: str = ""


# url name -> (parent url name or "", label, or the context key naming the object)
TRAIL: dict[str, tuple[str, object]] = {
    "accounts:home": ("", _("My portal")),
    "accounts:profile": ("accounts:home", _("Your account")),
    "accounts:password_change": ("accounts:profile", _("Change your password")),
    "accounts:enrol": ("accounts:profile", _("Add an authenticator app")),
    "accounts:backup_codes": ("accounts:profile", _("Backup codes")),
    "accounts:regenerate_backup_codes": ("accounts:profile", _("New backup codes")),
    "accounts:invite": ("accounts:home", _("Invitations")),
    "accounts:vetting_list": ("accounts:home", _("Vetting")),
    "accounts:vetting_edit": ("accounts:vetting_list", "@expert"),
    "accounts:vetting_approvals": ("accounts:home", _("Vetting approvals")),
    "accounts:login": ("", _("Sign in")),
    "accounts:verify": ("", _("Second factor")),
    "accounts:step_up": ("", _("Confirm it is you")),
    "accounts:password_reset": ("accounts:login", _("Reset your password")),
    "accounts:password_reset_confirm": ("accounts:login", _("Choose a new password")),
    "accounts:accept_invitation": ("", _("Accept an invitation")),
    "exchange:list": ("", _("Restricted exchange")),
    "exchange:recent": ("exchange:list", _("Recently shared")),
    "exchange:create": ("exchange:list", _("Share a document")),
    "exchange:detail": ("exchange:list", "@document"),
    "exchange:version_create": ("exchange:detail", _("New version")),
    "exchange:sharing": ("exchange:detail", _("Sharing")),
    "coordination:rooms": ("", _("Coordination")),
    "coordination:room": ("coordination:rooms", "@room"),
    "coordination:manage": ("coordination:rooms", _("Manage the rooms")),
    "coordination:notifications": ("", _("Notifications")),
    "audit:events": ("", _("Audit trail")),
    "audit:verify": ("audit:events", _("Chain check")),
    "search:page": ("", _("Search")),
    "progress:dashboard": ("", _("Progress")),
    "progress:manage": ("progress:dashboard", _("Edit progress records")),
    "progress:manage_publication": ("progress:manage", _("Publication")),
    "progress:manage_add": ("progress:manage", _("New record")),
    "progress:manage_edit": ("progress:manage", _("Edit a record")),
}


def _label(label: object, context) -> str:
    if isinstance(label, str) and label.startswith("@"):
        value = context.get(label[1:])
        return str(getattr(value, "title", None) or value or "") if value else ""
    return str(label)


def trail_for(request, context) -> list[Crumb]:
    """Home, then each ancestor (linked), then the page itself (not linked);
    empty for a page the table does not know."""
    match = getattr(request, "resolver_match", None)
    if match is None or match.view_name not in TRAIL:
        return []
    name = match.view_name
    chain: list[tuple[str, object]] = []
    while name:
        parent, label = TRAIL[name]
        chain.append((name, label))
        name = parent
    crumbs = [Crumb(str(_("Home")), "/")]
    kwargs = dict(match.kwargs)
    for position, (name, label) in enumerate(reversed(chain)):
        text = _label(label, context)
        if not text:
            continue
        if position == len(chain) - 1:
            crumbs.append(Crumb(text))
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            try:
                url = reverse(name, kwargs=kwargs)
            except NoReverseMatch:
                url = ""
        crumbs.append(Crumb(text, url))
    return crumbs
