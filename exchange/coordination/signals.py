"""Signal receivers: rooms for new groups, rechecks pushed to open sockets, and the
notifications other apps' events give rise to.

Anything that can change what a user may see (group membership by name or by State,
the user's vetting, clearance, State or activity, their second-factor devices, a
logout) asks the affected open sockets to re-ask the policy, which closes those that
lost access at once.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete

from exchange.coordination.events import (
    recheck_rooms,
    recheck_users,
    room_group,
    send_now,
    user_group,
)
from exchange.coordination.models import Notification, Room


def connect() -> None:
    from wagtail.signals import workflow_approved, workflow_rejected

    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from exchange.models import PartnerGroup
    from exchange.signals import document_changed

    post_save.connect(_group_saved, sender=PartnerGroup, dispatch_uid="coord-group")
    pre_delete.connect(
        _group_deleted, sender=PartnerGroup, dispatch_uid="coord-group-del"
    )
    for through in (PartnerGroup.members.through, PartnerGroup.states.through):
        m2m_changed.connect(
            _membership_changed, sender=through, dispatch_uid=f"coord-m2m-{through}"
        )
    post_save.connect(_user_saved, sender=get_user_model(), dispatch_uid="coord-user")
    user_logged_out.connect(_user_logged_out, dispatch_uid="coord-logout")
    from portal.accounts.signals import sessions_ended  # "sign out everywhere"

    sessions_ended.connect(_sessions_ended, dispatch_uid="coord-sessions-ended")
    for device in (StaticDevice, TOTPDevice):
        post_delete.connect(
            _device_changed, sender=device, dispatch_uid=f"coord-dev-del-{device}"
        )
        post_save.connect(
            _device_changed, sender=device, dispatch_uid=f"coord-dev-{device}"
        )
    document_changed.connect(_document_changed, dispatch_uid="coord-document")
    workflow_approved.connect(_workflow_approved, dispatch_uid="coord-wf-ok")
    workflow_rejected.connect(_workflow_rejected, dispatch_uid="coord-wf-no")


def _group_saved(sender, instance, created, raw=False, **kwargs) -> None:
    if created and not raw:
        from exchange.coordination.actions import ensure_group_room

        ensure_group_room(instance)


def _group_deleted(sender, instance, **kwargs) -> None:
    recheck_rooms(
        list(Room.objects.filter(group=instance).values_list("pk", flat=True)),
        "group deleted",
    )


def _membership_changed(sender, instance, action, pk_set, reverse, model, **kwargs):
    if action not in {"post_add", "post_remove", "pre_clear", "post_clear"}:
        return
    from exchange.models import PartnerGroup

    if isinstance(instance, PartnerGroup):
        group_ids = [instance.pk]
    elif pk_set:
        group_ids = list(pk_set)
    else:  # user.partner_groups.clear() / state.partner_groups.clear()
        group_ids = list(PartnerGroup.objects.values_list("pk", flat=True))
    recheck_rooms(
        list(Room.objects.filter(group_id__in=group_ids).values_list("pk", flat=True)),
        "membership changed",
    )


def _user_saved(sender, instance, created, raw=False, **kwargs) -> None:
    if not created and not raw:
        recheck_users([instance.pk], "account changed")


def _user_logged_out(sender, request=None, user=None, **kwargs) -> None:
    if user is not None:
        recheck_users([user.pk], "signed out")


def _sessions_ended(sender, user=None, **kwargs) -> None:
    if user is not None:
        recheck_users([user.pk], "sessions ended")


def _device_changed(sender, instance, **kwargs) -> None:
    if instance.user_id:
        recheck_users([instance.user_id], "devices changed")


def _document_changed(sender, document, kind, **kwargs) -> None:
    if kind in {"created", "shared"}:
        from exchange.coordination.actions import notify_document_shared

        notify_document_shared(document)
    if kind in WITHDRAWING_KINDS:
        announce_document_change(document.pk)


# Changes after which someone may no longer see a document: the rooms that show it
# are told at once (this runs after the change committed).
WITHDRAWING_KINDS = {"shared", "tier_changed", "revoked", "expiry_set"}


def announce_document_change(document_id: int) -> None:
    """Ask every socket that may show the document to re-ask the policy for it:
    those open on a room that references it, and the notification sockets of
    whoever was notified of it. Each withdraws it from a viewer who lost it."""
    from exchange.coordination.models import Message

    rooms = (
        Message.objects.filter(document_id=document_id, deleted_at__isnull=True)
        .values_list("room_id", flat=True)
        .distinct()
    )
    for room_id in rooms:
        send_now(
            room_group(room_id),
            {"type": "document.changed", "document_id": document_id},
        )
    holders = (
        Notification.objects.filter(document_id=document_id)
        .values_list("user_id", flat=True)
        .distinct()
    )
    for user_id in holders:
        send_now(
            user_group(user_id),
            {"type": "notifications.changed", "document_id": document_id},
        )


def announce_expired_documents(*, now=None) -> list[int]:
    """Announce the documents whose expiry passed and was not yet announced, as if
    each had changed: an expiry needs no write, so nothing else tells open screens.

    Run every minute (`manage.py announce_expiries`, the `portal-expiries` timer);
    the heartbeat of every socket re-asks as a backstop. Which expiries were told is
    kept on each document (`expiry_announced`), not as the time of the last run: a
    time mark ahead of the clock that set a later expiry (a clock stepped back, two
    servers a little apart) or lost with the cache would hide that expiry. A
    document announced and then given a new expiry is announced again when that
    one passes; a repeat is harmless (sockets send only what they have not yet
    withdrawn).
    """
    from django.utils import timezone

    from exchange.models import Document

    now = now or timezone.now()
    due = list(
        Document.objects.filter(expires_at__lte=now, expiry_announced=False)
        .order_by("pk")
        .values_list("pk", "expires_at")
    )
    for document_id, _ in due:
        announce_document_change(document_id)
    # Marked after telling: a run that fails in between tells again next minute.
    # Only the expiry that was told: one set again meanwhile stays to be told.
    for document_id, expires_at in due:
        Document.objects.filter(pk=document_id, expires_at=expires_at).update(
            expiry_announced=True
        )
    return [document_id for document_id, _ in due]


def _page_owner(workflow_state):
    page = workflow_state.content_object
    owner = getattr(page, "owner", None) or workflow_state.requested_by
    return page, owner


def _workflow_approved(sender, instance, user=None, **kwargs) -> None:
    _notify_workflow(instance, Notification.Kind.PRACTICE_APPROVED, "approved")


def _workflow_rejected(sender, instance, user=None, **kwargs) -> None:
    _notify_workflow(instance, Notification.Kind.PRACTICE_REJECTED, "returned")


def _notify_workflow(workflow_state, kind: str, verb: str) -> None:
    from exchange.coordination.actions import notify

    page, owner = _page_owner(workflow_state)
    if owner is None or page is None:
        return
    title = f'"{page.get_admin_display_title()}" was {verb} by the moderators'
    url = f"/admin/pages/{page.pk}/edit/"
    notify(owner, kind, title, url)
