"""A person opens the home page in a real browser."""

import pytest

from tests.support import artifact_path

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_home_page_in_chromium(live_server, page):
    from django.core.management import call_command

    call_command("load_demo", verbosity=0)
    response = page.goto(live_server.url + "/")
    assert response.status == 200
    assert (
        page.locator("h1").inner_text()
        == "Strengthening Nuclear Security Implementation"
    )
    assert page.locator(".state-grid li").count() == 35
    page.screenshot(path=artifact_path("home.png"), full_page=True)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    assert artifact_path("home.png").stat().st_size > 10_000
