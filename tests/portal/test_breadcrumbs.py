"""Every page of the portal's own says where it is: Home, its section, the page."""

from __future__ import annotations

import re

import pytest

from portal.accounts.roles import Role
from tests.coordination.helpers import default_room, make_group
from tests.coordination.helpers import make_user as make_member
from tests.exchange.conftest import make_expert, share
from tests.portal.identity import make_user
from tests.support import login_verified

pytestmark = pytest.mark.django_db


def trail(response) -> list[tuple[str, str]]:
    """(href or "", label) of each crumb; the current page has no href."""
    assert response.status_code == 200
    nav = re.search(
        r'<nav class="breadcrumbs" aria-label="Breadcrumb">(.*?)</nav>',
        response.content.decode(),
        re.S,
    )
    assert nav is not None, "no breadcrumbs"
    return [
        (href or "", label)
        for href, label in re.findall(
            r'<li>(?:<a href="([^"]+)">|<span aria-current="page">)([^<]+)<',
            nav.group(1),
        )
    ]


def test_the_account_pages(client):
    person = make_user("person@example.org")
    login_verified(client, person)
    assert trail(client.get("/account/")) == [
        ("/", "Home"),
        ("/my/", "My portal"),
        ("", "Your account"),
    ]
    assert trail(client.get("/account/two-factor/backup-codes/"))[-2:] == [
        ("/account/", "Your account"),
        ("", "Backup codes"),
    ]


def test_the_audit_trail_and_search(client):
    officer = make_user("officer@example.org", Role.SECURITY_OFFICER, state=None)
    login_verified(client, officer)
    assert trail(client.get("/audit/")) == [("/", "Home"), ("", "Audit trail")]
    assert trail(client.get("/search/", {"q": "security"})) == [
        ("/", "Home"),
        ("", "Search"),
    ]


def test_the_exchange_a_document_and_its_sharing(client):
    expert = make_expert()
    document = share(expert, title="Cross-border transfer notes")
    login_verified(client, expert)
    assert trail(client.get("/exchange/")) == [
        ("/", "Home"),
        ("", "Restricted exchange"),
    ]
    assert trail(client.get(f"/exchange/{document.pk}/")) == [
        ("/", "Home"),
        ("/exchange/", "Restricted exchange"),
        ("", "Cross-border transfer notes"),
    ]
    assert trail(client.get(f"/exchange/{document.pk}/sharing/")) == [
        ("/", "Home"),
        ("/exchange/", "Restricted exchange"),
        (f"/exchange/{document.pk}/", "Cross-border transfer notes"),
        ("", "Sharing"),
    ]


def test_the_rooms_and_notifications(client):
    alice, bob = make_member("alice"), make_member("bob")
    room = default_room(make_group(alice, bob))
    login_verified(client, alice)
    assert trail(client.get("/coordination/")) == [("/", "Home"), ("", "Coordination")]
    crumbs = trail(client.get(f"/coordination/rooms/{room.pk}/"))
    assert crumbs[:2] == [("/", "Home"), ("/coordination/", "Coordination")]
    assert crumbs[2] == ("", str(room))
    assert trail(client.get("/notifications/")) == [
        ("/", "Home"),
        ("", "Notifications"),
    ]
