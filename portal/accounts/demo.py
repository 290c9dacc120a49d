"""Demo accounts: one per role, each with a TOTP device whose secret is fixed."""

from __future__ import annotations

import base64
import datetime
import hashlib
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.accounts import actions
from portal.accounts.models import User, VettingApproval
from portal.accounts.roles import Role
from portal.states.models import State
from portal.tiers import Tier


@dataclass(frozen=True)
class DemoAccount:
    email: str
    password: str
    roles: tuple[Role, ...]
    state: str | None = None
    clearance: Tier | None = None
    # Given and family name: others see the account by them, never by its address.
    name: tuple[str, str] = ("", "")


# Demo only: these passwords and secrets are printed and must never reach production.
DEMO_ACCOUNTS = [
    DemoAccount(
        "editor.nl@demo.nsi-portal.test",
        "demo-editor-tulip-2026",
        (Role.STATE_EDITOR,),
        "NL",
        name=("Eva", "de Vries"),
    ),
    DemoAccount(
        "focal.nl@demo.nsi-portal.test",
        "demo-focal-windmill-2026",
        (Role.FOCAL_POINT, Role.STATE_EDITOR),
        "NL",
        name=("Pieter", "Janssen"),
    ),
    DemoAccount(
        "secretariat@demo.nsi-portal.test",
        "demo-secretariat-vienna-2026",
        (Role.SECRETARIAT,),
        name=("Sofia", "Berger"),
    ),
    DemoAccount(
        "security@demo.nsi-portal.test",
        "demo-security-ledger-2026",
        (Role.SECURITY_OFFICER,),
        name=("Omar", "Haddad"),
    ),
    DemoAccount(
        "expert.nl@demo.nsi-portal.test",
        "demo-expert-delft-2026",
        (Role.VETTED_EXPERT,),
        "NL",
        Tier.CONFIDENTIAL,
        name=("Anna", "Bakker"),
    ),
    DemoAccount(
        "expert.be@demo.nsi-portal.test",
        "demo-expert-ghent-2026",
        (Role.VETTED_EXPERT,),
        "BE",
        Tier.RESTRICTED,
        name=("Lucas", "Peeters"),
    ),
    DemoAccount(
        "focal.de@demo.nsi-portal.test",
        "demo-focal-rhine-2026",
        (Role.FOCAL_POINT,),
        "DE",
        name=("Katrin", "Weber"),
    ),
    DemoAccount(
        "expert.de@demo.nsi-portal.test",
        "demo-expert-bonn-2026",
        (Role.VETTED_EXPERT,),
        "DE",
        Tier.HIGHLY_CONFIDENTIAL,
        name=("Jonas", "Schmidt"),
    ),
]


def demo_totp_key(email: str) -> str:
    """A fixed 20-byte key (hex, as django-otp stores it) derived from the email."""
    return hashlib.sha256(f"nsi-portal-demo-totp:{email}".encode()).hexdigest()[:40]


def base32_secret(hex_key: str) -> str:
    return base64.b32encode(bytes.fromhex(hex_key)).decode()


@dataclass
class DemoLogin:
    account: DemoAccount
    secret: str


@transaction.atomic
def ensure_demo_accounts() -> list[DemoLogin]:
    """Create or refresh the demo accounts; running it again duplicates nothing."""
    logins = []
    secretariat = None
    vetted_until = timezone.localdate() + datetime.timedelta(days=365)
    for account in DEMO_ACCOUNTS:
        state = State.objects.get(iso_code=account.state) if account.state else None
        user = User.objects.filter(email=account.email).first()
        first_name, last_name = account.name
        if user is None:
            user = User.objects.create_user(
                account.email,
                account.password,
                state=state,
                first_name=first_name,
                last_name=last_name,
            )
        else:
            user.set_password(account.password)
            user.state = state
            user.first_name, user.last_name = first_name, last_name
            user.is_active = True
            user.save()
        for role in account.roles:
            actions.assign_role(user, role, by=None)
        key = demo_totp_key(account.email)
        TOTPDevice.objects.update_or_create(
            user=user,
            name="Demo authenticator",
            defaults={"key": key, "confirmed": True},
        )
        if Role.SECRETARIAT in account.roles:
            secretariat = user
        needs_vetting = user.clearance != account.clearance or (
            user.vetted_until is None or user.vetted_until < vetted_until
        )
        if account.clearance is not None and secretariat is not None and needs_vetting:
            actions.vet_expert(
                user,
                clearance=account.clearance,
                vetted_until=vetted_until,
                by=secretariat,
            )
        logins.append(DemoLogin(account, base32_secret(key)))
    _approve_as_focal_points()
    return logins


def _approve_as_focal_points() -> None:
    """Highly confidential needs the focal point's approval after the secretariat's:
    the demo focal point of the expert's State gives it."""
    emails = [a.email for a in DEMO_ACCOUNTS]
    for approval in VettingApproval.objects.filter(
        completed_at__isnull=True,
        focal_point_approver__isnull=True,
        expert__email__in=emails,
    ).select_related("expert"):
        if approval.expert.state_id is None:
            continue  # No State, so no focal point to approve.
        focal = (
            User.objects.filter(
                email__in=emails,
                state_id=approval.expert.state_id,
                groups__name=Role.FOCAL_POINT,
            )
            .exclude(pk=approval.expert_id)
            .first()
        )
        if focal is not None:
            actions.approve_vetting(approval, by=focal)
