"""The exchange policy: who may see what. Every channel asks here, and only here.

A user may see restricted material only when all hold (see docs/exchange-policy.md):
1. the account is active, vetted, and the vetting has not expired;
2. the session has been verified with a second factor;
3. clearance >= the material's tier;
4. the material is neither revoked nor past its expiry;
5. the user is reached by its sharing (their State, one of their groups, or by name;
   highly_confidential only by name).

`Viewer` captures conditions 1-3 and the principals of condition 5 once per request,
so that object checks, querysets and search filters all start from the same facts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q

from portal.tiers import TIER_ORDER, Tier


@dataclass(frozen=True)
class Viewer:
    """What the policy needs to know about the person behind a request."""

    user_id: int | None = None
    state_id: int | None = None
    group_ids: frozenset[int] = field(default_factory=frozenset)
    # Tiers above public this viewer may see; empty unless vetted, verified and cleared.
    restricted_tiers: tuple[str, ...] = ()

    @property
    def is_cleared(self) -> bool:
        return bool(self.restricted_tiers)

    def may_see_tier(self, tier: str) -> bool:
        return tier == Tier.PUBLIC or tier in self.restricted_tiers


ANONYMOUS = Viewer()


def viewer_for_user(user, *, verified: bool) -> Viewer:
    """The policy's view of `user`; `verified`: the session passed a second factor."""
    if user is None or not user.is_authenticated or not user.is_active:
        return ANONYMOUS
    group_ids = frozenset(_group_ids(user))
    restricted: tuple[str, ...] = ()
    if verified and user.is_vetted():
        restricted = tuple(
            t for t in Tier.at_or_below(user.clearance) if t != Tier.PUBLIC
        )
    return Viewer(
        user_id=user.pk,
        state_id=user.state_id,
        group_ids=group_ids,
        restricted_tiers=restricted,
    )


def viewer_for(request) -> Viewer:
    """The policy's view of the person behind `request` (anonymous when signed out)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ANONYMOUS
    return viewer_for_user(user, verified=bool(user.is_verified()))


def _group_ids(user) -> set[int]:
    from exchange.models import PartnerGroup

    query = Q(members=user)
    if user.state_id:
        query |= Q(states=user.state_id)
    return set(PartnerGroup.objects.filter(query).values_list("pk", flat=True))


def tiers_visible_to(viewer: Viewer) -> list[str]:
    """Every tier `viewer` may see, public included, in policy order."""
    return [t for t in TIER_ORDER if viewer.may_see_tier(t)]


# ---------------------------------------------------------------------------
# Rooms
#
# A coordination room is seen by the members of its partner group (by State or by
# name) who are cleared (vetted, unexpired, verified session) for the room's tier,
# while the room is not archived. Messages, presence and mentions of a room are seen
# exactly by those who may enter it. Channels ask here and only here.
# ---------------------------------------------------------------------------


def can_enter_room(viewer: Viewer, room) -> bool:
    """May `viewer` see `room`, its messages and who is in it?"""
    return bool(
        room is not None
        and viewer.user_id is not None
        and viewer.is_cleared
        and room.archived_at is None
        and room.group_id in viewer.group_ids
        and viewer.may_see_tier(room.tier)
    )


def visible_rooms(viewer: Viewer):
    """Every room `viewer` may enter, as a queryset."""
    from exchange.coordination.models import Room

    if viewer.user_id is None or not viewer.is_cleared:
        return Room.objects.none()
    return Room.objects.filter(
        group_id__in=viewer.group_ids,
        tier__in=tiers_visible_to(viewer),
        archived_at__isnull=True,
    )


def get_visible_room_or_404(viewer: Viewer, room_id: int):
    """The room, or Http404 whether it is missing or hidden from `viewer`."""
    from django.http import Http404

    room = visible_rooms(viewer).select_related("group").filter(pk=room_id).first()
    if room is None:
        raise Http404("No such room.")
    return room


def visible_notifications(viewer: Viewer):
    """The viewer's own notifications, less those pointing at what they cannot see."""
    from exchange.coordination.models import Notification

    if viewer.user_id is None:
        return Notification.objects.none()
    return Notification.objects.filter(user_id=viewer.user_id).filter(
        Q(room__isnull=True) | Q(room__in=visible_rooms(viewer))
    )


def can_see_notification(viewer: Viewer, notification) -> bool:
    """The object check matching `visible_notifications`."""
    if viewer.user_id is None or notification.user_id != viewer.user_id:
        return False
    return notification.room_id is None or can_enter_room(viewer, notification.room)
