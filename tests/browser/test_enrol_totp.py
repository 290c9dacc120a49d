"""An expert signs in, enrols an authenticator in Chromium, and reaches a page that
requires a verified session."""

from __future__ import annotations

from django.utils import timezone

import pytest
from axe_playwright_python.sync_playwright import Axe

from portal.accounts.roles import Role
from tests.portal.identity import PASSWORD, code_from_secret, make_user, vet
from tests.support import artifact_path

pytestmark = pytest.mark.browser


def _serious_violations(page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']}: {v['help']}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_expert_enrols_totp_and_reaches_a_verified_page(
    live_server, page, time_machine
):
    # The live server runs in this process, so the moved clock is the server's too.
    time_machine.move_to(timezone.now(), tick=True)
    secretariat = make_user("sec@example.org", Role.SECRETARIAT, state=None)
    expert = make_user("expert@example.org", state="NL")
    vet(expert, secretariat, tier="confidential")

    page.goto(live_server.url + "/account/")
    assert "/accounts/login/" in page.url
    assert _serious_violations(page) == []
    page.get_by_label("Email address").fill(expert.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.wait_for_url("**/account/two-factor/enrol/**")
    assert page.locator(".qr svg").count() == 1
    page.screenshot(path=artifact_path("enrol-totp.png"), full_page=True)
    assert _serious_violations(page) == []
    secret = page.locator("#totp-secret").inner_text()

    page.get_by_label("Code from your app").fill("000000")
    page.get_by_role("button", name="Activate").click()
    assert "That code is not right" in page.locator(".errorlist").inner_text()
    time_machine.shift(1.1)  # django-otp's throttle after one failure

    page.get_by_label("Code from your app").fill(code_from_secret(secret))
    page.get_by_role("button", name="Activate").click()
    page.wait_for_url(live_server.url + "/account/")
    assert page.locator("h1").inner_text() == "Your account"
    assert "Vetted until" in page.content()
    assert "Authenticator app" in page.content()
    page.screenshot(path=artifact_path("account-verified.png"), full_page=True)
    assert _serious_violations(page) == []
