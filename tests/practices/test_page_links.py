"""Public pages lead on: events by upcoming and past, a State's page and its
progress page each to the other, and no empty body card."""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine

from tests.practices import factories

pytestmark = pytest.mark.django_db

TODAY = datetime.datetime(2026, 12, 2, 9, 0, tzinfo=datetime.UTC)


def group_titles(body: str, heading: str) -> list[str]:
    """The card titles under the group headed `heading`, in order."""
    match = re.search(
        rf"<h3 class=\"listing-group\">{heading}</h3>\s*<ul.*?</ul>", body, re.S
    )
    if match is None:
        return []
    return re.findall(r'<h4 class="card-title"><a [^>]*>(.*?)</a>', match.group(0))


def test_events_are_split_into_upcoming_soonest_first_and_past(client, site):
    later = factories.event("NL", start=datetime.date(2027, 3, 1))
    soon = factories.event("FR", start=datetime.date(2026, 12, 10))
    # Started yesterday, ends tomorrow: still upcoming until its last day is over.
    running = factories.event("FI", start=datetime.date(2026, 12, 1))
    running.end_date = datetime.date(2026, 12, 3)
    running.save_revision().publish()
    past = factories.event("NL", start=datetime.date(2025, 5, 1))
    with time_machine.travel(TODAY, tick=False):
        body = client.get("/events/").content.decode()
    assert group_titles(body, "Upcoming events") == [
        running.title,
        soon.title,
        later.title,
    ]
    assert group_titles(body, "Past events") == [past.title]


def test_a_listing_with_only_past_events_has_no_upcoming_heading(client, site):
    factories.event("NL", start=datetime.date(2024, 5, 1))
    with time_machine.travel(TODAY, tick=False):
        body = client.get("/events/").content.decode()
    assert "Upcoming events" not in body
    assert len(group_titles(body, "Past events")) == 1


def test_a_state_page_and_its_progress_page_link_to_each_other(client, site):
    state_page = client.get("/states/nl/").content.decode()
    assert 'href="/progress/NL/"' in state_page
    progress = client.get("/progress/NL/").content.decode()
    assert f'href="{factories.state_page("NL").url}"' in progress


def test_a_page_with_an_empty_body_shows_no_empty_card(client, site):
    page = factories.good_practice("NL")
    with_body = client.get(page.url).content.decode()
    assert 'class="article-body"' in with_body
    page.body = []
    page.save_revision().publish()
    without = client.get(page.url).content.decode()
    assert 'class="article-body"' not in without
    assert page.summary in without
