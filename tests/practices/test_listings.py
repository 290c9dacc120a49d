"""Index pages filter across all States by every filter, combined, from the URL."""

import datetime
import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

import pytest

from portal.core.page_cache import invalidate_public_pages
from tests.practices import factories

pytestmark = pytest.mark.django_db


def titles(response) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", m).strip()
        for m in re.findall(
            r'<h3 class="card-title">(.*?)</h3>', response.content.decode(), re.S
        )
    ]


@pytest.fixture
def practices(site):
    return {
        "nl": factories.good_practice(
            "NL",
            title="Dutch threat review",
            commitments=["2a"],
            actions=[5],
            documents=["nss-13"],
            topics=["threat assessment"],
            date=datetime.date(2021, 3, 1),
        ),
        "fi": factories.good_practice(
            "FI",
            title="Finnish culture survey",
            commitments=["4"],
            actions=[12],
            documents=["nss-20"],
            topics=["security culture"],
            date=datetime.date(2022, 5, 1),
        ),
        "fr": factories.good_practice(
            "FR",
            title="French transport decree",
            commitments=["2b"],
            actions=[8],
            documents=["nss-14"],
            language="fr",
            other_states=["NL"],
            date=datetime.date(2020, 9, 1),
        ),
        "draft": factories.good_practice(
            "NL", title="Unpublished Dutch draft", commitments=["2a"], publish=False
        ),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            "",
            [
                "Finnish culture survey",
                "Dutch threat review",
                "French transport decree",
            ],
        ),
        ("state=FI", ["Finnish culture survey"]),
        # A practice another State took part in is found under that State too.
        ("state=NL", ["Dutch threat review", "French transport decree"]),
        ("commitment=2a", ["Dutch threat review"]),
        # A top-level commitment includes its sub-items.
        ("commitment=2", ["Dutch threat review", "French transport decree"]),
        ("action=12", ["Finnish culture survey"]),
        ("document=nss-14", ["French transport decree"]),
        ("topic=security-culture", ["Finnish culture survey"]),
        ("language=fr", ["French transport decree"]),
        ("year=2021", ["Dutch threat review"]),
        (
            "sort=title",
            [
                "Dutch threat review",
                "Finnish culture survey",
                "French transport decree",
            ],
        ),
        (
            "sort=date",
            [
                "French transport decree",
                "Dutch threat review",
                "Finnish culture survey",
            ],
        ),
        ("state=NL&commitment=2b&language=fr", ["French transport decree"]),
        ("state=NL&commitment=2b&language=en", []),
        ("commitment=2&year=2020&document=nss-14", ["French transport decree"]),
    ],
)
def test_good_practice_filters(client, site, practices, query, expected):
    response = client.get(f"/good-practices/?{query}")
    assert response.status_code == 200
    assert titles(response) == expected


def test_drafts_never_appear_in_listings(client, site, practices):
    body = client.get("/good-practices/?state=NL").content.decode()
    assert "Unpublished Dutch draft" not in body


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("state=XX", "No subscribing State has the code &quot;XX&quot;."),
        ("commitment=9z", "There is no commitment &quot;9z&quot;"),
        ("action=abc", "There is no additional action &quot;abc&quot;"),
        ("action=99", "There is no additional action &quot;99&quot;"),
        ("document=nss-999", "No IAEA document is known as &quot;nss-999&quot;."),
        ("topic=nope", "No good practice has the topic &quot;nope&quot;."),
        ("language=xx", "No language has the code &quot;xx&quot;."),
        ("year=20x1", "The year must be a number such as 2024."),
        ("year=1200", "The year must be 1950 or later."),
        ("sort=drop+table", "Listings sort by"),
    ],
)
def test_invalid_filter_gives_an_empty_explained_result(
    client, site, practices, query, message
):
    response = client.get(f"/good-practices/?{query}")
    assert response.status_code == 200
    body = response.content.decode()
    assert titles(response) == []
    assert "a filter in the address is not valid" in body
    assert message in body


def test_invalid_page_number_shows_a_page_not_an_error(client, site, practices):
    for page in ("abc", "999", "-1"):
        response = client.get(f"/good-practices/?page={page}")
        assert response.status_code == 200


def test_pagination_keeps_filters_in_links(client, site):
    for n in range(14):
        factories.good_practice(
            "FI", title=f"Finnish practice {n:02d}", commitments=["3a"]
        )
    first = client.get("/good-practices/?state=FI&sort=title")
    assert len(titles(first)) == 12
    assert "?state=FI&amp;sort=title&amp;page=2" in first.content.decode()
    second = client.get("/good-practices/?state=FI&sort=title&page=2")
    assert titles(second) == ["Finnish practice 12", "Finnish practice 13"]


def test_listing_queries_do_not_grow_with_results(client, site):
    factories.good_practice("NL", commitments=["1"], topics=["a"])
    client.get("/good-practices/")  # warm caches (site root paths)
    # Rendered, not answered from the stored page (portal.core.page_cache).
    invalidate_public_pages()
    with CaptureQueriesContext(connection) as few:
        assert client.get("/good-practices/")["X-Page-Cache"] == "miss"
    for n in range(10):
        factories.good_practice("FI", commitments=["2a", "3b"], topics=[f"t{n}"])
    with CaptureQueriesContext(connection) as many:
        response = client.get("/good-practices/")
    assert response["X-Page-Cache"] == "miss"
    assert len(titles(response)) == 11
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_guidance_filters_by_document_and_stage(client, site):
    factories.guidance("NL", document="nss-13", stage="incorporated")
    factories.guidance("FI", document="nss-15", stage="proposed")
    body = client.get("/guidance/?stage=incorporated").content.decode()
    assert body.count('class="card-title"') == 1 and "Incorporated" in body
    body = client.get("/guidance/?document=nss-15&state=FI").content.decode()
    assert body.count('class="card-title"') == 1
    body = client.get("/guidance/?stage=rejected").content.decode()
    assert "There is no stage &quot;rejected&quot;." in body


def test_events_filter_by_type_and_year(client, site):
    factories.event("NL", event_type="table_top", start=datetime.date(2023, 4, 1))
    factories.event("FR", event_type="seminar", start=datetime.date(2024, 4, 1))
    body = client.get("/events/?event_type=table_top").content.decode()
    assert body.count('class="card-title"') == 1 and "Table-top exercise" in body
    body = client.get("/events/?year=2024&state=FR").content.decode()
    assert body.count('class="card-title"') == 1
    assert client.get("/events/?year=2022").content.decode().count("card-title") == 0


def test_state_page_and_home_queries_do_not_grow_with_content(client, site):
    factories.good_practice("NL", commitments=["1"])
    factories.guidance("NL")
    client.get("/states/nl/")
    invalidate_public_pages()  # rendered, not answered from the stored page
    with CaptureQueriesContext(connection) as few_state:
        client.get("/states/nl/")
    with CaptureQueriesContext(connection) as few_home:
        client.get("/")
    for _ in range(6):
        factories.good_practice("NL", commitments=["2a", "3b"])
        factories.guidance("NL")
    with CaptureQueriesContext(connection) as many_state:
        client.get("/states/nl/")
    with CaptureQueriesContext(connection) as many_home:
        client.get("/")
    assert len(many_state) == len(few_state)
    assert len(many_home) == len(few_home)
