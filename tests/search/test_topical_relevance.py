"""Topical queries find the portal's considered content first: a good practice, a
guidance contribution or a State page ranks above the many short progress records
that share its words. Progress records are dated by their own year, and facets are
shown in words."""

from __future__ import annotations

import re

import pytest

from exchange.policy import ANONYMOUS
from portal.states.models import State
from practices.actions import ensure_site_structure
from practices.management.commands.load_demo import Command
from practices.progress.models import TrainingActivity
from search import service
from search.indexing import drain
from search.query import SearchParams
from tests.practices.factories import good_practice, guidance

pytestmark = pytest.mark.django_db

STATES = ["NL", "FI", "FR"]

# (State, title, summary, commitments, language)
PRACTICES = [
    (
        "NL",
        "Transport security escorts for nuclear material",
        "Armed escorts and route planning for shipments of nuclear material.",
        ["2a"],
        "en",
    ),
    (
        "FI",
        "Insider threat vetting at research reactors",
        "Trustworthiness checks and two-person rules for staff with access.",
        ["2b"],
        "en",
    ),
    (
        "FR",
        "Security culture self-assessment in operating organisations",
        "A questionnaire that lets operators measure their security culture.",
        ["4"],
        "fr",
    ),
    (
        "NL",
        "Cyber security of instrumentation and control systems",
        "Zoning and monitoring of digital systems at nuclear facilities.",
        ["3"],
        "en",
    ),
    (
        "FI",
        "National radioactive source inventory",
        "A register of high activity sealed sources and their holders.",
        ["1"],
        "en",
    ),
    (
        "FR",
        "Border detection with radiation portal monitors",
        "Portal monitors at crossings and the response to their alarms.",
        ["3"],
        "en",
    ),
]
# (State, title, summary)
GUIDANCE = [
    (
        "NL",
        "Comments on nuclear material accounting and control",
        "Proposals on accounting and control for nuclear security purposes.",
    ),
    (
        "FI",
        "Comments on computer security at nuclear facilities",
        "Proposals on computer security for the revision of the guidance.",
    ),
]
# Courses each State reports year after year: many short records with the words.
COURSES = [
    "Transport security training",
    "Insider threat awareness",
    "Security culture workshop",
    "Cyber security course",
    "Radioactive source inventory training",
    "Portal monitors operation",
    "Nuclear material accounting and control course",
    "Computer security training",
]
EXPECTED_FIRST = {
    "transport security": "Transport security escorts for nuclear material",
    "insider threat": "Insider threat vetting at research reactors",
    "security culture": "Security culture self-assessment in operating organisations",
    "cyber security": "Cyber security of instrumentation and control systems",
    "source inventory": "National radioactive source inventory",
    "portal monitors": "Border detection with radiation portal monitors",
    "nuclear material accounting": (
        "Comments on nuclear material accounting and control"
    ),
    "computer security": "Comments on computer security at nuclear facilities",
    "Finland": "Finland",
    "Netherlands": "Netherlands",
}


@pytest.fixture
def corpus(search_index, django_capture_on_commit_callbacks):
    ensure_site_structure(Command().ensure_home_page(), iso_codes=STATES)
    with django_capture_on_commit_callbacks(execute=True):
        for iso_code, title, summary, commitments, language in PRACTICES:
            page = good_practice(
                iso_code,
                title=title,
                commitments=commitments,
                language=language,
                publish=False,
            )
            page.summary = summary
            page.save_revision().publish()
        for iso_code, title, summary in GUIDANCE:
            page = guidance(iso_code, publish=False)
            page.title, page.summary = title, summary
            page.save_revision().publish()
        for state in State.objects.filter(iso_code__in=STATES):
            for year in (2019, 2020, 2021, 2022, 2023):
                for course in COURSES:
                    TrainingActivity.objects.create(
                        state=state,
                        course=course,
                        audience="Operators and regulators",
                        participants=12,
                        year=year,
                        tier="public",
                    )
    drain(refresh=True)


def first_hits(viewer=ANONYMOUS) -> dict[str, str]:
    found = {}
    for query in EXPECTED_FIRST:
        results = service.search(viewer, SearchParams(q=query))
        assert results.backend == "elasticsearch"
        found[query] = results.hits[0].title if results.hits else None
    return found


def test_ten_topical_queries_find_the_considered_content_first(corpus):
    assert first_hits() == EXPECTED_FIRST


def test_the_database_search_puts_the_same_content_first(corpus, settings):
    settings.SEARCH_BACKEND = "database"
    settings.ELASTICSEARCH_URL = None
    for query, expected in EXPECTED_FIRST.items():
        results = service.search(ANONYMOUS, SearchParams(q=query))
        assert results.backend == "database"
        assert results.hits[0].title == expected, query


def test_progress_records_carry_their_own_year_not_the_load_date(corpus):
    results = service.search(
        ANONYMOUS,
        SearchParams(q="transport security", filters={"type": ["training_activity"]}),
    )
    assert results.total == 15
    for hit in results.hits:
        assert hit.date is None
        assert hit.year in {2019, 2020, 2021, 2022, 2023}
    by_date = service.search(
        ANONYMOUS, SearchParams(q="transport security", sort="date")
    )
    assert by_date.hits[0].type == "good_practice"  # dated 2022, the only day known


def test_facets_are_shown_in_words(corpus, client):
    results = service.search(ANONYMOUS, SearchParams(q="security"))
    labels = {
        name: {v.value: v.label for v in values}
        for name, values in results.facets.items()
    }
    assert labels["language"]["en"] == "English"
    assert labels["language"]["fr"] == "French"
    assert labels["commitments"]["2a"].startswith("2a. ")
    assert labels["type"]["good_practice"] == "Good practice"
    page = client.get("/search/", {"q": "security"}).content.decode()
    assert re.search(r'English\s*<span class="count">', page)
    assert not re.search(r'>\s*en\s*<span class="count">', page)
