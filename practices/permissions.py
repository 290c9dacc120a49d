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
        details={"group": group.pk},
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
        details={"groups": [g.pk for g in groups]},
    )
    return len(groups)


# Everything the admin counts as having a page permission (as Wagtail's explorer).
ADMIN_PAGE_ACTIONS = ("add", "change", "publish", "lock", "unlock", "bulk_delete")


def pages_workable_in_admin(user):
    """The ids of the pages `user` holds a page permission on (their drafts too)."""
    from wagtail.models import Page
    from wagtail.permissions import page_permission_policy

    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Page.objects.none().values_list("pk", flat=True)
    return page_permission_policy.instances_user_has_any_permission_for(
        user, ADMIN_PAGE_ACTIONS
    ).values_list("pk", flat=True)


def pages_visible_in_admin(user):
    """The pages whose titles the admin may show `user`: the pages they may work on,
    and every live, public page.

    Another State's drafts and view-restricted pages stay out of the choosers,
    listings, reports and suggestions of the State editors; the secretariat,
    whose page permissions cover every State page, sees them all.
    """
    from django.db.models import Q

    from wagtail.models import Page

    public = Page.objects.live().public().values("pk")
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Page.objects.filter(pk__in=public)
    if user.is_superuser:
        return Page.objects.all()
    workable = pages_workable_in_admin(user)
    return Page.objects.filter(Q(pk__in=public) | Q(pk__in=workable))


def tags_visible_in_admin(user):
    """The tags the admin may suggest to `user`: those of pages visible to them and
    of images and documents they may choose."""
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Q

    from wagtail.documents import get_document_model
    from wagtail.documents.permissions import permission_policy as document_policy
    from wagtail.images import get_image_model
    from wagtail.images.permissions import permission_policy as image_policy

    from taggit.models import Tag

    from practices.models import GoodPracticePage

    pages = GoodPracticePage.objects.filter(
        pk__in=pages_visible_in_admin(user).values("pk")
    ).values("pk")
    visible = Q(practices_goodpracticepagetag_items__content_object__in=pages)
    for model, policy in (
        (get_image_model(), image_policy),
        (get_document_model(), document_policy),
    ):
        choosable = policy.instances_user_has_any_permission_for(
            user, ["choose", "change"]
        ).values("pk")
        visible |= Q(
            taggit_taggeditem_items__content_type=ContentType.objects.get_for_model(
                model
            ),
            taggit_taggeditem_items__object_id__in=choosable,
        )
    return Tag.objects.filter(pk__in=Tag.objects.filter(visible).values("pk"))


def page_visible_to(request, page) -> bool:
    """May the person making `request` see `page`: live and its view restrictions
    passed (signed in, or the password given), or a page they may work on."""
    if page.live and all(
        restriction.accept_request(request)
        for restriction in page.get_view_restrictions()
    ):
        return True
    return pages_visible_in_admin(request.user).filter(pk=page.pk).exists()


def _media_visible_to(request, item, policy) -> bool:
    from wagtail.models import Page, ReferenceIndex

    user = request.user
    if getattr(user, "is_authenticated", False) and (
        policy.user_has_any_permission_for_instance(user, ["change", "choose"], item)
    ):
        return True
    return any(
        isinstance(source, Page) and page_visible_to(request, source)
        for source, _references in ReferenceIndex.get_grouped_references_to(item)
    )


def document_visible_to(request, document) -> bool:
    """A document is served to those who may manage it in its collection, and to
    those who may see a page that uses it.

    A document that no page uses, or that only drafts and restricted pages use, is
    therefore private to its State's editors (and the secretariat, which sees every
    page) until a page using it is published. (Wagtail's own hook checks the
    collection's view restrictions.)
    """
    from wagtail.documents.permissions import permission_policy as document_policy

    return _media_visible_to(request, document, document_policy)


def image_visible_to(request, image) -> bool:
    """The same rule for an image, whose renditions the portal serves; its
    collection's view restrictions apply too."""
    from wagtail.images.permissions import permission_policy as image_policy

    if not all(
        restriction.accept_request(request)
        for restriction in image.collection.get_view_restrictions()
    ):
        return False
    return _media_visible_to(request, image, image_policy)
