"""The public pages render, say what State they belong to, and sanitise rich text."""

from __future__ import annotations

import json

from django.core.management import call_command
from django.urls import reverse

from wagtail.test.utils.form_data import (
    inline_formset,
    nested_form_data,
    streamfield,
)

import pytest

from portal.accounts.roles import Role
from practices.models import (
    AdditionalAction,
    Commitment,
    EventPage,
    GoodPracticePage,
    GuidanceContributionPage,
    Language,
    StatePage,
)
from practices.permissions import grant_state_editing
from tests.practices import factories
from tests.support import login_verified

pytestmark = pytest.mark.django_db


def test_good_practice_page_shows_what_it_serves(client, site):
    page = factories.good_practice(
        "NL",
        title="Threat review",
        commitments=["2a"],
        actions=[5],
        documents=["nss-13"],
        topics=["design basis threat"],
    )
    body = client.get(page.url).content.decode()
    assert '<h1 id="page-title">Threat review</h1>' in body
    assert 'href="/good-practices/?commitment=2a"' in body
    assert 'href="/good-practices/?action=5"' in body
    assert 'href="/good-practices/?document=nss-13"' in body
    assert 'href="/good-practices/?topic=design-basis-threat"' in body
    assert 'aria-label="Breadcrumb"' in body
    assert "Demonstration content" not in body


def test_state_page_lists_its_published_content(client, site):
    factories.good_practice("FI", title="Finnish published")
    factories.good_practice("FI", title="Finnish draft", publish=False)
    factories.guidance("FI", stage="under_review")
    factories.event("FI")
    body = client.get("/states/fi/").content.decode()
    assert "<h1>Finland</h1>" in body
    assert "Finnish published" in body and "Finnish draft" not in body
    assert "Guidance contribution" in body and "under review" in body
    assert "Event " in body
    assert "25 March 2014" in body


def test_content_page_takes_the_state_of_its_parent(site):
    page = factories.good_practice("FR")
    assert page.state.iso_code == "FR"


def test_moved_page_takes_the_state_of_its_new_parent(client, site):
    page = factories.good_practice("NL", title="Moved practice")
    page.move(factories.state_page("FI"), pos="last-child")
    page.refresh_from_db()
    assert page.state.iso_code == "FI"
    body = client.get("/good-practices/?state=FI").content.decode()
    assert "Moved practice" in body


def test_state_page_must_be_unique_per_state(site):
    from django.core.exceptions import ValidationError

    index = site.states_index
    with pytest.raises(ValidationError):
        index.add_child(
            instance=StatePage(
                title="Again", slug="again", state=factories.state_page("NL").state
            )
        )


def test_rich_text_from_editors_is_sanitised(client, site):
    editor = factories.user_with_role("editor@nl.example", Role.STATE_EDITOR, "NL")
    grant_state_editing(editor)
    login_verified(client, editor)
    parent = factories.state_page("NL")
    url = reverse(
        "wagtailadmin_pages:add", args=("practices", "goodpracticepage", parent.pk)
    )
    data = nested_form_data(
        {
            "title": "With markup",
            "slug": "with-markup",
            "summary": "s",
            "date": "2024-01-01",
            "language": Language.objects.get(code="en").pk,
            "body": streamfield(
                [
                    (
                        "paragraph",
                        json.dumps(
                            {
                                "blocks": [
                                    {
                                        "key": "a1b2c",
                                        "type": "unstyled",
                                        "depth": 0,
                                        "text": "Fine <script>alert(1)</script>",
                                        "inlineStyleRanges": [
                                            {"offset": 0, "length": 4, "style": "BOLD"}
                                        ],
                                        "entityRanges": [],
                                    }
                                ],
                                "entityMap": {},
                            }
                        ),
                    )
                ]
            ),
            "tags": "",
            "comments": inline_formset([]),
        }
    )
    data["action-submit"] = "1"
    assert client.post(url, data).status_code == 302
    page = GoodPracticePage.objects.get(slug="with-markup")
    stored = str(page.get_latest_revision().content["body"])
    assert "<script>" not in stored
    assert "&lt;script&gt;" in stored
    assert "<b>Fine</b>" in stored


def test_event_must_have_a_place_or_be_online(site):
    from django.core.exceptions import ValidationError

    event = EventPage(
        title="Nowhere",
        slug="nowhere",
        summary="s",
        event_type="seminar",
        start_date="2024-01-02",
        end_date="2024-01-01",
        organisers="x",
    )
    with pytest.raises(ValidationError) as error:
        event.clean()
    assert "end_date" in error.value.message_dict


def test_load_demo_fills_the_site_and_is_idempotent(db, client):
    call_command("load_demo", verbosity=0, stdout=open("/dev/null", "w"))  # noqa: SIM115
    counts = (
        StatePage.objects.live().count(),
        GoodPracticePage.objects.live().count(),
        GuidanceContributionPage.objects.live().count(),
        EventPage.objects.live().count(),
    )
    assert counts[0] == 35
    assert counts[1] >= 40 and counts[2] >= 8 and counts[3] >= 6
    assert not GoodPracticePage.objects.filter(is_demonstration=False).exists()
    covered = Commitment.objects.filter(good_practices__isnull=False).distinct()
    assert covered.count() == Commitment.objects.count()
    actions = AdditionalAction.objects.filter(good_practices__isnull=False).distinct()
    assert actions.count() >= 10
    body = client.get(GoodPracticePage.objects.live().first().url).content.decode()
    assert "Demonstration content" in body

    from io import StringIO

    out = StringIO()
    call_command("load_demo", stdout=out)
    assert "Good practices: 40 (0 new)" in out.getvalue()
    assert (
        StatePage.objects.count(),
        GoodPracticePage.objects.count(),
        GuidanceContributionPage.objects.count(),
        EventPage.objects.count(),
    ) == counts
