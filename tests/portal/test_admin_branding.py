"""The Wagtail admin reads as part of the portal: its name and emblem, no third-party
avatars, the editor's and the secretariat's work on the dashboard, plain selects."""

from __future__ import annotations

import re

import pytest

from portal.accounts.roles import Role
from practices.actions import ensure_site_structure
from practices.management.commands.load_demo import Command
from tests.portal.identity import make_user
from tests.practices import factories
from tests.support import login_verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(db):
    home = Command().ensure_home_page()
    return ensure_site_structure(home, iso_codes=["NL"])


def panel(html: str, key: str) -> str:
    match = re.search(rf'id="portal-{key}-section"(.*?)</section>', html, re.S)
    assert match, f"no dashboard panel {key}"
    return match.group(1)


def test_the_editors_dashboard_lists_drafts_and_pages_in_moderation(client, site):
    editor = make_user("editor@nl.example", Role.STATE_EDITOR)
    draft = factories.draft_by(editor, "NL", "Draft on transport")
    factories.submitted_by(editor, "NL", "Submitted guard")

    html = login_verified(client, editor).get("/admin/").content.decode()
    drafts = panel(html, "drafts")
    assert "Draft on transport" in drafts
    assert f'href="/admin/pages/{draft.pk}/edit/"' in drafts
    assert "Submitted guard" in panel(html, "in_moderation")
    # The portal's name and emblem, not Wagtail's; no avatar from a third party.
    assert "<title>" in html and "NSI Portal admin</title>" in html
    assert "emblem" in html and "wagtailadmin/images/favicon.ico" not in html
    assert "gravatar" not in html.lower()
    assert "Nuclear Security Implementation Portal: content and moderation" in html


def test_the_secretariats_dashboard_lists_what_awaits_its_review(client, site):
    secretariat = make_user("sec@example.org", Role.SECRETARIAT, state=None)
    editor = make_user("editor@nl.example", Role.STATE_EDITOR)
    submitted = factories.submitted_by(editor, "NL", "Please review")

    html = login_verified(client, secretariat).get("/admin/").content.decode()
    queue = panel(html, "review_queue")
    assert "Please review" in queue
    assert f'href="/admin/pages/{submitted.pk}/edit/"' in queue
    assert 'id="portal-drafts-section"' not in html


def test_the_language_of_a_page_is_a_plain_select(client, site):
    editor = make_user("editor@nl.example", Role.STATE_EDITOR)
    page = factories.good_practice("NL", title="Chosen language")
    html = (
        login_verified(client, editor)
        .get(f"/admin/pages/{page.pk}/edit/")
        .content.decode()
    )
    select = re.search(r'<select name="language"[^>]*>(.*?)</select>', html, re.S)
    assert select, "the language is not a select"
    assert re.search(r'<option value="\d+" selected>English</option>', select.group(1))
