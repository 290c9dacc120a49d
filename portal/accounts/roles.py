"""The portal's roles, as Django groups; a user may hold several."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, Group
    from django.db.models import QuerySet

    from portal.accounts.models import User


class Role(models.TextChoices):
    STATE_EDITOR = "State editor"
    FOCAL_POINT = "State focal point"
    SECRETARIAT = "Secretariat"
    VETTED_EXPERT = "Vetted expert"
    SECURITY_OFFICER = "Security officer"


def has_role(user: User | AnonymousUser | None, role: Role | str) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return role_groups_of(user, role).exists()


def role_groups_of(user: User | int, role: Role | str) -> QuerySet[Group]:
    """The queryset of `role`'s group among the groups of `user` (a user or their
    id); empty if not held."""
    from django.contrib.auth.models import Group

    return Group.objects.filter(user=user, name=str(role))


def role_group(role: Role | str) -> Group:
    """The Django group of a role (the data migration creates all five)."""
    from django.contrib.auth.models import Group

    group, _ = Group.objects.get_or_create(name=str(role))
    return group


def roles_of(user: User | AnonymousUser | None) -> list[str]:
    if user is None or not user.is_authenticated:
        return []
    names = set(user.groups.values_list("name", flat=True))
    return [role.value for role in Role if role.value in names]
