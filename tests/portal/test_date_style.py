"""Every page writes dates one way: "2 December 2026", and "06:01 UTC" for a time."""

from __future__ import annotations

import datetime
import html as html_lib
import re

from django.utils.formats import date_format

import pytest
import time_machine

from exchange.coordination import actions as coordination
from exchange.policy import viewer_for_user
from portal.accounts.roles import Role
from portal.accounts.vetting import send_vetting_reminders
from portal.audit.actions import record
from tests.coordination.helpers import default_room, make_group
from tests.coordination.helpers import make_user as make_member
from tests.exchange.conftest import make_expert, share
from tests.portal.identity import make_user
from tests.practices.conftest import site  # noqa: F401 (a fixture)
from tests.practices.factories import good_practice
from tests.support import login_verified

pytestmark = pytest.mark.django_db

MOMENT = datetime.datetime(2026, 12, 2, 6, 1, 18, tzinfo=datetime.UTC)
DATE = "2 December 2026"
DATETIME = "2 December 2026, 06:01 UTC"
# The styles the portal used to mix, as a reader would see them.
OLD_STYLES = {
    "abbreviated month": re.compile(
        r"\b\d{1,2} (Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b"
    ),
    "month first": re.compile(r"\b(Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\.? \d"),
    "a.m./p.m.": re.compile(r"\b[ap]\.m\.", re.IGNORECASE),
    "AM/PM": re.compile(r"\d\s?[AP]M\b"),
    "ISO with seconds": re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}"),
}


def visible_text(response) -> str:
    """What a reader sees: no tags, attributes (machine dates), scripts or styles."""
    page = response.content.decode()
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.DOTALL)
    return html_lib.unescape(re.sub(r"<[^>]+>", " ", page))


def assert_one_style(text: str, *expected: str) -> None:
    for value in expected:
        assert value in text
    for name, pattern in OLD_STYLES.items():
        found = pattern.search(text)
        assert found is None, f"{name} style on the page: {found.group(0)!r}"


def test_the_formats_are_the_portals():
    assert date_format(MOMENT.date()) == DATE
    assert date_format(MOMENT, "DATETIME_FORMAT") == DATETIME
    assert date_format(MOMENT, "SHORT_DATETIME_FORMAT") == DATETIME
    assert date_format(MOMENT, "TIME_FORMAT") == "06:01 UTC"


def test_a_good_practice_page(site, client):  # noqa: F811
    page = good_practice("NL", date=MOMENT.date())
    response = client.get(page.url)
    assert response.status_code == 200
    assert_one_style(visible_text(response), DATE)
    assert 'datetime="2026-12-02"' in response.content.decode()


def test_the_exchange_list_and_a_document_page(client):
    expert = make_expert()
    with time_machine.travel(MOMENT, tick=False):
        document = share(expert, title="Cross-border transfer notes")
    login_verified(client, expert)
    listing = client.get("/exchange/")
    assert listing.status_code == 200
    assert_one_style(visible_text(listing), DATE)
    detail = client.get(f"/exchange/{document.pk}/")
    assert detail.status_code == 200
    assert_one_style(visible_text(detail), DATETIME)


def test_the_audit_list(client):
    officer = make_user("officer@example.org", Role.SECURITY_OFFICER, state=None)
    with time_machine.travel(MOMENT, tick=False):
        record("test.dated")
    login_verified(client, officer)
    response = client.get("/audit/", {"action": "test.dated"})
    assert response.status_code == 200
    assert_one_style(visible_text(response), DATETIME)


def test_a_room_labels_its_messages_in_the_portals_style(client):
    alice, bob = make_member("alice"), make_member("bob")
    room = default_room(make_group(alice, bob))
    with time_machine.travel(MOMENT, tick=False):
        coordination.post_message(viewer_for_user(bob, verified=True), room.pk, "hi")
    login_verified(client, alice)
    page = client.get(f"/coordination/rooms/{room.pk}/")
    assert page.status_code == 200
    assert_one_style(visible_text(page))
    history = client.get(f"/coordination/rooms/{room.pk}/messages").json()
    assert [m["created_label"] for m in history["messages"]] == [DATETIME]
    notifications = client.get("/notifications/")
    assert_one_style(visible_text(notifications))


def test_the_vetting_reminder_mail(mailoutbox):
    with time_machine.travel(datetime.date(2026, 11, 2), tick=False):
        expert = make_member("expert")  # vetted for 30 days: until 2 December
    assert expert.vetted_until == MOMENT.date()
    send_vetting_reminders(today=datetime.date(2026, 11, 20))
    (mail,) = mailoutbox
    assert "Your vetting ends after 2 December 2026" in mail.body
