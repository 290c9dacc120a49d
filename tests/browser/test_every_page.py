"""Every key page of every role, at 1366 and 390 px: nothing wider than the screen,
zero axe-core findings, and a screenshot of each kept under test-artifacts/
(`<role>-<page>-<width>.png`). The admin's edit forms, the account, audit, vetting,
invitation, progress-editing and notification pages are among them."""

from __future__ import annotations

import pytest

from tests.browser.conftest import fits_both_widths, signed_in_context
from tests.roles import people_of_every_role

pytestmark = pytest.mark.browser


def key_pages(objects) -> dict[str, dict[str, str]]:
    """{role: {page name: path}}; "visitor" is signed out."""
    published = objects["published"]
    return {
        "visitor": {
            "home": "/",
            "good-practices": "/good-practices/",
            "good-practice": published.url,
            "states": "/states/",
            "state": "/states/nl/",
            "events": "/events/",
            "progress": "/progress/",
            "state-progress": "/progress/NL/",
            "search": "/search/?q=transport+security",
            "sign-in": "/accounts/login/",
            "password-reset": "/accounts/password-reset/",
        },
        "editor": {
            "home": "/my/",
            "account": "/account/",
            "progress-editing": "/progress/manage/",
            "admin": "/admin/",
            "admin-edit": f"/admin/pages/{objects['draft'].pk}/edit/",
        },
        "focal-point": {
            "home": "/my/",
            "invitations": "/accounts/invitations/",
            "vetting-approvals": "/accounts/vetting/approvals/",
            "progress-editing": "/progress/manage/",
        },
        "secretariat": {
            "home": "/my/",
            "vetting": "/accounts/vetting/",
            "vetting-edit": f"/accounts/vetting/{objects['soon'].pk}/",
            "rooms-manage": "/coordination/manage/",
            "admin": "/admin/",
            "admin-review": f"/admin/pages/{objects['submitted'].pk}/edit/",
        },
        "expert": {
            "home": "/my/",
            "exchange": "/exchange/",
            "document": objects["document"].get_absolute_url(),
            "share": "/exchange/new/",
            "rooms": "/coordination/",
            "room": f"/coordination/rooms/{objects['room'].pk}/",
            "notifications": "/notifications/",
            "account": "/account/",
        },
        "security-officer": {
            "home": "/my/",
            "audit": "/audit/",
            "chain-check": "/audit/verify/",
        },
    }


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_every_key_page_of_every_role_fits_and_passes_axe(live_server, browser):
    base = live_server.url
    people = people_of_every_role()
    failures = []
    for role, pages in key_pages(people["objects"]).items():
        if role == "visitor":
            context = browser.new_context()
        else:
            context = signed_in_context(browser, base, people[role])
        page = context.new_page()
        for name, path in pages.items():
            page.goto(base + path)
            try:
                fits_both_widths(page, f"{role}-{name}", ready="body")
            except AssertionError as failure:
                failures.append(f"{role} {path}: {str(failure)[:1500]}")
        context.close()
    assert failures == [], "\n\n".join(failures)
