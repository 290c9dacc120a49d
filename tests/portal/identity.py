"""Helpers for the identity tests: people with roles, codes from their devices."""

from __future__ import annotations

import base64
import datetime
import re
import time

from django.utils import timezone

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.accounts import actions
from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.states.models import State

PASSWORD = "correct-horse-battery-staple"


def make_user(
    email: str = "person@example.org",
    *roles: Role,
    state: str | None = "NL",
    password: str = PASSWORD,
) -> User:
    user = User.objects.create_user(
        email,
        password,
        state=State.objects.get(iso_code=state) if state else None,
    )
    for role in roles:
        actions.assign_role(user, role, by=None)
    return user


def make_totp(user: User) -> TOTPDevice:
    device = actions.start_totp_enrolment(user)
    actions.confirm_totp_device(user, device)
    return device


def totp_code(device: TOTPDevice, *, offset_steps: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + offset_steps * device.step
    return str(totp.token()).zfill(device.digits)


def code_from_secret(secret: str) -> str:
    key = base64.b32decode(secret.replace(" ", ""))
    totp = TOTP(key)
    totp.time = time.time()
    return str(totp.token()).zfill(6)


def secret_from_page(html: str) -> str:
    match = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', html)
    assert match, "the enrolment page shows the secret"
    return match.group(1)


def vet(expert: User, secretariat: User, *, tier="confidential", days=365) -> User:
    return actions.vet_expert(
        expert,
        clearance=tier,
        vetted_until=timezone.localdate() + datetime.timedelta(days=days),
        by=secretariat,
    )


def sign_in(client, email: str, password: str = PASSWORD, next_url: str = ""):
    data = {"username": email, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post("/accounts/login/", data)


def verify_with(client, device, code: str, next_url: str = "/account/"):
    return client.post(
        f"/account/two-factor/verify/?next={next_url}",
        {"device": device.persistent_id, "code": code, "next": next_url},
    )
