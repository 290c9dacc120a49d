"""The search page, the JSON API and autocomplete: trimming, bad input, the fallback."""

from __future__ import annotations

import re

from django.test import override_settings

import pytest

from tests.portal.test_classification_banners import assert_banners, banners
from tests.search.conftest import index_now, make_document, make_expert
from tests.support import login_verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared(search_index, states, owner, expert):
    """Two documents: one shared with the expert's State, one with another State."""
    mine = make_document(owner, states["BE"], "Guard force response plan")
    mine.shared_states.add(states["NL"])
    other = make_document(owner, states["BE"], "Guard force staffing review")
    index_now("document", [mine, other])
    return mine, other


def api(client, **params):
    response = client.get("/search/api/", params)
    assert response.status_code == 200
    return response.json()


def test_api_trims_by_viewer(client, shared, expert):
    mine, _ = shared
    assert api(client, q="guard force")["total"] == 0
    login_verified(client, expert)
    answer = api(client, q="guard force")
    assert [r["id"] for r in answer["results"]] == [mine.pk]
    assert answer["total"] == 1
    assert answer["facets"]["tier"] == [
        {"value": "restricted", "label": "Restricted", "count": 1}
    ]
    assert answer["backend"] == "elasticsearch"
    # A signed-in but unverified session sees no exchange material.
    client.logout()
    client.force_login(expert)
    assert api(client, q="guard force")["total"] == 0


def test_search_page_renders_results_facets_and_pagination(client, shared, expert):
    login_verified(client, expert)
    response = client.get("/search/", {"q": "guard", "states": "Belgium"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "<mark>Guard</mark> force response plan" in content
    assert "Guard force staffing review" not in content
    assert 'aria-current="true" class="selected"' in content
    assert "1 result" in content


def test_suggest_endpoint_completes_visible_titles_only(client, shared, expert):
    assert client.get("/search/suggest", {"q": "guar"}).json()["suggestions"] == []
    login_verified(client, expert)
    titles = [
        s["title"]
        for s in client.get("/search/suggest", {"q": "guar"}).json()["suggestions"]
    ]
    assert titles == ["Guard force response plan"]


@pytest.mark.parametrize(
    "query",
    [
        '"unbalanced quote',
        "(guard AND) OR -~* \\ / [ ] { } : ^ !",
        "guard~~~~ force**",
        "<script>alert(1)</script>",
        "title:guard _index:x",
        "\u0000\ufffd",
    ],
)
def test_query_syntax_never_breaks_search(client, shared, query):
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    assert b"<script>alert" not in response.content
    assert api(client, q=query)["degraded"] is False


def test_empty_long_and_out_of_range_input_get_clear_answers(client, shared, expert):
    login_verified(client, expert)
    empty = client.get("/search/", {"q": "   "})
    assert empty.status_code == 200 and b"Enter words to search" in empty.content
    assert api(client, q="")["total"] == 0

    long = api(client, q="guard " * 300)
    assert len(long["query"]) == 1000
    assert "longer than 1,000 characters" in long["messages"][0]

    for page in ["abc", "0", "-3"]:
        answer = api(client, q="guard", page=page)
        assert answer["page"] == 1 and answer["total"] == 1
        assert answer["messages"]
    beyond = api(client, q="guard", page="999999")
    assert (
        beyond["results"] == [] and "There is no page 999999" in beyond["messages"][0]
    )
    page = client.get("/search/", {"q": "guard", "page": "999999", "sort": "sideways"})
    assert page.status_code == 200
    assert b"There is no page 999999" in page.content
    assert b"Unknown sort order" in page.content


@override_settings(ELASTICSEARCH_URL=None)
def test_database_fallback_trims_the_same_way(client, states, owner, expert):
    mine = make_document(owner, states["BE"], "Guard force response plan")
    mine.shared_states.add(states["NL"])
    make_document(owner, states["BE"], "Guard force staffing review")
    make_document(
        owner, states["NL"], "Highly sensitive guard roster", tier="highly_confidential"
    )
    outsider = make_expert("outsider@example.org", states["DE"])
    assert api(client, q="guard")["total"] == 0
    login_verified(client, outsider)
    assert api(client, q="guard")["total"] == 0
    login_verified(client, expert)
    answer = api(client, q="guard force")
    assert answer["backend"] == "database"
    assert [r["id"] for r in answer["results"]] == [mine.pk]
    assert answer["facets"]["states"] == [
        {"value": "Belgium", "label": "Belgium", "count": 1}
    ]
    page = client.get("/search/", {"q": "guard"})
    assert b"<mark>Guard</mark> force response plan" in page.content
    assert b"staffing" not in page.content and b"roster" not in page.content
    suggestions = client.get("/search/suggest", {"q": "guard"}).json()["suggestions"]
    assert [s["title"] for s in suggestions] == ["Guard force response plan"]


def test_header_has_a_labelled_search_box(client, home_page):
    content = client.get("/").content.decode()
    assert re.search(
        r'<form class="header-search[^"]*"[^>]*action="/search/" role="search">',
        content,
    )
    assert '<label for="header-search-q"' in content


@pytest.mark.parametrize("tier", ["restricted", "confidential", "highly_confidential"])
def test_search_results_carry_the_tier_of_their_most_restricted_hit(
    client, search_index, states, owner, tier
):
    reader = make_expert("reader@example.org", states["NL"], "highly_confidential")
    hidden = make_document(owner, states["BE"], "Guard force drill", tier=tier)
    shown = make_document(owner, states["BE"], "Guard force response", tier=tier)
    shown.shared_users.add(reader)
    index_now("document", [hidden, shown])
    login_verified(client, reader)
    response = client.get("/search/", {"q": "guard force"})
    content = response.content.decode()
    assert shown.get_absolute_url() in content
    assert hidden.get_absolute_url() not in content
    assert "drill" not in content
    # At the top and the bottom, the tier in words.
    assert_banners(response, tier)
    # A search that finds nothing restricted shows none.
    assert banners(client.get("/search/", {"q": "nothing like it"})) == []
