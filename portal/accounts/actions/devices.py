"""Second-factor devices: TOTP enrolment, code checks, backup codes, removal."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse

from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.accounts.models import User
from portal.audit.actions import record
from portal.audit.models import Outcome
from portal.mail.kinds import Kind
from portal.mail.messages import Notice
from portal.mail.queue import deliver

BACKUP_CODE_COUNT = 10


def start_totp_enrolment(user: User) -> TOTPDevice:
    """The pending (unconfirmed) authenticator of `user`, created if needed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(
            user=user, name="Authenticator app", confirmed=False
        )
    return device


def verify_code(
    user: User, device: Device, token: str, *, request: HttpRequest | None = None
) -> tuple[bool, bool]:
    """Check `token` against the one device the person chose.

    Returns (accepted, throttled). The device row is locked while the code is
    checked, so a TOTP code racing in two requests is accepted once; other devices
    are not touched, so a mistyped code never throttles the backup codes.
    """
    token = (token or "").strip().replace(" ", "").lower()
    model = type(device)
    with transaction.atomic():
        locked = model.objects.select_for_update().filter(pk=device.pk, user=user)
        locked = locked.first()
        if locked is None:
            return False, False
        allowed, _ = locked.verify_is_allowed()
        accepted = allowed and locked.verify_token(token)
        record(
            "otp.verify",
            actor=user,
            target=locked,
            outcome=Outcome.SUCCESS if accepted else Outcome.FAILURE,
            request=request,
            details={
                "device": locked.persistent_id,
                "throttled": not allowed,
                "confirmed": locked.confirmed,
            },
        )
    return accepted, not allowed


def confirm_totp_device(
    user: User, device: TOTPDevice, *, request: HttpRequest | None = None
) -> None:
    with transaction.atomic():
        TOTPDevice.objects.filter(pk=device.pk, user=user).update(confirmed=True)
        device.confirmed = True
        record(
            "otp.device_enrolled",
            actor=user,
            target=device,
            request=request,
            details={"device": device.persistent_id, "kind": "totp"},
        )
        deliver(
            user,
            Notice(Kind.FACTOR_ADDED, link=reverse("accounts:profile"), stage="app"),
        )


def regenerate_backup_codes(
    user: User, *, request: HttpRequest | None = None
) -> list[str]:
    """Ten fresh single-use codes; every earlier code stops working."""
    with transaction.atomic():
        device, created = StaticDevice.objects.get_or_create(
            user=user, name="Backup codes", defaults={"confirmed": True}
        )
        device.token_set.all().delete()
        codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
        StaticToken.objects.bulk_create(
            StaticToken(device=device, token=code) for code in codes
        )
        record(
            "otp.backup_codes_generated",
            actor=user,
            target=device,
            request=request,
            details={"device": device.persistent_id, "first_set": created},
        )
    return codes


def remove_device(
    user: User, device: Device, *, request: HttpRequest | None = None
) -> None:
    with transaction.atomic():
        persistent_id = device.persistent_id
        type(device).objects.filter(pk=device.pk, user=user).delete()
        record(
            "otp.device_removed",
            actor=user,
            target_type=type(device)._meta.label_lower,
            target_id=device.pk,
            request=request,
            details={"device": persistent_id},
        )
