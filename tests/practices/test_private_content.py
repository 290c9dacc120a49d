"""Unpublished and view-restricted content stays private until published."""

from __future__ import annotations

from wagtail.models import PageViewRestriction

import pytest

from tests.practices import factories
from tests.support import login_verified

pytestmark = pytest.mark.django_db


def restrict(page, restriction_type=PageViewRestriction.LOGIN):
    return PageViewRestriction.objects.create(
        page=page, restriction_type=restriction_type, password="not-public-2026"
    )


def test_topic_filter_lists_tags_of_live_public_practices_only(client, site):
    factories.good_practice("NL", title="Published", topics=["zqpublictopic"])
    factories.good_practice("FI", title="Draft", topics=["zqdrafttopic"], publish=False)
    restricted = factories.good_practice(
        "FR", title="Restricted", topics=["zqrestrictedtopic"]
    )
    restrict(restricted)
    body = client.get("/good-practices/").content.decode()
    assert "zqpublictopic" in body
    assert "zqdrafttopic" not in body
    assert "zqrestrictedtopic" not in body
    # Nor can the hidden topics be probed through the filter itself.
    for slug in ("zqdrafttopic", "zqrestrictedtopic"):
        answer = client.get(f"/good-practices/?topic={slug}").content.decode()
        assert "No good practice has the topic" in answer


# --- The admin: other States' drafts are shown to nobody but the secretariat. ----

FOREIGN_DRAFT = "Zqxfinnish unpublished inspection plan"
FOREIGN_RESTRICTED = "Zqxfinnish restricted guard roster"
OWN_DRAFT = "Zqxdutch unpublished transport note"
SEARCH = "Zqxfinnish"


@pytest.fixture
def admin_content(site):
    from django.contrib.auth.models import Group

    from wagtail.log_actions import log

    from portal.accounts.roles import Role
    from practices.permissions import grant_state_editing

    finn = factories.user_with_role("editor@fi.example", Role.STATE_EDITOR, "FI")
    grant_state_editing(finn)
    dutch = factories.user_with_role("editor@nl.example", Role.STATE_EDITOR, "NL")
    grant_state_editing(dutch)
    secretariat = factories.user_with_role("sec@iaea.example", Role.SECRETARIAT)
    assert Group.objects.get(name=Role.SECRETARIAT).page_permissions.exists()

    restricted = factories.good_practice(
        "FI", title=FOREIGN_RESTRICTED, topics=["zqxrestrictedonly"]
    )
    restrict(restricted)
    factories.good_practice("NL", title=OWN_DRAFT, publish=False, topics=["zqxown"])
    # Last, so that it is the last edited good practice of the page types report.
    draft = factories.good_practice(
        "FI", title=FOREIGN_DRAFT, publish=False, topics=["zqxdraftonly"]
    )
    draft.locked, draft.locked_by = True, finn
    draft.save()
    log(instance=draft, action="wagtail.create", user=finn)
    draft.get_workflow().start(draft, finn)
    return {
        "dutch": dutch,
        "secretariat": secretariat,
        "draft": draft,
        "finnish_page": factories.state_page("FI"),
    }


def _admin_urls(content) -> dict[str, bool]:
    """Each admin URL that can list page titles, and whether the secretariat's
    answer is expected to name the foreign draft."""
    finnish = content["finnish_page"].pk
    return {
        f"/admin/choose-page/{finnish}/": True,
        "/admin/choose-page/?page_type=practices.goodpracticepage": False,
        f"/admin/choose-page/search/?q={SEARCH}": True,
        f"/admin/choose-page/search/?q={SEARCH}&page_type=practices.goodpracticepage": (
            True
        ),
        f"/admin/pages/search/?q={SEARCH}": True,
        f"/admin/pages/search/results/?q={SEARCH}": True,
        f"/admin/pages/{finnish}/": True,
        "/admin/reports/locked/": False,
        "/admin/reports/workflow/": True,
        "/admin/reports/workflow_tasks/": True,
        "/admin/reports/site-history/": True,
        "/admin/reports/aging-pages/": False,
        "/admin/reports/page-types-usage/": True,
        "/admin/reports/page-types-usage/results/": True,
        "/admin/": False,
    }


def test_state_editor_sees_no_other_states_drafts_in_the_admin(client, admin_content):
    login_verified(client, admin_content["dutch"])
    for url in _admin_urls(admin_content):
        response = client.get(url)
        assert response.status_code in {200, 302}, url
        body = response.content.decode()
        assert FOREIGN_DRAFT not in body, url
        assert FOREIGN_RESTRICTED not in body, url


def test_state_editor_still_finds_own_drafts_and_public_pages(client, admin_content):
    login_verified(client, admin_content["dutch"])
    nl = factories.state_page("NL").pk
    assert OWN_DRAFT in client.get(f"/admin/choose-page/{nl}/").content.decode()
    search = client.get("/admin/choose-page/search/?q=Zqxdutch").content.decode()
    assert OWN_DRAFT in search
    browse = client.get(f"/admin/choose-page/{admin_content['finnish_page'].pk}/")
    assert browse.status_code == 200  # the live, public State page itself


def test_state_editor_cannot_browse_the_chooser_into_a_foreign_draft(
    client, admin_content
):
    login_verified(client, admin_content["dutch"])
    response = client.get(f"/admin/choose-page/{admin_content['draft'].pk}/")
    assert response.status_code == 404
    assert FOREIGN_DRAFT not in response.content.decode()


def test_secretariat_sees_every_states_drafts_in_the_admin(client, admin_content):
    login_verified(client, admin_content["secretariat"])
    for url, shown in _admin_urls(admin_content).items():
        response = client.get(url)
        assert response.status_code in {200, 302}, url
        if shown:
            assert FOREIGN_DRAFT in response.content.decode(), url


def test_tag_autocomplete_suggests_only_visible_content_tags(client, admin_content):
    urls = [
        "/admin/tag-autocomplete/?term=zqx",
        "/admin/tag-autocomplete/taggit/tag/?term=zqx",
    ]
    login_verified(client, admin_content["dutch"])
    for url in urls:
        assert client.get(url).json() == ["zqxown"], url
    client.logout()
    login_verified(client, admin_content["secretariat"])
    for url in urls:
        assert client.get(url).json() == [
            "zqxdraftonly",
            "zqxown",
            "zqxrestrictedonly",
        ], url
