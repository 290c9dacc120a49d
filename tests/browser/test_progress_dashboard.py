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


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_editor_corrects_a_mission_in_chromium(live_server, page):
    from django.core.management import call_command
    from django.test import Client

    from axe_playwright_python.sync_playwright import Axe

    from practices.progress.models import PeerReviewMission
    from tests.progress.conftest import make_person
    from tests.support import login_verified

    call_command("load_demo", verbosity=0)
    editor = make_person(
        "NL", roles=("State editor",), clearance="confidential", name="Anna Visser"
    )
    client = login_verified(Client(), editor)
    page.context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "url": live_server.url,
            }
        ]
    )
    mission = PeerReviewMission.objects.filter(
        state=editor.state, status="conducted"
    ).first()
    page.goto(f"{live_server.url}/progress/manage/missions/{mission.pk}/")
    page.get_by_label("Status").select_option("follow_up")
    page.get_by_label("Follow-up year").fill(str(mission.year - 1))
    page.get_by_role("button", name="Save").click()
    error = page.locator(".field-error")
    assert "cannot come before its mission" in error.first.inner_text()
    page.screenshot(path=artifact_path("progress-edit-refused.png"), full_page=True)
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    mission.refresh_from_db()
    assert mission.status == "conducted"
