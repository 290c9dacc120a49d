"""The verification page offers the "Backup code" choice it speaks of, or says
why it cannot."""

from __future__ import annotations

import re

import pytest

from portal.accounts import actions
from tests.portal.identity import make_totp, make_user, sign_in, verify_with

pytestmark = pytest.mark.django_db

HINT = 'Choose "Backup code" above'


def choices(html: str) -> list[str]:
    return [
        label.strip()
        for label in re.findall(
            r'<input type="radio" name="device"[^>]*>\s*<label[^>]*>([^<]+)</label>',
            html,
        )
    ]


def test_with_backup_codes_the_choice_is_offered_and_works(client):
    user = make_user("codes@example.org")
    make_totp(user)
    codes = actions.regenerate_backup_codes(user)
    sign_in(client, user.email)
    html = client.get("/account/two-factor/verify/").content.decode()
    assert "Backup code (10 left)" in choices(html)
    assert HINT in html
    backup = user.staticdevice_set.get(name="Backup codes")
    assert verify_with(client, backup, codes[0]).status_code == 302


def test_without_backup_codes_the_page_does_not_promise_the_choice(client):
    user = make_user("app-only@example.org")
    make_totp(user)
    sign_in(client, user.email)
    html = client.get("/account/two-factor/verify/").content.decode()
    assert not any(label.startswith("Backup code") for label in choices(html))
    assert HINT not in html
    assert "You have no backup codes left" in html


def test_with_every_backup_code_used_the_page_says_so(client):
    user = make_user("used-up@example.org")
    make_totp(user)
    actions.regenerate_backup_codes(user)
    user.staticdevice_set.get(name="Backup codes").token_set.all().delete()
    sign_in(client, user.email)
    html = client.get("/account/two-factor/verify/").content.decode()
    assert HINT not in html
    assert "You have no backup codes left" in html
