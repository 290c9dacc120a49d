"""Audit records for Django's and django-axes' authentication signals."""

from __future__ import annotations

import time

from django.contrib.auth.signals import (
    user_logged_in,
    user_logged_out,
    user_login_failed,
)
from django.db.models.signals import m2m_changed
from django.dispatch import receiver

from axes.signals import user_locked_out

from portal.accounts.models import User
from portal.accounts.stepup import SESSION_STARTED_AT_KEY
from portal.audit.actions import address_hash, record
from portal.audit.models import Outcome


@receiver(user_logged_in, dispatch_uid="portal_audit_login")
def on_logged_in(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        # The absolute session lifetime counts from the password check.
        request.session[SESSION_STARTED_AT_KEY] = int(time.time())
    record("auth.login", actor=user, target=user, request=request)


@receiver(user_login_failed, dispatch_uid="portal_audit_login_failed")
def on_login_failed(sender, credentials, request=None, **kwargs) -> None:
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
def on_logged_out(sender, request, user, **kwargs) -> None:
    if user is not None:
        record("auth.logout", actor=user, target=user, request=request)


@receiver(user_locked_out, dispatch_uid="portal_audit_lockout")
def on_locked_out(sender, request, username, ip_address, **kwargs) -> None:
    record(
        "auth.lockout",
        outcome=Outcome.DENIED,
        request=request,
        details={**_attempted_name(str(username or "")), "ip_address": ip_address},
    )


def _attempted_name(username: str) -> dict:
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


@receiver(m2m_changed, sender=User.groups.through, dispatch_uid="portal_audit_groups")
def on_groups_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    """Group changes made outside the role actions (the Wagtail admin's user and
    group editors) are still recorded, without an actor: the signal has no request."""
    from django.contrib.auth.models import Group

    from portal.accounts.actions import ROLE_ACTION_IN_PROGRESS

    if ROLE_ACTION_IN_PROGRESS.get():
        return
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    change = action.removeprefix("post_")
    if reverse:
        # A group's members were edited: `instance` is the group, `pk_set` users.
        record(
            "accounts.groups_changed",
            target_type="auth.group",
            target_id=instance.pk,
            details={"change": change, "users": sorted(pk_set or [])},
        )
        return
    names = Group.objects.filter(pk__in=pk_set or []).values_list("name", flat=True)
    record(
        "accounts.groups_changed",
        target=instance,
        details={"change": change, "groups": sorted(names)},
    )
