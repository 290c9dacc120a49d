"""The side-by-side page of a public release in Chromium: the restricted source
beside the draft at both widths, zero axe-core findings, a draft saved through it."""

from __future__ import annotations

import pytest

from exchange import actions
from exchange.models import PublicRelease
from portal.accounts.roles import Role
from practices.actions import ensure_site_structure
from practices.management.commands.load_demo import Command
from tests.browser.conftest import fits_both_widths, signed_in_context
from tests.exchange.conftest import make_expert, share

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_side_by_side_page_fits_both_widths_and_passes_axe(live_server, browser):
    ensure_site_structure(Command().ensure_home_page(), iso_codes=["NL"])
    focal = make_expert("NL", roles=[Role.FOCAL_POINT])
    document = share(
        focal,
        title="Insider threat lessons from a long exercise with several partners",
        description="What the exercise showed about badge sharing at the gate.",
        handling_note="Experts of the partner States only.",
    )
    release = actions.prepare_public_practice(document, by=focal)
    context = signed_in_context(browser, live_server.url, focal)
    page = context.new_page()
    page.goto(live_server.url + release.get_absolute_url())
    page.get_by_role("heading", name="Restricted source").wait_for()
    assert page.get_by_text(document.description).is_visible()
    fits_both_widths(page, "public-release", ready=".release-layout")

    page.set_viewport_size({"width": 1366, "height": 900})
    page.get_by_label("Title of the good practice").fill("Badges are never shared")
    page.get_by_label("Summary").fill("Guards check every badge against its holder.")
    page.get_by_label("Text").fill("Gate guards compare the photo.\n\nEvery time.")
    page.get_by_role("button", name="Save the draft").click()
    page.get_by_text("The draft is saved.").wait_for()
    draft = PublicRelease.objects.get(
        pk=release.pk
    ).page.specific.get_latest_revision_as_object()
    assert draft.title == "Badges are never shared"
    # An invalid draft says why, next to the field, and passes axe too.
    page.get_by_label("Title of the good practice").fill("")
    page.get_by_role("button", name="Save the draft").click()
    page.get_by_text("Give the good practice a title.").wait_for()
    from tests.browser.test_practices_pages import assert_accessible

    assert_accessible(page, "public-release-invalid")
    context.close()
