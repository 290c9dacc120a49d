"""A person who forgot their password asks for a link in Chromium, reads the mail
from the SMTP server, sets a new password, gives their second factor, and is in."""

from __future__ import annotations

import re

import pytest

from portal.accounts.roles import Role
from portal.mail.queue import drain
from tests.browser.test_practices_pages import assert_accessible, shoot
from tests.portal.identity import make_totp, make_user, totp_code, vet
from tests.smtp import html_of, text_of

pytestmark = pytest.mark.browser

NEW_PASSWORD = "a-lighthouse-over-gravel-roads"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_forgotten_password_to_a_verified_session_through_the_mail_server(
    live_server, page, smtp_server
):
    secretariat = make_user("sec@example.org", Role.SECRETARIAT, state=None)
    expert = make_user("forgetful@example.org", state="NL")
    vet(expert, secretariat, tier="confidential")
    device = make_totp(expert)
    drain()
    smtp_server.received.clear()

    page.goto(live_server.url + "/accounts/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    page.wait_for_url("**/accounts/password-reset/")
    assert_accessible(page, "password-reset-request")
    page.get_by_label("Email address").fill(expert.email)
    page.get_by_role("button", name="Send the link").click()
    page.get_by_text("If an account exists for that address").wait_for()
    assert smtp_server.messages == []  # queued: the worker sends it

    assert drain() == 1
    (mail,) = smtp_server.messages
    assert mail["To"] == expert.email
    assert mail["Subject"].startswith("Reset your password")
    assert mail.get_body(preferencelist=("html",)) is not None
    link = re.search(r"http://\S+/accounts/password-reset/\S+/", text_of(mail)).group(0)
    assert link.startswith(live_server.url)
    assert f'href="{link}"' in html_of(mail)

    page.goto(link)
    page.wait_for_url("**/set-password/")
    assert_accessible(page, "password-reset-choose")
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set the new password").click()

    page.wait_for_url("**/accounts/login/")
    assert "Sign in with it, then give your second factor" in page.content()
    page.get_by_label("Email address").fill(expert.email)
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.wait_for_url("**/account/two-factor/verify/**")
    assert_accessible(page, "password-reset-verify")
    page.get_by_label("Code", exact=True).fill(totp_code(device))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url(live_server.url + "/my/")
    assert page.locator("h1").first.is_visible()
    page.goto(live_server.url + "/account/")
    assert page.locator("h1").inner_text() == "Your account"
    assert expert.email in page.content()
    shoot(page, "password-reset-signed-in")
    assert_accessible(page, "account-with-mail-choices")

    # The owner is told the password changed (security mail: no unsubscribe).
    drain()
    changed = smtp_server.messages[-1]
    assert changed["Subject"].startswith("Your password was changed")
    assert changed["List-Unsubscribe"] is None
