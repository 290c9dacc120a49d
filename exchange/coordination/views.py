"""HTTP views of live coordination: everything the sockets carry, under the same policy.

Thin: the policy decides what exists for the viewer (404 otherwise), the actions write.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from asgiref.sync import async_to_sync

from exchange.coordination import actions, conf, live
from exchange.coordination.forms import OpenRoomForm, RoomTierForm
from exchange.coordination.models import Message, ReadMarker, Room
from exchange.coordination.payloads import (
    display_name,
    message_payload,
    notification_payload,
)
from exchange.policy import (
    get_visible_room_or_404,
    tiers_visible_to,
    viewer_for,
    visible_notifications,
    visible_rooms,
)
from portal.accounts.decorators import role_required
from portal.accounts.roles import Role
from portal.accounts.twofactor import second_factor_url
from portal.api.views import not_found_json
from portal.tiers import highest


def _room_or_404(request, room_id: int):
    viewer = viewer_for(request)
    try:
        return viewer, get_visible_room_or_404(viewer, room_id)
    except Http404:
        actions.record_denied_entry(request.user, room_id, channel="http")
        raise


def _json_not_found(view):
    """The JSON endpoints answer the policy's 404 in JSON, as the API documents it
    (docs/api.md), rather than with the HTML page."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except Http404:
            return not_found_json()

    return wrapper


def _int_param(request, name: str) -> int | None:
    value = request.GET.get(name)
    if value in (None, ""):
        return None
    if not value.isdigit():
        raise ValueError(name)
    return int(value)


@login_required
@require_GET
def room_list(request):
    viewer = viewer_for(request)
    rooms = list(visible_rooms(viewer).select_related("group"))
    markers = dict(
        ReadMarker.objects.filter(user_id=viewer.user_id, room__in=rooms).values_list(
            "room_id", "last_read_id"
        )
    )
    for room in rooms:
        room.unread = room.messages.filter(
            deleted_at__isnull=True, pk__gt=markers.get(room.pk, 0)
        ).count()
    return render(
        request,
        "coordination/room_list.html",
        {
            "rooms": rooms,
            "classification": highest(room.tier for room in rooms),
            "cleared": viewer.is_cleared,
            "verified": request.user.is_verified(),
            "second_factor_url": second_factor_url(request.user, request.path),
        },
    )


@login_required
@require_GET
def room_detail(request, room_id: int):
    viewer, room = _room_or_404(request, room_id)
    marker = ReadMarker.objects.filter(user_id=viewer.user_id, room=room).first()
    return render(
        request,
        "coordination/room.html",
        {
            "room": room,
            "classification": room.tier,
            "last_read_id": marker.last_read_id if marker else 0,
            "edit_window": conf.get("COORDINATION_EDIT_WINDOW_SECONDS"),
            "max_chars": conf.get("COORDINATION_MAX_MESSAGE_CHARS"),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
@_json_not_found
def room_messages(request, room_id: int):
    """GET: history, newest page first (`before`) or what came after (`after`).
    POST: post a message (the form without script, or JSON clients)."""
    viewer, room = _room_or_404(request, room_id)
    if request.method == "POST":
        return _post_message(request, viewer, room)
    try:
        before = _int_param(request, "before")
        after = _int_param(request, "after")
        limit = min(
            _int_param(request, "limit") or conf.get("COORDINATION_PAGE_SIZE"),
            conf.get("COORDINATION_PAGE_SIZE"),
        )
    except ValueError as error:
        if str(error) == "limit":
            text = _('"limit" must be a number of messages.')
        else:
            text = _('"%(name)s" must be a message id.') % {"name": error}
        return JsonResponse({"error": text}, status=400)
    # Messages keep the tier they were posted at: those above the viewer (from
    # before the room's tier was lowered) are not theirs to read.
    history = Message.objects.filter(
        room=room, tier__in=tiers_visible_to(viewer)
    ).select_related("author", "document")
    if after is not None:
        # Catch-up after a reconnect: oldest first, from just after `after`.
        page = list(history.filter(pk__gt=after).order_by("pk")[: limit + 1])
        has_more = len(page) > limit
        page = page[:limit]
    else:
        if before is not None:
            history = history.filter(pk__lt=before)
        page = list(history.order_by("-pk")[: limit + 1])
        has_more = len(page) > limit
        page = list(reversed(page[:limit]))
    marker = ReadMarker.objects.filter(user_id=viewer.user_id, room=room).first()
    unseen = actions.unseen_counts(room, page, viewer)
    return JsonResponse(
        {
            "room": room.pk,
            "messages": [
                message_payload(m, viewer, unseen=unseen.get(m.pk)) for m in page
            ],
            "has_more": has_more,
            "last_read_id": marker.last_read_id if marker else 0,
        }
    )


def _post_message(request, viewer, room):
    wants_json = "application/json" in request.headers.get("Accept", "")
    try:
        message = actions.post_message(
            viewer,
            room.pk,
            request.POST.get("body", ""),
            request.POST.get("document") or None,
        )
    except actions.InvalidMessage as error:
        if wants_json:
            return JsonResponse({"error": str(error)}, status=400)
        return HttpResponseBadRequest(str(error))
    if wants_json:
        return JsonResponse({"message": message_payload(message, viewer)}, status=201)
    return redirect(f"/coordination/rooms/{room.pk}/#message-{message.pk}")


@require_POST
@login_required
@_json_not_found
def room_read(request, room_id: int):
    viewer, room = _room_or_404(request, room_id)
    try:
        message_id = int(request.POST.get("id", ""))
    except ValueError:
        return JsonResponse({"error": _('"id" must be a message id.')}, status=400)
    return JsonResponse(
        {"last_read_id": actions.mark_read(viewer, room.pk, message_id)}
    )


@require_GET
@login_required
@_json_not_found
def room_presence(request, room_id: int):
    _, room = _room_or_404(request, room_id)
    try:
        ids = async_to_sync(live.present_user_ids)(room.pk)
    except live.LIVE_ERRORS:
        # Redis is down: who is here is unknown, which is not "nobody".
        return JsonResponse({"users": [], "available": False})
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(pk__in=ids).order_by("first_name")
    return JsonResponse(
        {
            "users": [{"id": u.pk, "name": display_name(u)} for u in users],
            "available": True,
        }
    )


@login_required
@require_http_methods(["GET", "POST"])
def notification_list(request):
    viewer = viewer_for(request)
    if request.method == "POST":
        actions.mark_notifications_read(request.user)
        return redirect("coordination:notifications")
    notifications = list(
        visible_notifications(viewer).select_related("room", "document")[:100]
    )
    shown = [n.document.tier for n in notifications if n.document is not None]
    shown += [n.room.tier for n in notifications if n.room is not None]
    return render(
        request,
        "coordination/notification_list.html",
        {
            "notifications": notifications,
            "classification": highest(shown),
            # Before the second factor the policy hides what rooms and documents
            # are about: say so rather than "No notifications".
            "verified": request.user.is_verified(),
            "second_factor_url": second_factor_url(request.user, request.path),
        },
    )


@require_GET
@login_required
def notification_feed(request):
    viewer = viewer_for(request)
    notifications = visible_notifications(viewer)
    return JsonResponse(
        {
            "unread": notifications.filter(read_at__isnull=True).count(),
            "notifications": [notification_payload(n) for n in notifications[:20]],
        }
    )


@role_required(Role.SECRETARIAT)
@require_http_methods(["GET", "POST"])
def manage_rooms(request):
    """The secretariat opens and archives rooms; it sees their names, not their
    messages (no content access by role alone)."""
    form = OpenRoomForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        room = actions.open_room(
            form.cleaned_data["group"],
            by=request.user,
            name=form.cleaned_data["name"],
            tier=form.cleaned_data["tier"],
        )
        messages.success(request, _("Room opened: %(room)s.") % {"room": room})
        return redirect("coordination:manage")
    return _manage_rooms_page(request, form)


def _manage_rooms_page(request, form, tier_form=None, status: int = 200):
    rooms = list(
        Room.objects.select_related("group").order_by(
            "group__name", "archived_at", "-is_default", "name"
        )
    )
    for room in rooms:
        bound = tier_form is not None and tier_form.room.pk == room.pk
        # The page's form for each room, read by the template.
        room.tier_form = tier_form if bound else RoomTierForm(room=room)  # type: ignore[attr-defined]
    return render(
        request,
        "coordination/manage_rooms.html",
        {"form": form, "rooms": rooms},
        status=status,
    )


@role_required(Role.SECRETARIAT)
@require_POST
def change_room_tier(request, room_id: int):
    """Raise or lower a room's tier; lowering asks why (kept in the audit)."""
    room = Room.objects.filter(pk=room_id, archived_at__isnull=True).first()
    if room is None:
        raise Http404("No such room.")
    form = RoomTierForm(request.POST, room=room)
    if form.is_valid():
        try:
            actions.change_room_tier(
                room,
                form.cleaned_data["tier"],
                by=request.user,
                justification=form.cleaned_data["justification"],
            )
        except actions.InvalidMessage as error:
            form.add_error(None, str(error))
        else:
            room.refresh_from_db()
            messages.success(
                request,
                _("%(room)s is now %(tier)s.")
                % {"room": room, "tier": room.get_tier_display()},
            )
            return redirect("coordination:manage")
    return _manage_rooms_page(request, OpenRoomForm(), form, status=400)


@role_required(Role.SECRETARIAT)
@require_POST
def archive_room(request, room_id: int):
    room = Room.objects.filter(pk=room_id, archived_at__isnull=True).first()
    if room is None:
        raise Http404("No such room.")
    actions.archive_room(room, by=request.user)
    messages.success(request, _("Room archived: %(room)s.") % {"room": room})
    return redirect("coordination:manage")
