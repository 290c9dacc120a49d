"""Each role's home after sign-in, at a desktop and a phone width: no sideways
scrolling, zero axe-core findings, a screenshot of each kept under test-artifacts/."""

from __future__ import annotations

from wagtail.models import Workflow

import pytest

from exchange.actions import change_partner_group
from exchange.coordination import actions as coordination
from exchange.coordination.models import Room
from exchange.models import PartnerGroup
from exchange.policy import viewer_for_user
from portal.accounts.roles import Role
from practices.actions import ensure_site_structure
from practices.management.commands.load_demo import Command
from tests.browser.conftest import fits_both_widths, signed_in_context
from tests.exchange.conftest import share
from tests.portal.identity import make_user, vet
from tests.practices import factories

pytestmark = pytest.mark.browser

# The innermost elements reaching past the viewport's right edge, to name in a failure.


def _people():
    home = Command().ensure_home_page()
    ensure_site_structure(home, iso_codes=["NL", "FI"])
    secretariat = make_user("sec@example.org", Role.SECRETARIAT, state=None)
    editor = make_user("editor@nl.example", Role.STATE_EDITOR)
    focal = make_user("focal@nl.example", Role.FOCAL_POINT)
    officer = make_user("officer@example.org", Role.SECURITY_OFFICER, state=None)
    expert = vet(make_user("expert@nl.example", Role.VETTED_EXPERT), secretariat)
    colleague = vet(make_user("colleague@nl.example", Role.VETTED_EXPERT), secretariat)
    vet(make_user("soon@nl.example", Role.VETTED_EXPERT), secretariat, days=12)

    draft = factories.good_practice(
        "NL", title="Securing radioactive sources in transit", publish=False
    )
    draft.save_revision(user=editor)
    submitted = factories.good_practice(
        "NL", title="A national nuclear security culture programme", publish=False
    )
    submitted.save_revision(user=editor)
    Workflow.objects.get(name="Secretariat moderation").start(submitted, editor)

    group = PartnerGroup.objects.create(name="Transport security", slug="transport")
    change_partner_group(group, add_members=[expert, colleague], by=None)
    room = Room.objects.get(group=group, is_default=True)
    share(
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
    }


def _check(page, name: str) -> None:
    fits_both_widths(page, f"home-{name}", height=900)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_every_role_home_fits_the_screen_and_passes_axe(live_server, browser):
    base = live_server.url
    people = _people()

    visitor = browser.new_context()
    page = visitor.new_page()
    page.goto(base + "/")
    _check(page, "visitor")
    visitor.close()

    for name, user in people.items():
        context = signed_in_context(browser, base, user)
        page = context.new_page()
        if name == "security-officer":
            page.goto(base + "/audit/verify/")
        page.goto(base + "/my/")
        assert page.locator("h1").inner_text() == "My portal"
        assert page.locator(".home-section").count() >= 1, name
        _check(page, name)
        context.close()
