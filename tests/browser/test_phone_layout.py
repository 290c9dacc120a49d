"""The signed-in pages and a good practice hold on a phone and on a desktop: no
sideways scrolling at 390 or 1366 px, tables read as stacked summaries under 600 px,
the header folds into a menu, zero axe-core findings, a screenshot of each kept."""

from __future__ import annotations

import pytest

from exchange.actions import change_partner_group
from exchange.coordination import actions as coordination
from exchange.coordination.models import Room
from exchange.models import PartnerGroup
from exchange.policy import viewer_for_user
from portal.accounts.roles import Role
from portal.audit.actions import record
from practices.actions import ensure_site_structure
from practices.management.commands.load_demo import Command
from tests.browser.conftest import fits_both_widths, signed_in_context
from tests.browser.test_practices_pages import assert_accessible, shoot
from tests.exchange.conftest import share, text_upload
from tests.portal.identity import make_user, vet
from tests.practices import factories
from tests.support import free_port, served_test_portal

pytestmark = pytest.mark.browser

PHONE = 390


def _content():
    home = Command().ensure_home_page()
    ensure_site_structure(home, iso_codes=["NL", "FI", "FR"])
    practice = factories.good_practice(
        "NL",
        title="Securing radioactive sources in transit across several borders",
        commitments=["2a", "4"],
        actions=[5],
        documents=["nss-13"],
        topics=["threat assessment", "transport security"],
        other_states=["FI", "FR"],
    )
    secretariat = make_user("sec@example.org", Role.SECRETARIAT, state=None)
    officer = make_user("officer@example.org", Role.SECURITY_OFFICER, state=None)
    expert = vet(make_user("expert@nl.example", Role.VETTED_EXPERT), secretariat)
    colleague = vet(make_user("colleague@nl.example", Role.VETTED_EXPERT), secretariat)
    group = PartnerGroup.objects.create(name="Transport security", slug="transport")
    change_partner_group(group, add_members=[expert, colleague], by=None)
    room = Room.objects.get(group=group, is_default=True)
    document = share(
        expert,
        title="Border monitoring lessons from a long exercise with several partners",
        upload=text_upload(
            name="border-monitoring-lessons-from-a-long-exercise-2026-final.txt"
        ),
        handling_note="Share only within the partner group; do not forward.",
    )
    coordination.post_message(
        viewer_for_user(colleague, verified=True),
        room.pk,
        "The report is shared: https://portal.example.org/exchange/documents/"
        "border-monitoring-lessons-from-a-long-exercise",
    )
    record(
        "exchange.document.downloaded",
        target=document,
        details={
            "download_id": "d" * 32,
            "sha256": "0123456789abcdef" * 4,
            "tier": "restricted",
            "version": 1,
        },
    )
    return {
        "practice": practice.url,
        "expert": expert,
        "officer": officer,
        "document": document.get_absolute_url(),
        "room": f"/coordination/rooms/{room.pk}/",
    }


def _check(page, name: str, *, ready: str = "main") -> None:
    fits_both_widths(page, f"layout-{name}", ready=ready)


def _assert_tables_stack(page, name: str) -> None:
    """Under 600 px each row is a block whose cells name their column."""
    page.set_viewport_size({"width": PHONE, "height": 844})
    page.reload()
    tables = page.locator("table.stack-table")
    assert tables.count() >= 1, name
    for index in range(tables.count()):
        table = tables.nth(index)
        assert table.evaluate(
            "t => getComputedStyle(t.tBodies[0].rows[0]).display"
        ) == ("block"), name
        label = table.evaluate(
            "t => getComputedStyle(t.tBodies[0].rows[0].cells[1], '::before').content"
        )
        assert label not in ("none", "normal", '""'), (name, label)


def _assert_menu_folds(page) -> None:
    """On a phone the header is the brand and a Menu button; the button opens it."""
    page.set_viewport_size({"width": PHONE, "height": 844})
    page.reload()
    toggle = page.get_by_role("button", name="Menu")
    main_nav = page.locator("nav[aria-label=Main]")
    assert toggle.is_visible()
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not main_nav.is_visible()
    folded = page.locator(".site-header").bounding_box()["height"]
    # The classification banner rides in the header of restricted pages.
    banner = page.locator(".site-header .classification")
    if banner.count():
        folded -= banner.first.bounding_box()["height"]
    assert folded < 844 / 4, folded
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert main_nav.is_visible()
    assert page.get_by_role("search").is_visible()
    assert_accessible(page, "layout-menu-open-390")
    shoot(page, "layout-menu-open-390")
    toggle.click()
    assert not main_nav.is_visible()
    page.set_viewport_size({"width": 1366, "height": 844})
    assert not toggle.is_visible()
    assert main_nav.is_visible()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_key_pages_fit_a_phone_and_a_desktop(live_server, browser):
    base = live_server.url
    content = _content()

    visitor = browser.new_context()
    page = visitor.new_page()
    page.goto(base + content["practice"])
    _check(page, "good-practice")
    visitor.close()

    context = signed_in_context(browser, base, content["expert"])
    page = context.new_page()
    page.goto(base + "/exchange/")
    _check(page, "exchange-list")
    _assert_tables_stack(page, "exchange-list")
    _assert_menu_folds(page)
    page.goto(base + content["document"])
    _check(page, "document")
    _assert_tables_stack(page, "document")
    context.close()

    # A room's messages come over its WebSocket: the real ASGI server serves it.
    port = free_port()
    served = f"http://127.0.0.1:{port}"
    with served_test_portal(port=port, log_name="phone-layout-server.log"):
        context = signed_in_context(browser, served, content["expert"])
        page = context.new_page()
        page.goto(served + content["room"])
        _check(page, "room", ready=".chat-msg")
        context.close()

    context = signed_in_context(browser, base, content["officer"])
    page = context.new_page()
    page.goto(base + "/audit/")
    _check(page, "audit-list")
    _assert_tables_stack(page, "audit-list")
    context.close()
