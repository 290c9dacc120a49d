"""A visitor opens the progress dashboard in a real browser: charts, tables, axe."""

import pytest

from tests.support import artifact_path

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_progress_dashboard_in_chromium(live_server, page):
    from django.core.management import call_command

    from axe_playwright_python.sync_playwright import Axe

    call_command("load_demo", verbosity=0)
    response = page.goto(live_server.url + "/progress/")
    assert response.status == 200
    assert page.locator("h1").inner_text() == "Progress against the commitments"
    # Every chart is drawn by Chart.js on its canvas, and has a table alternative.
    page.wait_for_function(
        "document.querySelectorAll('canvas[data-chart]').length === 4 && "
        "[...document.querySelectorAll('canvas[data-chart]')]"
        ".every(c => Chart.getChart(c) !== undefined)"
    )
    assert page.locator("details.chart-table table caption").count() == 4
    assert page.locator("nav.main-nav a[aria-current=page]").inner_text() == "Progress"
    page.screenshot(path=artifact_path("progress-dashboard.png"), full_page=True)
    assert artifact_path("progress-dashboard.png").stat().st_size > 30_000

    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()

    page.get_by_role("link", name="Netherlands").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Netherlands: progress"
    page.screenshot(path=artifact_path("progress-state.png"), full_page=True)
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
