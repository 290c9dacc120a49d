"""One person per role with some work each: the drafts, the review queue, a shared
document, a room with a message. The browser and crawl tests of every role use it."""

from __future__ import annotations

from exchange.actions import change_partner_group
from exchange.coordination import actions as coordination
from exchange.coordination.models import Room
from exchange.models import PartnerGroup
from exchange.policy import viewer_for_user
from portal.accounts.roles import Role
from practices.actions import ensure_site_structure
from practices.management.commands.load_demo import Command
from tests.exchange.conftest import share
from tests.portal.identity import make_user, vet
from tests.practices import factories


def people_of_every_role() -> dict:
    """{role name: user}, plus "objects": the pages, document and room they work on."""
    home = Command().ensure_home_page()
    ensure_site_structure(home, iso_codes=["NL", "FI"])
    secretariat = make_user("sec@example.org", Role.SECRETARIAT, state=None)
    editor = make_user("editor@nl.example", Role.STATE_EDITOR)
    focal = make_user("focal@nl.example", Role.FOCAL_POINT)
    officer = make_user("officer@example.org", Role.SECURITY_OFFICER, state=None)
    expert = vet(make_user("expert@nl.example", Role.VETTED_EXPERT), secretariat)
    colleague = vet(make_user("colleague@nl.example", Role.VETTED_EXPERT), secretariat)
    vet(make_user("soon@nl.example", Role.VETTED_EXPERT), secretariat, days=12)

    published = factories.good_practice(
        "NL", title="Transport security escorts for nuclear material"
    )
    factories.event("NL")
    draft = factories.draft_by(editor, "NL", "Securing radioactive sources in transit")
    submitted = factories.submitted_by(
        editor, "NL", "A national nuclear security culture programme"
    )

    group = PartnerGroup.objects.create(name="Transport security", slug="transport")
    change_partner_group(group, add_members=[expert, colleague], by=None)
    room = Room.objects.get(group=group, is_default=True)
    document = share(
        colleague,
        title="Border monitoring lessons from a long exercise with several partners",
    )
    coordination.post_message(
        viewer_for_user(colleague, verified=True), room.pk, "The report is shared."
    )
    return {
        "editor": editor,
        "focal-point": focal,
        "secretariat": secretariat,
        "expert": expert,
        "security-officer": officer,
        "objects": {
            "published": published,
            "draft": draft,
            "submitted": submitted,
            "document": document,
            "room": room,
            "soon": expert,
        },
    }
