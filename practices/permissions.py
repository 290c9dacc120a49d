"""Per-State editing rights: one Wagtail group per State, on its pages and collection.

State editors and focal points draft under their own State page only; they may not
publish (the secretariat's approval in the moderation workflow publishes), and they
upload images and documents into their State's collection only.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission

from portal.accounts.guard import authorised
from portal.accounts.roles import Role, has_role
from portal.audit.actions import record

STATE_GROUP_PREFIX = "Editors: "
# Editors add and change pages; publishing is left to the moderation workflow.
STATE_PAGE_PERMISSIONS = ("add_page", "change_page")
STATE_COLLECTION_PERMISSIONS = (
    ("wagtailimages", "add_image"),
    ("wagtailimages", "change_image"),
    ("wagtailimages", "choose_image"),
    ("wagtaildocs", "add_document"),
    ("wagtaildocs", "change_document"),
    ("wagtaildocs", "choose_document"),
)
EDITING_ROLES = (Role.STATE_EDITOR, Role.FOCAL_POINT)


class NoStateToEdit(Exception):
    """The user holds no editing role, or belongs to no State with a page."""


def state_group_name(state) -> str:
    return f"{STATE_GROUP_PREFIX}{state.name}"


def _permission(app_label: str, codename: str) -> Permission:
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def access_admin_permission() -> Permission:
    return _permission("wagtailadmin", "access_admin")


def ensure_state_collection(state) -> Collection:
    root = Collection.get_first_root_node()
    existing = root.get_children().filter(name=state.name).first()
    return existing or root.add_child(name=state.name)


@transaction.atomic
def ensure_state_editing(state_page) -> Group:
    """Create (or repair) the State's group, its collection and their permissions."""
    state = state_page.state
    wanted = [("wagtailadmin", "access_admin")]
    wanted += [("wagtailcore", c) for c in STATE_PAGE_PERMISSIONS]
    wanted += list(STATE_COLLECTION_PERMISSIONS)
    # One query for every permission needed, rather than one per grant.
    permissions = {
        (p.content_type.app_label, p.codename): p
        for p in Permission.objects.filter(
            codename__in=[codename for _, codename in wanted]
        ).select_related("content_type")
    }
    group, _ = Group.objects.get_or_create(name=state_group_name(state))
    group.permissions.add(permissions[("wagtailadmin", "access_admin")])
    for codename in STATE_PAGE_PERMISSIONS:
        GroupPagePermission.objects.get_or_create(
            group=group,
            page_id=state_page.pk,
            permission=permissions[("wagtailcore", codename)],
        )
    collection = state_page.collection or ensure_state_collection(state)
    if state_page.collection_id != collection.pk:
        type(state_page).objects.filter(pk=state_page.pk).update(collection=collection)
        state_page.collection = collection
    for app_label, codename in STATE_COLLECTION_PERMISSIONS:
        GroupCollectionPermission.objects.get_or_create(
            group=group,
            collection=collection,
            permission=permissions[(app_label, codename)],
        )
    return group


@transaction.atomic
def grant_state_editing(user, *, by=None) -> Group:
    """Put an editor or focal point into their own State's editors' group.

    Raises NoStateToEdit when the user holds neither role or their State has no
    page yet; any other State's group the user was in is left (revoked first).
    """
    from practices.models import StatePage

    if not any(has_role(user, role) for role in EDITING_ROLES):
        raise NoStateToEdit(f"{user} is neither a State editor nor a focal point.")
    state_page = StatePage.objects.filter(state_id=user.state_id).first()
    if user.state_id is None or state_page is None:
        raise NoStateToEdit(f"{user} belongs to no State with a State page.")
    group = ensure_state_editing(state_page)
    stale = user.groups.filter(name__startswith=STATE_GROUP_PREFIX).exclude(pk=group.pk)
    with authorised():  # derived from the roles, and recorded below
        user.groups.remove(*stale)
        user.groups.add(group)
    record(
        "practices.grant_state_editing",
        actor=by,
        target=user,
        details={"group": group.name},
    )
    return group


@transaction.atomic
def revoke_state_editing(user, *, by=None) -> int:
    """Remove the user from every State editors' group; returns how many."""
    groups = list(user.groups.filter(name__startswith=STATE_GROUP_PREFIX))
    with authorised():  # derived from the roles, and recorded below
        user.groups.remove(*groups)
    record(
        "practices.revoke_state_editing",
        actor=by,
        target=user,
        details={"groups": [g.name for g in groups]},
    )
    return len(groups)
