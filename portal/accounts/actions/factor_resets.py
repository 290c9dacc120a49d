"""Lost second factors: a focal point asks, the secretariat confirms the reset."""

from __future__ import annotations

from typing import NoReturn

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from django_otp import devices_for_user

from portal.accounts.actions.sessions import sign_out_everywhere
from portal.accounts.models import FactorReset, User
from portal.accounts.roles import Role, has_role
from portal.audit.actions import record
from portal.audit.models import Outcome
from portal.mail.kinds import Kind
from portal.mail.messages import Notice
from portal.mail.queue import deliver


class FactorResetRefused(PermissionDenied):
    """A factor reset this person may not ask for or confirm; the message says why."""


def _refuse_factor_reset(
    message: str,
    *,
    by: User,
    account: User,
    request: HttpRequest | None,
    action: str,
) -> NoReturn:
    record(
        action,
        actor=by,
        target=account,
        outcome=Outcome.DENIED,
        request=request,
        details={"reason": message},
    )
    raise FactorResetRefused(message)


def factor_reset_candidates(by: User) -> QuerySet[User]:
    """The accounts whose factor reset `by` may ask for: their State's, not theirs."""
    if not has_role(by, Role.FOCAL_POINT) or by.state_id is None:
        return User.objects.none()
    return (
        User.objects.filter(state_id=by.state_id, is_active=True)
        .exclude(pk=by.pk)
        .order_by("last_name", "first_name", "email")
    )


def request_factor_reset(
    account: User, *, by: User, request: HttpRequest | None = None
) -> FactorReset:
    """The focal point of the account's State asks to remove all its factors."""
    action = "accounts.factor_reset_requested"
    refusal = ""
    if account.pk == by.pk:
        refusal = (
            "You cannot ask for a reset of your own second factors: the focal "
            "point of your State and the secretariat decide it for you. Use a "
            "backup code if you have one."
        )
    elif (
        not has_role(by, Role.FOCAL_POINT)
        or by.state_id is None
        or by.state_id != account.state_id
    ):
        refusal = (
            "Only the focal point of the account's State may ask for a reset of its "
            "second factors."
        )
    if refusal:
        _refuse_factor_reset(
            refusal, by=by, account=account, request=request, action=action
        )
    try:
        with transaction.atomic():
            reset = FactorReset.objects.create(account=account, requested_by=by)
            record(
                action,
                actor=by,
                target=account,
                request=request,
                details={"reset": reset.pk},
            )
            deliver(
                account,
                Notice(
                    Kind.FACTOR_RESET,
                    link=reverse("accounts:login"),
                    stage="requested",
                ),
            )
    except IntegrityError:
        _refuse_factor_reset(
            "A reset of this account's second factors is already waiting for the "
            "secretariat.",
            by=by,
            account=account,
            request=request,
            action=action,
        )
    return reset


def pending_factor_resets() -> QuerySet[FactorReset]:
    return FactorReset.objects.filter(confirmed_at__isnull=True).select_related(
        "account", "account__state", "requested_by"
    )


def confirm_factor_reset(
    reset: FactorReset, *, by: User, request: HttpRequest | None = None
) -> FactorReset:
    """The secretariat confirms: every device and backup code of the account goes,
    every session ends (sockets too), and it enrols afresh at its next sign-in."""
    action = "accounts.factor_reset_confirmed"
    account = reset.account
    refusal = ""
    if not has_role(by, Role.SECRETARIAT):
        refusal = "Only the secretariat may confirm a reset of second factors."
    elif by.pk == account.pk:
        refusal = "You cannot confirm a reset of your own second factors."
    elif by.pk == reset.requested_by_id:
        refusal = (
            "You asked for this reset: another person, of the secretariat, must "
            "confirm it."
        )
    if refusal:
        _refuse_factor_reset(
            refusal, by=by, account=account, request=request, action=action
        )
    with transaction.atomic():
        locked = FactorReset.objects.select_for_update().get(pk=reset.pk)
        if locked.is_confirmed:
            raise FactorResetRefused("This reset was already confirmed.")
        removed = []
        for device in devices_for_user(account, confirmed=None):
            removed.append(device.persistent_id)
            device.delete()
        locked.confirmed_by = by
        locked.confirmed_at = timezone.now()
        locked.save(update_fields=["confirmed_by", "confirmed_at"])
        record(
            action,
            actor=by,
            target=account,
            request=request,
            details={"reset": locked.pk, "devices": removed},
        )
        sign_out_everywhere(account, request=request, by=by)
        deliver(
            account,
            Notice(Kind.FACTOR_RESET, link=reverse("accounts:login"), stage="done"),
        )
    return locked
