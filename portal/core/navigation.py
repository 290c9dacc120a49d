"""The header's menu, worked out from the person's roles in one place.

Every section in the header is one the person may use now: a section behind a
second factor appears only once the session is verified, a role's section only to
its holders (the same facts `portal/core/routes.py` and `role_required` enforce).
Templates read it through the `portal_menu` tag (`portal/core/templatetags`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from exchange.policy import viewer_for
from portal.accounts.roles import Role, roles_of
from portal.accounts.stepup import is_session_verified

PUBLIC_SECTIONS = (
    ("/", _("Home")),
    ("/good-practices/", _("Good practices")),
    ("/states/", _("States")),
    ("/guidance/", _("Guidance")),
    ("/events/", _("Events")),
    ("/progress/", _("Progress")),
)


@dataclass(frozen=True)
class MenuItem:
    url: str
    label: str
    current: bool = False


@dataclass(frozen=True)
class Menu:
    """What the header shows to one person on one request."""

    public: list[MenuItem] = field(default_factory=list)
    # Sections of the signed-in portal (my portal, the exchange, the tools of roles).
    personal: list[MenuItem] = field(default_factory=list)
    signed_in: bool = False
    verified: bool = False
    # A vetted expert of a State with a verified session: shares documents.
    can_share: bool = False

    @property
    def urls(self) -> list[str]:
        return [item.url for item in [*self.public, *self.personal]]


def _current(path: str, url: str) -> bool:
    if url == "/":
        return path == "/"
    if url in ("/good-practices/", "/states/", "/guidance/", "/events/"):
        # Their pages also live under a State's page (/states/nl/good-practices/…).
        return url in path
    return path.startswith(url)


def _items(path: str, sections) -> list[MenuItem]:
    return [MenuItem(url, str(label), _current(path, url)) for url, label in sections]


def personal_sections(request) -> list[tuple[str, str | Promise]]:
    """The signed-in sections `request`'s person may use, in header order."""
    user = request.user
    if not user.is_authenticated:
        return []
    sections: list[tuple[str, str | Promise]] = [
        (reverse("accounts:home"), _("My portal"))
    ]
    if not is_session_verified(request):
        # Every other section needs the second factor first.
        return sections
    viewer = viewer_for(request)
    roles = set(roles_of(user))
    if viewer.verified_expert:
        sections.append((reverse("exchange:list"), _("Exchange")))
    if viewer.is_cleared:
        sections.append((reverse("coordination:rooms"), _("Coordination")))
    if Role.VETTED_EXPERT in roles and viewer.verified_expert:
        sections.append((reverse("people:directory"), _("People")))
    if Role.SECRETARIAT in roles:
        sections.append((reverse("accounts:vetting_list"), _("Vetting")))
    if Role.SECURITY_OFFICER in roles:
        sections.append((reverse("audit:events"), _("Audit trail")))
    if user.has_perm("wagtailadmin.access_admin"):
        sections.append((reverse("wagtailadmin_home"), _("Admin")))
    return sections


def menu_for(request) -> Menu:
    """The menu of `request`, computed once per request."""
    cached = getattr(request, "_portal_menu", None)
    if cached is not None:
        return cached
    path = request.path
    user = request.user
    verified = bool(user.is_authenticated and is_session_verified(request))
    viewer = viewer_for(request) if verified else None
    menu = Menu(
        public=_items(path, PUBLIC_SECTIONS),
        personal=_items(path, personal_sections(request)),
        signed_in=bool(user.is_authenticated),
        verified=verified,
        can_share=bool(viewer and viewer.verified_expert and user.state_id),
    )
    request._portal_menu = menu
    return menu
