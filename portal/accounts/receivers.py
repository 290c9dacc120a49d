"""Audit records for the authentication signals, and the backstop of account access."""

from __future__ import annotations

import time
from typing import Any

from django.contrib.auth.signals import (
    user_logged_in,
    user_logged_out,
    user_login_failed,
)
from django.db.models.signals import m2m_changed, post_save, pre_save
from django.dispatch import receiver
from django.http import HttpRequest

from axes.signals import user_locked_out

from exchange.models import PartnerGroup
from portal.accounts.guard import PROTECTED_USER_FIELDS, is_authorised, refuse_unaudited
from portal.accounts.models import User
from portal.accounts.stepup import SESSION_STARTED_AT_KEY
from portal.audit.actions import address_hash, record
from portal.audit.models import Outcome
from portal.tiers import Tier


@receiver(user_logged_in, dispatch_uid="portal_audit_login")
def on_logged_in(
    sender: type[User], request: HttpRequest | None, user: User, **kwargs: Any
) -> None:
    if request is not None and hasattr(request, "session"):
        # The absolute session lifetime counts from the password check.
        request.session[SESSION_STARTED_AT_KEY] = int(time.time())
    record("auth.login", actor=user, target=user, request=request)


@receiver(user_login_failed, dispatch_uid="portal_audit_login_failed")
def on_login_failed(
    sender: str,
    credentials: dict[str, Any],
    request: HttpRequest | None = None,
    **kwargs: Any,
) -> None:
    # Django already masks the password in `credentials`; the trail keeps only the
    # hash of the name typed (an address) and the account it names, if any.
    username = str(credentials.get("username") or credentials.get("email") or "")
    record(
        "auth.login",
        outcome=Outcome.FAILURE,
        request=request,
        details=_attempted_name(username),
    )


@receiver(user_logged_out, dispatch_uid="portal_audit_logout")
def on_logged_out(
    sender: type[User],
    request: HttpRequest | None,
    user: User | None,
    **kwargs: Any,
) -> None:
    if user is not None:
        record("auth.logout", actor=user, target=user, request=request)


@receiver(user_locked_out, dispatch_uid="portal_audit_lockout")
def on_locked_out(
    sender: str,
    request: HttpRequest | None,
    username: str | None,
    ip_address: str | None,
    **kwargs: Any,
) -> None:
    record(
        "auth.lockout",
        outcome=Outcome.DENIED,
        request=request,
        details={**_attempted_name(str(username or "")), "ip_address": ip_address},
    )


def _attempted_name(username: str) -> dict[str, Any]:
    """A name typed at sign-in, as references: its hash and the account's id."""
    account = (
        User.objects.filter(email__iexact=username.strip()).values_list("pk", flat=True)
        if username.strip()
        else []
    )
    return {
        "username_sha256": address_hash(username) if username.strip() else "",
        "user": next(iter(account), None),
    }


# --- The backstop: access changes only inside the audited actions (see guard.py).

_REFUSED_M2M = ("pre_add", "pre_remove", "pre_clear")


@receiver(m2m_changed, sender=User.groups.through, dispatch_uid="portal_guard_groups")
def refuse_unaudited_group_change(sender: type, action: str, **kwargs: Any) -> None:
    """The Wagtail user editor and its bulk actions call the actions too; anything
    else (a form, a script, a shell) that adds or removes a group is refused."""
    if action in _REFUSED_M2M:
        refuse_unaudited("Group membership")


@receiver(
    m2m_changed,
    sender=PartnerGroup.members.through,
    dispatch_uid="portal_guard_partner_members",
)
@receiver(
    m2m_changed,
    sender=PartnerGroup.states.through,
    dispatch_uid="portal_guard_partner_states",
)
def refuse_unaudited_partner_group_change(
    sender: type, action: str, **kwargs: Any
) -> None:
    if action in _REFUSED_M2M:
        refuse_unaudited("Partner-group membership")


@receiver(pre_save, sender=User, dispatch_uid="portal_guard_user_fields")
def refuse_unaudited_access_fields(
    sender: type[User],
    instance: User,
    raw: bool = False,
    update_fields: frozenset[str] | None = None,
    **kwargs: Any,
) -> None:
    """Superuser status, clearance and vetting of an existing account change only
    through the actions. A new account is recorded with what it starts with."""
    if raw or is_authorised() or instance.pk is None:
        return
    fields = [
        f
        for f in PROTECTED_USER_FIELDS
        if update_fields is None or f in update_fields or f"{f}_id" in update_fields
    ]
    if not fields:
        return
    columns = {f.name: f.attname for f in User._meta.concrete_fields}
    attnames = [columns[f] for f in fields]
    stored = User.objects.filter(pk=instance.pk).values(*attnames).first()
    if stored is None:
        return
    changed = [a for a in attnames if stored[a] != getattr(instance, a)]
    if changed:
        refuse_unaudited("Superuser status, clearance and vetting")


@receiver(post_save, sender=User, dispatch_uid="portal_audit_account_created")
def on_account_created(
    sender: type[User],
    instance: User,
    created: bool,
    raw: bool = False,
    **kwargs: Any,
) -> None:
    """An account created with access (a superuser, a clearance, a vetting) outside
    the actions is recorded with what it starts with."""
    if not created or raw or is_authorised():
        return
    granted = {
        "is_superuser": instance.is_superuser,
        "clearance": instance.clearance,
        "vetted_until": instance.vetted_until,
    }
    if (
        instance.is_superuser
        or instance.clearance != Tier.PUBLIC
        or instance.vetted_until
    ):
        record("accounts.account_created", target=instance, details=granted)
