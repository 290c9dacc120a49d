"""Each role's home after sign-in, at a desktop and a phone width: no sideways
scrolling, zero axe-core findings, a screenshot of each kept under test-artifacts/."""

from __future__ import annotations

import pytest

from tests.browser.conftest import fits_both_widths, signed_in_context
from tests.roles import people_of_every_role

pytestmark = pytest.mark.browser

# The innermost elements reaching past the viewport's right edge, to name in a failure.


def _people():
    people = people_of_every_role()
    people.pop("objects")
    return people


def _check(page, name: str) -> None:
    fits_both_widths(page, f"home-{name}", height=900)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_every_role_home_fits_the_screen_and_passes_axe(live_server, browser):
    base = live_server.url
    people = _people()

    visitor = browser.new_context()
    page = visitor.new_page()
    page.goto(base + "/")
    _check(page, "visitor")
    visitor.close()

    for name, user in people.items():
        context = signed_in_context(browser, base, user)
        page = context.new_page()
        if name == "security-officer":
            page.goto(base + "/audit/verify/")
        page.goto(base + "/my/")
        assert page.locator("h1").inner_text() == "My portal"
        assert page.locator(".home-section").count() >= 1, name
        _check(page, name)
        context.close()
