"""Passwords: reset from the sign-in page, change on the account page, validators."""

from __future__ import annotations

import datetime
import re
import time

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

import pytest

from portal.accounts.demo import DEMO_ACCOUNTS
from portal.accounts.models import User
from portal.accounts.stepup import VERIFIED_AT_SESSION_KEY
from portal.audit.models import AuditEvent
from portal.mail.models import QueuedMail
from tests.portal.identity import PASSWORD, make_totp, make_user, sign_in
from tests.support import free_port, login_verified

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-lighthouse-over-gravel-roads"
RESET_URL = "/accounts/password-reset/"


@pytest.fixture(autouse=True)
def _empty_cache():
    # The reset limits count in the cache; each test starts from none.
    cache.clear()
    yield
    cache.clear()


def ask_reset(client, email, **extra):
    return client.post(RESET_URL, {"email": email}, **extra)


def reset_link(mail) -> str:
    match = re.search(r"https?://[^/\s]+(/accounts/password-reset/\S+/)", mail.body)
    assert match, "the mail carries the link"
    return match.group(1)


def set_new_password(client, link: str, password: str = NEW_PASSWORD):
    response = client.get(link)
    assert response.status_code == 302, "a good link leads to the form"
    form_url = response["Location"]
    assert form_url.endswith("/set-password/")
    return client.post(form_url, {"new_password1": password, "new_password2": password})


# --- Asking for a link ------------------------------------------------------------


def test_the_sign_in_page_offers_the_reset(client):
    page = client.get("/accounts/login/").content.decode()
    assert f'href="{RESET_URL}"' in page


def test_the_answer_is_the_same_for_known_and_unknown_addresses(client, mailoutbox):
    make_user("known@example.org")
    known = ask_reset(client, "known@example.org")
    unknown = ask_reset(Client(), "nobody@example.org")
    assert known.status_code == unknown.status_code == 200
    # Equal but for each visitor's own CSRF token (the header's language form).
    assert without_csrf_token(known.content) == without_csrf_token(unknown.content)
    assert b"If an account exists for that address" in known.content
    assert [mail.to for mail in mailoutbox] == [["known@example.org"]]


def without_csrf_token(content: bytes) -> bytes:
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", content)


def _shape(sql: str) -> str:
    """A statement without its values: what was asked, not about whom."""
    return re.sub(r"\d+", "N", re.sub(r"'[^']*'", "'S'", sql))


def test_known_and_unknown_addresses_do_the_same_work(client, monkeypatch):
    make_user("known@example.org")
    tokens = []
    make_token = default_token_generator.make_token

    def counting(user):
        tokens.append(user.email)
        return make_token(user)

    monkeypatch.setattr(default_token_generator, "make_token", counting)
    ask_reset(Client(), "warm-up@example.org")  # first-request costs out of the way
    work = {}
    for email in ("known@example.org", "nobody@example.org"):
        with CaptureQueriesContext(connection) as queries:
            ask_reset(Client(), email)
        work[email] = [_shape(q["sql"]) for q in queries.captured_queries]
    assert len(work["known@example.org"]) == len(work["nobody@example.org"])
    assert work["known@example.org"] == work["nobody@example.org"]
    # A token is made (an HMAC computed) for the address with no account too.
    assert tokens == ["warm-up@example.org", "known@example.org", "nobody@example.org"]


def test_requests_are_audited_by_account_id_without_addresses(client):
    known = make_user("known@example.org")
    ask_reset(client, "known@example.org")
    ask_reset(client, "nobody@example.org")
    events = AuditEvent.objects.filter(action="auth.password_reset_requested")
    details = [event.details for event in events.order_by("sequence")]
    assert details == [
        {"user": known.pk, "limited": False},
        {"user": None, "limited": False},
    ]
    for event in events:
        assert "example.org" not in str(event.details)


def test_too_many_requests_for_one_address_are_refused_for_an_hour(
    client, mailoutbox, time_machine
):
    make_user("known@example.org")
    time_machine.move_to(datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC))
    limit = settings.PASSWORD_RESET_LIMIT_PER_ADDRESS
    for number in range(limit):
        response = ask_reset(
            Client(REMOTE_ADDR=f"10.0.0.{number}"), "known@example.org"
        )
        assert response.status_code == 200
    refused = ask_reset(Client(REMOTE_ADDR="10.0.1.1"), "known@example.org")
    assert refused.status_code == 429
    assert b"Too many reset requests" in refused.content
    assert len(mailoutbox) == limit
    # An unknown address is limited alike: the refusal says nothing of accounts.
    for number in range(limit):
        ask_reset(Client(REMOTE_ADDR=f"10.0.2.{number}"), "nobody@example.org")
    unknown = ask_reset(Client(REMOTE_ADDR="10.0.3.1"), "nobody@example.org")
    assert unknown.status_code == 429
    assert b"Too many reset requests" in unknown.content
    assert AuditEvent.objects.filter(
        action="auth.password_reset_requested", details__limited=True
    ).exists()
    time_machine.shift(datetime.timedelta(hours=1))
    assert ask_reset(Client(), "known@example.org").status_code == 200
    assert len(mailoutbox) == limit + 1


def test_too_many_requests_from_one_client_are_refused(client, settings, time_machine):
    time_machine.move_to(datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC))
    settings.PASSWORD_RESET_LIMIT_PER_CLIENT = 4
    for number in range(4):
        assert ask_reset(client, f"person{number}@example.org").status_code == 200
    assert ask_reset(client, "person9@example.org").status_code == 429
    elsewhere = Client(REMOTE_ADDR="10.9.9.9")
    assert ask_reset(elsewhere, "person9@example.org").status_code == 200


def test_a_request_while_the_limits_cannot_be_counted_is_refused_and_audited(
    client, settings, mailoutbox
):
    known = make_user("known@example.org")
    # The limits count in Redis in production: a real Redis client, nothing on
    # the other end (Redis down).
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
        }
    }
    for email in ("known@example.org", "nobody@example.org"):
        refused = ask_reset(client, email)
        assert refused.status_code == 429
        assert refused["Retry-After"] == "60"
        assert b"unavailable for a few minutes" in refused.content
    assert len(mailoutbox) == 0 and not QueuedMail.objects.exists()
    events = AuditEvent.objects.filter(action="auth.password_reset_requested")
    assert [(e.outcome, e.details) for e in events.order_by("sequence")] == [
        ("denied", {"user": known.pk, "limited": True, "uncounted": True}),
        ("denied", {"user": None, "limited": True, "uncounted": True}),
    ]


# --- Using the link ---------------------------------------------------------------


def test_a_reset_signs_nobody_in_and_the_second_factor_is_still_asked(
    client, mailoutbox
):
    user = make_user("known@example.org")
    make_totp(user)
    ask_reset(client, "known@example.org")
    response = set_new_password(client, reset_link(mailoutbox[-1]))
    assert response.status_code == 302
    assert response["Location"] == settings.LOGIN_URL
    assert "_auth_user_id" not in client.session
    assert client.get("/account/").status_code == 302
    assert sign_in(Client(), "known@example.org", PASSWORD).status_code == 200
    signed_in = sign_in(Client(), "known@example.org", NEW_PASSWORD)
    assert signed_in.status_code == 302
    assert signed_in["Location"].startswith("/account/two-factor/verify/")


def test_a_reset_ends_every_session_mails_the_owner_and_is_audited(
    client, mailoutbox, heard_sessions_ended, django_capture_on_commit_callbacks
):
    user = make_user("known@example.org")
    laptop = login_verified(Client(), user)
    phone = login_verified(Client(), user)
    bystander = login_verified(Client(), make_user("bystander@example.org"))
    ask_reset(client, "known@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        set_new_password(client, reset_link(mailoutbox[-1]))
    assert laptop.get("/account/").status_code == 302
    assert phone.get("/account/").status_code == 302
    assert bystander.get("/account/").status_code == 200
    assert heard_sessions_ended == [(user.pk, 2)]
    changed = mailoutbox[-1]
    assert changed.to == ["known@example.org"]
    assert "password" in changed.subject and "changed" in changed.subject
    assert "/accounts/password-reset/" not in changed.body
    event = AuditEvent.objects.get(action="auth.password_reset")
    assert event.target_id == str(user.pk)
    assert event.details == {"user": user.pk}
    assert AuditEvent.objects.filter(action="auth.sessions_ended").exists()


def test_a_link_works_once(client, mailoutbox):
    make_user("known@example.org")
    ask_reset(client, "known@example.org")
    link = reset_link(mailoutbox[-1])
    set_new_password(client, link)
    again = Client().get(link)
    assert again.status_code == 410
    assert b"This link cannot be used" in again.content
    assert b"already been used, it has expired" in again.content
    assert sign_in(Client(), "known@example.org", NEW_PASSWORD).status_code == 302


def test_a_link_expires_after_the_reset_timeout(client, mailoutbox, time_machine):
    make_user("known@example.org")
    time_machine.move_to(datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC))
    ask_reset(client, "known@example.org")
    link = reset_link(mailoutbox[-1])
    time_machine.shift(datetime.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 1))
    response = client.get(link)
    assert response.status_code == 410
    assert sign_in(Client(), "known@example.org", PASSWORD).status_code == 302


def test_a_forged_link_is_refused_and_audited(client, mailoutbox):
    make_user("known@example.org")
    ask_reset(client, "known@example.org")
    link = reset_link(mailoutbox[-1])
    uidb64, token = link.rstrip("/").split("/")[-2:]
    forged = link.replace(token, token[:-1] + ("x" if token[-1] != "x" else "y"))
    assert client.get(forged).status_code == 410
    # The form's address without the token in the session is refused too.
    direct = f"/accounts/password-reset/{uidb64}/set-password/"
    response = Client().post(
        direct, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.status_code == 410
    assert AuditEvent.objects.filter(action="auth.password_reset_rejected").count() == 2
    assert sign_in(Client(), "known@example.org", PASSWORD).status_code == 302


@pytest.mark.parametrize(
    ("password", "message"),
    [
        (PASSWORD, "This is your current password"),
        ("password123456", "too common"),
        ("short-pass", "at least 12 characters"),
    ],
)
def test_a_new_password_equal_to_the_old_or_weak_is_refused(
    client, mailoutbox, password, message
):
    make_user("known@example.org")
    ask_reset(client, "known@example.org")
    response = set_new_password(client, reset_link(mailoutbox[-1]), password)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not AuditEvent.objects.filter(action="auth.password_reset").exists()
    assert sign_in(Client(), "known@example.org", PASSWORD).status_code == 302


# --- Changing it on the account page ----------------------------------------------

CHANGE_URL = "/account/password/"


def change(client, current: str = PASSWORD, new: str = NEW_PASSWORD):
    return client.post(
        CHANGE_URL,
        {"old_password": current, "new_password1": new, "new_password2": new},
    )


def test_the_account_page_offers_the_change(client):
    login_verified(client, make_user("known@example.org"))
    assert f'href="{CHANGE_URL}"' in client.get("/account/").content.decode()


def test_changing_needs_a_fresh_code(client):
    user = make_user("known@example.org")
    login_verified(client, user)
    session = client.session
    session[VERIFIED_AT_SESSION_KEY] = int(time.time()) - settings.STEP_UP_SECONDS - 1
    session.save()
    for response in (client.get(CHANGE_URL), change(client)):
        assert response.status_code == 302
        assert response["Location"].startswith(f"{settings.STEP_UP_URL}?next=")
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_a_change_keeps_this_session_ends_the_others_and_mails_the_owner(
    client, mailoutbox, heard_sessions_ended, django_capture_on_commit_callbacks
):
    user = make_user("known@example.org")
    login_verified(client, user)
    laptop = login_verified(Client(), user)
    bystander = login_verified(Client(), make_user("bystander@example.org"))
    with django_capture_on_commit_callbacks(execute=True):
        response = change(client)
    assert response.status_code == 302
    assert response["Location"] == "/account/"
    assert client.get("/account/").status_code == 200
    assert laptop.get("/account/").status_code == 302
    assert bystander.get("/account/").status_code == 200
    assert heard_sessions_ended == [(user.pk, 1)]
    assert [mail.to for mail in mailoutbox] == [["known@example.org"]]
    assert "changed" in mailoutbox[0].subject
    event = AuditEvent.objects.get(action="auth.password_changed")
    assert event.actor_id == user.pk
    assert event.details == {"user": user.pk}
    assert sign_in(Client(), "known@example.org", NEW_PASSWORD).status_code == 302


@pytest.mark.parametrize(
    ("current", "new", "message"),
    [
        ("not-my-password-at-all", NEW_PASSWORD, "That is not your current password"),
        (PASSWORD, PASSWORD, "This is your current password"),
        (PASSWORD, "password123456", "too common"),
    ],
)
def test_a_refused_change_says_why_and_changes_nothing(
    client, mailoutbox, current, new, message
):
    user = make_user("known@example.org")
    login_verified(client, user)
    laptop = login_verified(Client(), user)
    response = change(client, current, new)
    assert response.status_code == 200
    assert message in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert laptop.get("/account/").status_code == 200
    assert not mailoutbox
    assert not AuditEvent.objects.filter(action="auth.password_changed").exists()


# --- The validators ----------------------------------------------------------------


def test_the_validators_are_length_and_blocklists_without_composition_rules():
    names = [v["NAME"].rsplit(".", 1)[-1] for v in settings.AUTH_PASSWORD_VALIDATORS]
    assert names == [
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
    ]
    minimum = settings.AUTH_PASSWORD_VALIDATORS[1]["OPTIONS"]["min_length"]
    assert minimum == 12


@pytest.mark.parametrize(
    ("password", "accepted"),
    [
        ("eleven-char", False),
        ("twelve-chars", True),
        ("password123456", False),
        ("qwertyuiop123", False),
        ("58203917460183", True),  # digits only: no composition rule refuses it
        ("all lower case words", True),
    ],
)
def test_length_and_the_common_list_decide(password, accepted):
    user = User(email="person@example.org")
    try:
        password_validation.validate_password(password, user)
    except ValidationError:
        assert not accepted
    else:
        assert accepted


def test_a_password_like_the_address_is_refused():
    user = User(email="marguerite.vandenberg@example.org")
    with pytest.raises(ValidationError):
        password_validation.validate_password("marguerite.vandenberg", user)


def test_the_demo_and_test_passwords_pass_the_validators():
    from tests.portal.test_invitations_and_vetting import (
        NEW_PASSWORD as INVITATION_PASSWORD,
    )

    for account in DEMO_ACCOUNTS:
        password_validation.validate_password(
            account.password, User(email=account.email)
        )
    for password in (PASSWORD, NEW_PASSWORD, INVITATION_PASSWORD):
        password_validation.validate_password(
            password, User(email="person@example.org")
        )
