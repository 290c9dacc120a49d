"""A visitor finds a good practice in a few clicks; the key pages pass axe-core."""

from __future__ import annotations

import pytest

from tests.support import artifact_path

pytestmark = pytest.mark.browser

# The WCAG 2.x A and AA rules (2.0, 2.1 and 2.2) and axe's best practices.
AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": [
            "wcag2a",
            "wcag2aa",
            "wcag21a",
            "wcag21aa",
            "wcag22aa",
            "best-practice",
        ],
    }
}


def assert_accessible(page, name: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options=AXE_OPTIONS)
    report = artifact_path(f"axe-{name}.txt")
    report.write_text(results.generate_report())
    assert results.violations_count == 0, results.generate_report()


def shoot(page, name: str) -> None:
    path = artifact_path(f"{name}.png")
    page.screenshot(path=path, full_page=True)
    assert path.stat().st_size > 10_000


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_key_pages_are_accessible_and_a_practice_is_found_in_few_clicks(
    live_server, page
):
    from django.core.management import call_command

    call_command("load_demo", verbosity=0, stdout=open("/dev/null", "w"))  # noqa: SIM115
    base = live_server.url

    page.goto(base + "/")
    assert (
        page.locator("nav[aria-label=Main] a", has_text="Good practices").count() == 1
    )
    assert_accessible(page, "home")
    shoot(page, "practices-home")

    # Click 1: the good practices index; click 2: filter by State and commitment.
    page.get_by_role("link", name="Good practices", exact=True).first.click()
    page.get_by_label("State").select_option("FI")
    page.get_by_label("Commitment").select_option("4")
    page.get_by_role("button", name="Apply filters").click()
    assert "state=FI" in page.url and "commitment=4" in page.url
    cards = page.locator(".card-title")
    assert cards.count() == 1
    assert (
        cards.first.inner_text()
        == "Security culture self-assessment at every nuclear facility"
    )
    assert_accessible(page, "good-practices-filtered")
    shoot(page, "good-practices-filtered")

    # Click 3: the good practice itself.
    cards.first.locator("a").click()
    assert page.locator("h1").inner_text() == (
        "Security culture self-assessment at every nuclear facility"
    )
    assert (
        page.locator(".demo-label").first.inner_text().lower()
        == "demonstration content"
    )
    assert page.locator("nav[aria-label=Breadcrumb] li").count() == 4
    assert_accessible(page, "good-practice")
    shoot(page, "good-practice")

    # Through the breadcrumb to the State page.
    page.locator("nav[aria-label=Breadcrumb]").get_by_role(
        "link", name="Finland"
    ).click()
    assert page.locator("h1").inner_text() == "Finland"
    assert_accessible(page, "state")
    shoot(page, "state-page")

    page.goto(base + "/good-practices/?state=XX")
    assert page.get_by_text("No subscribing State has the code").is_visible()
    assert_accessible(page, "good-practices-invalid-filter")
    shoot(page, "good-practices-invalid-filter")

    for path, name in [
        ("/states/", "states-index"),
        ("/guidance/", "guidance-index"),
        ("/events/", "events-index"),
    ]:
        page.goto(base + path)
        assert_accessible(page, name)
        shoot(page, name)

    page.goto(base + "/events/")
    page.locator(".card-title a").first.click()
    assert_accessible(page, "event")
    shoot(page, "event")

    # The same listing on a phone: one column, nothing scrolls sideways.
    context = page.context.browser.new_context(viewport={"width": 390, "height": 844})
    phone = context.new_page()
    try:
        phone.goto(base + "/good-practices/?commitment=2b")
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page scrolls sideways ({width}px)"
        assert phone.locator(".card-title").count() >= 3
        assert_accessible(phone, "good-practices-phone")
        shoot(phone, "good-practices-phone")
    finally:
        context.close()
