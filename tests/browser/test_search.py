"""A visitor searches from the header and reads highlighted, accessible results."""

import pytest

from tests.browser.conftest import fits_both_widths
from tests.browser.test_practices_pages import assert_accessible

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_header_search_shows_highlighted_results(live_server, page):
    from django.core.management import call_command

    from practices.models import HomePage
    from search.indexing import delete_all_indices, drain, enqueue, ensure_indices

    call_command("load_demo", verbosity=0)
    delete_all_indices()
    ensure_indices()
    try:
        enqueue("page", [HomePage.objects.get().pk])
        drain(refresh=True)
        page.goto(live_server.url + "/")
        page.get_by_label("Search the portal").fill("peer reviews")
        page.keyboard.press("Enter")
        page.wait_for_url("**/search/?q=peer+reviews")
        assert page.locator("#results-heading").inner_text().startswith("1 result")
        assert page.locator(".result mark").first.inner_text().lower() == "peer"
        assert page.locator(".facets h3").first.inner_text() == "Type"
        # Facet values read as words, never as the codes the index keeps.
        assert "Page" in page.locator(".facets").inner_text()
        # Every finding counts, moderate and minor ones included.
        assert_accessible(page, "search")
        fits_both_widths(page, "search-results")
    finally:
        delete_all_indices()
