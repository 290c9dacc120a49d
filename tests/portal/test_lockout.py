"""Lockout counts failures per account and per address, never for everyone at once."""

from __future__ import annotations

import datetime

from django.test import Client

import pytest
import time_machine
from axes.models import AccessAttempt

from tests.portal.identity import make_user, sign_in

pytestmark = pytest.mark.django_db


def client_from(address: str) -> Client:
    return Client(REMOTE_ADDR=address)


def test_wrong_passwords_from_many_addresses_lock_that_account(settings):
    settings.AXES_FAILURE_LIMIT = 5
    target = make_user("target@example.org")
    for number in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client_from(f"198.51.100.{number + 1}"), target.email, "wrong-pass-x")

    # Every failure was stored under the account's name, not an empty one.
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {
        target.email
    }
    # The right password from an address never seen before is refused.
    locked = sign_in(client_from("203.0.113.77"), target.email)
    assert locked.status_code == 429


def test_an_unrelated_account_is_unaffected_by_another_accounts_lock(settings):
    settings.AXES_FAILURE_LIMIT = 5
    target = make_user("target@example.org")
    bystander = make_user("bystander@example.org")
    for number in range(settings.AXES_FAILURE_LIMIT + 3):
        sign_in(client_from(f"198.51.100.{number + 1}"), target.email, "wrong-pass-x")

    # A failed attempt of someone else, from elsewhere, is just a failure (200,
    # the form again), not a lockout...
    failed = sign_in(client_from("203.0.113.5"), bystander.email, "typo-password")
    assert failed.status_code == 200
    # ... and the right password signs them in.
    response = sign_in(client_from("203.0.113.6"), bystander.email)
    assert response.status_code == 302
    assert "_auth_user_id" in response.client.session


def test_the_lock_lifts_after_the_cool_off(settings):
    settings.AXES_FAILURE_LIMIT = 5
    target = make_user("target@example.org")
    start = datetime.datetime(2026, 12, 2, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False) as clock:
        for number in range(settings.AXES_FAILURE_LIMIT):
            sign_in(
                client_from(f"198.51.100.{number + 1}"), target.email, "wrong-pass-x"
            )
        assert sign_in(client_from("203.0.113.9"), target.email).status_code == 429
        clock.shift(datetime.timedelta(hours=1, minutes=1))
        response = sign_in(client_from("203.0.113.9"), target.email)
        assert response.status_code == 302


def test_wagtails_own_sign_in_form_sends_people_to_the_portals(settings):
    target = make_user("wagtail-form@example.org")
    client = Client()
    shown = client.get("/_util/login/?next=/exchange/")
    assert shown.status_code == 302
    assert shown["Location"] == "/accounts/login/?next=/exchange/"
    # A right password posted there signs nobody in.
    posted = client.post(
        "/_util/login/",
        {"username": target.email, "password": "correct-horse-battery-staple"},
    )
    assert posted.status_code == 302
    assert "_auth_user_id" not in client.session
