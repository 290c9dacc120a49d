"""Public Wagtail pages in search: published, unpublished, restricted."""

from __future__ import annotations

from wagtail.models import PageViewRestriction

import pytest

from exchange.policy import ANONYMOUS
from search import service
from search.indexing import drain
from search.query import SearchParams
from tests.search.conftest import index_now

pytestmark = pytest.mark.django_db


def test_home_page_is_found_and_follows_publication(
    search_index, home_page, django_capture_on_commit_callbacks
):
    index_now("page", [home_page])
    results = service.search(ANONYMOUS, SearchParams(q="peer reviews confidentiality"))
    assert [(h.title, h.url, h.type) for h in results.hits] == [
        (home_page.title, "/", "page")
    ]
    assert results.facets["type"][0].value == "page"

    with django_capture_on_commit_callbacks(execute=True):
        home_page.unpublish()
    drain(refresh=True)
    assert service.search(ANONYMOUS, SearchParams(q="peer reviews")).total == 0

    with django_capture_on_commit_callbacks(execute=True):
        home_page.save_revision().publish()
    drain(refresh=True)
    assert service.search(ANONYMOUS, SearchParams(q="peer reviews")).total == 1


def test_a_view_restriction_removes_the_page(
    search_index, home_page, django_capture_on_commit_callbacks
):
    index_now("page", [home_page])
    with django_capture_on_commit_callbacks(execute=True):
        PageViewRestriction.objects.create(
            page=home_page, restriction_type=PageViewRestriction.LOGIN
        )
    drain(refresh=True)
    assert service.search(ANONYMOUS, SearchParams(q="peer reviews")).total == 0
    assert service.suggest(ANONYMOUS, "strength") == []
