"""An expert shares a document by typing part of a colleague's name and choosing
them with the keyboard; a colleague not cleared for the tier is greyed out; the
page passes axe-core with the suggestions open and after. Without the script the
same field is a plain multi-select that still shares."""

from __future__ import annotations

import pytest

from exchange.models import Document
from portal.accounts.roles import Role
from tests.browser.conftest import choose_by_name, fits_both_widths, signed_in_context
from tests.browser.test_practices_pages import assert_accessible, shoot
from tests.exchange.conftest import make_expert
from tests.support import served_test_portal

pytestmark = pytest.mark.browser

TITLE = "Insider threat programme review"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_expert_shares_a_document_by_picking_a_colleague_by_name(browser):
    owner = make_expert(
        "NL", first_name="Anna", last_name="Bakker", roles=(Role.VETTED_EXPERT,)
    )
    colleague = make_expert(
        "DE", clearance="confidential", first_name="Jonas", last_name="Schmidt"
    )
    junior = make_expert(
        "DE", clearance="restricted", first_name="Jonas", last_name="Weber"
    )
    with served_test_portal(log_name="sharing-by-name-server.log") as server:
        context = signed_in_context(browser, server.url, owner)
        page = context.new_page()
        page.goto(f"{server.url}/exchange/new/")
        page.get_by_label("Title").fill(TITLE)
        page.locator("#id_tier").select_option("confidential")
        page.get_by_label("File").set_input_files(
            {"name": "review.txt", "mimeType": "text/plain", "buffer": b"notes\n"}
        )
        combobox = page.get_by_role("combobox", name="Share with named experts")
        combobox.fill("jon")
        listbox = page.get_by_role("listbox")
        weber = listbox.get_by_role("option").filter(has_text="Jonas Weber")
        weber.wait_for()
        # Not cleared for confidential: shown, greyed out, and refused if chosen.
        assert weber.get_attribute("aria-disabled") == "true"
        assert "cannot see confidential" in weber.inner_text()
        schmidt = listbox.get_by_role("option").filter(has_text="Jonas Schmidt")
        assert "Germany" in schmidt.inner_text()
        assert schmidt.get_attribute("aria-disabled") is None
        assert combobox.get_attribute("aria-expanded") == "true"
        assert_accessible(page, "sharing-by-name-suggestions")
        page.keyboard.press("Escape")
        assert combobox.get_attribute("aria-expanded") == "false"

        choose_by_name(page, "Share with named experts", "schm", "Jonas Schmidt")
        assert page.get_by_role("button", name="Remove Jonas Schmidt").is_visible()
        assert page.get_by_role("status").filter(has_text="Jonas Schmidt added.")
        # The colleague's address appears nowhere on the page.
        assert colleague.email not in page.content()
        assert_accessible(page, "sharing-by-name-chosen")
        shoot(page, "sharing-by-name")

        page.get_by_role("button", name="Share", exact=True).click()
        page.wait_for_url("**/exchange/*/")
        assert page.locator("h1").inner_text() == TITLE
        named = page.locator("dt:has-text('Named experts') + dd")
        assert named.inner_text() == "Jonas Schmidt"
        context.close()

        document = Document.objects.get(title=TITLE)
        assert list(document.shared_users.all()) == [colleague]
        assert junior not in document.shared_users.all()

        # Without the script: a labelled multi-select that shares all the same.
        # (Nothing is evaluated in this page: with scripts off it would never answer.)
        context = signed_in_context(
            browser, server.url, owner, java_script_enabled=False
        )
        page = context.new_page()
        page.goto(f"{server.url}/exchange/{document.pk}/sharing/")
        assert (
            page.get_by_role("combobox", name="Share with named experts").count() == 0
        )
        select = page.get_by_role("listbox", name="Share with named experts")
        select.select_option(label="Jonas Weber (Germany)")
        page.locator("#id_tier").select_option("restricted")
        # Lowering the tier needs its reason.
        page.get_by_label("Why the tier is lowered").fill(
            "Jonas Weber is cleared for restricted only."
        )
        shoot(page, "sharing-by-name-without-script")
        page.get_by_role("button", name="Save sharing").click()
        page.wait_for_url(f"**/exchange/{document.pk}/")
        context.close()
        assert list(document.shared_users.all()) == [junior]

        # The directory the names come from: both widths, axe-core, no address.
        context = signed_in_context(browser, server.url, owner)
        page = context.new_page()
        page.goto(f"{server.url}/people/")
        assert page.get_by_role("row").filter(has_text="Jonas Schmidt").count() == 1
        assert colleague.email not in page.content()
        fits_both_widths(page, "people-directory")
        page.goto(f"{server.url}/account/directory-entry/")
        fits_both_widths(page, "people-directory-entry")
        context.close()
