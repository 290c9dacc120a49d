"""The focal point's receipts page (with a period that is not valid too) and the
security officer's verification page with its checkpoint: both widths, axe-core."""

from __future__ import annotations

import pytest

from portal.accounts.roles import Role
from portal.audit.actions import record, sign_checkpoint
from practices.management.commands.load_demo import Command
from tests.browser.conftest import fits_both_widths, signed_in_context
from tests.portal.identity import make_user

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_receipt_pages_fit_the_screen_and_pass_axe(live_server, browser):
    Command().ensure_home_page()
    base = live_server.url
    focal = make_user("focal@nl.example", Role.FOCAL_POINT)
    officer = make_user("officer@example.org", Role.SECURITY_OFFICER, state=None)
    record("test.event")
    sign_checkpoint()

    context = signed_in_context(browser, base, focal)
    page = context.new_page()
    page.goto(base + "/my/")
    page.get_by_role("link", name="Your State's access receipts").click()
    assert page.locator("h1").inner_text() == "Access receipts of Netherlands" or (
        page.locator("h1").inner_text() == "Access receipts of the Netherlands"
    )
    fits_both_widths(page, "state-receipts")
    page.get_by_label("From").fill("2026-11-02")
    page.get_by_label("To").fill("2026-11-01")
    page.get_by_role("button", name="Download the receipt bundle (JSON)").click()
    assert "The period ends before it starts" in page.locator("main").inner_text()
    fits_both_widths(page, "state-receipts-invalid")
    context.close()

    context = signed_in_context(browser, base, officer)
    page = context.new_page()
    page.goto(base + "/audit/verify/")
    assert "1 signed checkpoint checked" in page.locator("main").inner_text()
    page.get_by_role("button", name="Sign a checkpoint now").click()
    assert "Checkpoint signed at row #" in page.locator("main").inner_text()
    fits_both_widths(page, "audit-verify-checkpoint")
    context.close()
