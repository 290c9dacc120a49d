"""Relevance, phrases, typos, filters, facets, sorting, highlights: a fixed corpus."""

from __future__ import annotations

import datetime

from django.utils import timezone

import pytest

from exchange.models import Document
from search import service
from search.query import SearchParams
from tests.search.conftest import index_now, make_document

pytestmark = pytest.mark.django_db

# (title, description, handling note, State, tier, days ago)
CORPUS = [
    (
        "Insider threat mitigation programme",
        "Trustworthiness checks and two-person rules for "
        "staff with access to vital areas.",
        "",
        "NL",
        "restricted",
        10,
    ),
    (
        "Physical protection of nuclear material in transport",
        "Escort arrangements and route planning following INFCIRC/225/Rev.5.",
        "",
        "BE",
        "restricted",
        20,
    ),
    (
        "Sealed radioactive source inventory",
        "A national register of high activity "
        "sealed sources under the Code of Conduct.",
        "",
        "DE",
        "restricted",
        30,
    ),
    (
        "Self-assessment of the nuclear security regime",
        "Lessons from our first self-assessment using the IAEA methodology.",
        "",
        "NL",
        "restricted",
        40,
    ),
    (
        "Hosting an IPPAS peer review mission",
        "Preparing the host country for an "
        "International Physical Protection Advisory Service mission.",
        "",
        "BE",
        "confidential",
        50,
    ),
    (
        "Computer security at nuclear facilities",
        "Network segmentation and incident response "
        "for instrumentation and control systems.",
        "",
        "DE",
        "restricted",
        60,
    ),
    (
        "Nuclear forensics laboratory network",
        "Cooperation between laboratories to attribute seized material.",
        "",
        "NL",
        "restricted",
        70,
    ),
    (
        "Training and qualification of guards",
        "A competence framework for the response force and security guards.",
        "",
        "BE",
        "restricted",
        80,
    ),
    (
        "Major public event security arrangements",
        "Detection architecture for radiological threats at a large sports event.",
        "",
        "DE",
        "restricted",
        90,
    ),
    (
        "Security culture self-assessment survey",
        "Questionnaire measuring attitudes and behaviour "
        "of staff towards security culture.",
        "",
        "NL",
        "restricted",
        100,
    ),
    (
        "Border monitoring with radiation portal monitors",
        "Deploying detection equipment at border crossings and seaports.",
        "",
        "BE",
        "restricted",
        110,
    ),
    (
        "Emergency response exercise for a dirty bomb",
        "A table-top exercise scenario with police, fire brigade and regulator.",
        "",
        "DE",
        "restricted",
        120,
    ),
    (
        "Cyber incident reporting template",
        "A template for reporting computer security incidents to the regulator.",
        "Do not forward outside the regulator & partners (x<y).",
        "NL",
        "restricted",
        5,
    ),
]

EXPECTED_FIRST = {
    "insider threat": "Insider threat mitigation programme",
    "transport": "Physical protection of nuclear material in transport",
    "sealed sources": "Sealed radioactive source inventory",
    "IPPAS": "Hosting an IPPAS peer review mission",
    "computer security": "Computer security at nuclear facilities",
    "forensics": "Nuclear forensics laboratory network",
    "guards training": "Training and qualification of guards",
    "sports event": "Major public event security arrangements",
    "security culture": "Security culture self-assessment survey",
    "portal monitors": "Border monitoring with radiation portal monitors",
    "dirty bomb": "Emergency response exercise for a dirty bomb",
    "incident reporting": "Cyber incident reporting template",
    "peer review": "Hosting an IPPAS peer review mission",
}


@pytest.fixture
def corpus(search_index, states, owner, expert):
    documents = []
    now = timezone.now()
    for title, description, note, state, tier, days in CORPUS:
        document = make_document(
            owner, states[state], title, description=description, note=note, tier=tier
        )
        document.shared_users.add(expert)
        documents.append(document)
        Document.objects.filter(pk=document.pk).update(
            last_shared_at=now - datetime.timedelta(days=days)
        )
    index_now("document", documents)
    return documents


def titles(results) -> list[str]:
    return [hit.title for hit in results.hits]


@pytest.mark.parametrize(("query", "expected"), sorted(EXPECTED_FIRST.items()))
def test_expected_first_hit(corpus, expert_viewer, query, expected):
    results = service.search(expert_viewer, SearchParams(q=query))
    assert results.backend == "elasticsearch"
    assert titles(results)[:1] == [expected]


def test_title_ranks_above_body(corpus, expert_viewer):
    # "self-assessment" is in two titles and one description: titles come first.
    found = titles(service.search(expert_viewer, SearchParams(q="self-assessment")))
    assert set(found[:2]) == {
        "Self-assessment of the nuclear security regime",
        "Security culture self-assessment survey",
    }


def test_quoted_phrase_requires_adjacent_words(corpus, expert_viewer):
    loose = service.search(expert_viewer, SearchParams(q="security nuclear"))
    phrase = service.search(expert_viewer, SearchParams(q='"nuclear security"'))
    assert loose.total > phrase.total >= 1
    assert titles(phrase) == ["Self-assessment of the nuclear security regime"]


def test_typos_are_tolerated(corpus, expert_viewer):
    results = service.search(expert_viewer, SearchParams(q="forensiks laboratry"))
    assert titles(results)[:1] == ["Nuclear forensics laboratory network"]


def test_did_you_mean_proposes_visible_words(corpus, expert_viewer):
    results = service.search(expert_viewer, SearchParams(q="radiolgical"))
    # Fuzzy matching already finds it; the correction is offered as well.
    assert results.suggestion == "radiological"


def test_filters_combine_and_facets_count(corpus, expert_viewer):
    everything = service.search(expert_viewer, SearchParams(q="security"))
    by_state = {v.value: v.count for v in everything.facets["states"]}
    assert sum(by_state.values()) == everything.total
    netherlands = service.search(
        expert_viewer, SearchParams(q="security", filters={"states": ["Netherlands"]})
    )
    assert netherlands.total == by_state["Netherlands"]
    both = service.search(
        expert_viewer,
        SearchParams(q="security", filters={"states": ["Netherlands", "Belgium"]}),
    )
    assert both.total == by_state["Netherlands"] + by_state.get("Belgium", 0)
    narrowed = service.search(
        expert_viewer,
        SearchParams(filters={"states": ["Belgium"], "tier": ["confidential"]}),
    )
    assert titles(narrowed) == ["Hosting an IPPAS peer review mission"]
    belgium = service.search(
        expert_viewer, SearchParams(filters={"states": ["Belgium"]})
    )
    tiers = {v.value: v.count for v in belgium.facets["tier"]}
    assert tiers == {"restricted": 3, "confidential": 1}


def test_sort_by_date_puts_newest_first(corpus, expert_viewer):
    results = service.search(
        expert_viewer, SearchParams(q="security", sort="date", per_page=50)
    )
    dates = [hit.date for hit in results.hits]
    assert dates == sorted(dates, reverse=True)
    assert results.hits[0].title == "Cyber incident reporting template"


def test_pagination_walks_all_results(corpus, expert_viewer):
    seen = []
    first = service.search(expert_viewer, SearchParams(q="security", per_page=3))
    for page in range(1, first.pages + 1):
        results = service.search(
            expert_viewer, SearchParams(q="security", per_page=3, page=page)
        )
        seen += titles(results)
    assert len(seen) == len(set(seen)) == first.total


def test_highlights_mark_matches_and_escape_the_rest(corpus, expert_viewer):
    results = service.search(expert_viewer, SearchParams(q="regulator outside"))
    hit = results.hits[0]
    assert hit.title == "Cyber incident reporting template"
    html = " ".join(str(h) for h in hit.highlights)
    assert "<mark>outside</mark>" in html
    assert "(x&lt;y)" in html and "<y" not in html
    assert "&amp;" in html


def test_suggestions_complete_visible_titles(corpus, expert_viewer):
    suggestions = service.suggest(expert_viewer, "foren")
    assert [s["title"] for s in suggestions] == ["Nuclear forensics laboratory network"]
    assert service.suggest(expert_viewer, "x") == []


def test_documents_are_invisible_to_the_anonymous(corpus):
    from exchange.policy import ANONYMOUS

    results = service.search(ANONYMOUS, SearchParams(q="security"))
    assert results.total == 0 and results.hits == [] and results.facets == {}
    assert service.suggest(ANONYMOUS, "foren") == []
