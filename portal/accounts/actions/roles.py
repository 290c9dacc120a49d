"""Roles, group memberships and superuser status: who holds which role, audited."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import transaction
from django.http import HttpRequest

from portal.accounts.guard import authorised, refuse_self_change
from portal.accounts.models import User
from portal.accounts.roles import Role, has_role, role_group
from portal.audit.actions import record

if TYPE_CHECKING:
    from django.contrib.auth.models import Group


def assign_role(
    user: User, role: Role | str, *, by: User | None, request: HttpRequest | None = None
) -> bool:
    """Give `user` a role; returns False when they already held it."""
    return _change_role(user, Role(role), holds=True, by=by, request=request)


def remove_role(
    user: User, role: Role | str, *, by: User | None, request: HttpRequest | None = None
) -> bool:
    """Take a role from `user`; returns False when they did not hold it."""
    return _change_role(user, Role(role), holds=False, by=by, request=request)


def _change_role(
    user: User,
    role: Role,
    *,
    holds: bool,
    by: User | None,
    request: HttpRequest | None,
) -> bool:
    action = "accounts.role_assigned" if holds else "accounts.role_removed"
    refuse_self_change(user, by=by, action=action, request=request, role=role.value)
    with transaction.atomic(), authorised():
        group = role_group(role)
        # The State's page editing follows the roles even when nothing changes, so
        # that re-assigning repairs an editor whose State page came later.
        if user.groups.filter(pk=group.pk).exists() == holds:
            _sync_state_editing(user, by=by)
            return False
        (user.groups.add if holds else user.groups.remove)(group)
        record(
            action, actor=by, target=user, request=request, details={"role": role.value}
        )
        _sync_state_editing(user, by=by)
    return True


def set_groups(
    user: User,
    groups: Iterable[Group],
    *,
    by: User | None,
    request: HttpRequest | None = None,
) -> bool:
    """Make `groups` the groups of `user` (the Wagtail user editor saves through
    this); returns False when nothing changed. Never one's own groups."""
    from django.contrib.auth.models import Group

    wanted = {g.pk for g in groups}
    held = set(user.groups.values_list("pk", flat=True)) if user.pk else set()
    added, removed = wanted - held, held - wanted
    if not added and not removed:
        return False
    names = dict(Group.objects.filter(pk__in=added | removed).values_list("pk", "name"))
    details = {
        "added": sorted(names[pk] for pk in added),
        "removed": sorted(names[pk] for pk in removed),
    }
    refuse_self_change(
        user, by=by, action="accounts.groups_changed", request=request, **details
    )
    with transaction.atomic(), authorised():
        if removed:
            user.groups.remove(*removed)
        if added:
            user.groups.add(*added)
        record(
            "accounts.groups_changed",
            actor=by,
            target=user,
            request=request,
            details=details,
        )
        _sync_state_editing(user, by=by)
    return True


def set_superuser(
    user: User,
    is_superuser: bool,
    *,
    by: User | None,
    request: HttpRequest | None = None,
) -> bool:
    """Give or take superuser status (Wagtail's "Administrator"); never one's own.

    A superuser administers the CMS; the exchange policy gives it nothing."""
    if user.pk is not None:
        user.is_superuser = User.objects.values_list("is_superuser", flat=True).get(
            pk=user.pk
        )
    if user.is_superuser == is_superuser:
        return False
    refuse_self_change(
        user,
        by=by,
        action="accounts.superuser_changed",
        request=request,
        is_superuser=is_superuser,
    )
    with transaction.atomic(), authorised():
        user.is_superuser = is_superuser
        user.save(update_fields=["is_superuser"])
        record(
            "accounts.superuser_changed",
            actor=by,
            target=user,
            request=request,
            details={"is_superuser": is_superuser},
        )
    return True


def _sync_state_editing(user: User, *, by: User | None) -> None:
    """Editors and focal points edit their own State's pages, and nobody else does."""
    from practices.permissions import (
        STATE_GROUP_PREFIX,
        NoStateToEdit,
        grant_state_editing,
        revoke_state_editing,
    )

    if any(has_role(user, r) for r in (Role.STATE_EDITOR, Role.FOCAL_POINT)):
        # Without a State page yet there is nothing to grant: the demo loader and the
        # secretariat create State pages before assigning editors.
        with contextlib.suppress(NoStateToEdit):
            grant_state_editing(user, by=by)
    elif user.groups.filter(name__startswith=STATE_GROUP_PREFIX).exists():
        revoke_state_editing(user, by=by)
