"""Good practices, guidance, events and State pages in the one search box."""

from __future__ import annotations

import datetime
import io

from django.core.management import call_command
from django.test import override_settings

from wagtail.models import Page, PageViewRestriction

import pytest

from exchange.policy import ANONYMOUS
from practices.actions import ensure_site_structure
from practices.management.commands.load_demo import Command
from practices.models import EventPage, GoodPracticePage, StatePage
from search import service
from search.client import alias_name, get_client
from search.documents import PageDocument
from search.indexing import drain
from search.models import IndexOutbox
from search.query import SearchParams
from tests.practices.factories import event, good_practice, guidance, state_page
from tests.search.conftest import index_now
from tests.support import wait_until

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(db):
    return ensure_site_structure(
        Command().ensure_home_page(), iso_codes=["NL", "FI", "FR"]
    )


def _search(q: str, viewer=ANONYMOUS, **filters) -> service.SearchResults:
    return service.search(viewer, SearchParams(q=q, filters=filters))


def _facets(results) -> dict[str, dict[str, int]]:
    return {
        name: {v.value: v.count for v in values}
        for name, values in results.facets.items()
    }


def _practice(iso_code: str, title: str, word: str, **kwargs) -> GoodPracticePage:
    page = good_practice(iso_code, title=title, publish=False, **kwargs)
    page.body = [("paragraph", f"<p>Inspectors weigh the {word} samples.</p>")]
    page.save_revision().publish()
    page.refresh_from_db()
    return page


@pytest.fixture
def practices(site, search_index, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        netherlands = _practice(
            "NL",
            "Insider vetting at research reactors",
            "zircaloy",
            date=datetime.date(2022, 6, 1),
            commitments=["2a"],
            actions=[4],
            documents=["nss-13"],
            topics=["insider threat"],
            other_states=["FR"],
        )
        finland = _practice(
            "FI",
            "Border monitoring of scrap metal",
            "zircaloy",
            date=datetime.date(2024, 3, 1),
            language="fr",
            commitments=["3"],
            documents=["nss-15"],
            topics=["detection"],
        )
    drain(refresh=True)
    return netherlands, finland


def test_published_good_practice_is_found_with_its_facets(practices):
    netherlands, finland = practices
    by_body = _search("zircaloy")
    assert {h.pk for h in by_body.hits} == {netherlands.pk, finland.pk}
    assert by_body.total == 2

    by_title = _search("insider vetting")
    assert [(h.pk, h.type, h.url) for h in by_title.hits] == [
        (netherlands.pk, "good_practice", netherlands.url)
    ]
    hit = by_title.hits[0]
    assert hit.states == ["France", "Netherlands"]
    assert hit.summary == netherlands.summary
    assert hit.date == datetime.date(2022, 6, 1)
    assert _facets(by_title) == {
        "type": {"good_practice": 1},
        "states": {"Netherlands": 1, "France": 1},
        # The listings' filter "2" also finds "2a": the facet carries both.
        "commitments": {"2": 1, "2a": 1},
        "actions": {"4": 1},
        "iaea_documents": {"NSS 13 (INFCIRC/225/Rev.5)": 1},
        "topics": {"insider threat": 1},
        "language": {"en": 1},
        "year": {"2022": 1},
    }


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"states": ["Finland"]}, "FI"),
        ({"states": ["France"]}, "NL"),
        ({"commitments": ["2"]}, "NL"),
        ({"iaea_documents": ["NSS 15"]}, "FI"),
        ({"topics": ["detection"]}, "FI"),
        ({"language": ["fr"]}, "FI"),
        ({"year": ["2022"]}, "NL"),
        ({"type": ["good_practice"], "actions": ["4"]}, "NL"),
    ],
)
def test_facet_filters_narrow_the_results(practices, filters, expected):
    netherlands, finland = practices
    results = _search("zircaloy", **filters)
    wanted = netherlands if expected == "NL" else finland
    assert [h.pk for h in results.hits] == [wanted.pk]
    assert results.total == 1
    assert _facets(results)["type"] == {"good_practice": 1}


def test_facets_of_one_name_widen_and_of_two_names_narrow(practices):
    assert _search("zircaloy", states=["Finland", "Netherlands"]).total == 2
    assert _search("zircaloy", states=["Finland"], year=["2022"]).total == 0


def test_guidance_events_and_state_pages_are_found(
    site, search_index, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        contribution = guidance("FI", document="nss-14")
        workshop = event("FR")
        workshop.commitments.set([])
        workshop.organisers = "The Tampere physical protection unit"
        workshop.save_revision().publish()
        finland = state_page("FI")
        finland.competent_authority = "Radiation and Nuclear Safety Authority"
        finland.save_revision().publish()
    drain(refresh=True)

    results = _search(contribution.title)
    assert results.hits[0].pk == contribution.pk
    assert results.hits[0].type == "guidance"
    assert _facets(results)["iaea_documents"] == {"NSS 14": 1}

    results = _search("Tampere")
    assert [(h.pk, h.type, h.date) for h in results.hits] == [
        (workshop.pk, "event", datetime.date(2024, 5, 1))
    ]
    assert _facets(results)["states"] == {"France": 1}
    assert _facets(results)["year"] == {"2024": 1}

    results = _search("Radiation and Nuclear Safety Authority", type=["state"])
    assert [(h.pk, h.title) for h in results.hits] == [(finland.pk, finland.title)]
    assert _facets(results)["states"] == {"Finland": 1}


def test_drafts_and_restricted_pages_are_never_found(
    site, search_index, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        draft = good_practice("NL", title="Quokka draft practice", publish=False)
        secret = good_practice("NL", title="Quokka restricted practice")
        PageViewRestriction.objects.create(
            page=secret, restriction_type=PageViewRestriction.PASSWORD, password="x"
        )
        below = good_practice("FI", title="Quokka under a restricted State")
        PageViewRestriction.objects.create(
            page=state_page("FI"), restriction_type=PageViewRestriction.LOGIN
        )
        public = good_practice("FR", title="Quokka public practice")
    # Even when asked to index them, the index never holds them.
    index_now("page", [draft, secret, below, public])

    results = _search("quokka")
    assert [h.pk for h in results.hits] == [public.pk]
    assert results.total == 1
    assert _facets(results)["states"] == {"France": 1}
    assert _facets(results)["type"] == {"good_practice": 1}
    assert [s["title"] for s in service.suggest(ANONYMOUS, "quok")] == [
        "Quokka public practice"
    ]
    stored = get_client().count(
        index=alias_name("pages"), query={"match": {"title": "quokka"}}
    )["count"]
    assert stored == 1
    for hidden in (draft, secret, below):
        assert hidden.pk not in {h.pk for h in _search(hidden.title).hits}


def test_unpublishing_removes_the_page_within_five_seconds(
    practices, django_capture_on_commit_callbacks
):
    netherlands, _ = practices
    assert _search("insider vetting").total == 1
    with django_capture_on_commit_callbacks(execute=True):
        GoodPracticePage.objects.get(pk=netherlands.pk).unpublish()

    # No explicit drain: the post-commit drain and Elasticsearch's refresh do it.
    # The index itself must lose it, not only the re-check before display.
    def in_index() -> int:
        query = {"term": {"pk": netherlands.pk}}
        return get_client().count(index=alias_name("pages"), query=query)["count"]

    wait_until(
        lambda: in_index() == 0,
        timeout=5,
        message="the unpublished page is still in the index after 5 s",
    )
    assert _search("insider vetting").total == 0


def test_moving_under_a_restricted_state_and_deleting_reach_the_index(
    practices, django_capture_on_commit_callbacks
):
    netherlands, finland = practices
    with django_capture_on_commit_callbacks(execute=True):
        PageViewRestriction.objects.create(
            page=state_page("FR"), restriction_type=PageViewRestriction.LOGIN
        )
        Page.objects.get(pk=netherlands.pk).specific.move(
            state_page("FR"), pos="last-child"
        )
    drain(refresh=True)
    assert [h.pk for h in _search("zircaloy").hits] == [finland.pk]

    with django_capture_on_commit_callbacks(execute=True):
        Page.objects.get(pk=finland.pk).delete()
    drain(refresh=True)
    assert _search("zircaloy").total == 0


@override_settings(ELASTICSEARCH_URL=None)
def test_the_database_fallback_finds_pages_with_the_same_facets(site):
    netherlands = _practice(
        "NL",
        "Insider vetting at research reactors",
        "zircaloy",
        commitments=["2a"],
        documents=["nss-13"],
        topics=["insider threat"],
    )
    good_practice("FI", title="Quokka draft", publish=False)
    results = _search("zircaloy")
    assert results.backend == "database"
    assert [(h.pk, h.type) for h in results.hits] == [(netherlands.pk, "good_practice")]
    facets = _facets(results)
    assert facets["commitments"] == {"2": 1, "2a": 1}
    assert facets["iaea_documents"] == {"NSS 13 (INFCIRC/225/Rev.5)": 1}
    assert facets["states"] == {"Netherlands": 1}
    assert facets["year"] == {"2022": 1}
    assert _search("zircaloy", commitments=["3"]).total == 0
    assert _search("quokka").total == 0


def test_rebuild_indexes_every_live_public_page_of_the_registered_types(
    site, search_index
):
    good_practice("NL", title="Rebuilt practice")
    good_practice("NL", title="Draft practice", publish=False)
    guidance("FI")
    event("FR")
    out = io.StringIO()
    call_command("search_rebuild", "--type", "pages", stdout=out)
    expected = PageDocument.queryset().count()
    assert expected == (
        Page.objects.live()
        .public()
        .type(GoodPracticePage, EventPage, StatePage)
        .count()
        + 1  # the guidance contribution
        + 1  # the home page
    )
    drain(refresh=True)
    assert get_client().count(index=alias_name("pages"))["count"] == expected
    assert _search("rebuilt practice").hits[0].type == "good_practice"


@override_settings(ELASTICSEARCH_URL=None)
def test_demo_without_elasticsearch_queues_nothing_and_the_database_answers():
    call_command("load_demo", stdout=io.StringIO())
    assert not IndexOutbox.objects.exists()
    demo = GoodPracticePage.objects.live().public().order_by("pk").first()
    results = _search(demo.title)
    assert results.backend == "database"
    assert demo.pk in {h.pk for h in results.hits}
    assert _facets(results)["states"][demo.state.name] >= 1


def test_demo_with_elasticsearch_indexes_every_public_page(search_index):
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    expected = PageDocument.queryset().count()
    assert expected > GoodPracticePage.objects.live().public().count() > 0
    assert f"Search: pages indexed ({expected})." in out.getvalue()
    assert not IndexOutbox.objects.exists()

    call_command("load_demo", stdout=io.StringIO())
    rebuilt = io.StringIO()
    call_command("search_rebuild", "--type", "pages", stdout=rebuilt)
    assert f"holds {expected} document(s); the database has {expected}: matches" in (
        rebuilt.getvalue()
    )
    assert get_client().count(index=alias_name("pages"))["count"] == expected
    demo = GoodPracticePage.objects.live().public().order_by("pk").first()
    assert demo.pk in {h.pk for h in _search(demo.title).hits}
