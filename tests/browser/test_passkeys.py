"""A person adds a passkey (Chromium's virtual authenticator) and signs in with it as
the second factor."""

from __future__ import annotations

import pytest

from portal.audit.models import AuditEvent
from tests.portal.identity import PASSWORD, make_totp, make_user, totp_code
from tests.support import artifact_path

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_passkey_is_registered_and_verifies_a_session(live_server, page, settings):
    base = live_server.url.replace("127.0.0.1", "localhost")
    settings.OTP_WEBAUTHN_RP_ID = "localhost"
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [base]
    user = make_user("passkey@example.org")
    device = make_totp(user)

    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )

    def sign_in():
        page.goto(base + "/accounts/login/?next=/account/")
        page.get_by_label("Email address").fill(user.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/account/two-factor/verify/**")

    sign_in()
    page.get_by_label("Code", exact=True).fill(totp_code(device))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url(base + "/account/")

    page.get_by_role("button", name="Add a passkey").click()
    page.wait_for_selector("text=(passkey)", timeout=15_000)
    assert AuditEvent.objects.filter(
        action="otp.device_enrolled", details__kind="webauthn", outcome="success"
    ).exists()

    page.get_by_role("button", name="Sign out", exact=True).click()
    sign_in()
    page.screenshot(path=artifact_path("verify-with-passkey.png"), full_page=True)
    page.get_by_role("button", name="Use a passkey").click()
    page.wait_for_url(base + "/account/", timeout=15_000)
    assert page.locator("h1").inner_text() == "Your account"
    assert AuditEvent.objects.filter(
        action="otp.verify", details__kind="webauthn", outcome="success"
    ).exists()
