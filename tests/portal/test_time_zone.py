"""Each person reads times in a zone of their choice, UTC unless they chose one."""

from __future__ import annotations

import datetime

from django.utils import timezone

from wagtail.users.models import UserProfile

import pytest
import time_machine

from portal.accounts.roles import Role
from portal.audit.actions import record
from portal.audit.models import AuditEvent
from tests.portal.identity import make_user
from tests.support import login_verified

pytestmark = pytest.mark.django_db

MOMENT = datetime.datetime(2026, 12, 2, 6, 1, 18, tzinfo=datetime.UTC)


def test_times_are_in_utc_until_a_zone_is_chosen_then_in_that_zone(client):
    officer = make_user("officer@example.org", Role.SECURITY_OFFICER, state=None)
    assert officer.time_zone == "UTC"
    with time_machine.travel(MOMENT, tick=False):
        record("test.dated")
    login_verified(client, officer)
    page = client.get("/audit/", {"action": "test.dated"}).content.decode()
    assert "2 December 2026, 06:01 UTC" in page

    response = client.post("/account/time-zone/", {"time_zone": "Asia/Tokyo"})
    assert response.status_code == 302
    officer.refresh_from_db()
    assert officer.time_zone == "Asia/Tokyo"
    page = client.get("/audit/", {"action": "test.dated"}).content.decode()
    # 15:01 in Tokyo, named by its abbreviation, 24-hour.
    assert "2 December 2026, 15:01 JST" in page
    assert "06:01 UTC" not in page
    # The admin, which keeps its own profile's zone, follows.
    assert UserProfile.get_for_user(officer).get_current_time_zone() == "Asia/Tokyo"
    event = AuditEvent.objects.filter(action="account.time_zone_changed").get()
    assert event.details == {"from": "UTC", "to": "Asia/Tokyo"}


def test_the_account_page_offers_the_zones_with_the_current_one_chosen(client):
    person = make_user("person@example.org")
    login_verified(client, person)
    page = client.get("/account/").content.decode()
    assert '<option value="UTC" selected>UTC</option>' in page
    assert '<option value="Europe/Vienna">Europe/Vienna</option>' in page


def test_an_unknown_zone_is_refused_and_the_previous_one_kept(client):
    person = make_user("person@example.org")
    login_verified(client, person)
    client.post("/account/time-zone/", {"time_zone": "Europe/Vienna"})
    response = client.post(
        "/account/time-zone/", {"time_zone": "Mars/Olympus"}, follow=True
    )
    assert "Choose a time zone from the list." in response.content.decode()
    person.refresh_from_db()
    assert person.time_zone == "Europe/Vienna"


def test_visitors_read_utc_whatever_the_last_person_chose(client):
    person = make_user("person@example.org")
    login_verified(client, person)
    client.post("/account/time-zone/", {"time_zone": "America/New_York"})
    # The zone is the request's only: none is left active once it is answered.
    assert timezone.get_current_timezone_name() == "UTC"
