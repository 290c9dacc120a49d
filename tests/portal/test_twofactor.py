"""Sign-in with a second factor: enrolment, verification, backup codes, step-up."""

from __future__ import annotations

import datetime
import time

from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

import pytest
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice

from portal.accounts import actions
from portal.accounts.roles import Role
from portal.accounts.stepup import (
    SESSION_STARTED_AT_KEY,
    SESSION_TOUCHED_AT_KEY,
    VERIFIED_AT_SESSION_KEY,
)
from portal.audit.models import AuditEvent
from tests.portal.identity import (
    code_from_secret,
    make_totp,
    make_user,
    secret_from_page,
    sign_in,
    totp_code,
    verify_with,
)
from tests.support import login_verified

pytestmark = pytest.mark.django_db


def test_person_without_device_is_sent_to_enrolment_and_activates_with_a_code(
    client, time_machine
):
    time_machine.move_to(timezone.now(), tick=True)
    expert = make_user("expert@example.org", Role.VETTED_EXPERT)
    response = sign_in(client, expert.email)
    assert response.status_code == 302
    assert response["Location"].startswith("/account/two-factor/enrol/")
    key_after_login = client.session.session_key

    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html
    secret = secret_from_page(html)
    # The device exists but grants nothing before a correct code.
    assert client.get("/account/").status_code == 302

    wrong = client.post(response["Location"], {"code": "000000"})
    assert wrong.status_code == 200
    assert "That code is not right" in wrong.content.decode()
    assert AuditEvent.objects.filter(action="otp.verify", outcome="failure").exists()

    time_machine.shift(1.1)  # django-otp's throttle: 1 s after one failure
    done = client.post(response["Location"], {"code": code_from_secret(secret)})
    assert done.status_code == 302
    assert client.get("/account/").status_code == 200
    assert client.session.session_key != key_after_login
    assert AuditEvent.objects.filter(
        action="otp.device_enrolled", actor=expert
    ).exists()


def test_login_then_verification_with_the_chosen_device(client, time_machine):
    time_machine.move_to(timezone.now(), tick=True)
    user = make_user("editor@example.org", Role.STATE_EDITOR)
    device = make_totp(user)
    response = sign_in(client, user.email, next_url="/account/")
    assert response["Location"].startswith("/account/two-factor/verify/")
    assert client.get("/account/").status_code == 302

    failed = verify_with(client, device, "123456")
    assert "That code is not right" in failed.content.decode()
    time_machine.shift(1.1)  # django-otp's throttle: 1 s after one failure

    key_before_verification = client.session.session_key
    ok = verify_with(client, device, totp_code(device))
    assert ok.status_code == 302 and ok["Location"] == "/account/"
    assert client.session.session_key != key_before_verification
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert client.get("/account/").status_code == 200
    outcomes = list(
        AuditEvent.objects.filter(action="otp.verify").values_list("outcome", flat=True)
    )
    assert outcomes == ["failure", "success"]


def test_a_totp_code_is_accepted_once(client):
    user = make_user("once@example.org")
    device = make_totp(user)
    code = totp_code(device)
    sign_in(client, user.email)
    assert verify_with(client, device, code).status_code == 302

    other = Client()
    sign_in(other, user.email)
    replay = verify_with(other, device, code)
    assert replay.status_code == 200
    assert other.get("/account/").status_code == 302


def test_a_wrong_code_on_the_app_does_not_throttle_backup_codes(client):
    user = make_user("codes@example.org")
    device = make_totp(user)
    codes = actions.regenerate_backup_codes(user)
    sign_in(client, user.email)
    verify_with(client, device, "999999")
    backup = StaticDevice.objects.get(user=user)
    assert backup.throttling_failure_count == 0
    assert verify_with(client, backup, codes[0]).status_code == 302


def test_backup_codes_are_shown_once_single_use_and_regeneration_voids_old_ones(
    client, time_machine
):
    time_machine.move_to(timezone.now(), tick=True)
    user = make_user("backup@example.org")
    make_totp(user)
    login_verified(client, user)
    response = client.post("/account/two-factor/backup-codes/new/")
    # login_verified's own static device is replaced by the portal's backup codes.
    html = response.content.decode()
    assert response.status_code == 200
    assert "shown only this once" in html
    backup = StaticDevice.objects.get(user=user, name="Backup codes")
    codes = list(backup.token_set.values_list("token", flat=True))
    assert len(codes) == 10
    assert all(code in html for code in codes)
    listing = client.get("/account/two-factor/backup-codes/").content.decode()
    assert not any(code in listing for code in codes)
    assert "10" in listing

    second = Client()
    sign_in(second, user.email)
    assert verify_with(second, backup, codes[0]).status_code == 302
    third = Client()
    sign_in(third, user.email)
    reused = verify_with(third, backup, codes[0])
    assert reused.status_code == 200
    assert "already been used" in reused.content.decode()

    new_codes = actions.regenerate_backup_codes(user)
    assert set(new_codes).isdisjoint(codes)
    time_machine.shift(1.1)
    fourth = Client()
    sign_in(fourth, user.email)
    assert verify_with(fourth, backup, codes[1]).status_code == 200
    time_machine.shift(2.1)  # two failures in a row: 2 s
    assert verify_with(fourth, backup, new_codes[0]).status_code == 302


def test_repeated_wrong_codes_are_throttled(client):
    user = make_user("throttle@example.org")
    device = make_totp(user)
    sign_in(client, user.email)
    verify_with(client, device, "111111")
    response = verify_with(client, device, totp_code(device))
    assert "Too many wrong codes" in response.content.decode()
    assert client.get("/account/").status_code == 302
    event = AuditEvent.objects.filter(action="otp.verify").last()
    assert event.details["throttled"] is True


def test_step_up_asks_for_a_fresh_code_and_honours_a_safe_next(client):
    user = make_user("stepup@example.org")
    device = make_totp(user)
    sign_in(client, user.email)
    verify_with(client, device, totp_code(device))
    session = client.session
    session[VERIFIED_AT_SESSION_KEY] = int(time.time()) - 16 * 60
    session.save()

    response = client.post("/account/two-factor/remove/", {"device": "x/1"})
    assert response.status_code == 302
    assert response["Location"].startswith("/account/two-factor/step-up/?next=")
    page = client.get("/account/two-factor/step-up/?next=/account/")
    assert "Confirm with a fresh code" in page.content.decode()

    device.refresh_from_db()
    evil = client.post(
        "/account/two-factor/step-up/?next=https://evil.example/",
        {"device": device.persistent_id, "code": totp_code(device, offset_steps=1)},
    )
    assert evil.status_code == 302
    assert evil["Location"] == "/account/"
    assert client.session[VERIFIED_AT_SESSION_KEY] >= int(time.time()) - 5
    removed = client.post(
        "/account/two-factor/remove/", {"device": device.persistent_id}
    )
    assert removed.status_code == 302
    assert not device.__class__.objects.filter(pk=device.pk).exists()
    assert AuditEvent.objects.filter(action="otp.device_removed").exists()


def test_removing_someone_elses_device_is_not_found(client):
    owner = make_user("owner@example.org")
    device = make_totp(owner)
    intruder = make_user("intruder@example.org")
    login_verified(client, intruder)
    response = client.post(
        "/account/two-factor/remove/", {"device": device.persistent_id}
    )
    assert response.status_code == 404
    assert device.__class__.objects.filter(pk=device.pk).exists()


def test_sign_out_everywhere_ends_every_session_and_signals_it(
    client, django_capture_on_commit_callbacks
):
    from portal.accounts.signals import sessions_ended

    user = make_user("everywhere@example.org")
    other_person = make_user("bystander@example.org")
    login_verified(client, user)
    laptop = login_verified(Client(), user)
    bystander = login_verified(Client(), other_person)
    heard = []

    def listener(sender, user, session_keys, **kwargs):
        heard.append((user.pk, len(session_keys)))

    sessions_ended.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/account/sign-out-everywhere/")
    finally:
        sessions_ended.disconnect(listener)
    assert response.status_code == 302
    assert laptop.get("/account/").status_code == 302
    assert client.get("/account/").status_code == 302
    assert bystander.get("/account/").status_code == 200
    remaining = [s.get_decoded().get("_auth_user_id") for s in Session.objects.all()]
    assert str(user.pk) not in remaining
    assert AuditEvent.objects.filter(action="auth.sessions_ended").exists()
    assert heard == [(user.pk, 2)]


def test_the_absolute_session_lifetime_ends_a_busy_session(client, settings):
    user = make_user("longday@example.org")
    login_verified(client, user)
    assert client.get("/account/").status_code == 200
    session = client.session
    session[SESSION_STARTED_AT_KEY] = (
        int(time.time()) - settings.SESSION_ABSOLUTE_SECONDS - 1
    )
    session.save()
    response = client.get("/account/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert client.get("/account/").status_code == 302
    assert AuditEvent.objects.filter(action="auth.session_expired").exists()


def test_session_cookie_settings(settings):
    assert settings.SESSION_COOKIE_HTTPONLY is True
    assert settings.SESSION_COOKIE_SAMESITE == "Lax"
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    # The idle expiry slides through the middleware, at most once a minute.
    assert settings.SESSION_SAVE_EVERY_REQUEST is False
    assert settings.SESSION_TOUCH_SECONDS == 60
    assert settings.SESSION_ABSOLUTE_SECONDS == 12 * 60 * 60


def _session_saved_at(client, touched_ago: int, expires_in: int) -> Session:
    """The client's session as if last saved `touched_ago` seconds ago and due to
    expire `expires_in` seconds from now."""
    session = client.session
    session[SESSION_TOUCHED_AT_KEY] = int(time.time()) - touched_ago
    session.save()
    row = Session.objects.get(session_key=session.session_key)
    row.expire_date = timezone.now() + datetime.timedelta(seconds=expires_in)
    row.save()
    return row


def test_a_request_after_a_minute_slides_the_idle_expiry(client, settings):
    user = make_user("busy@example.org")
    login_verified(client, user)
    row = _session_saved_at(client, touched_ago=61, expires_in=600)
    assert client.get("/account/").status_code == 200
    row.refresh_from_db()
    remaining = (row.expire_date - timezone.now()).total_seconds()
    assert settings.SESSION_COOKIE_AGE - 5 < remaining <= settings.SESSION_COOKIE_AGE
    assert client.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == (
        settings.SESSION_COOKIE_AGE
    )


def test_requests_within_a_minute_do_not_write_the_session(client):
    user = make_user("quick@example.org")
    login_verified(client, user)
    row = _session_saved_at(client, touched_ago=5, expires_in=600)
    saved_until = row.expire_date
    for _ in range(3):
        assert client.get("/account/").status_code == 200
    row.refresh_from_db()
    assert row.expire_date == saved_until


def test_an_idle_session_ends_at_its_expiry(client):
    user = make_user("idle@example.org")
    login_verified(client, user)
    _session_saved_at(client, touched_ago=1800, expires_in=-1)
    response = client.get("/account/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_lockout_after_repeated_wrong_passwords(client, settings):
    user = make_user("locked@example.org")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = sign_in(client, user.email, "wrong-password-here")
        assert response.status_code == 200
        assert "not right" in response.content.decode()
    locked = sign_in(client, user.email, "wrong-password-here")
    assert locked.status_code == 429
    assert "Sign-in is locked" in locked.content.decode()
    # Even the right password is refused while the lock holds.
    again = sign_in(client, user.email)
    assert again.status_code == 429
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="auth.lockout", outcome="denied").exists()
    assert (
        AuditEvent.objects.filter(action="auth.login", outcome="failure").count()
        >= settings.AXES_FAILURE_LIMIT
    )


def test_unsafe_next_after_login_is_ignored(client):
    user = make_user("next@example.org")
    make_totp(user)
    response = sign_in(client, user.email, next_url="https://evil.example/x")
    assert "evil.example" not in response["Location"]


def test_adding_a_passkey_to_a_protected_account_needs_a_fresh_code(client):
    user = make_user("newkey@example.org")
    make_totp(user)
    login_verified(client, user)
    fresh = client.post("/account/passkeys/registration/begin/")
    assert fresh.status_code == 200
    assert fresh.json()["rp"]["id"] == "localhost"
    session = client.session
    session[VERIFIED_AT_SESSION_KEY] = int(time.time()) - 16 * 60
    session.save()
    stale = client.post("/account/passkeys/registration/begin/")
    assert stale.status_code == 403
    assert stale.json()["code"] == "step_up_required"


def test_passkey_verification_needs_a_password_first(client):
    response = client.post("/account/passkeys/authentication/begin/")
    assert response.status_code >= 400
    assert "_auth_user_id" not in client.session


def test_lockout_also_holds_per_address_across_accounts(client, settings):
    users = [make_user(f"spray{i}@example.org") for i in range(2)]
    for i in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, f"nobody{i}@example.org", "wrong-password-here")
    # A password-spraying address is locked even for an account it never tried.
    response = sign_in(client, users[1].email)
    assert response.status_code == 429
    elsewhere = Client(REMOTE_ADDR="192.0.2.10")
    assert sign_in(elsewhere, users[1].email).status_code == 302
