"""The portal's roles, as Django groups; a user may hold several."""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    STATE_EDITOR = "State editor"
    FOCAL_POINT = "State focal point"
    SECRETARIAT = "Secretariat"
    VETTED_EXPERT = "Vetted expert"
    SECURITY_OFFICER = "Security officer"


def has_role(user, role: Role | str) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return role_groups_of(user, role).exists()


def role_groups_of(user, role: Role | str):
    """The queryset of `role`'s group among the groups of `user` (a user or their
    id); empty if not held."""
    from django.contrib.auth.models import Group

    return Group.objects.filter(user=user, name=str(role))


def role_group(role: Role | str):
    """The Django group of a role (the data migration creates all five)."""
    from django.contrib.auth.models import Group

    group, _ = Group.objects.get_or_create(name=str(role))
    return group


def roles_of(user) -> list[str]:
    if not getattr(user, "is_authenticated", False):
        return []
    names = set(user.groups.values_list("name", flat=True))
    return [role.value for role in Role if role.value in names]
