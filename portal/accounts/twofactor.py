"""Which second factors a user has, and the URLs that complete a verified session."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from django_otp import devices_for_user

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.http import HttpRequest

    from django_otp.models import Device

    from portal.accounts.models import User


def confirmed_devices(user: User | AnonymousUser | None) -> list[Device]:
    if user is None or not user.is_authenticated:
        return []
    return list(devices_for_user(user, confirmed=True))


def is_passkey(device: Device) -> bool:
    return bool(device._meta.app_label == "django_otp_webauthn")


def code_devices(user: User | AnonymousUser | None) -> list[Device]:
    """Devices that take a typed code (authenticator apps, backup codes)."""
    return [device for device in confirmed_devices(user) if not is_passkey(device)]


def has_passkey(user: User | AnonymousUser | None) -> bool:
    return any(is_passkey(device) for device in confirmed_devices(user))


def has_device(user: User | AnonymousUser | None) -> bool:
    return bool(confirmed_devices(user))


def safe_next(request: HttpRequest, fallback: str = "/") -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate,
        allowed_hosts={request.get_host()},
        require_https=request.is_secure(),
    ):
        return candidate
    return fallback


def second_factor_url(user: User | AnonymousUser | None, next_url: str) -> str:
    """Verification when the user has a device, enrolment when not."""
    name = "accounts:verify" if has_device(user) else "accounts:enrol"
    return f"{reverse(name)}?{urlencode({'next': next_url})}"
