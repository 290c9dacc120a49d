"""A visitor searches from the header and reads highlighted, accessible results."""

import pytest

from tests.support import artifact_path

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_header_search_shows_highlighted_results(live_server, page):
    from django.core.management import call_command

    from axe_playwright_python.sync_playwright import Axe

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
        page.screenshot(path=artifact_path("search.png"), full_page=True)
        violations = Axe().run(page).response["violations"]
        serious = [
            v["id"] for v in violations if v["impact"] in {"serious", "critical"}
        ]
        assert serious == []
    finally:
        delete_all_indices()
