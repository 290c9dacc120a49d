"""A lost second factor: a backup code still works; without one, the State's focal
point asks, the secretariat confirms, and the account enrols afresh."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.test import Client

import pytest
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice

from portal.accounts import actions
from portal.accounts.models import FactorReset
from portal.accounts.roles import Role
from portal.audit.models import AuditEvent
from portal.mail.queue import drain
from tests.portal.identity import make_totp, make_user, sign_in, verify_with
from tests.smtp import text_of
from tests.support import login_verified

pytestmark = pytest.mark.django_db

URL = "/accounts/factor-resets/"


@pytest.fixture
def people():
    return {
        "owner": make_user("owner@example.org", state="NL"),
        "focal": make_user("focal@example.org", Role.FOCAL_POINT, state="NL"),
        "other_focal": make_user("focal@be.example", Role.FOCAL_POINT, state="BE"),
        "secretariat": make_user("sec@example.org", Role.SECRETARIAT, state=None),
        "secretariat2": make_user("sec2@example.org", Role.SECRETARIAT, state=None),
    }


def test_a_backup_code_still_signs_in_without_the_phone(people):
    owner = people["owner"]
    make_totp(owner)
    codes = actions.regenerate_backup_codes(owner)
    backup = StaticDevice.objects.get(user=owner, name="Backup codes")
    client = Client()
    sign_in(client, owner.email)
    response = verify_with(client, backup, codes[0])
    assert response.status_code == 302 and response["Location"] == "/account/"
    assert client.get("/account/").status_code == 200


def test_focal_point_asks_secretariat_confirms_and_the_account_enrols_again(
    people, heard_sessions_ended, smtp_server, django_capture_on_commit_callbacks
):
    owner, focal, sec = people["owner"], people["focal"], people["secretariat"]
    make_totp(owner)
    actions.regenerate_backup_codes(owner)
    laptop = login_verified(Client(), owner)
    drain()
    smtp_server.received.clear()

    asking = login_verified(Client(), focal)
    page = asking.get(URL)
    assert page.status_code == 200
    assert b"owner@example.org" not in page.content  # people by name
    assert f">{owner.display_name}</option>" in page.content.decode()
    response = asking.post(URL, {"step": "request", "account": owner.pk})
    assert response.status_code == 302
    reset = FactorReset.objects.get()
    assert reset.requested_by == focal and not reset.is_confirmed
    assert len(list(devices_for_user(owner))) == 3  # nothing changed yet

    confirming = login_verified(Client(), sec)
    home = confirming.get("/my/").content.decode()
    assert "Second-factor resets to confirm" in home
    assert owner.display_name in home
    with django_capture_on_commit_callbacks(execute=True):
        response = confirming.post(URL, {"step": "confirm", "reset": reset.pk})
    assert response.status_code == 302
    reset.refresh_from_db()
    assert reset.confirmed_by == sec and reset.is_confirmed
    assert list(devices_for_user(owner, confirmed=None)) == []
    assert laptop.get("/account/").status_code == 302  # its sessions ended
    assert heard_sessions_ended == [(owner.pk, 1)]

    actions_logged = list(
        AuditEvent.objects.filter(target_id=str(owner.pk))
        .filter(action__startswith="accounts.factor_reset")
        .values_list("action", "actor_id")
    )
    assert actions_logged == [
        ("accounts.factor_reset_requested", focal.pk),
        ("accounts.factor_reset_confirmed", sec.pk),
    ]
    drain()
    subjects = [m["Subject"] for m in smtp_server.messages if m["To"] == owner.email]
    assert subjects[0].startswith("A reset of your second factors was requested")
    assert subjects[1].startswith("Your second factors were reset")
    assert "set up a new second factor" in text_of(smtp_server.messages[-1])

    # The next sign-in goes to enrolment: there is no device left to verify.
    fresh = Client()
    signed = sign_in(fresh, owner.email)
    assert signed["Location"].startswith("/account/two-factor/enrol/")


def test_the_focal_point_cannot_ask_for_themselves(people):
    focal = people["focal"]
    with pytest.raises(actions.FactorResetRefused, match="your own second factors"):
        actions.request_factor_reset(focal, by=focal)
    client = login_verified(Client(), focal)
    response = client.post(URL, {"step": "request", "account": focal.pk})
    assert response.status_code == 400
    assert "Choose a person of your State (not yourself)" in response.content.decode()
    assert not FactorReset.objects.exists()
    assert AuditEvent.objects.filter(
        action="accounts.factor_reset_requested", outcome="denied"
    ).exists()


def test_only_the_focal_point_of_the_accounts_state_may_ask(people):
    with pytest.raises(actions.FactorResetRefused, match="focal point of the account"):
        actions.request_factor_reset(people["owner"], by=people["other_focal"])
    with pytest.raises(actions.FactorResetRefused):
        actions.request_factor_reset(people["owner"], by=people["secretariat"])
    client = login_verified(Client(), people["other_focal"])
    response = client.post(URL, {"step": "request", "account": people["owner"].pk})
    assert response.status_code == 400
    assert not FactorReset.objects.exists()


def test_a_second_request_for_the_same_account_is_refused(people):
    actions.request_factor_reset(people["owner"], by=people["focal"])
    with pytest.raises(actions.FactorResetRefused, match="already waiting"):
        actions.request_factor_reset(people["owner"], by=people["focal"])
    assert FactorReset.objects.count() == 1


def test_the_requester_and_the_owner_cannot_confirm(people):
    owner, sec = people["owner"], people["secretariat"]
    with pytest.raises(IntegrityError), transaction.atomic():
        FactorReset.objects.create(account=owner, requested_by=owner)
    # A secretariat member who is also the State's focal point asked: another
    # member of the secretariat must confirm.
    both = make_user("both@example.org", Role.FOCAL_POINT, Role.SECRETARIAT)
    reset = actions.request_factor_reset(owner, by=both)
    with pytest.raises(actions.FactorResetRefused, match="another person"):
        actions.confirm_factor_reset(reset, by=both)
    with pytest.raises(actions.FactorResetRefused, match="Only the secretariat"):
        actions.confirm_factor_reset(reset, by=people["focal"])
    make_totp(owner)
    client = login_verified(Client(), both)
    client.post(URL, {"step": "confirm", "reset": reset.pk})
    reset.refresh_from_db()
    assert not reset.is_confirmed
    assert list(devices_for_user(owner))  # nothing removed
    actions.confirm_factor_reset(reset, by=sec)
    with pytest.raises(actions.FactorResetRefused, match="already confirmed"):
        actions.confirm_factor_reset(reset, by=people["secretariat2"])


def test_the_page_needs_a_role_and_a_fresh_code(people, settings):
    expert = login_verified(Client(), people["owner"])
    assert expert.get(URL).status_code == 404
    focal = login_verified(Client(), people["focal"])
    settings.STEP_UP_SECONDS = -1  # the last code is too old
    response = focal.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(settings.STEP_UP_URL)
