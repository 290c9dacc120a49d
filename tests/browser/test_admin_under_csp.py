"""Wagtail's admin works under the portal's Content-Security-Policy: the page editor
opens, its date picker starts without an inline script, and nothing is blocked."""

from __future__ import annotations

import pytest

from portal.accounts.actions import set_superuser
from portal.accounts.roles import Role
from tests.browser.conftest import signed_in_context
from tests.portal.identity import make_user
from tests.practices.factories import good_practice
from tests.support import artifact_path

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_page_editor_and_its_date_picker_work_under_the_policy(live_server, browser):
    from practices.actions import ensure_site_structure
    from practices.management.commands.load_demo import Command

    ensure_site_structure(Command().ensure_home_page(), iso_codes=["NL"])
    practice = good_practice("NL", title="Border monitoring equipment upkeep")
    root = make_user("root@example.org", Role.SECRETARIAT, state=None)
    set_superuser(root, True, by=None)
    context = signed_in_context(
        browser, live_server.url, root, viewport={"width": 1366, "height": 900}
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    response = page.goto(f"{live_server.url}/admin/")
    assert response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]

    page.goto(f"{live_server.url}/admin/pages/{practice.id}/edit/")
    assert page.locator("#id_title").input_value() == practice.title
    page.locator("#id_date").click()
    picker = page.locator(".xdsoft_datetimepicker:visible")
    picker.wait_for(state="visible", timeout=10_000)
    page.screenshot(path=artifact_path("admin-editor-csp.png"), full_page=True)

    # An edit saved as draft goes through: the admin's scripts ran.
    page.locator("#id_title").fill("Border monitoring equipment maintenance")
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_load_state()
    practice.refresh_from_db()
    assert practice.get_latest_revision().as_object().title == (
        "Border monitoring equipment maintenance"
    )
    assert not errors, errors
    context.close()
